export { runTool } from '../../server/src/recording/ffmpeg-tools.js';
