// Written as ES modules throughout: utilities in utils/, one engine shared by every page.
import { resetEngine } from './utils/engine';

App({
  globalData: {
    appID: 1234567,
    server: 'wss://rtc.example.com/ws',
    userID: 'user1',
    token: '',
    roomID: 'room1',
  },
  onHide() {
    resetEngine();
  },
});
