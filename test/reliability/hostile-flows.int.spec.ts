/**
 * Flows that validate must also start (issue 13 item 6). Generated flows at the sizes that broke
 * the engine — a 5,000-step chain (a recursive cycle check overflowed the stack), Parallels nested
 * 200 deep and step names long enough that a step path no longer fits in a Firestore document id
 * (every start a 500) — go through the real flow directory scan, and the ones that validate are
 * started and advanced on the Firestore emulator with the protocol fakes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFlowFromJson } from '../../engine/flow/json-reader.ts';
import { MAX_NESTING_DEPTH, MAX_STEP_PATH_ID_BYTES, stepPathIdBytes } from '../../engine/flow/limits.ts';
import { scanFlowDirectory } from '../../runtime/registry/index.ts';
import { chainFlow, nestedFlowText } from '../support/generated-flows.ts';
import { assertInvariants } from './support/invariants.ts';
import { eventually, type RelRuntime, startRuntime } from './support/runtime.ts';

let r: RelRuntime;
let dir: string;
beforeAll(async () => {
  r = await startRuntime([]);
  dir = await mkdtemp(join(tmpdir(), 'firestep-hostile-flows-'));
}, 60_000);
afterAll(async () => {
  await r.close();
  await rm(dir, { recursive: true, force: true });
});

/** Scan a flows directory holding only `file` with `text`. */
async function scanOne(file: string, text: string) {
  const sub = await mkdtemp(join(dir, 'scan-'));
  await writeFile(join(sub, file), text);
  return scanFlowDirectory(sub);
}

/** Deliver the SDK callback of `path` (attempt 1) of an execution, as the engine push would. */
async function complete(executionId: string, path: string) {
  const { handleEngineMessage } = await import('../../runtime/handle-message.ts');
  const cb = await eventually(() =>
    r.callbacks.find((c) => c.executionId === executionId && c.path === path),
  );
  return handleEngineMessage(cb, r.runtime, { via: 'push' });
}

/** Two nested Parallels around `Leaf` whose names make Leaf's path exactly `bytes` long as an id. */
function nestedToLength(bytes: number): string {
  const fixed = stepPathIdBytes('/0//0/Leaf') ?? 0;
  const outer = 'O'.repeat(Math.floor((bytes - fixed) / 2));
  const inner = 'I'.repeat(bytes - fixed - outer.length);
  return nestedFlowText(2, (level) => (level === 2 ? outer : inner), 'rel-hf');
}

describe('generated flows that used to validate and then never start', () => {
  it('given a 5,000-step chain in a flows directory, then it is registered without problems, starts on the emulator, and its steps advance', async () => {
    // given
    const text = JSON.stringify(chainFlow(5000, 'rel-hf'));
    const scan = await scanOne('rel-hf-chain.json', text);
    expect(scan.problems).toEqual([]);
    const def = loadFlowFromJson(text, 'rel-hf-chain');

    // when
    const { executionId } = await r.runtime.store.startExecution(def, {});
    expect((await complete(executionId, 'S0')).status).toBe('applied');
    expect((await complete(executionId, 'S1')).status).toBe('applied');

    // then
    const { head } = await assertInvariants(r.runtime.db, executionId);
    expect(head.status).toBe('RUNNING');
    expect(head.steps.S1?.status).toBe('SUCCEEDED');
    expect(head.steps.S2?.status).toMatch(/LAUNCHING|RUNNING/);
  });

  it('given a 5,000-step chain closed into a cycle, then the scan names the reference that closes it (no stack overflow)', async () => {
    const flow = chainFlow(5000, 'rel-hf');
    flow.steps.S4999 = { ...(flow.steps.S4999 as object), end: undefined, next: 'S0' };
    const scan = await scanOne('rel-hf-cycle.json', JSON.stringify(flow));
    expect(scan.flows).toEqual([]);
    expect(scan.problems).toHaveLength(1);
    expect(scan.problems[0]?.message).toMatch(
      /^steps\.S4999\.next: cycle S0 → S1 → .* → S0; a flow must be acyclic/,
    );
  });

  for (const depth of [200, 5000]) {
    it(`given Parallels nested ${depth} deep, then the scan reports one problem with the path where nesting goes too deep`, async () => {
      const scan = await scanOne('rel-hf-deep.json', nestedFlowText(depth, undefined, 'rel-hf'));
      expect(scan.flows).toEqual([]);
      expect(scan.problems).toHaveLength(1);
      const [path, message] = (scan.problems[0]?.message ?? '').split(': ');
      expect(path?.match(/\.branches\[0\]/g)).toHaveLength(MAX_NESTING_DEPTH + 1);
      expect(message).toBe(
        `branches are nested more than ${MAX_NESTING_DEPTH} levels deep; flatten the flow or move the inner part into a separate flow`,
      );
    });
  }

  it(`given a step path of exactly ${MAX_STEP_PATH_ID_BYTES} bytes as an id, then the flow starts and the step's launch, receipt and completion are stored and applied on the emulator`, async () => {
    // given
    const text = nestedToLength(MAX_STEP_PATH_ID_BYTES);
    const scan = await scanOne('rel-hf-long.json', text);
    expect(scan.problems).toEqual([]);
    const def = loadFlowFromJson(text, 'rel-hf-long');

    // when
    const { executionId } = await r.runtime.store.startExecution(def, {});
    const head0 = await eventually(async () => {
      const h = await r.runtime.store.getHead(executionId);
      const leaf = Object.values(h?.steps ?? {}).find((s) => s.step === 'Leaf');
      return leaf?.receipt ? leaf : undefined;
    });
    expect(stepPathIdBytes(head0.path)).toBe(MAX_STEP_PATH_ID_BYTES);
    expect((await complete(executionId, head0.path)).status).toBe('applied');

    // then
    const { head } = await assertInvariants(r.runtime.db, executionId);
    expect(head.status).toBe('SUCCEEDED');
  });

  it(`given a step path one byte longer, then the scan reports the step with its size (it used to validate and every start answered 500)`, async () => {
    const scan = await scanOne('rel-hf-toolong.json', nestedToLength(MAX_STEP_PATH_ID_BYTES + 1));
    expect(scan.flows).toEqual([]);
    expect(scan.problems).toHaveLength(1);
    expect(scan.problems[0]?.message).toMatch(
      new RegExp(
        `\\.steps\\.Leaf: the step path ".*" takes ${MAX_STEP_PATH_ID_BYTES + 1} bytes as a document id, more than the ${MAX_STEP_PATH_ID_BYTES} allowed`,
      ),
    );
  });
});
