/**
 * What `replay` replays: the log (from a project, from `.firestep/`, or from an exported file), the
 * head to compare with, and the definition to replay against.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { loadFlowFile } from '../flow-file.ts';
import { openReader, type ReaderFlags } from '../local/readers.ts';
import { DEFAULT_RECORD_DIR, readRecordedDefinition } from '../local/run-records.ts';
import { parseEventLines } from '../render/event-line.ts';

export interface ReplayInput {
  events: ExecutionEvent[];
  /** Stored head to compare with (Firestore, or the `.head.json` recorded next to an exported log). */
  head: Record<string, unknown> | undefined;
  /** Where the head came from, for messages. */
  headOrigin: string | undefined;
  definition: FlowDefinition;
  /** True when `--flow` was given and its hash differs from the recorded one. */
  compare: boolean;
}

export interface ReplaySourceFlags extends ReaderFlags {
  events?: string;
  flow?: string;
}

async function readEventsFile(file: string): Promise<ExecutionEvent[]> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (e) {
    throw new FirestepError('LOG_INVALID', `${file}: cannot read the event log (${(e as Error).message})`);
  }
  return parseEventLines(text, file);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `run.jsonl` → `run.head.json` beside it, if present (what `run --local` records). */
async function siblingHead(file: string): Promise<Record<string, unknown> | undefined> {
  if (file === '-') return undefined;
  const path = `${file.replace(/\.jsonl?$/, '')}.head.json`;
  if (path === file || !existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

/**
 * Gather the log, head and definition `replay` needs.
 *
 * @example const input = await loadReplayInput(undefined, { events: 'run.jsonl', flow: 'examples/sample-dag.json' });
 */
export async function loadReplayInput(
  executionId: string | undefined,
  flags: ReplaySourceFlags,
): Promise<ReplayInput> {
  if ((executionId === undefined) === (flags.events === undefined)) {
    throw new FirestepError('CONFIG', 'replay needs exactly one of <executionId> or --events FILE');
  }
  let events: ExecutionEvent[];
  let head: Record<string, unknown> | undefined;
  let headOrigin: string | undefined;
  let stored: ((hash: string) => Promise<FlowDefinition | undefined>) | undefined;
  if (flags.events !== undefined) {
    events = await readEventsFile(flags.events);
    head = await siblingHead(flags.events);
    headOrigin = head ? `${flags.events.replace(/\.jsonl?$/, '')}.head.json` : undefined;
    const dirs = [flags.recordDir ?? DEFAULT_RECORD_DIR, resolve(dirname(flags.events), '..')];
    stored = async (hash) => {
      for (const dir of dirs) {
        const found = await readRecordedDefinition(hash, dir);
        if (found) return found;
      }
      return undefined;
    };
  } else {
    const reader = await openReader(flags);
    try {
      // Head first, then the log: a running execution may append in between, and the log is then
      // cut at the head's seq so that both describe the same moment.
      head = await reader.head(executionId as string);
      const lastSeq = typeof head.lastSeq === 'number' ? head.lastSeq : Number.POSITIVE_INFINITY;
      events = (await reader.events(executionId as string)).filter((e) => e.seq <= lastSeq);
      headOrigin = `the stored head in ${reader.where}`;
      const found = new Map<string, FlowDefinition | undefined>();
      const first = events[0];
      if (first?.type === 'ExecutionStarted')
        found.set(first.definitionHash, await reader.definition(first.definitionHash));
      stored = async (hash) => found.get(hash);
    } finally {
      await reader.close();
    }
  }
  const first = events[0];
  const recordedHash = first?.type === 'ExecutionStarted' ? first.definitionHash : undefined;
  if (flags.flow !== undefined) {
    const definition = await loadFlowFile(flags.flow);
    return {
      events,
      head,
      headOrigin,
      definition,
      compare: recordedHash !== undefined && recordedHash !== definition.hash,
    };
  }
  if (recordedHash === undefined) {
    throw new FirestepError(
      'LOG_INVALID',
      'the log does not start with ExecutionStarted; pass --flow FILE to replay it anyway',
    );
  }
  const definition = await stored(recordedHash);
  if (definition === undefined) {
    throw new FirestepError(
      'DEFINITION_MISMATCH',
      `definition ${recordedHash.slice(0, 12)}… of flow "${first?.type === 'ExecutionStarted' ? first.flowId : '?'}" was not found ` +
        `(looked in ${flags.events !== undefined ? join(flags.recordDir ?? DEFAULT_RECORD_DIR, 'definitions') : 'the project'}); pass --flow FILE`,
    );
  }
  return { events, head, headOrigin, definition, compare: false };
}
