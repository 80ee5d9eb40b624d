import { joinRoom, STREAM_PREFIX } from '../../utils/engine';
import fmt, { formatState } from '../../utils/format';

const app = getApp();

Page({
  data: { tag: '', stateText: formatState('NO_PUBLISH'), pushUrl: '', roomKey: '' },

  onLoad() {
    this.setData({ tag: fmt.sessionTag(app.globalData.userID) });
  },

  async publish() {
    const zg = await joinRoom(app.globalData.roomID);
    zg.on('publisherStateUpdate', (r) => this.setData({ stateText: formatState(r.state) }));
    const { url } = await zg.startPublishingStream(STREAM_PREFIX + app.globalData.userID);
    this.setData({ pushUrl: url, roomKey: 'push-' + Date.now() });
  },

  async onRtmpEvent(e) {
    const zg = await joinRoom(app.globalData.roomID);
    zg.updatePlayerState(STREAM_PREFIX + app.globalData.userID, e);
  },
});
