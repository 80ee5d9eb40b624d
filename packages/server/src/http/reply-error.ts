import { ErrorCode, MiniRtcError, httpStatusOf, isMiniRtcError } from '@minirtc/protocol';

/** The one error body of every HTTP endpoint: `{ code, message }`. */
export interface ErrorBody {
  code: number;
  message: string;
}

/** fastify's own error codes mapped onto the table (the rest are server faults). */
const FASTIFY_CODES: Record<string, number> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.API_BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.INVALID_PARAM,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.JSON_PARSE_ERROR,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.INVALID_PARAM,
  FST_ERR_CTP_INVALID_TYPE: ErrorCode.INVALID_PARAM,
  FST_ERR_BAD_URL: ErrorCode.INVALID_PARAM,
  FST_ERR_VALIDATION: ErrorCode.INVALID_PARAM,
};

/** The 4xx status a library put on its error, if any. */
function clientStatus(e: unknown): number | undefined {
  const o = e as { statusCode?: unknown; status?: unknown } | null;
  const s = typeof o?.statusCode === 'number' ? o.statusCode : typeof o?.status === 'number' ? o.status : 0;
  return s >= 400 && s < 500 ? s : undefined;
}

/**
 * The code, message and HTTP status of anything a route threw: a {@link MiniRtcError} keeps its
 * code and message (status from the error table); fastify's body and URL errors get their code from
 * the table; anything else is 1990099 "internal error", with no detail for the caller.
 */
export function errorReply(e: unknown): { status: number; body: ErrorBody; internal: boolean } {
  let code: number;
  let message: string;
  if (isMiniRtcError(e)) {
    code = e.code;
    message = e.message;
  } else {
    const fc = (e as { code?: unknown } | null)?.code;
    const mapped = typeof fc === 'string' ? FASTIFY_CODES[fc] : undefined;
    if (mapped !== undefined) {
      code = mapped;
      message = new MiniRtcError(mapped).message;
    } else if (clientStatus(e) !== undefined) {
      // A library refusing the request (a static file path that leaves its folder, a bad range).
      code = clientStatus(e) === 404 ? ErrorCode.API_NOT_FOUND : ErrorCode.INVALID_PARAM;
      message = new MiniRtcError(code).message;
    } else if (e instanceof SyntaxError) {
      code = ErrorCode.JSON_PARSE_ERROR;
      message = 'body is not valid JSON';
    } else {
      code = ErrorCode.INTERNAL_ERROR;
      message = 'internal error';
    }
  }
  return { status: httpStatusOf(code), body: { code, message }, internal: code === ErrorCode.INTERNAL_ERROR };
}
