import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The development app `npm start` creates, kept in the data dir so its AppID/secret stay stable. */
export interface DevApp {
  appID: number;
  serverSecret: string;
}

function isDevApp(v: unknown): v is DevApp {
  const o = v as DevApp;
  return (
    typeof o === 'object' &&
    o !== null &&
    Number.isInteger(o.appID) &&
    o.appID > 0 &&
    typeof o.serverSecret === 'string' &&
    o.serverSecret.length === 32
  );
}

/** Reads `<dataDir>/dev-app.json`, or creates it with a fresh AppID and a 32-character ServerSecret. */
export function loadOrCreateDevApp(dataDir: string): DevApp {
  const file = join(dataDir, 'dev-app.json');
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isDevApp(v)) return v;
  } catch {
    // absent or unreadable: make a new one below
  }
  const app: DevApp = {
    appID: randomInt(100_000_000, 2_000_000_000),
    serverSecret: randomBytes(16).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(app, null, 2) + '\n', { mode: 0o600 });
  return app;
}

/** Reads the dev app if it exists. */
export function readDevApp(dataDir: string): DevApp | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dataDir, 'dev-app.json'), 'utf8'));
    return isDevApp(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
