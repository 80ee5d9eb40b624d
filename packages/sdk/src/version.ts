/** The SDK version reported by `getVersion()` and sent to the server at login. */
export const SDK_VERSION = '0.1.0';
