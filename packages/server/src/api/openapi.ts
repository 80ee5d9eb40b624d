import type { Route } from './rest-routes.js';

const ERROR = {
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
  required: ['code', 'message'],
};

/**
 * OpenAPI 3.1 for the REST API, built from the same route table and body schemas that validate
 * requests, so the document cannot drift from what the server accepts.
 */
export function openApiDocument(routes: Route[], prefix: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `${prefix}${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
    const pathParams = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: m[1] === 'appID' ? 'integer' : 'string' },
    }));
    const queryParams = (r.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: false,
      description: q.description,
      schema: q.schema.json,
    }));
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[/:-]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
      security: r.admin ? [{ adminKey: [] }] : [{ adminKey: [] }, { appSignature: [] }],
      parameters: [...pathParams, ...queryParams],
      responses: {
        [String(r.status ?? 200)]: {
          description: 'success',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        default: {
          description: 'error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
    if (r.body) {
      op.requestBody = { required: true, content: { 'application/json': { schema: r.body.json } } };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'MiniRTC server API',
      version: '1',
      description:
        'Operator and app-backend API. App-signed requests carry AppId, SignatureNonce, Timestamp, ' +
        'Signature = md5(AppId + SignatureNonce + ServerSecret + Timestamp) and SignatureVersion=2.0 in the query.',
    },
    paths,
    components: {
      schemas: { Error: ERROR },
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer' },
        appSignature: { type: 'apiKey', in: 'query', name: 'Signature' },
      },
    },
  };
}
