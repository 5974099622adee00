/**
 * Replay verification: recompute every state of an execution from its log and check, event by event,
 * that the log is one the engine would have written.
 *
 * What is checked, in order:
 * 1. the log starts with `ExecutionStarted` at seq 1 and seqs follow 1, 2, 3 … (a gap, a duplicate
 *    or a reordering is named by the first wrong seq);
 * 2. the definition: the hash recorded on `ExecutionStarted` must be the given definition's
 *    (`DEFINITION_MISMATCH`), unless `compare` is set — then the log is replayed against the given
 *    definition to show where that definition would have behaved differently;
 * 3. re-derivation: the first event of each decision is turned back into the signal that caused it
 *    (a completion, a launch receipt, a timer, a cancel, a redrive — see `signalOf`), `decide` is run
 *    on the state recomputed so far with that signal and the event's own time, and the events it
 *    produces must equal the recorded ones exactly (type, step, path, attempt, payload, seq, time,
 *    source). This catches an event the engine would not have produced (a success for a step that was
 *    not running, a join that fired early, a retry the policy does not allow, an edited output that a
 *    later step depends on), a missing follow-on event, and a decision cut short at the end of the
 *    log (truncation);
 * 4. the final state: `toHead(replayed)` must equal the stored head on every field the head
 *    projection has (a head whose `lastSeq` is past the end of the log means the log was truncated).
 *
 * Pure: no I/O.
 */
import { type Decision, decide } from '../../engine/core/decide.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { evolve } from '../../engine/core/evolve.ts';
import { start } from '../../engine/core/start.ts';
import type { ExecutionState } from '../../engine/core/state.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { canonical, firstDifference } from './canonical.ts';
import { type ChangeIndex, compareHead, pick, trackChanges } from './compare-head.ts';
import { signalOf } from './signal-of.ts';

export type DivergenceCode =
  | 'SEQ_GAP'
  | 'NOT_STARTED'
  | 'DEFINITION_MISMATCH'
  | 'UNEXPECTED_EVENT'
  | 'EVENT_MISMATCH'
  | 'TRUNCATED'
  | 'HEAD_MISMATCH'
  | 'UNREPLAYABLE';

/** The first place where the log and the engine disagree. */
export interface Divergence {
  code: DivergenceCode;
  /** The first seq that differs. */
  seq: number;
  message: string;
}

/** One recomputed step of the timeline: the event and the state right after it. */
export interface ReplayedEvent {
  event: ExecutionEvent;
  state: ExecutionState;
}

export interface ReplayReport {
  /** Every event that was verified, with the state after it (stops at the divergence). */
  timeline: ReplayedEvent[];
  /** The recomputed state after the last verified event. */
  final: ExecutionState | undefined;
  divergence?: Divergence;
  /** Hash the execution recorded, and the one it was replayed against. */
  recordedHash: string | undefined;
  replayedHash: string;
}

export interface VerifyOptions {
  /** Replay against `def` even if the log was recorded with another definition. */
  compare?: boolean;
  /** The stored head document to compare the final state with. */
  head?: Record<string, unknown>;
}

function normalize(event: ExecutionEvent, hash: string | undefined): unknown {
  return event.type === 'ExecutionStarted' && hash !== undefined ? { ...event, definitionHash: hash } : event;
}

/**
 * Verify a log against a definition.
 *
 * @example
 * const report = verifyLog(def, events, { head });
 * if (report.divergence) console.error(`seq ${report.divergence.seq}: ${report.divergence.message}`);
 */
