/**
 * Where the read-only commands (`status`, `history`, `export`, `replay`) find executions: a Firestore
 * project (real, or the emulator named by FIRESTORE_EMULATOR_HOST), or the records `run --local`
 * leaves in `.firestep/` (`--local`). One interface, two sources, so every command works on both.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { FirestepError, isFirestepError } from '../../engine/errors.ts';
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
  if (flags.local) {
    const records = localReader(flags.recordDir ?? DEFAULT_RECORD_DIR);
    const { liveDev } = await import('./dev-client.ts');
    const dev = await liveDev();
    if (!dev) return records;
    process.env.FIRESTORE_EMULATOR_HOST = dev.firestoreHost;
    return withFallback(
      await openReader({ project: dev.projectId }),
      records,
      `firestep dev (project ${dev.projectId})`,
    );
  }
  // Firestore's client is loaded only when a project is read (not for `--local`).
  const [{ openProjectStore }, { requestBudgetFromEnv, withRequestBudget }] = await Promise.all([
    import('../../runtime/local/project.ts'),
    import('../../runtime/request-budget.ts'),
  ]);
  const project = await openProjectStore(flags);
  const { store } = project;
  // Each read waits for Firestore at most FIRESTEP_REQUEST_BUDGET_MS: an unreachable or black-holed
  // Firestore is one STORE_UNAVAILABLE line, not a minute of silence and a stack.
  const budgetMs = requestBudgetFromEnv(process.env);
  const within = <T>(what: string, read: () => Promise<T>) =>
    withRequestBudget(budgetMs, `${what} in project ${project.projectId}`, read);
  return {
    where: `project ${project.projectId}${project.emulator ? ` (emulator ${project.emulator})` : ''}`,
    head: async (id) => {
      const head = await within(`reading execution "${id}"`, () => store.getHead(id));
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
        const page = await within(`reading the events of "${id}"`, () =>
          store.readEvents(id, { afterSeq: all.length, limit: 1000 }),
        );
        all.push(...page);
        if (page.length < 1000) return all;
      }
    },
    list: async (filter) =>
      (await within('listing executions', () => store.listExecutions(filter))) as unknown as StoredHeadView[],
    definition: (hash) =>
      within('reading a flow definition', () => store.getDefinition(hash)).catch((e: unknown) => {
        if (isFirestepError(e, 'STORE_UNAVAILABLE')) throw e;
        return undefined;
      }),
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

/** Executions on a running `dev` first, then the records of earlier runs. */
function withFallback(primary: ExecutionReader, records: ExecutionReader, where: string): ExecutionReader {
  const either = <T>(read: (r: ExecutionReader) => Promise<T>) =>
    read(primary).catch((e: unknown) => {
      if ((e as { code?: string }).code !== 'EXECUTION_NOT_FOUND') throw e;
      return read(records);
    });
  return {
    where: `${where} and ${records.where}`,
    head: (id) => either((r) => r.head(id)),
    events: async (id) => {
      const events = await primary.events(id);
      return events.length > 0 ? events : records.events(id);
    },
    list: async (filter) => {
      const [live, old] = await Promise.all([primary.list(filter), records.list(filter).catch(() => [])]);
      const seen = new Set(live.map((h) => h.executionId));
      return [...live, ...old.filter((h) => !seen.has(h.executionId))]
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
        .slice(0, filter.limit ?? 50);
    },
    definition: async (hash) => (await primary.definition(hash)) ?? records.definition(hash),
    close: () => primary.close(),
  };
}
