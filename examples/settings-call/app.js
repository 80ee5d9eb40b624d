// Settings first, then the call: what the user types is saved to storage and read by the room page.
// appID, server and token come from your deployment; the simulator overrides them per user.
App({
  globalData: {
    appID: 1234567,
    server: 'wss://rtc.example.com/ws',
    userID: 'user1',
    token: '',
  },
});
