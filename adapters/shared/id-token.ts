/**
 * How launches get a Google-signed ID token for a URL (Cloud Functions, Cloud Run, OIDC-protected
 * endpoints). Injectable so that local runs and tests use none.
 */
import type { GoogleAuth, OAuth2Client } from 'google-auth-library';

/** Credentials for the Google REST clients (googleapis): ADC (`GoogleAuth`) or a client with a token. */
export type ApiAuth = GoogleAuth | OAuth2Client;

/** Returns the `Authorization` header value for the audience, or undefined for no header. */
export type IdTokenProvider = (audience: string) => Promise<string | undefined>;

/** No authentication (local fakes, public endpoints). */
export const noIdToken: IdTokenProvider = async () => undefined;

/**
 * ID tokens from Application Default Credentials (`GoogleAuth().getIdTokenClient(audience)`), one
 * client per audience; the client caches and refreshes its token. Without `auth`, google-auth-library
 * is loaded on the first token asked for, so a runtime that never calls an OIDC-protected target
 * never loads it.
 *
 * @example const provider = googleIdTokenProvider(); await provider('https://us-central1-p.cloudfunctions.net/fn');
 */
export function googleIdTokenProvider(auth?: GoogleAuth): IdTokenProvider {
  const clients = new Map<string, ReturnType<GoogleAuth['getIdTokenClient']>>();
  let adc: Promise<GoogleAuth> | undefined;
  const googleAuth = (): Promise<GoogleAuth> => {
    if (auth) return Promise.resolve(auth);
    adc ??= import('google-auth-library').then(({ GoogleAuth: Auth }) => new Auth());
    return adc;
  };
  return async (audience) => {
    let client = clients.get(audience);
    if (!client) {
      client = googleAuth().then((a) => a.getIdTokenClient(audience));
      clients.set(audience, client);
      client.catch(() => clients.delete(audience));
    }
    const headers = await (await client).getRequestHeaders(audience);
    return headers.get('authorization') ?? undefined;
  };
}
