import { MiniRtcError } from '@minirtc/protocol';

/**
 * Error codes of the simulator. They are not ZEGO codes: the simulator stands in for the device, so its
 * errors describe a misuse of the simulated platform (an API the device lacks, a template it cannot parse,
 * a button a test asked for that is not on screen). Grouped by hundreds so a code says where it came from.
 */
export const SimulatorErrorCode = {
  /** The mini-program directory is missing or malformed (no app.json, page file not found, bundle failed). */
  APP_LOAD_FAILED: 100,
  /** `App()` was never called, or called twice. */
  APP_NOT_REGISTERED: 101,
  /** A page route has no `Page()` registration. */
  PAGE_NOT_FOUND: 102,
  /** A scenario file is missing, not YAML, or not a valid scenario. */
  SCENARIO_INVALID: 103,
  /** The app called a `my.*` API the simulator does not emulate. */
  UNSUPPORTED_API: 200,
  /** A `my.*` API was called with arguments the device would reject. */
  INVALID_API_ARGS: 201,
  /** `setData` got a path the runtime cannot apply (bad syntax or a forbidden key such as `__proto__`). */
  INVALID_SET_DATA_PATH: 300,
  /** The AXML template could not be parsed. */
  AXML_PARSE_ERROR: 400,
  /** A `{{ }}` expression could not be parsed or uses syntax the evaluator does not allow. */
  EXPRESSION_ERROR: 401,
  /** A test asked for an element (button text, handler, selector) that is not in the rendered page. */
  ELEMENT_NOT_FOUND: 500,
  /** An event handler named in the template is not a method of the page. */
  HANDLER_NOT_FOUND: 501,
  /** A wait helper ran out of time before its condition held. */
  WAIT_TIMEOUT: 600,
  /** A scenario's `assert` step or end-of-run expectation did not hold. */
  ASSERTION_FAILED: 700,
  /** The instance was used while not running (its app context not yet created). */
  NOT_RUNNING: 800,
} as const;

/** One of the numbers in {@link SimulatorErrorCode}. */
export type SimulatorErrorCodeValue = (typeof SimulatorErrorCode)[keyof typeof SimulatorErrorCode];

/**
 * The error class of the simulator, a {@link MiniRtcError} under its own name. `code` lets tests and the CLI tell failures apart without
 * matching message text; the message is meant for a developer reading a failed test.
 */
export class SimulatorError extends MiniRtcError {
  /** Numeric code from {@link SimulatorErrorCode}. */
  declare readonly code: SimulatorErrorCodeValue;

  /** @param code what went wrong, as a number; @param message what went wrong, for a person. */
  constructor(code: SimulatorErrorCodeValue, message: string, options?: ErrorOptions) {
    super(code, message, undefined, options);
    this.name = 'SimulatorError';
  }
}
