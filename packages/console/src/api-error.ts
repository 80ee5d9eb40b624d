import { MiniRtcError } from '@minirtc/protocol';

/** An error answered by the REST API (`{ code, message }` with an HTTP status), or a network failure (code 0). */
export class ApiError extends MiniRtcError {
  /** Builds an error; `status` 0 means the request never got an answer (then `cause` is why). */
  constructor(
    readonly status: number,
    code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, undefined, options);
    this.name = 'ApiError';
  }

  /** The line the console shows: `Error 1990073 (HTTP 401): bad admin key`. */
  describe(): string {
    const where = this.status ? ` (HTTP ${this.status})` : '';
    return `Error ${this.code}${where}: ${this.message}`;
  }
}

/** Turns anything thrown into an {@link ApiError} so every failure shows the same way. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 0, err instanceof Error ? err.message : String(err), { cause: err });
}
