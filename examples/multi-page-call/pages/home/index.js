// Home menu: each entry is a page path relative to this page, with the room in the query string.
const app = getApp();

Page({
  data: {
    roomID: '',
    menu: [
      { title: '视频通话(推流)', url: '../call/index?role=publish' },
      { title: '观看通话', url: '../call/index?role=play' },
      { title: '房间消息', url: '../chat/index' },
    ],
  },

  onLoad() {
    this.setData({ roomID: app.globalData.roomID });
  },

  open(e) {
    const url = e.currentTarget.dataset.url;
    const sep = url.indexOf('?') === -1 ? '?' : '&';
    my.navigateTo({ url: url + sep + 'room=' + encodeURIComponent(this.data.roomID) });
  },
});
