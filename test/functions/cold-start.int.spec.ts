/**
 * What a fresh engine instance loads (issue 7: "cold start loads only what it needs"): importing the
 * engine function loads no Google client library, and its first message loads Firestore but not
 * Cloud Tasks, Pub/Sub or googleapis — those wait for the first timer, launch or Dataflow check.
 * Each case runs in a fresh Node process, as a new function instance would.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { gen1FinishedText, gen1Line } from '../../adapters/fakes/log-entries.ts';
import { pushBody } from './support.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PROJECT = `coldstart-${randomUUID().slice(0, 8)}`;
// A deployment's flows directory: the sample DAG alone (examples/ also holds its TypeScript twin).
const FLOWS_DIR = await mkdtemp(join(tmpdir(), 'firestep-coldstart-flows-'));
await copyFile(resolve(ROOT, 'examples/sample-dag.json'), join(FLOWS_DIR, 'sample-dag.json'));
afterAll(() => rm(FLOWS_DIR, { recursive: true, force: true }));

/** Client libraries a cold start must not load before it needs them. */
const HEAVY = [
  'google-auth-library',
  '@google-cloud/firestore',
  '@google-cloud/tasks',
  '@google-cloud/pubsub',
  'googleapis',
];

/** In the child: import the engine, optionally push one message, list the heavy packages loaded. */
const CHILD = `
import { createRequire } from 'node:module';
const loaded = () => {
  const files = Object.keys(createRequire(import.meta.url).cache);
  return ${JSON.stringify(HEAVY)}.filter((p) => files.some((f) => f.includes('/node_modules/' + p + '/')));
};
await import(${JSON.stringify(resolve(ROOT, 'functions/engine/index.ts'))});
const out = { atImport: loaded() };
if (process.env.PUSH) {
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const server = getTestServer('firestepEnginePush');
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: process.env.PUSH,
  });
  out.status = res.status;
  out.answer = await res.json();
  out.afterFirstPush = loaded();
}
process.stdout.write('RESULT ' + JSON.stringify(out) + '\\n');
process.exit(0);
`;

interface ChildResult {
  atImport: string[];
  status?: number;
  answer?: { status?: string };
  afterFirstPush?: string[];
}

async function freshInstance(push?: unknown): Promise<ChildResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    FIRESTEP_LOG: 'silent',
    METADATA_SERVER_DETECTION: 'none',
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FIRESTEP_REGION: 'europe-west1',
    FIRESTEP_CALLBACK_SECRET: 'a-secret-of-24-characters',
    FIRESTEP_API_URL: 'https://api.example',
    FIRESTEP_SIGNAL_TOPIC: 'firestep-signals',
    FIRESTEP_TASKS_QUEUE: 'firestep',
    FIRESTEP_FLOWS_DIR: FLOWS_DIR,
    FIRESTEP_AUTH: 'disabled-local-only',
    FUNCTION_TARGET: 'firestepEnginePush',
    ...(push === undefined ? {} : { PUSH: JSON.stringify(push) }),
  };
  delete env.K_SERVICE;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the child printed no result: ${stdout.slice(0, 2000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

describe('engine cold start', () => {
  it('given a fresh process, when the engine function module is imported, then no Google client library is loaded', async () => {
    const { atImport } = await freshInstance();

    expect(atImport).toEqual([]);
  }, 60_000);

  it('given a fresh process, when its first push (not ours) is handled, then Firestore is loaded but Cloud Tasks, Pub/Sub and googleapis are not', async () => {
    const foreign = gen1Line(
      {
        project: PROJECT,
        region: 'europe-west1',
        functionName: 'someone-elses-function',
        executionId: 'exec-foreign',
        trace: { traceId: 'f'.repeat(32) },
        at: new Date(),
        insertId: `foreign-${randomUUID()}`,
      },
      gen1FinishedText(12, { statusCode: 200 }),
    );

    const result = await freshInstance(pushBody(foreign));

    expect(result.status).toBe(200);
    expect(result.answer).toMatchObject({ status: 'notOurs' });
    expect(result.afterFirstPush).toContain('@google-cloud/firestore');
    expect(result.afterFirstPush).not.toContain('@google-cloud/tasks');
    expect(result.afterFirstPush).not.toContain('@google-cloud/pubsub');
    expect(result.afterFirstPush).not.toContain('googleapis');
  }, 60_000);
});
