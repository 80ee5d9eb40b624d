// The call, with the settings the previous page saved. Joins at once (no button).
import { ZegoExpressEngine } from '../../libs/ZegoExpressMiniProgram';

const app = getApp();

Page({
  data: {
    roomID: '',
    nickname: '',
    role: 'publish',
    userID: '',
    state: '准备中',
    url: '',
    roomKey: '',
    extraInfo: {},
  },

  async onLoad() {
    const settings = my.getStorageSync({ key: 'call-settings' }).data || {};
    const { appID, server, userID, token } = app.globalData;
    this.streamID = settings.streamID || 'stream_' + userID;
    this.setData({ roomID: settings.roomID, nickname: settings.nickname, role: settings.role, userID });
    my.setKeepScreenOn({ keepScreenOn: true });
    this.zg = new ZegoExpressEngine(appID, server);
    this.zg.on('publisherStateUpdate', (r) => this.setData({ state: r.state }));
    this.zg.on('playerStateUpdate', (r) => this.setData({ state: r.state }));
    this.zg.on('roomStreamUpdate', async (_roomID, type, list) => {
      if (this.data.role !== 'play' || type !== 'ADD' || this.playing) return;
      this.playing = list[0].streamID;
      const { url } = await this.zg.startPlayingStream(this.playing);
      this.mount({ rtmpPullUrl: url }, url);
    });
    await this.zg.loginRoom(settings.roomID, token, { userID, userName: settings.nickname || userID });
    if (settings.role === 'publish') {
      const { url } = await this.zg.startPublishingStream(this.streamID);
      this.mount({ rtmpPushUrl: url }, url);
    } else {
      this.setData({ state: '等待推流' });
    }
  },

  mount(extraInfo, url) {
    this.setData({ url, extraInfo, roomKey: 'rtc-' + Date.now() });
  },

  onRtmpEvent(e) {
    const code = e.detail.code;
    this.zg.updatePlayerState(code === 3800 || code === 3801 ? this.streamID : this.playing, e);
  },

  async hangUp() {
    const { confirm } = await my.confirm({ content: '结束通话?' });
    if (!confirm) return;
    this.zg.logoutRoom(this.data.roomID);
    this.zg.destroyEngine();
    this.setData({ url: '', state: '已挂断' });
    my.setKeepScreenOn({ keepScreenOn: false });
  },
});
