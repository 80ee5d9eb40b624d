import type { AmfValue } from './amf0.js';

/** Why a publish/play was refused; picks the onStatus code. */
export type RefusalStatus = 'BadName' | 'Unauthorized' | 'NotFound';

/**
 * The onStatus code a client sees for a refusal. Flash-era clients and ffmpeg only look at the
 * level ('error') and print the description, so the codes follow FMS's vocabulary.
 */
export function refusalCode(kind: 'publish' | 'play', status: RefusalStatus): string {
  if (kind === 'publish')
    return status === 'Unauthorized' ? 'NetStream.Publish.Unauthorized' : 'NetStream.Publish.BadName';
  return status === 'NotFound' ? 'NetStream.Play.StreamNotFound' : 'NetStream.Play.Failed';
}

/** The properties and information objects of the `_result` to `connect`. */
export function connectResult(objectEncoding: number): [AmfValue, AmfValue] {
  return [
    // FMS 3.5's version string: some clients gate features on it.
    { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 },
    {
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded.',
      objectEncoding,
    },
  ];
}
