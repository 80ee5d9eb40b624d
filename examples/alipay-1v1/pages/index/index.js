// The 1v1 call page of the article "支付宝小程序如何实现音视频通话", completed into a working page.
// Code the article shows is kept as it is written there; what it leaves out (engine set-up, login, the
// other buttons, the component callbacks) is filled in in the same style.
import { ZegoExpressEngine } from '../../libs/ZegoExpressMiniProgram';

const app = getApp();
let zg;

Page({
  data: {
    roomID: '',
    pushStreamID: '',
    pullStreamID: '',
    // 拉流列表,一次只拉一条
    pullList: [],
    isLogin: false,
    connectState: 'DISCONNECTED',
    publishState: 'NO_PUBLISH',
    playState: 'NO_PLAY',
    needRepublish: false,
    showRtcroom: false,
    rtcroomID: '',
    rtcroomContext: null,
    rtcroom: {
      roomId: '',
      token: '',
      userId: '',
      signature: '',
      autoplay: true,
      enableCamera: false,
      mute: false,
      fps: 15,
      resolution: 'VGA',
      record: false,
      minBitrate: 200,
      maxBitrate: 1000,
      extraInfo: {
        rtmpPushUrl: '',
        rtmpPullUrl: '',
        bizName: '',
        subBiz: '',
        serverUrl: '',
      },
    },
  },

  onLoad() {
    const { appID, server, roomID, userID } = app.globalData;
    this.setData({ roomID: roomID, pushStreamID: 'stream_' + userID });
    // 初始化实例
    zg = new ZegoExpressEngine(appID, server);
    this.bindEvents();
  },

  onUnload() {
    if (this.data.isLogin) this.logout();
  },

  bindEvents() {
    zg.on('roomStateUpdate', (roomID, state, errorCode, extendedData) => {
      console.warn('roomStateUpdate', roomID, state, errorCode, extendedData);
      this.setData({ connectState: state });
      if (state === 'DISCONNECTED') {
        // 与房间断开了连接
        this.setData({ isLogin: false });
      }

      if (state === 'CONNECTING') {
        // 与房间尝试连接中
      }

      if (state === 'CONNECTED') {
        // 与房间连接成功
        this.setData({ isLogin: true });
      }
    });

    // 用户状态更新回调
    zg.on('roomUserUpdate', (roomID, updateType, userList) => {
      console.warn(
        `roomUserUpdate: room ${roomID}, user ${updateType === 'ADD' ? 'added' : 'left'} `,
        JSON.stringify(userList),
      );
    });

    zg.on('roomStreamUpdate', async (roomID, updateType, streamList) => {
      console.warn('roomStreamUpdate', roomID, updateType, streamList);
      const rtcroom = this.data.rtcroom;
      //拉流列表,一次只拉一条
      const pullList = this.data.pullList;
      if (updateType === 'ADD') {
        pullList.push(...streamList);
      } else {
        streamList.forEach((i) => {
          if (this.data.pullStreamID === i.streamID) {
            // 停止拉流
            zg.stopPlayingStream(i.streamID);
            rtcroom.extraInfo.rtmpPullUrl = '';
            this.setData(
              {
                rtcroom: rtcroom,
              },
              () => {
                this.handleShowRtcroom();
              },
            );
          }
          const index = pullList.findIndex((item) => item.streamID === i.streamID);
          if (index !== -1) {
            pullList.splice(index, 1);
          }
        });
      }

      if (!rtcroom.extraInfo.rtmpPullUrl && pullList.length) {
        const pullStreamID = pullList[0].streamID;
        try {
          // 开始拉流
          const { url } = await zg.startPlayingStream(this.data.pullList[0].streamID);
          rtcroom.extraInfo.rtmpPullUrl = url;
          this.setData(
            {
              pullStreamID: pullStreamID,
              rtcroom: rtcroom,
            },
            () => {
              this.handleShowRtcroom();
            },
          );
        } catch (error) {
          console.error(error);
        }
      }
      this.setData({
        pullList: pullList,
      });
    });

    // 推流后,服务器主动推过来的,流状态更新
    // NO_PUBLISH:未推流状态,PUBLISH_REQUESTING:正在请求推流状态,PUBLISHING:正在推流状态
    zg.on('publisherStateUpdate', (result) => {
      console.log('publishStateUpdate', result.state);
      this.setData({ publishState: result.state });
    });

    // 服务器主动推过来的流的播放状态
    // 视频播放状态通知;state: "NO_PLAY" | "PLAY_REQUESTING" | "PLAYING";
    zg.on('playerStateUpdate', (result) => {
      console.log('playStateUpdate', result.state);
      this.setData({ playState: result.state });
    });
  },

  keyInput(e) {
    this.setData({ roomID: e.detail.value });
  },

  // 登录房间,成功则返回 true
  async loginRoom() {
    const { userID, token } = app.globalData;
    const result = await zg.loginRoom(
      this.data.roomID,
      token,
      {
        userID: userID, // userID,需用户自己定义,保证全局唯一,建议设置为业务系统中的用户唯一标识
        userName: userID, // userName 用户名
      },
      {
        userUpdate: true, // 是否接收用户进出房间的回调,设置为 true 才能接收到房间内其他用户进出房间的回调
      },
    );
    this.setData({ isLogin: result });
    return result;
  },

  // 加入房间(推流):登录成功后推流
  async openRoom(e) {
    if (!this.data.roomID) {
      my.showToast({ content: '请输入房间 ID' });
      return;
    }
    try {
      await this.loginRoom();
      if (Number(e.currentTarget.dataset.role) === 1) {
        await this.publishStream();
      }
    } catch (error) {
      console.error('openRoom', error);
      my.showToast({ content: '登录房间失败: ' + (error.msg || error.message || error.code) });
    }
  },

  // 加入房间(不推流):只登录,收到别人的流后拉流
  async openRoom2() {
    if (!this.data.roomID) {
      my.showToast({ content: '请输入房间 ID' });
      return;
    }
    try {
      await this.loginRoom();
    } catch (error) {
      console.error('openRoom2', error);
      my.showToast({ content: '登录房间失败: ' + (error.msg || error.message || error.code) });
    }
  },

  // 推流方登录房间成功后触发推流
  async publishStream() {
    if (!this.data.isLogin) {
      my.showToast({ content: '请先加入房间' });
      return;
    }
    const publishOption = undefined;
    try {
      /** 开始推流,返回推流地址 */
      const pushStreamID = this.data.pushStreamID;
      const { url } = await zg.startPublishingStream(pushStreamID, publishOption);
      const rtcroom = this.data.rtcroom;
      // biome-ignore lint/complexity/useOptionalChain: kept as the article writes it.
      console.warn(`startPush 推流地址${url},推流类型:${publishOption && publishOption.sourceType}`);
      rtcroom.extraInfo.rtmpPushUrl = url;
      rtcroom.enableCamera = true;
      this.setData(
        {
          rtcroom: rtcroom,
          needRepublish: false,
        },
        () => {
          this.handleShowRtcroom();
        },
      );
    } catch (error) {
      console.error('publishStream', error);
      my.showToast({ content: '推流失败: ' + (error.msg || error.message || error.code) });
    }
  },

  // 停止推流
  stopPushStream() {
    zg.stopPublishingStream(this.data.pushStreamID);
    this.data.rtcroom.extraInfo.rtmpPushUrl = '';
    this.setData({
      rtcroom: this.data.rtcroom,
    });
    this.handleShowRtcroom();
  },

  // 停止拉流
  stopPullStream() {
    const rtcroom = this.data.rtcroom;
    zg.stopPlayingStream(this.data.pullStreamID);
    this.data.rtcroom.extraInfo.rtmpPullUrl = '';
    this.setData(
      {
        rtcroom: rtcroom,
      },
      () => {
        this.handleShowRtcroom();
      },
    );
  },

  enableCamera() {
    const enable = !this.data.rtcroom.enableCamera;
    this.data.rtcroomContext?.enableCamera({ enable: enable });
    this.setData({ 'rtcroom.enableCamera': enable });
  },

  enableMicrophone() {
    const muted = !this.data.rtcroom.mute;
    this.data.rtcroomContext?.mute({ muted: muted });
    this.setData({ 'rtcroom.mute': muted });
  },

  // 退出房间
  logout() {
    const rtcroom = this.data.rtcroom;
    if (rtcroom.extraInfo.rtmpPushUrl) zg.stopPublishingStream(this.data.pushStreamID);
    if (rtcroom.extraInfo.rtmpPullUrl) zg.stopPlayingStream(this.data.pullStreamID);
    rtcroom.extraInfo.rtmpPushUrl = '';
    rtcroom.extraInfo.rtmpPullUrl = '';
    zg.logoutRoom(this.data.roomID);
    this.setData(
      {
        rtcroom: rtcroom,
        isLogin: false,
        pullList: [],
        pullStreamID: '',
      },
      () => {
        this.handleShowRtcroom();
      },
    );
  },

  // 控制 <rtc-room> 组件的显示隐藏
  handleShowRtcroom() {
    const extraInfo = this.data.rtcroom.extraInfo;
    const isShow = Boolean(extraInfo.rtmpPullUrl || extraInfo.rtmpPushUrl);
    this.setData(
      {
        showRtcroom: false,
      },
      () => {
        // biome-ignore lint/complexity/useOptionalChain: kept as the article writes it.
        this.data.rtcroomContext && this.data.rtcroomContext.stop();
        const id = 'rtcroom-' + Date.now();
        this.setData({
          rtcroomID: id,
          showRtcroom: isShow,
          rtcroomContext: my.createRtcRoomContext(id),
        });
      },
    );
  },

  // rtc-room 绑定的onRtmpEvent事件,更新推拉流状态
  onRtmpEvent(e) {
    console.warn('onRtmpEvent, e=' + JSON.stringify(e));
    if ([3800, 3801].includes(e.detail.code)) {
      // 推流
      zg.updatePlayerState(this.data.pushStreamID, e);
    } else if ([3802, 3803].includes(e.detail.code)) {
      // 拉流
      zg.updatePlayerState(this.data.pullStreamID, e);
    }
  },

  onError(e) {
    console.error('rtc-room onError', JSON.stringify(e.detail));
  },
  onRoomInfo(e) {
    console.log('rtc-room onRoomInfo', JSON.stringify(e.detail));
  },
  onParticipantEnter(e) {
    console.log('rtc-room onParticipantEnter', JSON.stringify(e.detail));
  },
  onParticipantLeave(e) {
    console.log('rtc-room onParticipantLeave', JSON.stringify(e.detail));
  },
  onAudioPlayoutMode(e) {
    console.log('rtc-room onAudioPlayoutMode', JSON.stringify(e.detail));
  },
  onReceiveRecordId(e) {
    console.log('rtc-room onReceiveRecordId', JSON.stringify(e.detail));
  },
});
