/**
 * Two SDK engines (Node adapter) in their own process, so that they trust a test CA the way a
 * deployment's clients trust a real one: through NODE_EXTRA_CA_CERTS, read at process start. Both log
 * in; the publisher asks for a push URL; the viewer reports when the stream goes live. One JSON line
 * per step on stdout; they stay logged in until stdin closes.
 * Args: JSON `{ server, appID, roomID, streamID, publisher: {userID, token}, viewer: {userID, token} }`.
 */
import { ZegoExpressEngine } from '@minirtc/sdk';

type User = { userID: string; token: string };
const a = JSON.parse(process.argv[2] ?? '{}') as {
  server: string;
  appID: number;
  roomID: string;
  streamID: string;
  publisher: User;
  viewer: User;
};
const say = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const pub = new ZegoExpressEngine(a.appID, a.server);
const viewer = new ZegoExpressEngine(a.appID, a.server);
viewer.on('roomStreamUpdate', (_roomID, type, list) => {
  if (type === 'ADD') say({ live: list.map((s) => s.streamID) });
});
try {
  const login = await pub.loginRoom(a.roomID, a.publisher.token, { userID: a.publisher.userID });
  const viewerLogin = await viewer.loginRoom(a.roomID, a.viewer.token, { userID: a.viewer.userID });
  const push = await pub.startPublishingStream(a.streamID);
  say({ login: login && viewerLogin, pushUrl: push.url });
} catch (e) {
  say({ login: false, error: String((e as Error).message ?? e) });
}
process.stdin.resume();
process.stdin.on('end', () => {
  pub.destroyEngine();
  viewer.destroyEngine();
  process.exit(0);
});
