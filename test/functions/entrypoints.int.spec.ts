/**
 * The deployed entry modules themselves (`functions/engine/index.ts`, `functions/api/index.ts`),
 * configured only through the environment, as Cloud Functions runs them: the cloud runtime on the
 * Firestore emulator. The flows avoid external launches (a Condition straight to End), so nothing
 * leaves the machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFromEnv } from '../../functions/shared/boot.ts';
import { wipeFirestore } from '../../runtime/local/emulators.ts';
import { pushBody, serve } from './support.ts';

const projectId = `entry-${randomUUID().slice(0, 8)}`;
let flowsDir: string;
let api: { url: string; close(): Promise<void> };
let push: { url: string; close(): Promise<void> };

beforeAll(async () => {
  flowsDir = await mkdtemp(join(tmpdir(), 'firestep-entry-'));
  await writeFile(
    join(flowsDir, 'instant.json'),
    JSON.stringify({
      start: 'Route',
      steps: {
        Route: {
          type: 'Condition',
          choices: [{ variable: '$.input.ok', boolean_equals: true, next: 'Done' }],
          default: 'Nope',
        },
        Done: { type: 'End' },
        Nope: { type: 'Fail', error: 'NotOk' },
      },
    }),
  );
  Object.assign(process.env, {
    GOOGLE_CLOUD_PROJECT: projectId,
    FIRESTEP_REGION: 'europe-west1',
    FIRESTEP_CALLBACK_SECRET: 'a-secret-of-24-characters',
    FIRESTEP_API_URL: 'https://api.example',
    FIRESTEP_SIGNAL_TOPIC: `projects/${projectId}/topics/signals`,
    FIRESTEP_TASKS_QUEUE: 'firestep',
    FIRESTEP_AUTH: 'disabled-local-only',
    FIRESTEP_FLOWS_DIR: flowsDir,
  });
  await import('../../functions/engine/index.ts');
  await import('../../functions/api/index.ts');
  api = await serve('firestepApi');
  push = await serve('firestepEnginePush');
});

afterAll(async () => {
  await api?.close();
  await push?.close();
  // The entry modules booted from this very env object; the boot is shared, so this is their runtime.
  await (await (await bootFromEnv(process.env)).getRuntime()).close();
  await wipeFirestore(process.env.FIRESTORE_EMULATOR_HOST as string, projectId).catch(() => {});
  await rm(flowsDir, { recursive: true, force: true });
});

describe('deployed entry points configured from the environment', () => {
  it('given the API, when an execution of a bundled flow is started, then it runs to completion in Firestore', async () => {
    const started = await fetch(`${api.url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flowId: 'instant', input: { ok: true }, name: 'first' }),
    });
    expect(started.status).toBe(201);
    const { executionId } = (await started.json()) as { executionId: string };

    const head = await fetch(`${api.url}/v1/executions/${executionId}`);
    expect(await head.json()).toMatchObject({ executionId, flowId: 'instant', status: 'SUCCEEDED' });
    const list = await fetch(`${api.url}/v1/executions?status=SUCCEEDED`);
    expect(((await list.json()) as { executions: unknown[] }).executions).toHaveLength(1);
  });

  it('given the engine push function, when a log entry of someone else is pushed, then 200 notOurs', async () => {
    const entry = {
      logName: `projects/${projectId}/logs/cloudfunctions.googleapis.com%2Fcloud-functions`,
      resource: {
        type: 'cloud_function',
        labels: { function_name: 'someone-else', project_id: projectId, region: 'europe-west1' },
      },
      textPayload: 'Function execution took 12 ms, finished with status code: 200',
      timestamp: new Date().toISOString(),
      receiveTimestamp: new Date().toISOString(),
      severity: 'DEBUG',
      insertId: 'x1',
      labels: { execution_id: 'abc' },
      trace: `projects/${projectId}/traces/${'a'.repeat(32)}`,
    };

    const res = await fetch(push.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pushBody(entry)),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'notOurs', kind: 'cloudFunction' });
  });
});
