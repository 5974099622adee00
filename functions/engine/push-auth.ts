/**
 * Authentication of Pub/Sub push requests to the engine.
 *
 * The signal topic's push subscription attaches a Google-signed OIDC ID token
 * (`Authorization: Bearer <jwt>`) minted for a dedicated push service account, with the engine's URL as
 * audience (see infra/pubsub.tf). Cloud Run's IAM check already requires `run.invoker`; this module
 * checks again inside the function, because any Google account can mint an ID token for any audience:
 * only a token whose `email` is the configured push service account proves the request came from our
 * subscription. The check can be switched off for local runs only, and only by saying so explicitly
 * (`FIRESTEP_AUTH=disabled-local-only`); it is never off by default.
 *
 * Status codes: 401 when there is no usable token (missing, malformed, bad signature, expired, wrong
 * issuer or audience); 403 when the token is genuine but names someone else.
 *
 * google-auth-library (~150–250 ms of module loading) is imported by the verifiers on their first
 * call, not when the function module loads: a cold start pays for it only once a push arrives.
 */
import type { OAuth2Client, TokenPayload } from 'google-auth-library';
import { FirestepError } from '../../engine/errors.ts';

/** `enforce` verifies every request; `disabled-local-only` accepts everything (local runs only). */
export type PushAuthMode = 'enforce' | 'disabled-local-only';

/** Verifies a JWT's signature, expiry, issuer and audience, and returns its claims (throws if invalid). */
export type IdTokenVerifier = (idToken: string, audience: string) => Promise<TokenPayload>;

export interface PushAuthConfig {
  mode: PushAuthMode;
  /** Expected `aud` claim: the push subscription's `oidc_token.audience` (the engine push URL). */
  audience: string;
  /**
   * Expected `email` claim: the push subscription's `oidc_token.service_account_email`. Required in
   * `enforce` mode; a missing value rejects every request (fail closed) rather than trusting any
   * Google identity.
   */
  serviceAccountEmail?: string;
  /** Test seam: verify tokens with these certificates or this function instead of Google's live keys. */
  verifier?: IdTokenVerifier;
}

export type PushAuthResult = { ok: true; email?: string } | { ok: false; status: 401 | 403; reason: string };

/** Issuers of Google-signed ID tokens, both spellings that Google uses. */
export const GOOGLE_ISSUERS: readonly string[] = ['accounts.google.com', 'https://accounts.google.com'];

let sharedClient: Promise<OAuth2Client> | undefined;

/** A new client, its library loaded on first use (the import is cached by the module loader). */
async function newOAuth2Client(): Promise<OAuth2Client> {
  const { OAuth2Client: Client } = await import('google-auth-library');
  return new Client();
}

/** One client per process: it caches Google's certificates between requests. */
function sharedGoogleClient(): Promise<OAuth2Client> {
  sharedClient ??= newOAuth2Client().catch((e: unknown) => {
    sharedClient = undefined;
    throw e;
  });
  return sharedClient;
}

/**
 * The production verifier: Google's public certificates (fetched once and cached by the client).
 *
 * @example const verify = googleIdTokenVerifier(); const claims = await verify(jwt, 'https://…/firestep-engine-push');
 */
export function googleIdTokenVerifier(client?: OAuth2Client): IdTokenVerifier {
  return async (idToken, audience) => {
    const oauth = client ?? (await sharedGoogleClient());
    const ticket = await oauth.verifyIdToken({ idToken, audience });
    return requirePayload(ticket.getPayload());
  };
}

/**
 * A verifier over fixed certificates (PEM by key id), for tests and air-gapped checks. Enforces the
 * same Google issuers as {@link googleIdTokenVerifier}.
 *
 * @example const verify = certsIdTokenVerifier({ 'key-1': publicKeyPem });
 */
export function certsIdTokenVerifier(certs: Record<string, string>): IdTokenVerifier {
  let client: Promise<OAuth2Client> | undefined;
  return async (idToken, audience) => {
    client ??= newOAuth2Client();
    const ticket = await (await client).verifySignedJwtWithCertsAsync(idToken, certs, audience, [
      ...GOOGLE_ISSUERS,
    ]);
    return requirePayload(ticket.getPayload());
  };
}

function requirePayload(payload: TokenPayload | undefined): TokenPayload {
  if (!payload) throw new Error('token has no payload');
  return payload;
}

/** RFC 6750 bearer credentials (the scheme name is case-insensitive) carrying a compact JWS. */
const BEARER = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * Decide whether a push request may reach the engine.
 *
 * @example
 * const auth = await verifyPushAuth(req.get('authorization'), pushAuthConfigFromEnv(process.env));
 * if (!auth.ok) return res.status(auth.status).send(auth.reason);
 */
