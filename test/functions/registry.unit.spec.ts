import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudFunction, defineFlow, end, task } from '../../engine/flow/index.ts';
import { FlowRegistry } from '../../runtime/registry/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FLOW_INDEX = join(ROOT, 'engine/flow/index.ts');
const dirs: string[] = [];

async function flowDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firestep-registry-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const tsFlow = (id: string, fn = 'fn-a') => `
import { cloudFunction, defineFlow, end, task } from ${JSON.stringify(FLOW_INDEX)};
export default defineFlow({ id: ${JSON.stringify(id)}, start: 'A', steps: { A: task(cloudFunction(${JSON.stringify(fn)}), { next: 'Done' }), Done: end() } });
`;

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('FlowRegistry.fromDirectory', () => {
  it('given a flows directory holding examples/sample-dag.json, when loaded, then the sample DAG is registered under its file name with the JSON hash', async () => {
    const json = await readFile(join(ROOT, 'examples/sample-dag.json'), 'utf8');
    const registry = await FlowRegistry.fromDirectory(await flowDir({ 'sample-dag.json': json }));
    const sample = registry.get('sample-dag');
    expect(sample?.flow.start).toBe('Init');
    expect(sample?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(registry.list().map((d) => d.id)).toContain('sample-dag');
  });

  it('given JSON and TS flows (default and named exports), when loaded, then each is registered by its id', async () => {
    const sample = await readFile(join(ROOT, 'examples/sample-dag.json'), 'utf8');
    const dir = await flowDir({
      'nightly.json': sample,
      'hello.ts': tsFlow('hello'),
      'pair.ts': `${tsFlow('pair-one')}\nimport { defineFlow as d, task as t, cloudFunction as c, end as e } from ${JSON.stringify(FLOW_INDEX)};\nexport const second = d({ id: 'pair-two', start: 'B', steps: { B: t(c('fn-b'), { end: true }) } });\nexport const helper = 42;\n`,
      'README.md': '# not a flow',
      '_shared.ts': 'export const notAFlow = 1;',
    });
    const registry = await FlowRegistry.fromDirectory(dir);
    expect(registry.list().map((d) => d.id)).toEqual(['hello', 'nightly', 'pair-one', 'pair-two']);
    expect(registry.get('nightly')?.hash).toBe(
      (await FlowRegistry.fromDirectory(await flowDir({ 'sample-dag.json': sample }))).get('sample-dag')
        ?.hash,
    );
    expect(registry.sourceOf('pair-two')).toMatch(/pair\.ts#second$/);
  });

  it('given several invalid flows, when loaded, then one FLOW_INVALID error lists every problem of every file', async () => {
    const dir = await flowDir({
      'broken.json':
        '{"start": "A", "steps": {"A": {"type": "Task", "target_type": "CloudFunction", "target_name": "f", "next": "Edn"}, "End": {"type": "End"}}}',
      'notjson.json': '{ nope',
      'empty.ts': 'export const x = 1;',
      'good.json': '{"start": "A", "steps": {"A": {"type": "End"}}}',
    });
    const error = await FlowRegistry.fromDirectory(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'FirestepError', code: 'FLOW_INVALID' });
    const message = (error as Error).message;
    expect(message).toContain('broken.json: steps.A.next: unknown step "Edn"');
    expect(message).toContain('did you mean "End"');
    expect(message).toMatch(/notjson\.json: .*not valid JSON/);
    expect(message).toContain('empty.ts: exports no flow');
    expect(message).not.toContain('good.json');
    expect((error as { details: { problems: unknown[] } }).details.problems).toHaveLength(3);
  });

  it('given a TS flow and a JSON file with the same id, when loaded, then the duplicate is an error naming both files', async () => {
    const dir = await flowDir({
      'same.json': '{"start": "A", "steps": {"A": {"type": "End"}}}',
      'other.ts': tsFlow('same'),
    });
    await expect(FlowRegistry.fromDirectory(dir)).rejects.toThrow(
      /flow id "same" is already defined by .*other\.ts; ids must be unique/,
    );
  });

  it('given a JSON flow and its TypeScript twin (same id, same definition hash), when loaded, then they are one flow (examples/ holds sample-dag in both forms)', async () => {
    const dir = await flowDir({
      'twin.json': JSON.stringify({
        start: 'A',
        steps: {
          A: { type: 'Task', target_type: 'CloudFunction', target_name: 'fn-a', next: 'Done' },
          Done: { type: 'End' },
        },
      }),
      'twin.ts': tsFlow('twin'),
    });
    const registry = await FlowRegistry.fromDirectory(dir);
    expect(registry.list().map((d) => d.id)).toEqual(['twin']);
  });

  it('given a file name that is not a valid flow id, when loaded, then it is reported', async () => {
    const dir = await flowDir({ 'my flow.json': '{"start": "A", "steps": {"A": {"type": "End"}}}' });
    await expect(FlowRegistry.fromDirectory(dir)).rejects.toThrow(
      /my flow\.json: the file name gives flow id "my flow"/,
    );
  });

  it('given a missing directory, when loaded, then a CONFIG error says where flows go', async () => {
    await expect(FlowRegistry.fromDirectory(join(tmpdir(), 'firestep-no-such-dir'))).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('FIRESTEP_FLOWS_DIR'),
    });
  });

  it('given a module exporting a hand-built definition with a wrong hash, when loaded, then the hash is recomputed from the flow', async () => {
    const dir = await flowDir({
      'forged.ts': `export default { id: 'forged', hash: 'deadbeef', flow: { start: 'A', steps: { A: { type: 'End' } } } };`,
    });
    const registry = await FlowRegistry.fromDirectory(dir);
    expect(registry.get('forged')?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(registry.get('forged')?.hash).not.toBe('deadbeef');
  });
});

describe('FlowRegistry.of', () => {
  const a = defineFlow({
    id: 'a',
    start: 'A',
    steps: { A: task(cloudFunction('f'), { next: 'E' }), E: end() },
  });

  it('given definitions in memory, when built, then get/byId/list answer and unknown ids are undefined', () => {
    const registry = FlowRegistry.of([a]);
    expect(registry.get('a')).toBe(a);
    expect(registry.byId('a')).toBe(a);
    expect(registry.get('b')).toBeUndefined();
    expect(registry.list()).toEqual([a]);
  });

  it('given two definitions with one id, when built, then it throws FLOW_INVALID', () => {
    expect(() => FlowRegistry.of([a, { ...a }])).toThrow(/flow id "a" is already defined/);
  });
});
