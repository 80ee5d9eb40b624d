import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { type PeerCertificate, type TLSSocket, checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';

/** One finding of {@link checkDeployment}: `fix` says what to do when it is not ok. */
export interface Finding {
  level: 'ok' | 'warn' | 'fail';
  what: string;
  fix?: string;
}

/** What {@link checkDeployment} checks. */
export interface DeploymentTarget {
  /** `https://host[:port]` of the signaling server (or its TLS proxy). */
  url: string;
  /** Extra trusted CA (PEM file), for a private CA; the system's CAs otherwise. */
  caFile?: string;
  /** RTMP `host:port` the media cloud pushes to; default the URL's host and 1935. */
  rtmp?: string;
  /** Certificates expiring sooner than this warn; default 14 days. */
  warnDays?: number;
  /** Per-check time limit, ms; default 5000. */
  timeoutMs?: number;
}

const DAY = 86_400_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** The TLS handshake's verdict and the leaf certificate, without refusing a bad one (we report it). */
function handshake(
  host: string,
  port: number,
  ca: Buffer | undefined,
): Promise<{ authorized: boolean; error?: string; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = tlsConnect({
      host,
      port,
      servername: /^[\d.:]+$/.test(host) ? undefined : host,
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    s.once('secureConnect', () => {
      const cert = s.getPeerCertificate(true);
      const error = s.authorizationError ? String(s.authorizationError) : undefined;
      resolve({ authorized: s.authorized, ...(error ? { error } : {}), cert });
      s.end();
    });
    s.once('error', reject);
  });
}

function chainLength(cert: PeerCertificate & { issuerCertificate?: PeerCertificate }): number {
  let n = 1;
  let c = cert as PeerCertificate & { issuerCertificate?: PeerCertificate };
  while (c.issuerCertificate && c.issuerCertificate !== c && n < 10) {
    c = c.issuerCertificate as typeof c;
    n++;
  }
  return n;
}

/** Opens `wss://…/ws` and waits for the server's hello frame. */
function wssHello(url: string, ca: Buffer | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...(ca ? { ca } : {}), handshakeTimeout: 5000 });
    ws.once('message', () => {
      ws.close();
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} instead of 101`)));
    ws.once('error', reject);
  });
}

/** Sends the RTMP C0+C1 and expects S0 = version 3. */
function rtmpHandshake(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    s.once('connect', () => {
      const c1 = Buffer.alloc(1536);
      s.write(Buffer.concat([Buffer.from([3]), c1]));
    });
    s.once('data', (d: Buffer) => {
      s.destroy();
      if (d[0] === 3) resolve();
      else reject(new Error(`answered ${d.subarray(0, 4).toString('hex')}, not RTMP`));
    });
    s.once('error', reject);
  });
}

/** `Date` of the server's `/healthz` answer, and whether it is healthy. */
function healthz(
  url: string,
  ca: Buffer | undefined,
): Promise<{ status: number; date: number; rtt: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = request(new URL('/healthz', url), { ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          date: Date.parse(String(res.headers.date ?? '')),
          rtt: Date.now() - t0,
        }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Checks a deployment from the outside, as a phone and the media cloud will see it: the certificate
 * (chain trusted, name matches, expiry), the WSS upgrade at `/ws`, the RTMP port and the clock skew.
 */
export async function checkDeployment(t: DeploymentTarget): Promise<Finding[]> {
  const out: Finding[] = [];
  const u = new URL(t.url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const ms = t.timeoutMs ?? 5000;
  const warnDays = t.warnDays ?? 14;
  let ca: Buffer | undefined;
  if (t.caFile) ca = readFileSync(t.caFile);
  if (u.protocol !== 'https:') {
    out.push({
      level: 'fail',
      what: `${t.url} is not https`,
      fix: 'mini-programs only connect to https:// and wss:// servers: set tls.cert/tls.key or put a TLS proxy in front',
    });
  } else {
    try {
      const h = await withTimeout(handshake(host, port, ca), ms, 'TLS handshake');
      const leaf = h.cert;
      const left = Date.parse(leaf.valid_to) - Date.now();
      const days = Math.floor(left / DAY);
      if (h.authorized) {
        out.push({ level: 'ok', what: `certificate chain trusted (${chainLength(leaf)} certificates)` });
      } else if (h.error === 'CERT_HAS_EXPIRED') {
        // Reported below with the date; the chain verdict adds nothing.
      } else {
        out.push({
          level: 'fail',
          what: `certificate chain not trusted: ${h.error}`,
          fix: 'serve the full chain (leaf then intermediates) in tls.cert, from a CA phones trust',
        });
      }
      const nameErr = checkServerIdentity(host, leaf);
      out.push(
        nameErr
          ? {
              level: 'fail',
              what: `certificate name: ${nameErr.message}`,
              fix: `get a certificate for ${host}`,
            }
          : { level: 'ok', what: `certificate name matches ${host}` },
      );
      if (left <= 0) {
        out.push({
          level: 'fail',
          what: `certificate expired on ${leaf.valid_to}`,
          fix: 'renew it, replace tls.cert/tls.key and send SIGHUP (or wait for the file watcher)',
        });
      } else if (days < warnDays) {
        out.push({
          level: 'warn',
          what: `certificate expires in ${days} days (${leaf.valid_to})`,
          fix: 'renew now; the server picks up replaced files without a restart',
        });
      } else out.push({ level: 'ok', what: `certificate valid for ${days} more days` });
    } catch (e) {
      out.push({
        level: 'fail',
        what: `TLS to ${host}:${port}: ${why(e)}`,
        fix: 'check the host, the port and the firewall',
      });
    }
  }
  const wsUrl = `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}/ws`;
  try {
    await withTimeout(wssHello(wsUrl, ca), ms, 'WebSocket');
    out.push({ level: 'ok', what: `WebSocket upgrade at ${wsUrl}` });
  } catch (e) {
    out.push({
      level: 'fail',
      what: `WebSocket upgrade at ${wsUrl}: ${why(e)}`,
      fix: 'a proxy in front must pass Upgrade/Connection headers for /ws (see docs/deploy.md)',
    });
  }
  const [rh, rp] = (t.rtmp ?? `${host}:1935`).split(/:(?=\d+$)/);
  try {
    await withTimeout(rtmpHandshake(rh ?? host, Number(rp ?? 1935)), ms, 'RTMP');
    out.push({ level: 'ok', what: `RTMP answers at ${rh}:${rp}` });
  } catch (e) {
    out.push({
      level: 'fail',
      what: `RTMP at ${rh}:${rp}: ${why(e)}`,
      fix: "open the RTMP port to the internet: Alipay's media cloud pushes and pulls there",
    });
  }
  if (u.protocol === 'https:') {
    try {
      const h = await withTimeout(healthz(t.url, ca), ms, 'healthz');
      const skew = Math.abs(Date.now() - h.rtt / 2 - h.date) / 1000;
      if (h.status !== 200) {
        out.push({ level: 'fail', what: `/healthz answered ${h.status}`, fix: 'look at the server log' });
      }
      if (!Number.isFinite(skew)) {
        out.push({
          level: 'warn',
          what: 'no Date header: clock skew unknown',
          fix: 'a proxy should pass Date',
        });
      } else if (skew > 60) {
        out.push({
          level: 'fail',
          what: `clock skew ${skew.toFixed(0)} s`,
          fix: 'run NTP (systemd-timesyncd or chrony) on both: tokens and signed URLs carry expiry times',
        });
      } else if (skew > 5) {
        out.push({ level: 'warn', what: `clock skew ${skew.toFixed(0)} s`, fix: 'enable NTP on the server' });
      } else out.push({ level: 'ok', what: `clock skew ${skew.toFixed(0)} s` });
    } catch (e) {
      out.push({
        level: 'fail',
        what: `GET /healthz: ${why(e)}`,
        fix: 'check that MiniRTC runs behind this URL',
      });
    }
  }
  return out;
}

/** One line per finding: `ok   …`, `warn …  → fix`, `FAIL …  → fix`. */
export function formatFinding(f: Finding): string {
  const tag = f.level === 'ok' ? 'ok  ' : f.level === 'warn' ? 'warn' : 'FAIL';
  return `${tag} ${f.what}${f.level !== 'ok' && f.fix ? `  → ${f.fix}` : ''}`;
}
