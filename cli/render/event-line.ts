/**
 * The JSON-lines shape of an event, shared by `run --json`, `export` and `replay --events`: one
 * object per line, keys `seq`, `type`, `at`, `step`, `path`, `attempt` first (null when the event
 * does not concern a step), then the event's own fields, then `source`. Parsing is the exact
 * inverse, so an exported log replays to the same state as the stored one.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { FirestepError } from '../../engine/errors.ts';

const LEADING = ['seq', 'type', 'at', 'step', 'path', 'attempt'] as const;

/**
 * One event as one JSON line (no trailing newline). `childOf`: the id of the child execution the
 * event belongs to, for the child lines `run --json` prints among its own.
 *
 * @example toJsonLine({ seq: 1, type: 'ExecutionCancelled', at: '2026-01-01T00:00:00.000Z', reason: 'x' })
 * // '{"seq":1,"type":"ExecutionCancelled","at":"2026-01-01T00:00:00.000Z","step":null,"path":null,"attempt":null,"reason":"x"}'
 */
export function toJsonLine(event: ExecutionEvent, childOf?: string): string {
  const e = event as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // A child execution's line (run --json prints Map iterations too) names its execution first.
  if (childOf !== undefined) out.executionId = childOf;
  for (const key of LEADING) out[key] = e[key] ?? null;
  for (const [key, value] of Object.entries(e)) {
    if (key === 'source' || (LEADING as readonly string[]).includes(key) || value === undefined) continue;
    out[key] = value;
  }
  if (e.source !== undefined) out.source = e.source;
  return JSON.stringify(out);
}

/**
 * Parse JSON lines written by {@link toJsonLine} back into events. Blank lines are skipped; anything
 * else that is not an event object is an error naming the file and line.
 *
 * @example parseEventLines(readFileSync('run.jsonl', 'utf8'), 'run.jsonl')
 */
export function parseEventLines(text: string, origin: string): ExecutionEvent[] {
  const events: ExecutionEvent[] = [];
  const lines = text.split(/\r?\n/);
  let root: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `${origin}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new FirestepError('LOG_INVALID', `${where}: not JSON (${(e as Error).message})`);
    }
    const event = fromJsonObject(value, where);
    // `run --json` interleaves child executions' lines (Map iterations): keep the first execution's.
    const owner = (value as { executionId?: unknown }).executionId;
    if (event.type === 'ExecutionStarted') root ??= event.executionId;
    else if (typeof owner === 'string') {
      if (owner !== root) continue;
      delete (event as { executionId?: unknown }).executionId;
    }
    if (event.type === 'ExecutionStarted' && event.executionId !== root) continue;
    events.push(event);
  }
  return events;
}

function fromJsonObject(value: unknown, where: string): ExecutionEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FirestepError(
      'LOG_INVALID',
      `${where}: expected an event object, got ${JSON.stringify(value)}`,
    );
  }
  const obj = { ...(value as Record<string, unknown>) };
  if (!Number.isInteger(obj.seq) || (obj.seq as number) < 1) {
    throw new FirestepError('LOG_INVALID', `${where}: "seq" must be a positive integer`);
  }
  if (typeof obj.type !== 'string' || typeof obj.at !== 'string') {
    throw new FirestepError('LOG_INVALID', `${where}: "type" and "at" must be strings`);
  }
  for (const key of ['step', 'path', 'attempt'] as const) if (obj[key] === null) delete obj[key];
  return obj as unknown as ExecutionEvent;
}
