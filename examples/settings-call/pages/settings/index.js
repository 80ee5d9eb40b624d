// Several inputs share one handler and tell themselves apart by data-name, as many settings pages do.
// Saving asks for confirmation with the Promise form of my.confirm, then stores and redirects.
Page({
  data: { roomID: '', nickname: '', streamID: '', role: 'publish', error: '' },

  async onLoad() {
    // Promise form of an async API (no success/fail callbacks).
    const saved = await my.getStorage({ key: 'call-settings' });
    if (saved?.data) this.setData(saved.data);
  },

  inputChange(e) {
    const name = e.currentTarget.dataset.name;
    this.setData({ [name]: e.detail.value, error: '' });
  },

  async save() {
    const { roomID, nickname, streamID, role } = this.data;
    if (!roomID) {
      this.setData({ error: '请填写房间号' });
      return;
    }
    if (role !== 'publish' && role !== 'play') {
      this.setData({ error: '角色只能是 publish 或 play' });
      return;
    }
    const { confirm } = await my.confirm({
      title: '进入通话',
      content: '房间 ' + roomID + ',角色 ' + role,
      confirmButtonText: '进入',
      cancelButtonText: '取消',
    });
    if (!confirm) return;
    my.setStorageSync({ key: 'call-settings', data: { roomID, nickname, streamID, role } });
    my.redirectTo({ url: '../room/index' });
  },
});
