/**
 * Replay of stored logs (test/golden, written once by test/golden/generate.ts from real runs): the
 * current engine must fold each log into exactly the head that was stored when it was recorded, and
 * re-deciding each recorded signal must produce the recorded events. A failure here means the
 * engine changed the meaning of histories already in Firestore — a determinism break, not a test to
 * regenerate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLog } from '../../cli/replay/verify.ts';
import { type ExecutionEvent, replay, toHead } from '../../engine/core/index.ts';
import { definitionHash } from '../../engine/flow/hash.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';

const GOLDEN = resolve(import.meta.dirname, '../golden');
const names = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.slice(0, -'.jsonl'.length))
  .sort();

const read = (file: string) => readFileSync(resolve(GOLDEN, file), 'utf8');

describe('golden logs replay to their stored heads', () => {
  it('covers success, branch failure, retry, catch, condition, cancel, execution timeout and redrive', () => {
    expect(names).toEqual([
      'branch-failure',
      'cancel',
      'catch',
      'condition',
      'execution-timeout',
      'redrive',
      'retry',
      'sample-success',
    ]);
  });

  for (const name of names) {
    it(`${name}: replay gives the stored head, and every recorded decision is re-decided identically`, () => {
      // given
      const def = JSON.parse(read(`${name}.flow.json`)) as FlowDefinition;
      const events = read(`${name}.jsonl`)
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ExecutionEvent);
      const head = JSON.parse(read(`${name}.head.json`)) as Record<string, unknown>;

      // then: the definition still hashes to what the execution pinned
      expect(definitionHash(def.flow)).toBe(def.hash);
      expect(events[0]).toMatchObject({ type: 'ExecutionStarted', definitionHash: def.hash });

      // then: the fold of the log is the stored head
      expect(toHead(replay(def, events))).toEqual(head);

      // then: decide, given the signals the log records, produces the same events
      const report = verifyLog(def, events, { head });
      expect(report.divergence).toBeUndefined();
      expect(report.timeline.length).toBe(events.length);
    });
  }
});
