/** Loading flow files from disk, as every CLI command does: JSON and TypeScript modules. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkFlowFile, loadFlowFile } from '../../cli/flow-file.ts';
import { isFirestepError } from '../../engine/errors.ts';
import { SAMPLE_DAG_TEXT, thrownAsync } from './support.ts';

const TMP = mkdtempSync(join(tmpdir(), 'firestep-flow-file-'));
const INDEX = fileURLToPath(new URL('../../engine/flow/index.ts', import.meta.url));

function write(name: string, text: string): string {
  const file = join(TMP, name);
  writeFileSync(file, text);
  return file;
}

describe('loadFlowFile', () => {
  test('given the JSON and the TypeScript sample, when loaded, then the same flow and hash; ids from file name and defineFlow', async () => {
    const json = await loadFlowFile('examples/sample-dag.json');
    const ts = await loadFlowFile('examples/sample-dag.ts');

    expect(json.id).toBe('sample-dag');
    expect(ts.id).toBe('sample-dag');
    expect(ts.hash).toBe(json.hash);
    expect(ts.flow).toEqual(json.flow);
  });

  test('given a module whose default export is a plain reference-format object, when loaded, then it is read like JSON', async () => {
    const file = write('plain.mjs', `export default ${SAMPLE_DAG_TEXT};\n`);

    const definition = await loadFlowFile(file);

    expect(definition.id).toBe('plain');
    expect(definition.hash).toBe((await loadFlowFile('examples/sample-dag.json')).hash);
  });

  test('given text that is not JSON, when loaded, then FLOW_PARSE naming the file and the position', async () => {
    const file = write('bad.json', '{"start": "A",, }');

    const error = await thrownAsync(() => loadFlowFile(file));

    expect(isFirestepError(error, 'FLOW_PARSE')).toBe(true);
    expect((error as Error).message).toContain(
      `(root): ${file} is not valid JSON: expected a property name in double quotes, found "," at line 1, column 15`,
    );
  });

  test('given a JSON flow with problems, when loaded, then FLOW_INVALID with details.problems', async () => {
    const file = write(
      'cycle.json',
      '{"start": "A", "steps": {"A": {"type": "Wait", "seconds": 1, "next": "A"}}}',
    );

    const error = await thrownAsync(() => loadFlowFile(file));

    expect(isFirestepError(error, 'FLOW_INVALID')).toBe(true);
    expect((error as { details: { problems: unknown } }).details.problems).toEqual([
      { path: 'steps.A.next', message: 'cycle A → A; a flow must be acyclic (use "retry" to repeat a Task)' },
    ]);
  });

  test('given a module that does not compile or throws on import, when loaded, then FLOW_PARSE with the file name', async () => {
    const file = write('syntax.ts', 'export default {{;\n');

    const error = await thrownAsync(() => loadFlowFile(file));

    expect(isFirestepError(error, 'FLOW_PARSE')).toBe(true);
    expect((error as Error).message.startsWith(`${file}: cannot load the module (`)).toBe(true);
  });

  test('given a default export that is not an object, when loaded, then FLOW_PARSE saying what to export', async () => {
    const file = write('number.mjs', 'export default 42;\n');

    const error = await thrownAsync(() => loadFlowFile(file));

    expect((error as Error).message).toBe(
      `${file}: the default export must be a flow; write \`export default defineFlow({ id, start, steps })\``,
    );
  });

  test('given an unsupported extension, when loaded, then FLOW_PARSE naming the accepted kinds', async () => {
    const file = write('flow.yaml', 'start: A\n');

    const error = await thrownAsync(() => loadFlowFile(file));

    expect(isFirestepError(error, 'FLOW_PARSE')).toBe(true);
    expect((error as Error).message).toContain('unsupported file type ".yaml"');
  });

  test('given a defineFlow result edited after definition, when checked, then it is validated again', async () => {
    const file = write(
      'edited.ts',
      `import { cloudFunction, defineFlow, task } from ${JSON.stringify(INDEX)};
const definition = defineFlow({ id: 'edited', start: 'A', steps: { A: task(cloudFunction('a'), { end: true }) } });
(definition.flow.steps.A as { next?: string }).next = 'Gone';
export default definition;
`,
    );

    const check = await checkFlowFile(file);

    expect(check.definition).toBeUndefined();
    expect(check.errors.map((p) => p.path)).toEqual(['steps.A', 'steps.A.next']);
  });
});
