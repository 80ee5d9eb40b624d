import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SimulatorError, SimulatorErrorCode } from './errors.js';

/**
 * A scenario file: what each simulated user does in a call app, and what must hold. YAML, because a team
 * writes it beside its app without code and reads it in review; see packages/simulator/README.md.
 */

/** `20s`, `500ms`, `1.5m`, or a number of milliseconds. */
const Duration = z.union([
  z.number().int().min(0).max(3_600_000),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m)$/, 'a duration such as 500ms, 20s or 1m')
    .transform((s) => {
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(s)!;
      return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000));
    }),
]);

const Text = z.string().min(1).max(2000);
const Scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);
const Json: z.ZodType<unknown> = z.lazy(() =>
  z.union([Scalar, z.array(Json).max(1000), z.record(z.string().max(200), Json)]),
);
const DataMatch = z.record(z.string().min(1).max(200), Json);

const InputTargetSchema = z.union([
  Text,
  z
    .object({
      id: Text.optional(),
      index: z.number().int().min(0).max(1000).optional(),
      data: z
        .record(z.string().min(1).max(100), z.union([z.string().max(500), z.number()]).transform(String))
        .optional(),
      label: Text.optional(),
      placeholder: Text.optional(),
      name: Text.optional(),
      handler: Text.optional(),
    })
    .strict(),
]);

const WaitSchema = z
  .object({
    /** The top page is this route and ready. */
    page: Text.optional(),
    /** The page's visible text contains this. */
    text: Text.optional(),
    /** An `<rtc-room>` of this user raised this `onRtmpEvent` code (3800–3803) since the last such wait. */
    code: z.number().int().min(0).max(99999).optional(),
    /** The app's engine emitted this event (since the last such wait), with `with` matching an argument. */
    sdkEvent: Text.optional(),
    with: Json.optional(),
    /** Video frames decoded by this user's `<rtc-room>` pulls, in total. */
    frames: z.number().int().min(1).max(10_000_000).optional(),
    /** The top page's data has these values (paths such as `rtcroom.mute` allowed). */
    data: DataMatch.optional(),
    /** Another user's `signal` step ran. */
    signal: Text.optional(),
  })
  .strict()
  .refine(
    (w) =>
      [w.page, w.text, w.code, w.sdkEvent, w.frames, w.data, w.signal].filter((v) => v !== undefined)
        .length === 1,
    'a wait names exactly one of page, text, code, sdkEvent, frames, data, signal',
  )
  .refine((w) => w.with === undefined || w.sdkEvent !== undefined, '`with` goes with sdkEvent');

const AssertSchema = z
  .object({
    text: Text.optional(),
    noText: Text.optional(),
    page: Text.optional(),
    data: DataMatch.optional(),
    codes: z.array(z.number().int()).max(100).optional(),
    frames: z.number().int().min(0).optional(),
    noErrors: z.literal(true).optional(),
  })
  .strict();

const DialogsSchema = z
  .object({
    confirm: z.boolean().optional(),
    prompt: z.union([z.string().max(2000), z.null()]).optional(),
    actionSheet: z.number().int().min(0).max(100).optional(),
  })
  .strict();

const timeout = { timeout: Duration.optional() };
const StepSchema = z.union([
  z.object({ tap: Text, ...timeout }).strict(),
  z
    .object({ type: z.object({ into: InputTargetSchema, text: z.string().max(2000) }).strict(), ...timeout })
    .strict(),
  z.object({ wait: WaitSchema, ...timeout }).strict(),
  z.object({ assert: AssertSchema }).strict(),
  z.object({ open: Text, ...timeout }).strict(),
  z.object({ back: z.number().int().min(1).max(10) }).strict(),
  z.object({ signal: Text }).strict(),
  z.object({ network: z.enum(['off', 'on']) }).strict(),
  z.object({ dialogs: DialogsSchema }).strict(),
]);

