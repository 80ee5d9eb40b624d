// A group call for 3–4 people: each phone publishes its camera and plays ONE stream, the server's mix
// of everybody else (`mix_<userID>`), because <rtc-room> plays one stream at a time. The mixes are made
// by MiniRTC for rooms whose ID starts with a configured prefix (`mixing.groupRoomPrefixes`, e.g.
// MINIRTC_MIXING_GROUP_ROOM_PREFIXES=group-). The simulator overrides these per simulated user.
App({
  globalData: {
    appID: 1234567,
    server: 'ws://127.0.0.1:8080/ws',
    userID: 'user1',
    token: '',
    roomID: 'group-room1',
  },
});
