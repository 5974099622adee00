/**
 * The engine's push authentication, against real RS256 JWTs signed here with a throwaway key pair and
 * verified by google-auth-library's own verifier (`verifySignedJwtWithCertsAsync`) over that key.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import type { TokenPayload } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { isFirestepError } from '../../engine/errors.ts';
import {
  certsIdTokenVerifier,
  type PushAuthConfig,
  pushAuthConfigFromEnv,
  verifyPushAuth,
} from '../../functions/engine/push-auth.ts';

const AUDIENCE = 'https://europe-west1-acme.cloudfunctions.net/firestep-engine-push';
const PUSH_SA = 'firestep-push@acme.iam.gserviceaccount.com';
const KID = 'test-key-1';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function signJwt(
  claims: Record<string, unknown>,
  opts: { kid?: string; key?: typeof keys.privateKey } = {},
): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? KID }));
  const payload = b64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${b64url(signer.sign(opts.key ?? keys.privateKey))}`;
}

/** Claims as Pub/Sub puts them into a push token, valid for the next hour. */
function pushClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'https://accounts.google.com',
    aud: AUDIENCE,
    email: PUSH_SA,
    email_verified: true,
    sub: '1234567890',
    azp: '1234567890',
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
}

const enforce: PushAuthConfig = {
  mode: 'enforce',
  audience: AUDIENCE,
  serviceAccountEmail: PUSH_SA,
  verifier: certsIdTokenVerifier({ [KID]: publicPem }),
};

const bearer = (jwt: string) => `Bearer ${jwt}`;

