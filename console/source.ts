/**
 * Where the console reads executions: one interface over the store of a project (real, or an
 * emulator) — heads, events, pinned definitions, the registered flows — plus Firestore listeners
 * that say when something changed, so pages are pushed updates instead of polling.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { ExecutionEvent } from '../engine/core/events.ts';
import type { FlowDefinition } from '../engine/flow/model.ts';
import {
  COLLECTIONS,
  type ExecutionStore,
  type ListExecutionsOptions,
  type StoredHead,
  type Unsubscribe,
  watchExecution,
  watchExecutions,
} from '../engine/store/index.ts';

export interface ConsoleSource {
  /** For messages: `project my-proj`, `the dev environment (…)`. */
  readonly where: string;
  readonly projectId: string;
  /** Real project (links to Google Cloud consoles make sense) or emulator. */
  readonly emulator: boolean;
  list(filter: ListExecutionsOptions): Promise<StoredHead[]>;
  head(executionId: string): Promise<StoredHead | undefined>;
  events(executionId: string): Promise<ExecutionEvent[]>;
  definition(hash: string): Promise<FlowDefinition | undefined>;
  /** Registered flows: dev's watched directories, or the definitions stored in the project. */
  flows(): Promise<FlowDefinition[]>;
  watchExecution(executionId: string, onChange: () => void): Unsubscribe;
  watchList(onChange: () => void): Unsubscribe;
}

export interface StoreSourceOptions {
  store: ExecutionStore;
  db: Firestore;
  where: string;
  projectId: string;
  emulator?: boolean;
  /** Registered flows; default: every definition stored in the project, newest hash per id. */
  flows?: () => FlowDefinition[];
}

/**
 * A source over a store.
 *
 * @example const source = storeSource({ store, db, where: 'project p', projectId: 'p' });
 */
export function storeSource(opts: StoreSourceOptions): ConsoleSource {
  const { store, db } = opts;
  return {
    where: opts.where,
    projectId: opts.projectId,
    emulator: opts.emulator ?? true,
    list: (filter) => store.listExecutions(filter),
    head: (id) => store.getHead(id),
    events: async (id) => {
      const all: ExecutionEvent[] = [];
      for (;;) {
        const page = await store.readEvents(id, { afterSeq: all.length, limit: 1000 });
        all.push(...page);
        if (page.length < 1000) return all;
      }
    },
    definition: (hash) => store.getDefinition(hash),
    flows: async () => {
      if (opts.flows) return opts.flows();
      // Definitions are immutable and few; the newest stored one of each id is "the" flow.
      const snap = await db.collection(COLLECTIONS.definitions).select('id', 'storedAt').limit(500).get();
      const newest = new Map<string, { hash: string; storedAt: string }>();
      for (const doc of snap.docs) {
        const { id, storedAt } = doc.data() as { id?: string; storedAt?: string };
        if (typeof id !== 'string') continue;
        const seen = newest.get(id);
        if (!seen || (storedAt ?? '') > seen.storedAt)
          newest.set(id, { hash: doc.id, storedAt: storedAt ?? '' });
      }
      const defs = await Promise.all([...newest.values()].map((n) => store.getDefinition(n.hash)));
      return defs
        .filter((d): d is FlowDefinition => d !== undefined)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    watchExecution: (id, onChange) => watchExecution(db, id, onChange),
    watchList: (onChange) => watchExecutions(db, 50, onChange),
  };
}
