/**
 * Follow one execution as its events are appended: a Firestore listener on the head document wakes
 * the follower (with a slow poll as a safety net), which then reads the new events through the store
 * — so out-of-line payloads are resolved — and hands them on in seq order, each exactly once.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { COLLECTIONS, type ExecutionStore } from '../../engine/store/index.ts';
import type { StoredHead } from '../../engine/store/types.ts';

export interface FollowOptions {
  db: Firestore;
  store: ExecutionStore;
  executionId: string;
  /** New events (in seq order) and the head after them. */
  onEvents: (events: ExecutionEvent[], head: StoredHead) => void;
  /** Poll interval in ms as a safety net for the listener (default 500). */
  pollMs?: number;
  /**
   * Also act as this execution's engine sweep: drain its inbox and dispatch its PENDING commands
   * (those another process recorded — `firestep cancel`, `redrive`) on every poll.
   */
  drain?: boolean;
}

export interface Follower {
  /** Resolves with the head once the execution is no longer RUNNING and every event was handed on. */
  finished: Promise<StoredHead>;
  /** Read whatever is new right now. */
  refresh(): Promise<void>;
  /** Stop following; resolves once a drain in progress has finished. */
  stop(): Promise<void>;
}

/**
 * @example
 * const follower = followExecution({ db, store, executionId, onEvents: (events, head) => view.update(events, head) });
 * const head = await follower.finished;
 */
export function followExecution(opts: FollowOptions): Follower {
  let seen = 0;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let resolveDone: (head: StoredHead) => void = () => {};
  let rejectDone: (e: unknown) => void = () => {};
  const finished = new Promise<StoredHead>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });

  async function readNew(): Promise<void> {
    const head = await opts.store.getHead(opts.executionId);
    if (head === undefined) return;
    const events: ExecutionEvent[] = [];
    while (seen + events.length < head.lastSeq) {
      const page = await opts.store.readEvents(opts.executionId, {
        afterSeq: seen + events.length,
        limit: 500,
      });
      if (page.length === 0) break;
      events.push(...page);
    }
    if (events.length > 0 || seen === 0) {
      seen += events.length;
      opts.onEvents(events, head);
    }
    if (head.status !== 'RUNNING' && seen >= head.lastSeq) {
      stop();
      resolveDone(head);
    }
  }

  function refresh(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await readNew();
      } while (again && !stopped);
    })()
      .catch((e: unknown) => {
        stop();
        rejectDone(e);
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const unsubscribe = opts.db
    .collection(COLLECTIONS.executions)
    .doc(opts.executionId)
    .onSnapshot(
      () => void refresh(),
      () => {},
    );
  let draining: Promise<unknown> = Promise.resolve();
  const poll = setInterval(() => {
    if (opts.drain) draining = opts.store.drain(opts.executionId).catch(() => {});
    void refresh();
  }, opts.pollMs ?? 500);

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(poll);
    unsubscribe();
  }

  void refresh();
  return {
    finished,
    refresh,
    stop: async () => {
      stop();
      await draining;
    },
  };
}

/**
 * Dispatch what is still PENDING in an execution's outbox (e.g. the best-effort stops a cancel
 * recorded by another process), waiting at most `timeoutMs` for commands that are not due yet.
 *
 * @example await settleOutbox(store, executionId); // before tearing a local run down
 */
export async function settleOutbox(
  store: ExecutionStore,
  executionId: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await store.drain(executionId).catch(() => {});
    const pending = await store.listPendingCommands(executionId).catch(() => []);
    if (pending.length === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
