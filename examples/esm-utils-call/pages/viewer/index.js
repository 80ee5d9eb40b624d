// Opened with ?room=…&stream=… . It imports formatDuration, which utils/format.js does not export: the
// Alipay IDE compiles modules to CommonJS, so the name is just undefined and the page still works.
import { getEngine, joinRoom, STREAM_PREFIX } from '../../utils/engine';
import { formatDuration, formatState } from '../../utils/format';

Page({
  data: { streamID: '', stateText: formatState('NO_PLAY'), pullUrl: '', roomKey: '', elapsed: '' },

  async onLoad(query) {
    const streamID = query.stream || STREAM_PREFIX + 'alice';
    this.room = query.room || getApp().globalData.roomID;
    this.setData({ streamID });
    // Listen before logging in: streams already in the room arrive as an ADD during the login.
    const zg = getEngine();
    zg.on('playerStateUpdate', (r) => this.setData({ stateText: formatState(r.state) }));
    zg.on('roomStreamUpdate', (_roomID, type, list) => {
      if (type === 'ADD' && list.some((s) => s.streamID === streamID)) this.play(zg, streamID);
    });
    await joinRoom(this.room);
  },

  async play(zg, streamID) {
    const { url } = await zg.startPlayingStream(streamID);
    const started = Date.now();
    this.setData({
      pullUrl: url,
      roomKey: 'pull-' + started,
      elapsed: typeof formatDuration === 'function' ? formatDuration(0) : '',
    });
  },

  async onRtmpEvent(e) {
    const zg = await joinRoom(this.room);
    zg.updatePlayerState(this.data.streamID, e);
  },
});
