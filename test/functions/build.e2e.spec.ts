/**
 * `scripts/build-functions.ts`: the deployable directory builds, imports under plain Node (no tsx),
 * registers the entry points, loads JSON and bundled TypeScript flows, and refuses invalid flows —
 * at build time and, for a hand-edited bundle, at function start.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build-functions.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
// Inside the repository, so the bundle's external imports resolve from its node_modules.
const WORK = join(ROOT, 'dist', `test-build-${randomUUID().slice(0, 8)}`);
const FLOWS = join(WORK, 'flows-src');
const OUT = join(WORK, 'functions');

const ENV = {
  PATH: process.env.PATH ?? '',
  METADATA_SERVER_DETECTION: 'none',
  GOOGLE_CLOUD_PROJECT: 'build-test',
  FIRESTEP_REGION: 'europe-west1',
  FIRESTEP_CALLBACK_SECRET: 'a-secret-of-24-characters',
  FIRESTEP_API_URL: 'https://api.example',
  FIRESTEP_SIGNAL_TOPIC: 'projects/build-test/topics/signals',
  FIRESTEP_TASKS_QUEUE: 'firestep',
  FIRESTEP_AUTH: 'disabled-local-only',
};

/** Import the bundle in a fresh `node` and list which functions got registered. */
async function importBundle(env: Record<string, string>): Promise<{ registered: string[]; stdout: string }> {
  const script = `
    await import(${JSON.stringify(join(OUT, 'index.js'))});
    const { getFunction } = await import('@google-cloud/functions-framework/testing');
    const names = ['firestepEngine', 'firestepEnginePush', 'firestepApi'].filter((n) => getFunction(n) !== undefined);
    process.stdout.write('REGISTERED ' + JSON.stringify(names) + '\\n');`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...ENV, ...env },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('REGISTERED ')) ?? 'REGISTERED []';
  return { registered: JSON.parse(line.slice('REGISTERED '.length)) as string[], stdout };
}

beforeAll(async () => {
  await mkdir(FLOWS, { recursive: true });
  await writeFile(
    join(FLOWS, 'sample-dag.json'),
    await readFile(join(ROOT, 'examples/sample-dag.json'), 'utf8'),
  );
  await writeFile(
    join(FLOWS, 'hello.ts'),
    `import { cloudFunction, defineFlow, end, task } from ${JSON.stringify(join(ROOT, 'engine/flow/index.ts'))};
export default defineFlow({ id: 'hello', start: 'Greet', steps: { Greet: task(cloudFunction('greet'), { next: 'Done' }), Done: end() } });
`,
  );
  await buildFunctions({ outDir: OUT, flowsDir: FLOWS });
}, 120_000);

afterAll(async () => {
  await rm(WORK, { recursive: true, force: true });
});

describe('build:functions', () => {
  it('given flows, when built, then the directory holds the entry points, the flows and a module package.json', async () => {
    for (const file of ['index.js', 'engine.js', 'api.js', 'flows/sample-dag.json', 'flows/hello.js']) {
      expect(existsSync(join(OUT, file)), file).toBe(true);
    }
    const pkg = JSON.parse(await readFile(join(OUT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ type: 'module', main: 'index.js' });
    expect(Object.keys(pkg.dependencies as object)).toEqual(
      expect.arrayContaining([
        '@google-cloud/firestore',
        '@google-cloud/functions-framework',
        'zod',
        'xstate',
      ]),
    );
    expect(Object.keys(pkg.dependencies as object)).not.toContain('tsx');
  });

  it('given the bundle, when imported by plain node without FUNCTION_TARGET, then all three functions register and both flows load', async () => {
    const { registered, stdout } = await importBundle({ FIRESTEP_FLOWS_DIR: join(OUT, 'flows') });

    expect(registered).toEqual(['firestepEngine', 'firestepEnginePush', 'firestepApi']);
    expect(stdout).toContain('"id":"hello"');
    expect(stdout).toContain('"id":"sample-dag"');
  });

  it('given FUNCTION_TARGET=firestepApi, when imported, then only the API module loads', async () => {
    const { registered } = await importBundle({
      FIRESTEP_FLOWS_DIR: join(OUT, 'flows'),
      FUNCTION_TARGET: 'firestepApi',
    });
    expect(registered).toEqual(['firestepApi']);
  });

  it('given a flow directory with a broken flow, when the bundle starts, then it fails with every problem listed', async () => {
    const broken = join(WORK, 'broken-flows');
    await mkdir(broken, { recursive: true });
    await writeFile(
      join(broken, 'a.json'),
      '{"start": "A", "steps": {"A": {"type": "Task", "target_type": "CloudFunction", "target_name": "f", "next": "Edn"}, "End": {"type": "End"}}}',
    );
    await writeFile(join(broken, 'b.json'), '{"start": "Nope", "steps": {"A": {"type": "End"}}}');

    const error = await importBundle({
      FIRESTEP_FLOWS_DIR: broken,
      FUNCTION_TARGET: 'firestepEnginePush',
    }).catch((e: { code?: number; stdout?: string; stderr?: string }) => e);

    expect(error).toMatchObject({ code: 1 });
    const output = `${(error as { stdout: string }).stdout}${(error as { stderr: string }).stderr}`;
    expect(output).toContain('firestep cannot start');
    expect(output).toContain('a.json: steps.A.next: unknown step \\"Edn\\"');
    expect(output).toContain('b.json: start');
  });

  it('given a missing variable, when the bundle starts, then it fails naming the variable', async () => {
    const error = await importBundle({ FIRESTEP_FLOWS_DIR: join(OUT, 'flows'), FIRESTEP_REGION: '' }).catch(
      (e: { stdout?: string; stderr?: string }) => e,
    );
    expect(`${(error as { stdout: string }).stdout}${(error as { stderr: string }).stderr}`).toContain(
      'FIRESTEP_REGION',
    );
  });

  it('given an invalid flow, when building, then the build fails with FLOW_INVALID', async () => {
    const broken = join(WORK, 'broken-build');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'x.json'), '{"start": "A", "steps": {}}');
    await expect(buildFunctions({ outDir: join(WORK, 'never'), flowsDir: broken })).rejects.toMatchObject({
      code: 'FLOW_INVALID',
    });
    expect(existsSync(join(WORK, 'never'))).toBe(false);
  });
});
