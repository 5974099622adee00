/**
 * Where the read-only commands (`status`, `history`, `export`, `replay`) find executions: a Firestore
 * project (real, or the emulator named by FIRESTORE_EMULATOR_HOST), or the records `run --local`
 * leaves in `.firestep/` (`--local`). One interface, two sources, so every command works on both.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { HeadView } from '../render/step-table.ts';
import {
  DEFAULT_RECORD_DIR,
  listRecordedHeads,
  readRecordedDefinition,
  readRecordedEvents,
  readRecordedHead,
} from './run-records.ts';

/** A head as read back: the table fields plus whatever else the stored document has. */
export type StoredHeadView = HeadView & Record<string, unknown>;

export interface ListFilter {
  flowId?: string;
  status?: HeadView['status'];
  limit?: number;
}

export interface ExecutionReader {
  /** Where the executions come from, for messages: `project my-proj` or `.firestep (local runs)`. */
  readonly where: string;
  head(executionId: string): Promise<StoredHeadView>;
  events(executionId: string): Promise<ExecutionEvent[]>;
  list(filter: ListFilter): Promise<StoredHeadView[]>;
  /** The definition an execution was pinned to, by hash. */
  definition(hash: string): Promise<FlowDefinition | undefined>;
  close(): Promise<void>;
}

/** Options every reading command accepts. */
export interface ReaderFlags extends ProjectFlags {
  /** Read `run --local` records from `.firestep/` instead of a project. */
  local?: boolean;
  /** Record folder (default `.firestep`). */
  recordDir?: string;
}

/**
 * The reader the flags ask for.
 *
 * @example const reader = await openReader({ local: true }); const head = await reader.head(id);
 */
export async function openReader(flags: ReaderFlags): Promise<ExecutionReader> {
  if (flags.local) return localReader(flags.recordDir ?? DEFAULT_RECORD_DIR);
  // Firestore's client is loaded only when a project is read (not for `--local`).
  const { openProjectStore } = await import('../../runtime/local/project.ts');
  const project = await openProjectStore(flags);
  const { store } = project;
  return {
    where: `project ${project.projectId}${project.emulator ? ` (emulator ${project.emulator})` : ''}`,
    head: async (id) => {
      const head = await store.getHead(id);
      if (head === undefined) {
        throw new FirestepError(
          'EXECUTION_NOT_FOUND',
          `execution "${id}" does not exist in project ${project.projectId}; list executions with \`firestep status\``,
        );
      }
      return head as unknown as StoredHeadView;
    },
    events: async (id) => {
      const all: ExecutionEvent[] = [];
      for (;;) {
        const page = await store.readEvents(id, { afterSeq: all.length, limit: 1000 });
        all.push(...page);
        if (page.length < 1000) return all;
      }
    },
    list: async (filter) => (await store.listExecutions(filter)) as unknown as StoredHeadView[],
    definition: (hash) => store.getDefinition(hash).catch(() => undefined),
    close: () => project.close(),
  };
}

function localReader(dir: string): ExecutionReader {
  return {
    where: `${dir} (local runs)`,
    head: async (id) => (await readRecordedHead(id, dir)) as StoredHeadView,
    events: (id) => readRecordedEvents(id, dir),
    list: async (filter) =>
      (await listRecordedHeads(dir))
        .filter(
          (h) =>
            (filter.flowId === undefined || h.flowId === filter.flowId) &&
            (filter.status === undefined || h.status === filter.status),
        )
        .slice(0, filter.limit ?? 50) as StoredHeadView[],
    definition: (hash) => readRecordedDefinition(hash, dir),
    close: async () => {},
  };
}
