import { ErrorCode, MiniRtcError, arr, int, obj, optional, refine, str } from '@minirtc/protocol';
import type { Route } from '../api/route-types.js';
import { roomID, streamID } from '../api/schemas.js';
import type { ExtraZegoAction } from '../api/zego-actions.js';
import type { Rect } from './mix-layout.js';
import type { MixInputSpec, MixRequest, MixService } from './mix-service.js';

const taskID = refine(str({ min: 1, maxBytes: 128 }), (v) => {
  if (!/^[A-Za-z0-9_.~-]+$/.test(v)) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'bad taskID');
  return v;
});
const px = int(0, 4096);
const rect = obj({ left: px, top: px, right: px, bottom: px });

/** Body of `POST /apps/:appID/mix-tasks`. */
export const MixBody = obj({
  taskID,
  roomID: optional(roomID),
  inputs: arr(obj({ streamID, rect: optional(rect) }), 16),
  outputStreamID: streamID,
  width: optional(int(16, 1920)),
  height: optional(int(16, 1920)),
  fps: optional(int(1, 60)),
  /** Bits per second, like ZEGO's VideoBitrate. */
  videoBitrate: optional(int(50_000, 10_000_000)),
});

type Body = {
  taskID: string;
  roomID?: string | undefined;
  inputs: { streamID: string; rect?: Rect | undefined }[];
  outputStreamID: string;
  width?: number | undefined;
  height?: number | undefined;
  fps?: number | undefined;
  videoBitrate?: number | undefined;
};

/** Fills defaults (640×360, 15 fps, 800 kbps) into a validated request. */
export function mixRequest(b: Body): MixRequest {
  const w = b.width ?? 640;
  const h = b.height ?? 360;
  if (w % 2 || h % 2) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'width and height must be even');
  return {
    taskID: b.taskID,
    ...(b.roomID ? { roomID: b.roomID } : {}),
    inputs: b.inputs.map(
      (i): MixInputSpec => ({ streamID: i.streamID, ...(i.rect ? { rect: i.rect } : {}) }),
    ),
    outputStreamID: b.outputStreamID,
    width: w,
    height: h,
    fps: b.fps ?? 15,
    videoBitrate: b.videoBitrate ?? 800_000,
  };
}

/** The `/api/v1` routes of mixing. */
export function mixRoutes(svc: MixService): Route[] {
  const idP = (v: string | undefined): string => taskID.parse(v ?? '', 'taskID');
  return [
    {
      method: 'POST',
      path: '/apps/:appID/mix-tasks',
      summary:
        'Start (or update, same taskID) a mix: inputs with tiles or an automatic grid → one output stream in the room (StartMix)',
      body: MixBody,
      status: 201,
      handle: (ctx) => svc.start(ctx.app.appID, mixRequest(ctx.body as Body)),
    },
    {
      method: 'GET',
      path: '/apps/:appID/mix-tasks',
      summary: 'Mix tasks of the app',
      handle: (ctx) => ({ tasks: svc.list(ctx.app.appID) }),
    },
    {
      method: 'GET',
      path: '/apps/:appID/mix-tasks/:taskID',
      summary: 'A mix task: inputs (live or not), state, restarts, CPU seconds',
      handle: (ctx) => svc.get(ctx.app.appID, idP(ctx.params.taskID)),
    },
    {
      method: 'POST',
      path: '/apps/:appID/mix-tasks/:taskID/stop',
      summary: 'Stop a mix task; its output leaves the room (StopMix)',
      handle: (ctx) => svc.stop(ctx.app.appID, idP(ctx.params.taskID)),
    },
  ];
}

function num(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new MiniRtcError(ErrorCode.INVALID_PARAM, `${name} must be a number`);
  return n;
}

/**
 * ZEGO's StartMix / StopMix (`?Action=`), JSON body with ZEGO's names: `TaskId`, `MixInput[]` of
 * `{ StreamId, RectInfo: { Top, Left, Bottom, Right } }`, `MixOutput[]` of `{ StreamId, VideoBitrate,
 * Fps, Width, Height }` (the first output is used). `RoomId` is our extension for inputs not yet live.
 */
export function mixZegoActions(svc: MixService): Record<string, ExtraZegoAction> {
  return {
    StartMix: (p, appID, json) => {
      const j = json ?? {};
      const inputs = j.MixInput;
      const outputs = j.MixOutput;
      if (!Array.isArray(inputs) || !Array.isArray(outputs) || outputs.length === 0) {
        throw new MiniRtcError(
          ErrorCode.INVALID_PARAM,
          'MixInput[] and MixOutput[] are required (JSON body)',
        );
      }
      const out = outputs[0] as Record<string, unknown>;
      const body = MixBody.parse(
        {
          taskID: String(j.TaskId ?? p.get('TaskId') ?? ''),
          ...(j.RoomId ? { roomID: String(j.RoomId) } : {}),
          inputs: inputs.slice(0, 17).map((i: Record<string, unknown>) => {
            const r = i?.RectInfo as Record<string, unknown> | undefined;
            return {
              streamID: String(i?.StreamId ?? ''),
              ...(r
                ? {
                    rect: {
                      left: num(r.Left, 'Left'),
                      top: num(r.Top, 'Top'),
                      right: num(r.Right, 'Right'),
                      bottom: num(r.Bottom, 'Bottom'),
                    },
                  }
                : {}),
            };
          }),
          outputStreamID: String(out.StreamId ?? ''),
          ...(out.Width !== undefined ? { width: num(out.Width, 'Width') } : {}),
          ...(out.Height !== undefined ? { height: num(out.Height, 'Height') } : {}),
          ...(out.Fps !== undefined ? { fps: num(out.Fps, 'Fps') } : {}),
          ...(out.VideoBitrate !== undefined ? { videoBitrate: num(out.VideoBitrate, 'VideoBitrate') } : {}),
        },
        'body',
      ) as Body;
      const t = svc.start(appID, mixRequest(body));
      return { TaskId: t.taskID, Status: t.state };
    },
    StopMix: (p, appID, json) => {
      const id = taskID.parse(String(json?.TaskId ?? p.get('TaskId') ?? ''), 'TaskId');
      svc.stop(appID, id);
      return undefined;
    },
  };
}
