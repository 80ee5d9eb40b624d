/** Percentiles of a sample (nearest rank); null for an empty one. */
export function percentiles(values: number[]): { p50: number; p99: number; max: number } | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] as number };
}

/** What `minirtc loadtest` measured. Times in ms, memory in bytes; null when not measured. */
export interface LoadtestSummary {
  users: number;
  rooms: number;
  /** Signaling nodes the users were spread over. */
  nodes: number;
  rateAsked: number;
  loggedIn: number;
  failed: number;
  /** The first few distinct failure reasons. */
  errors: string[];
  login: { p50: number; p99: number; max: number } | null;
  /** Logins completed per second, from the first start to the last reply. */
  loginsPerSecond: number;
  broadcastsSent: number;
  /** Deliveries of those broadcasts counted at the other members. */
  broadcastDeliveries: number;
  /** Deliveries expected: sent × (room size − 1). */
  broadcastExpected: number;
  fanout: { p50: number; p99: number; max: number } | null;
  /**
   * Round trips of a `ping` from one more user, alone in a room of its own, sent every 25 ms while
   * the broadcasts go out: how long the big rooms' fan-out makes everybody else wait. Null without
   * broadcasts.
   */
  probe: { p50: number; p99: number; max: number; count: number } | null;
  /** Users asked to publish media, and how many of their streams the server reported live. */
  publishers: number;
  publishersLive: number;
  /** From starting a publisher's push to the server's "live" push to it. */
  toLive: { p50: number; p99: number; max: number } | null;
  /** Pushes received per user, on average (onlineCount, userUpdate, broadcast …). */
  pushesPerUser: number;
  /** Summed over the nodes. */
  serverRssIdle: number | null;
  serverRssLoaded: number | null;
  /** (loaded − idle) / logged-in users. */
  rssPerSessionBytes: number | null;
  /**
   * Connection attempts this host's kernel dropped during the logins because an accept queue was
   * full (`ListenOverflows`, every listener of the host); each costs its client a 1 s retry. Null when
   * the nodes are not on this host, or off Linux.
   */
  listenOverflows: number | null;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The summary as text lines. */
export function formatSummary(s: LoadtestSummary): string[] {
  const pct = (p: { p50: number; p99: number; max: number } | null) =>
    p ? `p50 ${r1(p.p50)} ms, p99 ${r1(p.p99)} ms, max ${r1(p.max)} ms` : 'none';
  const mb = (b: number | null) => (b === null ? 'n/a' : `${r1(b / 1048576)} MB`);
  const lines = [
    `users      ${s.loggedIn}/${s.users} logged in to ${s.rooms} room(s)${
      s.nodes > 1 ? ` on ${s.nodes} nodes` : ''
    }, ${s.failed} failed`,
    `logins/s   ${r1(s.loginsPerSecond)} (asked ${s.rateAsked}/s)`,
    `login      ${pct(s.login)}  (socket open → login reply)`,
  ];
  if (s.broadcastsSent > 0)
    lines.push(
      `broadcast  ${s.broadcastsSent} sent, ${s.broadcastDeliveries}/${s.broadcastExpected} delivered, fan-out ${pct(s.fanout)}`,
    );
  if (s.probe)
    lines.push(
      `other room ${s.probe.count} pings during the broadcasts, round trip ${pct(s.probe)}  (a user alone in its room)`,
    );
  if (s.publishers > 0)
    lines.push(`publishers ${s.publishersLive}/${s.publishers} live, push start → live ${pct(s.toLive)}`);
  lines.push(`pushes     ${r1(s.pushesPerUser)} per user`);
  lines.push(
    `server RSS ${mb(s.serverRssIdle)} idle, ${mb(s.serverRssLoaded)} loaded, ${
      s.rssPerSessionBytes === null ? 'n/a' : `${r1(s.rssPerSessionBytes / 1024)} KB`
    } per idle session`,
  );
  if (s.listenOverflows)
    lines.push(
      `kernel     ${s.listenOverflows} connection attempts dropped by a full accept queue (each retried after 1 s)`,
    );
  for (const e of s.errors) lines.push(`error      ${e}`);
  return lines;
}