describe('verifyPushAuth (enforce)', () => {
  it('given a Google-signed token for our audience and push SA, when verified, then it is accepted with the email', async () => {
    const result = await verifyPushAuth(bearer(signJwt(pushClaims())), enforce);
    expect(result).toEqual({ ok: true, email: PUSH_SA });
  });

  it('given the issuer spelled without scheme, when verified, then it is accepted too', async () => {
    const result = await verifyPushAuth(bearer(signJwt(pushClaims({ iss: 'accounts.google.com' }))), enforce);
    expect(result.ok).toBe(true);
  });

  it('given the scheme written in lower case, when verified, then it is accepted (RFC 6750)', async () => {
    const result = await verifyPushAuth(`bearer ${signJwt(pushClaims())}`, enforce);
    expect(result.ok).toBe(true);
  });

  it('given the service account email in another case, when verified, then it is accepted', async () => {
    const result = await verifyPushAuth(
      bearer(signJwt(pushClaims({ email: PUSH_SA.toUpperCase() }))),
      enforce,
    );
    expect(result.ok).toBe(true);
  });

  const rejected: Array<[string, () => string | undefined, 401 | 403, RegExp]> = [
    ['a missing header', () => undefined, 401, /missing Authorization/],
    ['an empty header', () => '', 401, /missing Authorization/],
    ['a Basic header', () => 'Basic dXNlcjpwYXNz', 401, /Bearer <JWT>/],
    ['a bearer that is not a JWT', () => 'Bearer not-a-jwt', 401, /Bearer <JWT>/],
    [
      'a JWT with two segments',
      () => `Bearer ${signJwt(pushClaims()).split('.').slice(0, 2).join('.')}`,
      401,
      /Bearer/,
    ],
    [
      'a wrong audience',
      () => bearer(signJwt(pushClaims({ aud: 'https://evil.example/engine' }))),
      401,
      /invalid ID token/,
    ],
    [
      'a wrong issuer',
      () => bearer(signJwt(pushClaims({ iss: 'https://evil.example' }))),
      401,
      /invalid ID token/,
    ],
    [
      'an expired token',
      () => {
        const long = Math.floor(Date.now() / 1000) - 7200;
        return bearer(signJwt(pushClaims({ iat: long, exp: long + 3600 })));
      },
      401,
      /invalid ID token/,
    ],
    [
      'a token signed by another key',
      () => bearer(signJwt(pushClaims(), { key: otherKeys.privateKey })),
      401,
      /invalid/,
    ],
    [
      'a token naming an unknown key id',
      () => bearer(signJwt(pushClaims(), { kid: 'other-kid' })),
      401,
      /invalid/,
    ],
    [
      'a tampered payload',
      () => {
        const [h, , s] = signJwt(pushClaims()).split('.');
        return bearer(`${h}.${b64url(JSON.stringify(pushClaims({ email: 'attacker@evil.example' })))}.${s}`);
      },
      401,
      /invalid/,
    ],
    [
      'another service account',
      () => bearer(signJwt(pushClaims({ email: 'someone@acme.iam.gserviceaccount.com' }))),
      403,
      /not the push service account/,
    ],
    [
      'an unverified email',
      () => bearer(signJwt(pushClaims({ email_verified: false }))),
      403,
      /not verified/,
    ],
    ['no email claim', () => bearer(signJwt(pushClaims({ email: undefined }))), 403, /not verified|no email/],
  ];

  for (const [what, header, status, reason] of rejected) {
    it(`given ${what}, when verified, then it is rejected with ${status}`, async () => {
      const result = await verifyPushAuth(header(), enforce);
      expect(result).toMatchObject({ ok: false, status });
      if (!result.ok) expect(result.reason).toMatch(reason);
    });
  }

  it('given an invalid token, when rejected, then the reason does not echo the token', async () => {
    const jwt = signJwt(pushClaims({ aud: 'https://evil.example/engine' }));
    const result = await verifyPushAuth(bearer(jwt), enforce);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain(jwt.split('.')[1]);
  });

  it('given enforce mode without a configured service account, when a valid token arrives, then it fails closed (403)', async () => {
    const { serviceAccountEmail: _, ...noSa } = enforce;
    const result = await verifyPushAuth(bearer(signJwt(pushClaims())), noSa);
    expect(result).toMatchObject({ ok: false, status: 403 });
  });

  it('given enforce mode without an audience, when a valid token arrives, then it is rejected', async () => {
    const result = await verifyPushAuth(bearer(signJwt(pushClaims())), { ...enforce, audience: '' });
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it('given a verifier that returns claims of another audience, when verified, then the audience is checked again', async () => {
    const lax: PushAuthConfig = {
      ...enforce,
      verifier: async () => pushClaims({ aud: 'https://other' }) as unknown as TokenPayload,
    };
    expect(await verifyPushAuth(bearer(signJwt(pushClaims())), lax)).toMatchObject({
      ok: false,
      status: 401,
    });
  });
});

describe('verifyPushAuth (disabled-local-only)', () => {
  it('given the explicit local opt-out, when a request has no header, then it is accepted', async () => {
    const cfg = pushAuthConfigFromEnv({ FIRESTEP_AUTH: 'disabled-local-only' });
    expect(await verifyPushAuth(undefined, cfg)).toEqual({ ok: true });
  });
});

describe('pushAuthConfigFromEnv', () => {
  const full = { FIRESTEP_PUSH_AUDIENCE: AUDIENCE, FIRESTEP_PUSH_SERVICE_ACCOUNT: PUSH_SA };

  it('given nothing about FIRESTEP_AUTH, when read, then enforce is the default', () => {
    expect(pushAuthConfigFromEnv(full)).toEqual({
      mode: 'enforce',
      audience: AUDIENCE,
      serviceAccountEmail: PUSH_SA,
    });
  });

  it('given FIRESTEP_AUTH=enforce, when read, then enforce', () => {
    expect(pushAuthConfigFromEnv({ ...full, FIRESTEP_AUTH: 'enforce' }).mode).toBe('enforce');
  });

  it('given no FIRESTEP_AUTH and no audience, when read, then a CONFIG error names the variable (never silently disabled)', () => {
    expect(() => pushAuthConfigFromEnv({})).toThrow(/FIRESTEP_PUSH_AUDIENCE/);
    try {
      pushAuthConfigFromEnv({ FIRESTEP_PUSH_SERVICE_ACCOUNT: PUSH_SA });
    } catch (e) {
      expect(isFirestepError(e, 'CONFIG')).toBe(true);
    }
  });

  it('given enforce without a service account, when read, then a CONFIG error names the variable', () => {
    expect(() => pushAuthConfigFromEnv({ FIRESTEP_PUSH_AUDIENCE: AUDIENCE })).toThrow(
      /FIRESTEP_PUSH_SERVICE_ACCOUNT/,
    );
  });

  it.each([
    'disabled',
    'off',
    'false',
    'none',
    'DISABLED-LOCAL-ONLY',
  ])('given the look-alike FIRESTEP_AUTH=%s, when read, then it is refused rather than disabling auth', (value) => {
    expect(() => pushAuthConfigFromEnv({ ...full, FIRESTEP_AUTH: value })).toThrow(/not understood/);
  });

  it('given disabled-local-only on a deployed service (K_SERVICE set), when read, then it is refused', () => {
    expect(() =>
      pushAuthConfigFromEnv({ FIRESTEP_AUTH: 'disabled-local-only', K_SERVICE: 'firestep-engine-push' }),
    ).toThrow(/local runs only/);
  });
});
