/** What the authorizer is asked about. */
export interface StreamRequest {
  kind: 'publish' | 'play';
  protocol: 'rtmp' | 'http-flv';
  /** RTMP app from tcUrl / first path segment, e.g. 'live'. */
  app: string;
  /** Stream name without query. */
  stream: string;
  /** From the stream name's `?query` (and tcUrl's query if any). */
  query: Record<string, string>;
  remoteAddress: string;
  /** Our connection id. */
  sessionId: string;
}

/** The authorizer's answer. `key` defaults to `${app}/${stream}`; `owner` enables takeover. */
export type AuthResult =
  | { ok: true; key?: string; owner?: string; tag?: unknown }
  | {
      ok: false;
      status: 'BadName' | 'Unauthorized' | 'NotFound';
      /** The error code behind the refusal (its HTTP status answers an HTTP-FLV play). */
      code?: number;
      reason: string;
    };

/** Decides every publish and play before any media flows. */
export interface MediaAuthorizer {
  authorize(req: StreamRequest): AuthResult | Promise<AuthResult>;
}

/** The default authorizer: allows everything (development only). */
export const allowAll: MediaAuthorizer = { authorize: () => ({ ok: true }) };
