/**
 * The audit of Alipay's `my.*` APIs that call apps and their SDKs touch (network, storage, system info,
 * network status, UI feedback, navigation, keep-screen-on, `<rtc-room>`): what the simulator refuses by
 * name, and which implemented APIs are synchronous. Everything implemented lives in my-api.ts; an API in
 * neither place is unknown to the simulator and throws naming itself too.
 */

/**
 * APIs the simulator deliberately does not emulate, with why and what to do instead. Calling one throws
 * a SimulatorError (code 200) carrying this text, so a scenario fails saying which API and why.
 */
export const REFUSED_APIS: Readonly<Record<string, string>> = {
  getAuthCode: 'needs an Alipay account; hand the user identity to the app through globalData',
  getOpenUserInfo: 'needs an Alipay account; hand the user identity to the app through globalData',
  getPhoneNumber: 'needs an Alipay account',
  tradePay: 'payments are out of scope',
  chooseImage: 'no camera roll in the simulator',
  chooseVideo: 'no camera roll in the simulator',
  uploadFile: 'no local files in the simulator',
  downloadFile: 'no local files in the simulator',
  saveFile: 'no local files in the simulator',
  getLocation: 'no location in the simulator',
  scan: 'no camera scanner in the simulator',
  createCameraContext: 'use <rtc-room>: its media is what the simulator emulates',
  createVideoContext: 'use <rtc-room>: its media is what the simulator emulates',
  createLivePusherContext: 'use <rtc-room>: its media is what the simulator emulates',
  createInnerAudioContext: 'no audio playback in the simulator',
  getRecorderManager: 'no microphone recording in the simulator; <rtc-room> pushes a tone',
  createSelectorQuery: 'nothing is laid out: there are no sizes or positions to query',
  pageScrollTo: 'nothing is laid out: there is nothing to scroll',
  connectBLEDevice: 'no Bluetooth in the simulator',
  openBluetoothAdapter: 'no Bluetooth in the simulator',
  showAuthGuide: 'permissions are always granted in the simulator (see getSetting)',
};

/** Implemented APIs that return their result directly; every other implemented function is async. */
export const SYNC_APIS: ReadonlySet<string> = new Set([
  'canIUse',
  'arrayBufferToBase64',
  'base64ToArrayBuffer',
  'createRtcRoomContext',
  'call',
  'connectSocket',
  'sendSocketMessage',
  'closeSocket',
  'getSystemInfoSync',
  'getStorageSync',
  'setStorageSync',
  'removeStorageSync',
  'clearStorageSync',
  'getStorageInfoSync',
  'getLaunchOptionsSync',
  'getEnterOptionsSync',
]);

/** Components the simulator renders or emulates, for `my.canIUse('<component>')`. */
export const KNOWN_COMPONENTS: ReadonlySet<string> = new Set([
  'view',
  'text',
  'button',
  'input',
  'textarea',
  'form',
  'label',
  'image',
  'scroll-view',
  'swiper',
  'switch',
  'checkbox',
  'radio',
  'rtc-room',
]);

/** Whether `name` is an async API: called without callbacks, it returns a Promise on the device. */
export function isAsyncApi(name: string, value: unknown): boolean {
  return (
    typeof value === 'function' &&
    !SYNC_APIS.has(name) &&
    !/^(on|off)[A-Z]/.test(name) &&
    !name.endsWith('Sync')
  );
}
