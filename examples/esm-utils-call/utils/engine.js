// One ZegoExpressEngine for the whole app, created on first use and shared by every page.
import { ZegoExpressEngine } from '../libs/ZegoExpressMiniProgram';

let engine = null;
let loggedIn = null;

export function getEngine() {
  if (engine === null) {
    const { appID, server } = getApp().globalData;
    engine = new ZegoExpressEngine(appID, server);
  }
  return engine;
}

// Logs in once per room, whichever page asks first.
export async function joinRoom(roomID) {
  const zg = getEngine();
  if (loggedIn === roomID) return zg;
  const { userID, token } = getApp().globalData;
  await zg.loginRoom(roomID, token, { userID, userName: userID });
  loggedIn = roomID;
  return zg;
}

export function resetEngine() {
  if (engine !== null) {
    if (loggedIn !== null) engine.logoutRoom(loggedIn);
    engine.destroyEngine();
  }
  engine = null;
  loggedIn = null;
}

export const STREAM_PREFIX = 'stream_';
