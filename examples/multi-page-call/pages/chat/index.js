// Room messages: joins the room without media and shows broadcast messages as they arrive.
import { ZegoExpressEngine } from '../../libs/ZegoExpressMiniProgram';

const app = getApp();

Page({
  data: { roomID: '', state: '连接中', draft: '', messages: [] },

  async onLoad(query) {
    const { appID, server, userID, token } = app.globalData;
    this.setData({ roomID: query.room || app.globalData.roomID });
    this.zg = new ZegoExpressEngine(appID, server);
    this.zg.on('IMRecvBroadcastMessage', (_roomID, list) => {
      this.setData({
        messages: this.data.messages.concat(list.map((m) => ({ from: m.fromUser.userID, text: m.message }))),
      });
    });
    this.zg.on('roomStateUpdate', (_roomID, state) =>
      this.setData({ state: state === 'CONNECTED' ? '已连接' : state }),
    );
    await this.zg.loginRoom(this.data.roomID, token, { userID, userName: userID });
  },

  onUnload() {
    this.zg.logoutRoom(this.data.roomID);
    this.zg.destroyEngine();
  },

  onDraft(e) {
    this.setData({ draft: e.detail.value });
  },

  async send() {
    const text = this.data.draft;
    if (!text) return;
    await this.zg.sendBroadcastMessage(this.data.roomID, text);
    this.setData({ draft: '', messages: this.data.messages.concat([{ from: '我', text }]) });
  },

  back() {
    my.navigateBack();
  },
});
