/**
 * Test harness for the functions: a local runtime on the Firestore emulator (own project id) and
 * the protocol fakes, whose platform log entries are *collected* (not delivered) so that each test
 * decides how they reach the engine — usually as a raw Pub/Sub push to the registered function.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import {
  type CloudEventLike,
  type FakeDataflow,
  type FakeFunctionHost,
  type LogEntry,
  startFakeDataflow,
  startFakeFunctionHost,
} from '../../adapters/fakes/index.ts';
import type { CallbackMessage } from '../../engine/signals/wire/callback.ts';
import { certsIdTokenVerifier, type PushAuthConfig } from '../../functions/engine/push-auth.ts';
import { createLocalRuntime, type LocalRuntimeOptions } from '../../runtime/create-local-runtime.ts';
import type { FlowRegistry } from '../../runtime/registry/registry.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { testFirestore } from '../support/firestore.ts';

// The functions log every rejection and dead letter; keep test output readable unless asked.
process.env.FIRESTEP_LOG ??= 'silent';

export interface Harness {
  runtime: Runtime;
  projectId: string;
  host: FakeFunctionHost;
  dataflow: FakeDataflow;
  /** Log entries the fakes wrote, in order. */
  entries: LogEntry[];
  /** Eventarc CloudEvents the fake Dataflow emitted (job state changes). */
  cloudEvents: CloudEventLike[];
  callbacks: CallbackMessage[];
  close(): Promise<void>;
}

/**
 * @example const h = await startHarness({ registry }); afterAll(() => h.close());
 */
export async function startHarness(
  opts: { registry: FlowRegistry; prefix?: string } & Pick<LocalRuntimeOptions, 'faults'>,
): Promise<Harness> {
  const fs = testFirestore(opts.prefix ?? 'functions');
  const entries: LogEntry[] = [];
  const callbacks: CallbackMessage[] = [];
  const cloudEvents: CloudEventLike[] = [];
  const host = await startFakeFunctionHost({
    onLogEntry: (e) => {
      entries.push(e);
    },
    onCallback: (m) => {
      callbacks.push(m);
    },
  });
  const dataflow = await startFakeDataflow({
    onLogEntry: (e) => {
      entries.push(e);
    },
    onCloudEvent: (e) => {
      cloudEvents.push(e);
    },
  });
  const runtime = await createLocalRuntime(
    { projectId: fs.projectId, fakes: { functionHostUrl: host.url, dataflowUrl: dataflow.url } },
    { db: fs.db, registry: opts.registry, ...(opts.faults ? { faults: opts.faults } : {}) },
  );
  return {
    runtime,
    projectId: fs.projectId,
    host,
    dataflow,
    entries,
    cloudEvents,
    callbacks,
    close: async () => {
      await runtime.close();
      await host.close();
      await dataflow.close();
      await fs.cleanup();
    },
  };
}

/** A raw Pub/Sub push body (what a push subscription POSTs) carrying `payload` as the message data. */
export function pushBody(
  payload: unknown,
  messageId = `m-${Math.random().toString(36).slice(2)}`,
): Record<string, unknown> {
  return {
    message: {
      data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64'),
      messageId,
      publishTime: new Date().toISOString(),
      attributes: { 'logging.googleapis.com/timestamp': new Date().toISOString() },
    },
    subscription: 'projects/test/subscriptions/firestep-signals-push',
  };
}

/** Serve a registered function on a loopback port. */
export async function serve(functionName: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = getTestServer(functionName);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export { eventually } from '../support/eventually.ts';

export { gen1EndLine as completionEntry } from '../support/log-lines.ts';

// --- OIDC tokens signed with a throwaway key, verified by google-auth-library over that key ---

const KID = 'functions-test-key';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const PUSH_AUDIENCE = 'https://europe-west1-test.cloudfunctions.net/firestep-engine-push';
export const PUSH_SA = 'firestep-push@test.iam.gserviceaccount.com';

/** Enforcing push auth whose verifier trusts the test key. */
export function testPushAuth(audience = PUSH_AUDIENCE, serviceAccountEmail = PUSH_SA): PushAuthConfig {
  const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    mode: 'enforce',
    audience,
    serviceAccountEmail,
    verifier: certsIdTokenVerifier({ [KID]: publicPem }),
  };
}

/** A Google-style ID token (RS256) for `claims`; `forged` signs with another key. */
export function idToken(overrides: Record<string, unknown> = {}, forged = false): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://accounts.google.com',
    aud: PUSH_AUDIENCE,
    email: PUSH_SA,
    email_verified: true,
    sub: '1',
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
  const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
  const head = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KID }));
  const body = b64(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${head}.${body}`);
  return `${head}.${body}.${b64(signer.sign(forged ? otherKeys.privateKey : keys.privateKey))}`;
}
