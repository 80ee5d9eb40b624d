// The app's settings. In the Alipay IDE, fill them in here (or have your backend hand out userID and
// token); the MiniRTC simulator overrides them per simulated user through getApp().globalData.
App({
  globalData: {
    // AppID and signaling server of your MiniRTC deployment (`minirtc start` prints both).
    appID: 1234567,
    server: 'ws://127.0.0.1:8080/ws',
    // Who this phone is, and a token04 for it (`minirtc token --user <userID> --room <roomID>`).
    userID: 'user1',
    token: '',
    // The room both phones join.
    roomID: 'room1',
  },
});
