/**
 * How a local run launches Http targets: every request goes to the fake endpoint (never to the URL
 * the flow names), with the same method, trace headers, body and an Authorization header of the
 * same shape as in the cloud — an unsigned ID token whose `aud` is the audience for `oidc`, and a
 * placeholder for a `bearer` secret whose variable is not set (the fake accepts any).
 */
import { fakeEndpointUrl } from '../fakes/http-endpoint-url.ts';
import type { IdTokenProvider } from '../shared/id-token.ts';
import type { HttpLauncherOptions } from './launcher.ts';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A `Bearer` header holding an unsigned JWT (`alg: none`) for `audience`: what an endpoint's code may
 * decode, never accepted by a real one.
 *
 * @example await localIdToken('https://extract.example.com/run') // → 'Bearer eyJhbGciOiJub25lIn0.eyJ….'
 */
export const localIdToken: IdTokenProvider = async (audience) =>
  `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: 'firestep-local', aud: audience, sub: 'firestep-local' })}.`;

/**
 * The HttpLauncher options of a local run whose fake endpoint listens at `endpointUrl`.
 *
 * @example new HttpLauncher({ context, ...localHttpOptions(endpoint.url) })
 */
export function localHttpOptions(
  endpointUrl: string,
): Required<Pick<HttpLauncherOptions, 'urlFor' | 'secretFallback' | 'idToken'>> {
  return {
    urlFor: (target) => fakeEndpointUrl(endpointUrl, target),
    secretFallback: (variable) => `firestep-local-${variable.toLowerCase()}`,
    idToken: localIdToken,
  };
}
