// A multi-page call app: a home menu, a call page and a chat page, each reached by relative navigation.
// Set appID, server, userID and token for your deployment; the simulator overrides them per user.
App({
  globalData: {
    appID: 1234567,
    server: 'wss://rtc.example.com/ws',
    userID: 'user1',
    token: '',
    roomID: 'room1',
  },
});
