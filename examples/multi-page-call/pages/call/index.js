// The call page: publishes or plays depending on the query string the home menu passed. The "开始"
// button is ignored until onReady, as many real pages guard against taps during their first render.
import { ZegoExpressEngine } from '../../libs/ZegoExpressMiniProgram';

const app = getApp();

Page({
  data: {
    role: 'play',
    roomID: '',
    status: '未开始',
    joined: false,
    showRoom: false,
    roomKey: '',
    extraInfo: { rtmpPushUrl: '', rtmpPullUrl: '' },
  },

  onLoad(query) {
    this.ready = false;
    this.setData({
      role: query.role === 'publish' ? 'publish' : 'play',
      roomID: query.room || app.globalData.roomID,
    });
    this.zg = new ZegoExpressEngine(app.globalData.appID, app.globalData.server);
    this.zg.on('roomStreamUpdate', (_roomID, type, list) => this.onStreams(type, list));
    this.zg.on('publisherStateUpdate', (r) => this.setData({ status: r.state }));
    this.zg.on('playerStateUpdate', (r) => this.setData({ status: r.state }));
  },

  onReady() {
    this.ready = true;
  },

  onUnload() {
    this.leave();
  },

  async start() {
    if (!this.ready || this.data.joined) return;
    const { userID, token } = app.globalData;
    this.setData({ joined: true, status: '登录中' });
    await this.zg.loginRoom(this.data.roomID, token, { userID, userName: userID });
    if (this.data.role === 'publish') {
      const { url } = await this.zg.startPublishingStream('stream_' + userID);
      this.show({ rtmpPushUrl: url, rtmpPullUrl: '' });
    } else {
      this.setData({ status: '等待对方推流' });
    }
  },

  async onStreams(type, list) {
    if (this.data.role !== 'play') return;
    if (type === 'ADD' && !this.playing) {
      this.playing = list[0].streamID;
      const { url } = await this.zg.startPlayingStream(this.playing);
      this.show({ rtmpPushUrl: '', rtmpPullUrl: url });
    } else if (type === 'DELETE' && list.some((s) => s.streamID === this.playing)) {
      this.zg.stopPlayingStream(this.playing);
      this.playing = undefined;
      this.setData({ showRoom: false, status: '对方已离开' });
    }
  },

  show(extraInfo) {
    this.setData({ showRoom: true, roomKey: 'room-' + Date.now(), extraInfo });
  },

  onRtmpEvent(e) {
    const code = e.detail.code;
    const streamID = code === 3800 || code === 3801 ? 'stream_' + app.globalData.userID : this.playing;
    if (streamID) this.zg.updatePlayerState(streamID, e);
  },

  leave() {
    if (!this.data.joined || !this.zg) return;
    if (this.data.role === 'publish') this.zg.stopPublishingStream('stream_' + app.globalData.userID);
    if (this.playing) this.zg.stopPlayingStream(this.playing);
    this.zg.logoutRoom(this.data.roomID);
    this.zg.destroyEngine();
    this.zg = undefined;
    this.setData({ joined: false, showRoom: false, status: '已挂断' });
  },
});
