/**
 * What `run --local` leaves behind so that a finished local run can still be inspected after its
 * emulator is gone: `.firestep/runs/<executionId>.jsonl` (the event log, exactly the `export`
 * format), `.firestep/runs/<executionId>.head.json` (the head document as Firestore stored it) and
 * `.firestep/definitions/<hash>.json` (the flow definition the execution was pinned to). The
 * `status`, `history`, `export` and `replay` commands read them with `--local`.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { FirestepError } from '../../engine/errors.ts';
import { canonicalJson } from '../../engine/flow/hash.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { parseEventLines, toJsonLine } from '../render/event-line.ts';
import type { HeadView } from '../render/step-table.ts';

/** Default folder, relative to the working directory (git-ignored). */
export const DEFAULT_RECORD_DIR = '.firestep';

/** Paths of one recorded run. */
export interface RunRecordPaths {
  events: string;
  head: string;
}

/** The files of one execution in `dir`. */
export function runRecordPaths(executionId: string, dir = DEFAULT_RECORD_DIR): RunRecordPaths {
  const runs = resolve(dir, 'runs');
  return { events: join(runs, `${executionId}.jsonl`), head: join(runs, `${executionId}.head.json`) };
}

/** Where a definition is kept, by hash. */
export function definitionPath(hash: string, dir = DEFAULT_RECORD_DIR): string {
  return resolve(dir, 'definitions', `${hash}.json`);
}

/**
 * Write a finished local run. Returns the paths written.
 *
 * @example await writeRunRecord({ head, events, definition }); // .firestep/runs/<id>.jsonl …
 */
export async function writeRunRecord(
  run: { head: HeadView; events: readonly ExecutionEvent[]; definition: FlowDefinition },
  dir = DEFAULT_RECORD_DIR,
): Promise<RunRecordPaths> {
  const paths = runRecordPaths(run.head.executionId, dir);
  await mkdir(resolve(dir, 'runs'), { recursive: true });
  await mkdir(resolve(dir, 'definitions'), { recursive: true });
  await writeFile(paths.events, run.events.map((e) => `${toJsonLine(e)}\n`).join(''));
  await writeFile(paths.head, `${JSON.stringify(run.head, null, 2)}\n`);
  await writeFile(definitionPath(run.definition.hash, dir), `${JSON.stringify(run.definition, null, 2)}\n`);
  return paths;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new FirestepError(
      'EXECUTION_NOT_FOUND',
      `${what} not found at ${path}; list local runs with \`firestep status --local\``,
    );
  }
}

/** The recorded events of a local run. */
export async function readRecordedEvents(
  executionId: string,
  dir = DEFAULT_RECORD_DIR,
): Promise<ExecutionEvent[]> {
  const path = runRecordPaths(executionId, dir).events;
  return parseEventLines(await readText(path, `local run ${executionId}`), path);
}

/** The recorded head of a local run. */
export async function readRecordedHead(executionId: string, dir = DEFAULT_RECORD_DIR): Promise<HeadView> {
  const path = runRecordPaths(executionId, dir).head;
  return JSON.parse(await readText(path, `local run ${executionId}`)) as HeadView;
}

/** A recorded definition by hash, or undefined. */
export async function readRecordedDefinition(
  hash: string,
  dir = DEFAULT_RECORD_DIR,
): Promise<FlowDefinition | undefined> {
  try {
    return JSON.parse(await readFile(definitionPath(hash, dir), 'utf8')) as FlowDefinition;
  } catch {
    return undefined;
  }
}

/** Heads of every recorded local run, newest first. */
export async function listRecordedHeads(dir = DEFAULT_RECORD_DIR): Promise<HeadView[]> {
  const runs = resolve(dir, 'runs');
  const files = await readdir(runs).catch(() => [] as string[]);
  const heads = await Promise.all(
    files
      .filter((f) => f.endsWith('.head.json'))
      .map(async (f) => JSON.parse(await readFile(join(runs, f), 'utf8')) as HeadView),
  );
  return heads.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/**
 * A named local run records its input; running the same name again with another input would
 * replace that record without a word. As the store's named starts (Step Functions' StartExecution),
 * the same name with the same input is the same request (run again, record replaced), a different
 * input is EXECUTION_CONFLICT — said before anything is started.
 *
 * @example await refuseRecordedConflict('sample-dag~w1', { date: '2024-05-02' }); // throws when w1 ran with other input
 */
export async function refuseRecordedConflict(
  executionId: string,
  input: unknown,
  dir = DEFAULT_RECORD_DIR,
): Promise<void> {
  const path = runRecordPaths(executionId, dir).head;
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let recorded: unknown;
  try {
    recorded = (JSON.parse(text) as { input?: unknown }).input ?? null;
  } catch {
    return; // an unreadable record is replaced, as a missing one
  }
  const given = JSON.parse(JSON.stringify(input ?? null)) as unknown;
  if (canonicalJson(recorded) === canonicalJson(given)) return;
  const preview = (v: unknown) => {
    const t = JSON.stringify(v);
    return t.length > 120 ? `${t.slice(0, 120)}…` : t;
  };
  throw new FirestepError(
    'EXECUTION_CONFLICT',
    `local run "${executionId}" already ran with a different input (recorded: ${preview(recorded)}; given: ${preview(given)}) and is kept in ${path}; pick another --name, or omit --name for a fresh one`,
    { details: { executionId, record: path } },
  );
}
