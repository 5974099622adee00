/**
 * `run --local`: one execution end to end on this machine. Brings up the local environment, scripts
 * the fakes from `--fail` / `--hang`, starts the execution through the store (the same transaction as
 * the API function), follows its events — live table for a person, JSON lines for a machine — until
 * it is no longer RUNNING, records it under `.firestep/` so it can be inspected and replayed after
 * the emulator is gone, and tears everything down.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import { namedExecutionId } from '../../engine/store/index.ts';
import type { StoredHead } from '../../engine/store/types.ts';
import { type LocalEnvironment, startLocalEnvironment } from '../../runtime/local/environment.ts';
import { programFakes } from '../../runtime/local/fakes.ts';
import { parseFaults } from '../../runtime/local/faults.ts';
import { attemptBound, localRunName } from '../../runtime/local/run-naming.ts';
import { followExecution, settleOutbox } from '../../runtime/local/watch.ts';
import type { Io } from '../render/colors.ts';
import { LiveView } from '../render/live-view.ts';
import { ChildLines } from './child-lines.ts';
import {
  DEFAULT_RECORD_DIR,
  type RunRecordPaths,
  refuseRecordedConflict,
  writeRunRecord,
} from './run-records.ts';

export interface RunLocalOptions {
  definition: FlowDefinition;
  input: Json;
  /** `--fail STEP[:N]` flags. */
  fail?: readonly string[];
  /** `--hang STEP[:N]` flags. */
  hang?: readonly string[];
  /** `--output STEP=JSON` stubs (CloudFunction, Http steps). */
  output?: readonly string[];
  /** One JSON line per event on stdout, nothing else. */
  json?: boolean;
  /** Timer speedup (default 1). */
  speed?: number;
  /** Execution name (default `local-<time>-<random>`); the execution id is `<flowId>~<name>`. */
  name?: string;
  /** Where to record the run (default `.firestep`); `null` records nothing. */
  recordDir?: string | null;
  io: Io;
  /** Aborting cancels the execution (Ctrl-C). */
  abort?: AbortSignal;
  /** Project id on the emulator (default `firestep-local`). */
  projectId?: string;
  /** Use the Pub/Sub emulator when available (default true). */
  pubsub?: boolean;
  /** Fake functions / jobs run this long (ms). */
  functionMs?: number;
  jobMs?: number;
  /** Called once the execution exists (tests use it to act on a running execution). */
  onStarted?: (executionId: string, env: LocalEnvironment) => void | Promise<void>;
  /** How the commands to inspect the run are spelled in the hints (default `npx firestep`). */
  commandPrefix?: string;
}

export interface LocalRunResult {
  executionId: string;
  head: StoredHead;
  events: ExecutionEvent[];
  /** 0 SUCCEEDED, 2 FAILED or CANCELLED. */
  exitCode: 0 | 2;
  records: RunRecordPaths | undefined;
  transport: 'pubsub' | 'direct';
}

/**
 * Run one execution locally.
 *
 * @example
 * const result = await runLocal({ definition: await loadFlowFile('examples/sample-dag.json'), input: {}, io: processIo() });
 * process.exitCode = result.exitCode;
 */
export async function runLocal(opts: RunLocalOptions): Promise<LocalRunResult> {
  const def = opts.definition;
  const plan = parseFaults(def.flow, {
    fail: opts.fail ?? [],
    hang: opts.hang ?? [],
    output: opts.output ?? [],
  });
  const name = opts.name ?? localRunName('local');
  const executionId = namedExecutionId(def.id, name);
  if (opts.name !== undefined && opts.recordDir !== null)
    await refuseRecordedConflict(executionId, opts.input, opts.recordDir ?? DEFAULT_RECORD_DIR);
  const env = await startLocalEnvironment({
    definitions: [def],
    timerSpeedup: opts.speed ?? 1,
    ...(opts.projectId === undefined ? {} : { projectId: opts.projectId }),
    ...(opts.pubsub === undefined ? {} : { pubsub: opts.pubsub }),
    ...(opts.functionMs === undefined ? {} : { functionMs: opts.functionMs }),
    ...(opts.jobMs === undefined ? {} : { jobMs: opts.jobMs }),
  });
  const view = opts.json ? undefined : new LiveView(opts.io.stdout);
  try {
    for (const note of env.notes) opts.io.stderr.write(`firestep: ${note}\n`);
    if (!opts.json) {
      const where = (e: { host: string; origin: string }) =>
        `${e.host}${e.origin === 'env' ? '' : ` (started with ${e.origin})`}`;
      opts.io.stderr.write(
        `firestep: running ${executionId} on the Firestore emulator ${where(env.firestore)}` +
          `${env.pubsubEmulator ? `, signals through the Pub/Sub emulator ${where(env.pubsubEmulator)}` : ''}\n`,
      );
    }
    await env.prepareTopics(def);
    programFakes(env.fakes, def, executionId, plan, {
      maxAttempts: attemptBound(def),
      ...(opts.functionMs === undefined ? {} : { functionMs: opts.functionMs }),
    });
    const { store, db } = env.runtime;
    const events: ExecutionEvent[] = [];
    const children = opts.json ? new ChildLines(store, (text) => opts.io.stdout.write(text)) : undefined;
    let printing = Promise.resolve();
    const follower = followExecution({
      db,
      store,
      executionId,
      // Commands recorded by another process (`firestep cancel`) wait in the outbox: this run's
      // engine dispatches them, as the deployed engine's sweep would.
      drain: true,
      onEvents: (batch, head) => {
        events.push(...batch);
        if (children !== undefined) printing = printing.then(() => children.root(batch, executionId));
        else view?.update(batch, head);
      },
    });
    const cancel = () => {
      store
        .apply(executionId, {
          kind: 'cancel',
          reason: 'cancelled from the command line',
          source: { kind: 'api', id: 'cli' },
        })
        .catch(() => {});
    };
    opts.abort?.addEventListener('abort', cancel, { once: true });
    try {
      await store.startExecution(def, opts.input, { name, source: { kind: 'api', id: 'cli' } });
      if (opts.onStarted) await opts.onStarted(executionId, env);
      await follower.refresh();
      const head = await follower.finished;
      // A cancel recorded elsewhere leaves its stops (Dataflow jobs.update) to this engine.
      await follower.stop();
      await settleOutbox(store, executionId);
      await printing;
      await children?.rest(executionId, head);
      const records =
        opts.recordDir === null
          ? undefined
          : await writeRunRecord({ head, events, definition: def }, opts.recordDir ?? DEFAULT_RECORD_DIR);
      if (view) {
        view.finish(head);
        printHints(opts, executionId, records);
      }
      return {
        executionId,
        head,
        events,
        exitCode: head.status === 'SUCCEEDED' ? 0 : 2,
        records,
        transport: env.bus.kind,
      };
    } finally {
      opts.abort?.removeEventListener('abort', cancel);
      await follower.stop();
    }
  } finally {
    view?.stop();
    await env.close();
  }
}

function printHints(opts: RunLocalOptions, executionId: string, records: RunRecordPaths | undefined): void {
  if (!records) return;
  const cli = opts.commandPrefix ?? 'npx firestep';
  opts.io.stdout.write(
    [
      '',
      `recorded in ${records.events.replace(`${process.cwd()}/`, '')} (events) and ${records.head.replace(`${process.cwd()}/`, '')} (head); inspect it:`,
      `  ${cli} status ${executionId} --local`,
      `  ${cli} history ${executionId} --local`,
      `  ${cli} export ${executionId} --local > run.jsonl`,
      `  ${cli} replay --events run.jsonl`,
      '',
    ].join('\n'),
  );
}
