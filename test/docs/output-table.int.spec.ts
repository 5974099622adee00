/**
 * The docs' per-target output table (docs/guides/targets.md, "output keys") matches what the local
 * fakes return: the examples are run on the emulators and every completed step's output keys are
 * compared with the documented ones for its target.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { runLocal } from '../../cli/local/run-local.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { launchable } from '../../engine/flow/launchable.ts';
import { walkSteps } from '../../engine/flow/paths.ts';
import { bufferedIo, e2eScope } from '../e2e/support.ts';

const scope = e2eScope('docs-outputs');
afterAll(() => scope.cleanup());

/** target → documented keys, from the table after the `<!-- output-keys -->` marker. */
function documentedKeys(): Map<string, string[]> {
  const text = readFileSync('docs/guides/targets.md', 'utf8');
  const table = text.slice(text.indexOf('<!-- output-keys -->')).split('\n\n')[0] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const m = /^\|\s*`(\w+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cell = (m[2] ?? '').split('(')[0] ?? '';
    rows.set(m[1] as string, [...cell.matchAll(/`(\w+)`/g)].map((k) => k[1] as string).sort());
  }
  return rows;
}

async function outputsByTarget(
  file: string,
  input: Record<string, string>,
): Promise<Map<string, string[][]>> {
  const definition = await loadFlowFile(file);
  // From the flow, not from receipts: under load a completion may be recorded before its launch.
  const targetOf = new Map<string, string>();
  for (const s of walkSteps(definition.flow))
    if (launchable(s.step)) targetOf.set(s.path, launchable(s.step)?.target.type ?? '?');
  const { events } = await runLocal({
    definition,
    input,
    io: bufferedIo(),
    recordDir: scope.recordDir,
    projectId: scope.project(),
    speed: 10,
  });
  const out = new Map<string, string[][]>();
  for (const e of events as ExecutionEvent[]) {
    if (e.type === 'StepSucceeded') {
      const target = targetOf.get(e.path) ?? '?';
      const keys = Object.keys(e.output as object).sort();
      out.set(target, [...(out.get(target) ?? []), keys]);
    }
  }
  return out;
}

describe('the output table in docs/guides/targets.md', () => {
  it('lists, for each target, exactly the keys the local fakes return', async () => {
    const documented = documentedKeys();
    expect([...documented.keys()].sort()).toEqual(
      [
        'CloudFunction',
        'Dataflow',
        'Dataproc',
        'Http',
        'PubSub',
        'BigQuery',
        'CloudRunJob',
        'StorageObject',
      ].sort(),
    );
    const seen = new Set<string>();
    const runs: Array<[string, Record<string, string>]> = [
      ['examples/sample-dag.json', {}],
      ['examples/nested-parallel.json', {}],
      ['examples/landing-to-report.json', { date: '2026-12-01' }],
    ];
    for (const [file, input] of runs) {
      for (const [target, outputs] of await outputsByTarget(file, input)) {
        seen.add(target);
        for (const keys of outputs) expect(keys, `${target} in ${file}`).toEqual(documented.get(target));
      }
    }
    expect([...seen].sort()).toEqual([...documented.keys()].sort());
  }, 120_000);
});
