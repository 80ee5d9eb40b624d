/**
 * Our gateway as a bare process for benchmarks: allow-all authorizer, RTMP on argv[2].
 * Bundled by bench/fanout.ts with esbuild and run with plain node, so no loader sits in the measurement.
 */
import { MediaServer } from '@minirtc/rtmp';

const port = Number(process.argv[2] ?? 1935);
const server = new MediaServer({ host: '127.0.0.1', rtmpPort: port, httpPort: null });
await server.listen();
process.stdout.write(`ready ${server.rtmpPort}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
