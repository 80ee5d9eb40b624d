import { isMiniRtcError } from '@minirtc/protocol';
import { parseArgs } from './args.js';
import { configCommand, signCommand, tokenCommand } from './commands.js';
import type { Io } from './commands.js';

const usage = `minirtc <command> [options]

Commands:
  start      run signaling, the RTMP gateway and the HTTP endpoints (embedded defaults on loopback)
  media      run only the RTMP/HTTP-FLV gateway, verifying signed URLs locally
  token      print a token04        --user U [--room R] [--publish false] [--streams a,b] [--ttl 3600] [--mode gcm|cbc]  (gcm recommended)
                                    [--app-id N --secret S]  (default: the dev app of the data dir)
  sign       print a signed stream URL  --stream S --user U --room R [--action push|play] [--ttl 600] [--base URL]
  config     print the effective configuration  [--keys] lists every key with its env variable
  simulate   run a mini-program in N simulated phones   <dir> [--users 2] [--room room1] [--taps "A,B|C"]
                                    [--server ws://… --app-id N --secret S]  (default: an embedded platform)
  doctor     check that ffmpeg, ffprobe and the ports are usable

Config: --config file.yaml|json, MINIRTC_* environment variables, or --<key> flags (e.g. --port 8080 --rtmp.port 1935).`;

/** Keeps a long-running command up until SIGINT/SIGTERM, then closes it and exits. */
function closeOnSignal(running: { close(): Promise<void> }): void {
  const stop = () => {
    // A close that stalls (a peer that never answers) must not keep the process alive.
    setTimeout(() => process.exit(1), 10_000).unref();
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Runs one CLI command; long-running ones resolve when started. Returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv);
  const cmd = args.positional[0];
  try {
    switch (cmd) {
      case 'token':
        return tokenCommand(args, io);
      case 'sign':
        return signCommand(args, io);
      case 'config':
        return configCommand(args, io);
      case 'start': {
        const { startCommand } = await import('./start.js');
        closeOnSignal(await startCommand(args, io));
        return 0;
      }
      case 'media': {
        const { mediaCommand } = await import('./media.js');
        closeOnSignal(await mediaCommand(args, io));
        return 0;
      }
      case 'simulate': {
        const { simulateCommand } = await import('./simulate.js');
        closeOnSignal(await simulateCommand(args, io));
        return 0;
      }
      case 'doctor': {
        const { doctorCommand } = await import('./doctor.js');
        return await doctorCommand(args, io);
      }
      case undefined:
      case 'help':
        io.out(usage);
        return cmd ? 0 : 2;
      default:
        io.err(`unknown command ${JSON.stringify(cmd)}\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    if (isMiniRtcError(e)) {
      io.err(`error ${e.code}: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) {
      io.err(`error: cannot listen: ${err.message}`);
      return 1;
    }
    throw e;
  }
}
