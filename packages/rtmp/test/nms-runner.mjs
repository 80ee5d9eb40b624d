// Runs node-media-server (a third-party RTMP server) in its own process for the interop tests:
// NMS keeps its state in module-level singletons, so it cannot share the test's process.
// Usage: node nms-runner.mjs '<json>' with { port, dataDir, relay: { mode, url, streamPath } }.
// A push relay starts once `streamPath` is published to NMS; a pull relay starts at once.
import NodeMediaServer from 'node-media-server';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const nms = new NodeMediaServer(
  {
    bind: '127.0.0.1',
    rtmp: { port: cfg.port },
    store: { path: cfg.dataDir },
    webadmin: { enable: false },
    auth: { play: false, publish: false },
  },
  '',
);
await nms.run();
const relay = cfg.relay;
if (relay?.mode === 'pull') nms.relayServer.addTask({ ...relay, reconnect: true, reconnectInterval: 200 });
if (relay?.mode === 'push') {
  nms.on('postPublish', (session) => {
    if (session.streamPath !== relay.streamPath) return;
    nms.relayServer.addTask({ ...relay, reconnect: true, reconnectInterval: 200 });
  });
}
process.on('SIGTERM', () => {
  void nms.stop().finally(() => process.exit(0));
});
