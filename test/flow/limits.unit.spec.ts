/**
 * Flows that validate must be startable (issue 13 item 6): a long chain validates without a stack
 * overflow; nesting and the step paths' document-id length are bounded with a clear problem.
 */
import { describe, expect, it } from 'vitest';
import { commandId } from '../../engine/core/commands.ts';
import { signalKey } from '../../engine/core/signals.ts';
import {
  compileFlow,
  definitionHash,
  readFlowJson,
  toMermaid,
  validateFlow,
} from '../../engine/flow/index.ts';
import { MAX_NESTING_DEPTH, MAX_STEP_PATH_ID_BYTES, stepPathIdBytes } from '../../engine/flow/limits.ts';
import { safeDocId } from '../../engine/store/paths.ts';
import { chainFlow, nestedFlowText } from '../support/generated-flows.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('graph walks on generated flows', () => {
  it('given a 5,000-step chain, then it validates, compiles, hashes and draws without a stack overflow', () => {
    const check = validateFlow(chainFlow(5000));
    expect(check.errors).toEqual([]);
    const flow = check.flow!;
    expect(Object.keys(compileFlow(flow).config.states ?? {})).toContain('S4999');
    expect(definitionHash(flow)).toMatch(/^[0-9a-f]{64}$/);
    expect(toMermaid(flow)).toContain('S4999');
  });

  it('given a 5,000-step cycle, then the cycle is reported (one problem), not a stack overflow', () => {
    const flow = chainFlow(5000);
    flow.steps.S4999 = { ...(flow.steps.S4999 as object), end: undefined, next: 'S0' };
    const { errors } = validateFlow(JSON.parse(JSON.stringify(flow)));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('steps.S4999.next');
    expect(errors[0]?.message).toMatch(/^cycle S0 → S1 → .* → S4999 → S0; a flow must be acyclic/);
  });

  it(`given Parallels nested ${MAX_NESTING_DEPTH} deep, then the flow is valid`, () => {
    expect(readFlowJson(nestedFlowText(MAX_NESTING_DEPTH), 'x').errors).toEqual([]);
  });

  for (const depth of [MAX_NESTING_DEPTH + 1, 200, 20_000]) {
    it(`given Parallels nested ${depth} deep, then one problem names the scope nested too deep`, () => {
      const { errors } = readFlowJson(nestedFlowText(depth), 'x');
      expect(errors).toHaveLength(1);
      const levels = errors[0]?.path.match(/\.branches\[0\]/g) ?? [];
      expect(levels).toHaveLength(MAX_NESTING_DEPTH + 1);
      expect(errors[0]?.message).toBe(
        `branches are nested more than ${MAX_NESTING_DEPTH} levels deep; flatten the flow or move the inner part into a separate flow`,
      );
    });
  }
});

describe('the longest document id a step path can produce', () => {
  it('given step names whose nested path is too long for a document id, then the outermost such step is one problem naming the bytes', () => {
    const { errors } = readFlowJson(
      nestedFlowText(3, (l) => `Level${l}_${'x'.repeat(400)}`),
      'x',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toMatch(
      /^steps\.Level3_x+\.branches\[0\]\.steps\.Level2_x+\.branches\[0\]\.steps\.Level1_x+$/,
    );
    expect(errors[0]?.message).toMatch(
      /^the step path "Level3_x+…x+" takes 1\d{3} bytes as a document id, more than the 1024 allowed \(Firestore ids are at most 1,500 bytes\); use shorter step names or nest less deeply$/,
    );
  });

  it('given a step name with a lone UTF-16 surrogate, then it is a problem (it cannot be spelled as a document id)', () => {
    const { errors } = readFlowJson('{"start":"A\\ud800","steps":{"A\\ud800":{"type":"End"}}}', 'x');
    expect(errors.map((e) => e.message)).toContain(
      'the step name is not well-formed Unicode (a lone surrogate), so it cannot name a stored document; rename it',
    );
  });

  it('given a path at the bound, then every document id the store spells from it fits in 1,500 bytes', () => {
    const path = `${'é'.repeat(100)}/0/${'~'.repeat(100)}/1/${'x'.repeat(MAX_STEP_PATH_ID_BYTES - 600 - 300 - 14)}`;
    expect(stepPathIdBytes(path)).toBe(MAX_STEP_PATH_ID_BYTES);
    const attempt = 999_999;
    const ids = [
      ...(['launch', 'cancel', 'timer-retry', 'timer-wait', 'timer-timeout'] as const).map((k) =>
        commandId(k, path, attempt),
      ),
      ...(['succeeded', 'failed'] as const).map((outcome) =>
        safeDocId(
          signalKey({
            kind: 'completed',
            outcome,
            path,
            attempt,
            output: null,
            source: { kind: 'log' },
          } as never),
        ),
      ),
      safeDocId(signalKey({ kind: 'timer', timer: 'timeout', path, attempt, source: { kind: 'timer' } })),
      safeDocId(
        signalKey({
          kind: 'logged',
          lines: [],
          path,
          attempt,
          source: { kind: 'callback', id: 'c'.repeat(120) },
        }),
      ),
    ];
    for (const id of ids) expect(bytes(id)).toBeLessThanOrEqual(1500);
  });
});