export function verifyLog(
  given: FlowDefinition,
  events: readonly ExecutionEvent[],
  opts: VerifyOptions = {},
): ReplayReport {
  const first = events[0];
  // Comparing another definition: it stands in for the pinned one under the execution's flow id.
  const def = opts.compare && first?.type === 'ExecutionStarted' ? { ...given, id: first.flowId } : given;
  const recordedHash = first?.type === 'ExecutionStarted' ? first.definitionHash : undefined;
  const report: ReplayReport = { timeline: [], final: undefined, recordedHash, replayedHash: def.hash };
  const fail = (code: DivergenceCode, seq: number, message: string): ReplayReport => ({
    ...report,
    divergence: { code, seq, message },
  });

  for (const [index, event] of events.entries()) {
    if (event.seq !== index + 1) {
      return fail(
        'SEQ_GAP',
        index + 1,
        `expected seq ${index + 1}, found seq ${event.seq} (${event.type}): the log has a gap, a duplicate or is out of order`,
      );
    }
  }
  if (first === undefined) return fail('NOT_STARTED', 1, 'the log is empty');
  if (first.type !== 'ExecutionStarted') {
    return fail('NOT_STARTED', 1, `the log starts with ${first.type}, not ExecutionStarted`);
  }
  if (first.definitionHash !== def.hash && !opts.compare) {
    return fail(
      'DEFINITION_MISMATCH',
      1,
      `the execution ran definition ${first.definitionHash.slice(0, 12)}…, not ${def.hash.slice(0, 12)}… of flow "${def.id}"; ` +
        'pass --flow FILE to replay it against another definition on purpose',
    );
  }
  // Compare mode: the log's start is read as if made with `def`, so the machine compiled from `def` drives it.
  const log = events.map((e) => (e.type === 'ExecutionStarted' ? { ...e, definitionHash: def.hash } : e));

  const started = start(def, first.input, {
    executionId: first.executionId,
    ...(first.name === undefined ? {} : { name: first.name }),
    now: first.at,
    ...(first.source === undefined ? {} : { source: first.source }),
    // A keyed execution started with a trace key; which key does not matter to the events.
    ...(first.traceKeyVersion === undefined ? {} : { traceKey: 'replay-only' }),
  });
  let state: ExecutionState | undefined;
  let index = 0;
  // A log recorded before Conditions recorded their route has no ChoiceTaken: verify it without them.
  const legacy = !log.some((e) => e.type === 'ChoiceTaken');
  const recordable = (d: Decision): Decision => (legacy ? withoutChoices(d) : d);
  let decision: Decision = recordable(started.decision);
  const lastChange: ChangeIndex = new Map();
  while (true) {
    const mismatch = compareDecision(decision, log, index, def.hash);
    if (mismatch)
      return {
        ...fail(mismatch.code, mismatch.seq, mismatch.message),
        timeline: report.timeline,
        final: state,
      };
    for (const event of log.slice(index, index + decision.events.length)) {
      const before = state;
      state = evolve(def, state, event);
      trackChanges(before, state, event.seq, lastChange);
      report.timeline.push({ event: events[event.seq - 1] as ExecutionEvent, state });
    }
    index += decision.events.length;
    const next = log[index];
    if (next === undefined || state === undefined) break;
    const signal = signalOf(next);
    if (signal === undefined) {
      return {
        ...fail(
          'UNEXPECTED_EVENT',
          next.seq,
          `${next.type} can only follow another event in the same decision; here nothing caused it`,
        ),
        timeline: report.timeline,
        final: state,
      };
    }
    try {
      // Replay compares events only; the commands (and their trace ids) are discarded.
      decision = recordable(decide(def, state, signal, next.at, { traceKey: 'replay-only' }));
    } catch (e) {
      return {
        ...fail('UNREPLAYABLE', next.seq, (e as Error).message),
        timeline: report.timeline,
        final: state,
      };
    }
    if (decision.ignored) {
      return {
        ...fail(
          'UNEXPECTED_EVENT',
          next.seq,
          `the engine would not have recorded ${describe(next)}: ${decision.ignored.message}`,
        ),
        timeline: report.timeline,
        final: state,
      };
    }
  }
  const done: ReplayReport = { ...report, final: state };
  if (opts.head && state) {
    const headDivergence = compareHead(state, opts.head, lastChange, recordedHash);
    if (headDivergence) return { ...done, divergence: headDivergence };
  }
  return done;
}

/** A decision without its ChoiceTaken events, the others renumbered consecutively. */
function withoutChoices(decision: Decision): Decision {
  const first = decision.events[0]?.seq ?? 0;
  const events = decision.events
    .filter((e) => e.type !== 'ChoiceTaken')
    .map((e, i) => ({ ...e, seq: first + i }));
  return events.length === decision.events.length ? decision : { ...decision, events };
}

function describe(e: ExecutionEvent): string {
  if (!('path' in e) || !e.path) return e.type;
  return 'attempt' in e ? `${e.type} for ${e.path} attempt ${e.attempt}` : `${e.type} at ${e.path}`;
}

function compareDecision(
  decision: Decision,
  log: readonly ExecutionEvent[],
  index: number,
  hash: string,
): Divergence | undefined {
  for (const [offset, expected] of decision.events.entries()) {
    const recorded = log[index + offset];
    if (recorded === undefined) {
      return {
        code: 'TRUNCATED',
        seq: expected.seq,
        message: `the log ends at seq ${expected.seq - 1}, but the engine writes ${describe(expected)} as seq ${expected.seq} in the same transaction: the log was truncated`,
      };
    }
    if (canonical(normalize(recorded, hash)) !== canonical(normalize(expected, hash))) {
      const field = firstDifference(recorded, expected) ?? '';
      const sameKind = recorded.type === expected.type;
      return {
        code: sameKind ? 'EVENT_MISMATCH' : 'UNEXPECTED_EVENT',
        seq: recorded.seq,
        message: sameKind
          ? `${describe(recorded)} differs from what the engine produces at field "${field}": recorded ${canonical(pick(recorded, field))}, engine ${canonical(pick(expected, field))}`
          : `recorded ${describe(recorded)}, but the engine produces ${describe(expected)} here`,
      };
    }
  }
  return undefined;
}