export async function verifyPushAuth(
  authorizationHeader: string | undefined,
  cfg: PushAuthConfig,
): Promise<PushAuthResult> {
  if (cfg.mode === 'disabled-local-only') return { ok: true };
  if (!cfg.audience) {
    return {
      ok: false,
      status: 401,
      reason: 'push authentication is enforced but no audience is configured',
    };
  }
  if (!cfg.serviceAccountEmail) {
    return {
      ok: false,
      status: 403,
      reason: 'push authentication is enforced but no push service account is configured',
    };
  }
  if (!authorizationHeader) return { ok: false, status: 401, reason: 'missing Authorization header' };
  const match = BEARER.exec(authorizationHeader.trim());
  if (!match?.[1]) {
    return { ok: false, status: 401, reason: 'Authorization header is not "Bearer <JWT>"' };
  }
  const verify = cfg.verifier ?? googleIdTokenVerifier();
  let claims: TokenPayload;
  try {
    claims = await verify(match[1], cfg.audience);
  } catch (e) {
    return { ok: false, status: 401, reason: `invalid ID token: ${describe(e)}` };
  }
  if (!GOOGLE_ISSUERS.includes(claims.iss)) {
    return { ok: false, status: 401, reason: `ID token issuer "${claims.iss}" is not Google` };
  }
  if (claims.aud !== cfg.audience) {
    return { ok: false, status: 401, reason: 'ID token audience does not match' };
  }
  if (claims.email_verified !== true) {
    return { ok: false, status: 403, reason: 'ID token email is not verified' };
  }
  if (claims.email?.toLowerCase() !== cfg.serviceAccountEmail.toLowerCase()) {
    return {
      ok: false,
      status: 403,
      reason: `ID token belongs to "${claims.email ?? '(no email)'}", not the push service account`,
    };
  }
  return { ok: true, email: claims.email };
}

/** Error text without the token itself (google-auth-library puts the whole JWT into some messages). */
function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split(':')[0]?.trim() || 'verification failed';
}

/**
 * Read the push-auth configuration from the environment:
 * `FIRESTEP_AUTH` (`enforce`, the default, or `disabled-local-only`), `FIRESTEP_PUSH_AUDIENCE`,
 * `FIRESTEP_PUSH_SERVICE_ACCOUNT`. Refuses `disabled-local-only` on Cloud Run / Cloud Functions
 * (`K_SERVICE` is set there), and refuses enforce mode without an audience or service account.
 *
 * @example const cfg = pushAuthConfigFromEnv(process.env); // throws FirestepError('CONFIG') when incomplete
 */
export function pushAuthConfigFromEnv(env: Record<string, string | undefined>): PushAuthConfig {
  const raw = env.FIRESTEP_AUTH?.trim() ?? '';
  if (raw === 'disabled-local-only') {
    if (env.K_SERVICE) {
      throw new FirestepError(
        'CONFIG',
        `FIRESTEP_AUTH=disabled-local-only is for local runs only, but this process runs as the deployed service "${env.K_SERVICE}"; remove FIRESTEP_AUTH or set it to "enforce"`,
      );
    }
    return { mode: 'disabled-local-only', audience: env.FIRESTEP_PUSH_AUDIENCE ?? '' };
  }
  if (raw !== '' && raw !== 'enforce') {
    throw new FirestepError(
      'CONFIG',
      `FIRESTEP_AUTH="${raw}" is not understood; use "enforce" (the default) or, for local runs only, "disabled-local-only"`,
    );
  }
  const audience = env.FIRESTEP_PUSH_AUDIENCE?.trim();
  if (!audience) {
    throw new FirestepError(
      'CONFIG',
      'FIRESTEP_PUSH_AUDIENCE is not set: set it to the push subscription\'s OIDC audience (the Terraform output "engine_push_audience"), or set FIRESTEP_AUTH=disabled-local-only for a local run',
    );
  }
  const serviceAccountEmail = env.FIRESTEP_PUSH_SERVICE_ACCOUNT?.trim();
  if (!serviceAccountEmail) {
    throw new FirestepError(
      'CONFIG',
      'FIRESTEP_PUSH_SERVICE_ACCOUNT is not set: set it to the push subscription\'s service account email (the Terraform output "push_service_account"), or set FIRESTEP_AUTH=disabled-local-only for a local run',
    );
  }
  return { mode: 'enforce', audience, serviceAccountEmail };
}