const ExpectSchema = z
  .object({
    codes: z.array(z.number().int()).max(100).optional(),
    frames: z.number().int().min(0).optional(),
    fps: z.number().min(0).max(1000).optional(),
    errors: z.number().int().min(0).optional(),
  })
  .strict();

const UserSchema = z
  .object({
    userID: z
      .string()
      .regex(/^[\w.@-]{1,64}$/, 'letters, digits, _ . @ - (1–64)')
      .optional(),
    token: Text.optional(),
    globalData: z.record(z.string().max(200), Json).optional(),
    open: Text.optional(),
    /** How this user answers my.confirm / my.prompt (null: cancel) / my.showActionSheet. */
    dialogs: DialogsSchema.optional(),
    steps: z.array(StepSchema).max(500).default([]),
    expect: ExpectSchema.optional(),
  })
  .strict();

const DeviceRulesSchema = z.union([
  z.boolean().transform((enforce) => ({ enforce })),
  z.object({ enforce: z.boolean().default(true), domains: z.array(Text).max(100).optional() }).strict(),
]);

/** The schema of a scenario file. */
export const ScenarioSchema = z
  .object({
    name: Text.optional(),
    app: Text.optional(),
    room: z
      .string()
      .regex(/^[\w.-]{1,128}$/, 'letters, digits, _ . - (1–128)')
      .optional(),
    timeout: Duration.optional(),
    duration: Duration.optional(),
    deviceRules: DeviceRulesSchema.optional(),
    allowAppErrors: z.boolean().optional(),
    globalData: z.record(z.string().max(200), Json).optional(),
    users: z
      .record(z.string().regex(/^[\w.@-]{1,64}$/, 'user names: letters, digits, _ . @ -'), UserSchema)
      .refine((u) => Object.keys(u).length >= 1 && Object.keys(u).length <= 50, '1 to 50 users'),
  })
  .strict();

/** A validated scenario. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** One user of a scenario. */
export type ScenarioUser = z.output<typeof UserSchema>;
/** One step of a user. */
export type ScenarioStep = z.output<typeof StepSchema>;
/** A `wait` step's condition. */
export type ScenarioWait = z.output<typeof WaitSchema>;
/** An `assert` step's checks. */
export type ScenarioAssert = z.output<typeof AssertSchema>;
/** End-of-run expectations of a user. */
export type ScenarioExpect = z.output<typeof ExpectSchema>;

/** Validates a parsed scenario; every problem is listed with its path in one error (code 100). */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const r = ScenarioSchema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues
    .slice(0, 10)
    .map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`)
    .join('\n');
  throw new SimulatorError(
    SimulatorErrorCode.SCENARIO_INVALID,
    `${source} is not a valid scenario:\n${problems}`,
  );
}

/** Reads, parses (YAML, which includes JSON) and validates a scenario file; `app` is made absolute. */
export async function loadScenarioFile(file: string): Promise<Scenario & { file: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SimulatorError(
      SimulatorErrorCode.SCENARIO_INVALID,
      `cannot read ${file}: ${(e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new SimulatorError(SimulatorErrorCode.SCENARIO_INVALID, `${file}: ${(e as Error).message}`);
  }
  const s = parseScenario(raw, file);
  return { ...s, ...(s.app !== undefined ? { app: resolve(dirname(file), s.app) } : {}), file };
}

/** Replaces `${room}`, `${userID}`, `${user}` and `${env.NAME}` in every string of `v`. */
export function substitute<T>(
  v: T,
  vars: Record<string, string>,
  env: Record<string, string | undefined>,
): T {
  const one = (s: string): string =>
    s.replace(/\$\{(env\.)?([\w]+)\}/g, (m, isEnv: string | undefined, name: string) =>
      isEnv ? (env[name] ?? '') : (vars[name] ?? m),
    );
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return one(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === 'object') {
      return Object.fromEntries(Object.entries(x).map(([k, val]) => [k, walk(val)]));
    }
    return x;
  };
  return walk(v) as T;
}
