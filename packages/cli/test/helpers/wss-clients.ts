import { type ChildProcess, spawn } from 'node:child_process';

const script = new URL('./wss-login.ts', import.meta.url).pathname;

/** The arguments of `wss-login.ts` (see there). */
export interface WssLoginArgs {
  server: string;
  appID: number;
  roomID: string;
  streamID: string;
  publisher: { userID: string; token: string };
  viewer: { userID: string; token: string };
}

/**
 * Starts `wss-login.ts` (two SDK engines in their own process) trusting `caFile` through
 * NODE_EXTRA_CA_CERTS, the way a deployment's clients trust a real CA. stdin piped (closing it ends
 * them), stdout piped (one JSON line per step), stderr inherited.
 */
export function spawnWssClients(args: WssLoginArgs, caFile: string): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
}
