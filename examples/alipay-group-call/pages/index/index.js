// Group call page: log in, publish my camera, and play the server's mix of the others. The mix for me is
// `mix_<my userID>` (odd characters as `_`); it appears in the room's stream list once it has media and
// is re-laid out by the server whenever someone joins, leaves or stops publishing.
import { ZegoExpressEngine } from '../../libs/ZegoExpressMiniProgram';

const app = getApp();
let zg;

function mixStreamOf(userID) {
  return (
    'mix_' +
    String(userID)
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 200)
  );
}

Page({
  data: {
    roomID: '',
    myStreamID: '',
    mixStreamID: '',
    connectState: 'DISCONNECTED',
    publishState: 'NO_PUBLISH',
    playState: 'NO_PLAY',
    others: 0,
    showRtcroom: false,
    rtcroomID: '',
    rtcroom: { extraInfo: { rtmpPushUrl: '', rtmpPullUrl: '' } },
  },

  onLoad() {
    const { appID, server, roomID, userID } = app.globalData;
    this.setData({ roomID, myStreamID: userID + '_cam', mixStreamID: mixStreamOf(userID) });
    zg = new ZegoExpressEngine(appID, server);
    zg.on('roomStateUpdate', (_roomID, state) => this.setData({ connectState: state }));
    zg.on('roomUserUpdate', (_roomID, type, users) =>
      this.setData({
        others: Math.max(0, this.data.others + (type === 'ADD' ? users.length : -users.length)),
      }),
    );
    zg.on('roomStreamUpdate', (_roomID, type, streams) => this.onStreams(type, streams));
    zg.on('publisherStateUpdate', (r) => this.setData({ publishState: r.state }));
    zg.on('playerStateUpdate', (r) => this.setData({ playState: r.state }));
  },

  onUnload() {
    this.leave();
  },

  // Only my mix is played: the others' own streams are in it already.
  async onStreams(type, streams) {
    if (!streams.some((s) => s.streamID === this.data.mixStreamID)) return;
    if (type === 'ADD') {
      try {
        const { url } = await zg.startPlayingStream(this.data.mixStreamID);
        this.setData({ 'rtcroom.extraInfo.rtmpPullUrl': url }, () => this.remount());
      } catch (err) {
        console.error('startPlayingStream', err);
      }
    } else {
      zg.stopPlayingStream(this.data.mixStreamID);
      this.setData({ 'rtcroom.extraInfo.rtmpPullUrl': '' }, () => this.remount());
    }
  },

  async join() {
    const { userID, token } = app.globalData;
    try {
      await zg.loginRoom(this.data.roomID, token, { userID, userName: userID }, { userUpdate: true });
      const { url } = await zg.startPublishingStream(this.data.myStreamID);
      this.setData({ 'rtcroom.extraInfo.rtmpPushUrl': url }, () => this.remount());
    } catch (err) {
      console.error('join', err);
      my.showToast({ content: '加入失败: ' + (err.msg || err.message || err.code) });
    }
  },

  leave() {
    const x = this.data.rtcroom.extraInfo;
    if (x.rtmpPushUrl) zg.stopPublishingStream(this.data.myStreamID);
    if (x.rtmpPullUrl) zg.stopPlayingStream(this.data.mixStreamID);
    zg.logoutRoom(this.data.roomID);
    this.setData({ rtcroom: { extraInfo: { rtmpPushUrl: '', rtmpPullUrl: '' } }, others: 0 }, () =>
      this.remount(),
    );
  },

  // A new <rtc-room> (new id) whenever its URLs change, as the 1v1 example does.
  remount() {
    const x = this.data.rtcroom.extraInfo;
    this.setData({ showRtcroom: false }, () => {
      this.setData({
        rtcroomID: 'rtcroom-' + Date.now(),
        showRtcroom: Boolean(x.rtmpPushUrl || x.rtmpPullUrl),
      });
    });
  },

  onRtmpEvent(e) {
    const code = e.detail.code;
    if (code === 3800 || code === 3801) zg.updatePlayerState(this.data.myStreamID, e);
    else if (code === 3802 || code === 3803) zg.updatePlayerState(this.data.mixStreamID, e);
  },

  onError(e) {
    console.error('rtc-room onError', JSON.stringify(e.detail));
  },
});
