/**
 * The ID token a deployed function sends with its callback: the API function is private (Cloud Run
 * IAM), so a callback needs `Authorization: Bearer <Google-signed ID token>` whose audience is the
 * API's base URL. On Google Cloud the metadata server issues it; a local callback URL gets none. The
 * Python helper (`sdk/python/firestep.py`) follows the same rule.
 *
 * Only `fetch` is used (no google-auth-library), so `firestep/sdk` stays small.
 */

/** `Authorization` header value for a callback URL, or undefined for none. */
export type CallbackIdToken = (url: string) => Promise<string | undefined>;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0', 'host.docker.internal']);

/**
 * True for loopback / local development hosts, which get no ID token.
 *
 * @example isLocalUrl('http://127.0.0.1:8080/v1/callbacks') // → true
 */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return LOCAL_HOSTS.has(host) || host.endsWith('.localhost') || host.startsWith('127.');
}

/**
 * The audience of a callback URL's ID token: the API's base URL (the URL before `/v1/`).
 *
 * @example audienceOf('https://europe-west1-p.cloudfunctions.net/firestep-api/v1/callbacks') // → 'https://europe-west1-p.cloudfunctions.net/firestep-api'
 */
export function audienceOf(url: string): string {
  const u = new URL(url);
  const at = u.pathname.indexOf('/v1/');
  const base = at >= 0 ? u.pathname.slice(0, at) : u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host}${base}`;
}

/**
 * `Bearer <token>` from the metadata server (`GCE_METADATA_HOST` overrides its address), or undefined
 * when the URL is local or there is no metadata server (not running on Google Cloud).
 *
 * @example await metadataIdToken('https://europe-west1-p.cloudfunctions.net/firestep-api/v1/callbacks') // → 'Bearer eyJ…' on Google Cloud
 */
export const metadataIdToken: CallbackIdToken = async (url) => {
  if (isLocalUrl(url)) return undefined;
  const host = process.env.GCE_METADATA_HOST || 'metadata.google.internal';
  const query = new URLSearchParams({ audience: audienceOf(url), format: 'full' });
  try {
    const res = await fetch(
      `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity?${query}`,
      { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(3000) },
    );
    if (!res.ok) return undefined;
    return `Bearer ${(await res.text()).trim()}`;
  } catch {
    return undefined;
  }
};
