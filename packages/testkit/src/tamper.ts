/**
 * Returns `url` with the first character of query parameter `name` replaced by a different one, so the
 * result always differs from the original (a fixed replacement is a no-op when the value already
 * starts with it: a 1-in-64 flake for a base64 signature).
 * @param url - an absolute URL or a path with a query string
 * @param name - the query parameter to change; it must be present and non-empty
 */
export function tamperQueryParam(url: string, name: string): string {
  const re = new RegExp(`([?&]${name}=)([^&])`);
  const m = re.exec(url);
  if (!m?.[2]) throw new Error(`tamperQueryParam: no ${name}= in ${url}`);
  const c = m[2] === 'A' ? 'B' : 'A';
  return url.replace(re, `$1${c}`);
}
