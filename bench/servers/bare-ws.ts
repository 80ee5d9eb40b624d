/**
 * The floor of a signaling login on Node: a bare `ws` server that does what every connection of ours
 * needs at the least (upgrade, a hello, one JSON request answered, close) and nothing else. Measure it
 * with the same load client as our server (BENCHMARKS.md, "The floor under that"):
 *
 *   node --conditions=source --import tsx bench/servers/bare-ws.ts 18090 &
 *   npx minirtc loadtest --server ws://127.0.0.1:18090/ws --app-id 1 \
 *     --secret 0123456789abcdef0123456789abcdef --users 3000 --rooms 1500 --rate 700
 *
 * and read its CPU from `/proc/<pid>/stat` before and after (the summary's RSS is n/a: no /metrics).
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 18090);
const http = createServer((_req, res) => {
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
http.on('upgrade', (req, socket, head) =>
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, serverTime: Date.now() }));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { reqId?: number };
      if (m.reqId !== undefined)
        ws.send(JSON.stringify({ type: 'res', reqId: m.reqId, code: 0, data: { heartbeatMs: 10_000 } }));
    });
  }),
);
http.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`ready ${port}\n`));
