/**
 * Calls MiniRTC's REST API (`<httpUrl>/api/v1<path>`) with the admin key, as an operator's script
 * would: a JSON body when given, the parsed JSON reply (undefined for an empty one). A non-2xx status
 * throws with the method, path, status and body, so a failing test says what the server answered.
 */
export async function adminApi<T>(
  httpUrl: string,
  adminKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${httpUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
