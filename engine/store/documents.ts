/**
 * The schema of every Firestore document the store reads back (DESIGN.md §6), one zod schema per
 * document kind, in the style of the wire formats (`engine/signals/wire`). Paths are built in
 * `paths.ts`; each schema below names the path it describes.
 *
 * Every read goes through {@link parseDocument}: a hand-edited, truncated or foreign document gives
 * `STORE_CORRUPT_DOCUMENT` (not retryable) naming the document path and its first bad field, instead
 * of a TypeError deep in the core. Users' payloads (inputs, outputs, causes, metadata, machine
 * context) are opaque JSON: present, never re-validated, so parsing stays cheap on the hot path.
 * Schemas check, they do not copy: fields they do not name (a newer writer's) pass through untouched.
 *
 * The TypeScript types agree with the schemas by construction: store-owned documents are
 * `z.infer`red here; core types (events, commands, signals, state) are asserted equivalent at the
 * bottom of this file, so either side drifting is a compile error.
 */
import type { DocumentSnapshot } from '@google-cloud/firestore';
import { z } from 'zod';
import type {
  Command,
  ExecutionEvent,
  ExecutionState,
  Receipt,
  Signal,
  SignalSource,
  StepError,
  StepState,
} from '../core/index.ts';
import { FirestepError } from '../errors.ts';
import { type Flow, type Json, TARGET_TYPES, type Target } from '../flow/model.ts';
import type { CorrelationTarget } from '../ports/index.ts';
import type { ChunkStore } from './chunks.ts';
import type { OutboxEntry, StoredHead } from './types.ts';

// ── building blocks ─────────────────────────────────────────────────────────────────────────────

/** Opaque user JSON: must be present, never walked. */
const json = z.custom<Json>((v) => v !== undefined, { message: 'missing' });
const iso = z.string().min(1);
const seq = z.number().int().positive();
const attempt = z.number().int().positive();

export const SignalSourceSchema = z.object({
  kind: z.enum(['log', 'eventarc', 'callback', 'timer', 'api', 'dispatcher', 'probe', 'sweep']),
  id: z.string().optional(),
});

export const StepErrorSchema = z.object({
  name: z.string(),
  kind: z.enum([
    'function',
    'job',
    'http',
    'launch',
    'timeout',
    'condition',
    'fail',
    'branch',
    'cancelled',
    'reference',
    'child',
  ]),
  message: z.string(),
  cause: json.optional(),
});

export const ReceiptSchema = z
  .object({
    target: z.string(),
    traceId: z.string().optional(),
    jobId: z.string().optional(),
    jobName: z.string().optional(),
    url: z.string().optional(),
    consoleUrl: z.string().optional(),
    operation: z.string().optional(),
    taskName: z.string().optional(),
    messageId: z.string().optional(),
  })
  .catchall(json.optional());

/** A step target was validated with its flow; here only its kind is checked (adapters read the rest). */
const target = z.custom<Target>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    [...TARGET_TYPES, 'StorageObject'].includes((v as { type?: unknown }).type as string),
  { message: `expected a target with type ${[...TARGET_TYPES, 'StorageObject'].join(' | ')}` },
);

const stepRef = { step: z.string(), path: z.string().min(1), attempt };

const notifyChannel = z.union([
  z.object({ pubsub: z.string().min(1) }).strict(),
  z.object({ webhook: z.string().min(1) }).strict(),
]);
const notificationRef = {
  commandId: z.string().min(1),
  rule: z.number().int().nonnegative(),
  round: z.number().int().positive(),
  channel: notifyChannel,
};
const notifyStatus = z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);

// ── executions/{id}: the head ───────────────────────────────────────────────────────────────────

export const StepStateSchema = z.object({
  step: z.string(),
  path: z.string().min(1),
  type: z.enum(['Task', 'Wait']),
  status: z.enum([
    'LAUNCHING',
    'RUNNING',
    'SUCCEEDED',
    'FAILED',
    'RETRY_SCHEDULED',
    'TIMED_OUT',
    'WAITING',
    'CANCELLED',
  ]),
  attempt,
  launchedAt: iso.optional(),
  finishedAt: iso.optional(),
  confirmedAt: iso.optional(),
  receipt: ReceiptSchema.optional(),
  error: StepErrorSchema.optional(),
  /** Inline value, or `{$event, bytes}` pointing at the event that holds it (issue 14). */
  input: z
    .union([z.object({ $event: z.number().int().min(1), bytes: z.number() }).strict(), json])
    .optional(),
  output: z
    .union([z.object({ $event: z.number().int().min(1), bytes: z.number() }).strict(), json])
    .optional(),
});

const headFields = {
  executionId: z.string().min(1),
  flowId: z.string().min(1),
  definitionHash: z.string().min(1),
  name: z.string().optional(),
  /** 1: keyed trace ids (see docs/internals/trace-keys.md); absent: legacy unkeyed. */
  traceKeyVersion: z.number().int().positive().optional(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']),
  input: json,
  output: json.optional(),
  error: StepErrorSchema.optional(),
  startedAt: iso,
  updatedAt: iso,
  lastSeq: z.number().int().nonnegative(),
  redriveCount: z.number().int().nonnegative(),
  steps: z.record(z.string(), StepStateSchema),
  /** A Map iteration's link to its parent (issue 15). */
  parent: z
    .object({
      executionId: z.string().min(1),
      path: z.string().min(1),
      attempt,
      index: z.number().int().nonnegative(),
      item: json,
    })
    .optional(),
  /** Each Map's counters and cursor, keyed by the Map's path. */
  maps: z
    .record(
      z.string(),
      z.object({
        step: z.string(),
        attempt,
        total: z.number().int().nonnegative(),
        concurrency: z.number().int().positive(),
        next: z.number().int().nonnegative(),
        running: z.number().int().nonnegative(),
        succeeded: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
      }),
    )
    .optional(),
};

/** `executions/{executionId}`, as written by the store (payloads resolved). */
export const HeadDocSchema = z.object({
  ...headFields,
  /** Seq of the snapshot replay starts from. */
  snapshotSeq: z.number().int().nonnegative(),
  /** `definitions/{hash}`. */
  definition: z.string().min(1),
  /** TTL time (a Timestamp in Firestore; an ISO string once read). */
  expireAt: iso.optional(),
});

/**
 * The three head fields every transaction needs, checked on the raw document: the hot path reads
 * nothing else of the head, so it validates nothing else.
 */
export const HeadPointersSchema = z.object({
  lastSeq: HeadDocSchema.shape.lastSeq,
  snapshotSeq: HeadDocSchema.shape.snapshotSeq,
  definitionHash: HeadDocSchema.shape.definitionHash,
});
export type HeadPointers = z.infer<typeof HeadPointersSchema>;

// ── executions/{id}/events/{seq} ────────────────────────────────────────────────────────────────

const eventBase = { seq, at: iso, source: SignalSourceSchema.optional() };

/** `executions/{executionId}/events/{seq}`: one per event type, told apart by `type`. */
export const EventDocSchema = z.discriminatedUnion('type', [
  z.object({
    ...eventBase,
    type: z.literal('ExecutionStarted'),
    executionId: z.string().min(1),
    flowId: z.string().min(1),
    definitionHash: z.string().min(1),
    input: json,
    name: z.string().optional(),
    traceKeyVersion: z.number().int().positive().optional(),
    trigger: json.optional(),
    parent: headFields.parent,
  }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('StepLaunched'),
    commandId: z.string(),
    receipt: ReceiptSchema,
    input: json.optional(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('ChoiceTaken'),
    step: z.string(),
    path: z.string().min(1),
    next: z.string().min(1),
    choice: z.number().int().nonnegative().nullable(),
  }),
  z.object({ ...eventBase, ...stepRef, type: z.literal('StepSucceeded'), output: json }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('MapStarted'),
    total: z.number().int().nonnegative(),
    concurrency: z.number().int().positive(),
  }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('MapIterationSucceeded'),
    index: z.number().int().nonnegative(),
    childId: z.string().min(1),
    output: json,
  }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('MapIterationFailed'),
    index: z.number().int().nonnegative(),
    childId: z.string().min(1),
    error: StepErrorSchema,
  }),
  z.object({ ...eventBase, ...stepRef, type: z.literal('StepFailed'), error: StepErrorSchema }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('StepRetryScheduled'),
    nextAttempt: attempt,
    delaySeconds: z.number().nonnegative(),
    dueAt: iso,
  }),
  z.object({ ...eventBase, ...stepRef, type: z.literal('StepTimedOut') }),
  z.object({ ...eventBase, ...stepRef, type: z.literal('StepConfirmed') }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('LateOutputRejected'),
    output: json,
    reason: z.string(),
  }),
  z.object({ ...eventBase, ...stepRef, type: z.literal('TimerFired'), timer: z.enum(['retry', 'wait']) }),
  z.object({
    ...eventBase,
    ...stepRef,
    type: z.literal('StepLogged'),
    lines: z.array(z.string()),
    metadata: json.optional(),
  }),
  z.object({ ...eventBase, type: z.literal('ExecutionSucceeded'), output: json }),
  z.object({
    ...eventBase,
    type: z.literal('ExecutionFailed'),
    error: StepErrorSchema,
    step: z.string().optional(),
    path: z.string().optional(),
  }),
  z.object({ ...eventBase, type: z.literal('ExecutionCancelled'), reason: z.string() }),
  z.object({
    ...eventBase,
    type: z.literal('ExecutionTimedOut'),
    error: StepErrorSchema,
    timeoutSeconds: z.number().positive(),
    run: z.number().int().positive(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('ExecutionRedriven'),
    redriveCount: z.number().int().positive(),
    paths: z.array(z.string()),
  }),
  z.object({
    ...eventBase,
    ...notificationRef,
    type: z.literal('NotificationSent'),
    messageId: z.string().optional(),
    httpStatus: z.number().int().optional(),
  }),
  z.object({
    ...eventBase,
    ...notificationRef,
    type: z.literal('NotificationFailed'),
    error: StepErrorSchema,
  }),
]);

// ── executions/{id}/snapshots/{seq} ─────────────────────────────────────────────────────────────

/** `executions/{executionId}/snapshots/{seq}`: the whole state as JSON text (chunked when large). */
export const SnapshotDocSchema = z.object({
  seq: z.number().int().nonnegative(),
  at: iso,
  state: z.string(),
});
export type SnapshotDoc = z.infer<typeof SnapshotDocSchema>;

/** The `state` text of a snapshot, once JSON-parsed: the head fields plus the machine. */
export const ExecutionStateSchema = z.object({
  ...headFields,
  mapResults: z
    .record(
      z.string(),
      z.record(
        z.string(),
        z.union([
          z.object({ output: json }),
          z.object({ failure: z.object({ error: z.string(), cause: z.string() }) }),
        ]),
      ),
    )
    .optional(),
  machine: z.object({ value: json, context: json, status: z.string() }),
});
/** The snapshot with its state text parsed (so an issue is reported under `state.`). */
export const SnapshotStateSchema = z.object({ state: ExecutionStateSchema });

// ── executions/{id}/commands/{commandId}: the outbox ────────────────────────────────────────────

const commandBase = { id: z.string().min(1), executionId: z.string().min(1), ...stepRef };

export const CommandSchema = z.discriminatedUnion('kind', [
  z.object({
    ...commandBase,
    kind: z.literal('launch'),
    flowId: z.string().min(1),
    target,
    input: json,
    trace: z.object({ traceId: z.string(), spanId: z.string() }),
    timeoutSeconds: z.number().positive().optional(),
  }),
  z.object({
    ...commandBase,
    kind: z.literal('timer'),
    timer: z.enum(['retry', 'wait', 'timeout', 'execution']),
    dueAt: iso,
  }),
  z.object({ ...commandBase, kind: z.literal('cancel'), target, receipt: ReceiptSchema.optional() }),
  z.object({
    ...commandBase,
    kind: z.literal('startChild'),
    index: z.number().int().nonnegative(),
    childId: z.string().min(1),
    parentDefinitionHash: z.string().min(1),
    input: json,
    item: json,
  }),
  z.object({
    ...commandBase,
    kind: z.literal('cancelChild'),
    index: z.number().int().nonnegative(),
    childId: z.string().min(1),
    reason: z.string(),
  }),
  z.object({
    ...commandBase,
    kind: z.literal('notifyParent'),
    parentId: z.string().min(1),
    index: z.number().int().nonnegative(),
    outcome: z.enum(['succeeded', 'failed']),
    output: json.optional(),
    error: StepErrorSchema.optional(),
  }),
  z.object({
    ...commandBase,
    kind: z.literal('notify'),
    flowId: z.string().min(1),
    rule: z.number().int().nonnegative(),
    channel: notifyChannel,
    payload: z.object({
      type: z.literal('firestep.execution.finished'),
      executionId: z.string().min(1),
      flowId: z.string().min(1),
      status: notifyStatus,
      name: z.string().optional(),
      startedAt: iso,
      finishedAt: iso,
      error: StepErrorSchema.optional(),
      reason: z.string().optional(),
      redriveCount: z.number().int().nonnegative(),
      hint: z.string(),
    }),
  }),
]);

const outboxStatus = z.enum(['PENDING', 'DISPATCHING', 'DONE', 'FAILED']);

/** `executions/{executionId}/commands/{commandId}`: a command and its dispatch progress. */
export const OutboxDocSchema = z.object({
  command: CommandSchema,
  commandId: z.string().min(1),
  executionId: z.string().min(1),
  kind: z.enum(['launch', 'timer', 'cancel', 'startChild', 'cancelChild', 'notifyParent', 'notify']),
  path: z.string().min(1),
  attempt,
  status: outboxStatus,
  attempts: z.number().int().nonnegative(),
  createdAt: iso,
  nextAttemptAt: iso,
  claimedUntil: iso.optional(),
  lastError: StepErrorSchema.optional(),
  finishedAt: iso.optional(),
  /** Settled without dispatch: `ExecutionCancelled`, or `execution <STATUS>` at dispatch time. */
  settledBy: z.string().optional(),
});

/** What the sweep's due check reads of a raw outbox document (no payloads resolved). */
export const OutboxDueSchema = OutboxDocSchema.pick({ status: true, nextAttemptAt: true });

// ── executions/{id}/signals/{key}, inbox/{id}, rejected/{id} ────────────────────────────────────

const stepSignal = { path: z.string().min(1), attempt, source: SignalSourceSchema };

export const SignalSchema = z.union([
  z.object({
    ...stepSignal,
    kind: z.literal('launched'),
    commandId: z.string(),
    receipt: ReceiptSchema,
    input: json.optional(),
  }),
  z.object({ ...stepSignal, kind: z.literal('launchFailed'), commandId: z.string(), error: StepErrorSchema }),
  z.object({ ...stepSignal, kind: z.literal('completed'), outcome: z.literal('succeeded'), output: json }),
  z.object({
    ...stepSignal,
    kind: z.literal('completed'),
    outcome: z.literal('failed'),
    error: StepErrorSchema,
  }),
  z.object({
    ...stepSignal,
    kind: z.literal('logged'),
    lines: z.array(z.string()),
    metadata: json.optional(),
  }),
  z.object({
    ...stepSignal,
    kind: z.literal('timer'),
    timer: z.enum(['retry', 'wait', 'timeout', 'execution']),
  }),
  z.object({
    ...stepSignal,
    kind: z.literal('child'),
    index: z.number().int().nonnegative(),
    childId: z.string().min(1),
    outcome: z.literal('succeeded'),
    output: json,
  }),
  z.object({
    ...stepSignal,
    kind: z.literal('child'),
    index: z.number().int().nonnegative(),
    childId: z.string().min(1),
    outcome: z.literal('failed'),
    error: StepErrorSchema,
  }),
  z.object({ kind: z.literal('cancel'), reason: z.string(), source: SignalSourceSchema }),
  z.object({ kind: z.literal('redrive'), source: SignalSourceSchema }),
  z.object({
    ...notificationRef,
    kind: z.literal('notified'),
    outcome: z.enum(['sent', 'failed']),
    messageId: z.string().optional(),
    httpStatus: z.number().int().optional(),
    error: StepErrorSchema.optional(),
    source: SignalSourceSchema,
  }),
]);

/**
 * `executions/{executionId}/signals/{key}`: the dedupe record of an accepted signal. Only its
 * existence is read (by id, in the transaction); the schema types what is written.
 */
export const SignalRecordSchema = z.object({
  key: z.string().min(1),
  kind: z.enum([
    'launched',
    'launchFailed',
    'completed',
    'logged',
    'timer',
    'child',
    'cancel',
    'redrive',
    'notified',
  ]),
  acceptedAt: iso,
  seqs: z.array(seq),
  source: SignalSourceSchema,
});
export type SignalRecord = z.infer<typeof SignalRecordSchema>;

/** `executions/{executionId}/inbox/{inboxId}`: a signal queued for the drain-lease holder. */
export const InboxDocSchema = z.object({
  signal: SignalSchema,
  /** Queue order: ISO time, then a per-process counter. */
  sortKey: z.string().min(1),
  queuedAt: iso,
});
export type InboxDoc = z.infer<typeof InboxDocSchema>;

// ── correlations/{key}, definitions/{hash}, chunks/{sha256}-{i}, leases/{id} ────────────────────

/** `correlations/{kind}:{value}`: what a trace id / job / callback token points at. */
export const CorrelationDocSchema = z.object({
  executionId: z.string().min(1),
  step: z.string(),
  path: z.string().min(1),
  attempt,
  commandId: z.string(),
  targetType: z.string(),
  projectId: z.string().optional(),
  region: z.string().optional(),
});

/** `definitions/{hash}`: the pinned flow. Its content is checked against `hash` by the reader. */
export const DefinitionDocSchema = z.object({
  id: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  flow: z.custom<Flow>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { start?: unknown }).start === 'string' &&
      typeof (v as { steps?: unknown }).steps === 'object',
    { message: 'expected a flow {start, steps}' },
  ),
  storedAt: iso,
});
export type DefinitionDoc = z.infer<typeof DefinitionDocSchema>;

/** `chunks/{sha256}-{part}`: one slice of an out-of-line payload. */
export const ChunkDocSchema = z.object({
  sha256: z.string(),
  part: z.number().int().nonnegative(),
  parts: z.number().int().positive(),
  data: z.instanceof(Buffer),
});

/** The `{$chunks: …}` reference a document holds in place of an out-of-line field. */
export const ChunkRefSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  parts: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  /** The owning execution's tag (chunks.ts `ownerTag`); absent for shared chunks (definitions, older payloads). */
  owner: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'expected an owner tag')
    .optional(),
});

/** `leases/{executionId}`: the drain lease. Only `expiresAt` is read; the rest is for people. */
export const LeaseDocSchema = z.object({
  expiresAt: iso,
  executionId: z.string().optional(),
  holder: z.string().optional(),
  acquiredAt: iso.optional(),
});

// ── parsing ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Check a document read back from Firestore against its schema. Returns the document itself (not a
 * copy); throws `STORE_CORRUPT_DOCUMENT` naming the path and the first bad field.
 *
 * @example const head = parseDocument(HeadDocSchema, 'head', 'executions/e1', data);
 * // corrupt: FirestepError STORE_CORRUPT_DOCUMENT "corrupt head document executions/e1: lastSeq: Invalid input: expected number, received string"
 */
export function parseDocument<S extends z.ZodType>(
  schema: S,
  kind: string,
  path: string,
  data: unknown,
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return data as z.output<S>;
  throw corruptDocument(kind, path, result.error);
}

/**
 * Read a document snapshot: resolve its out-of-line payloads and encodings, then check it.
 *
 * @example const event = await readDocument(ctx.chunks, EventDocSchema, 'event', snap);
 */
export async function readDocument<S extends z.ZodType>(
  chunks: ChunkStore,
  schema: S,
  kind: string,
  snap: DocumentSnapshot,
): Promise<z.output<S>> {
  const path = snap.ref.path;
  return parseDocument(schema, kind, path, await chunks.unpack(snap.data() ?? {}, { kind, path }));
}

/**
 * The coded error for a document that does not match its schema, or fails a check of its own
 * (`{ field, message }`: a seq that is not the document id, a flow that does not hash to its id).
 */
export function corruptDocument(
  kind: string,
  path: string,
  problem: z.ZodError | { field: string; message: string },
): FirestepError {
  let field: string;
  let message: string;
  if (problem instanceof z.ZodError) {
    const issue = firstIssue(problem.issues);
    field = issue === undefined || issue.path.length === 0 ? '(document)' : issue.path.map(String).join('.');
    message = oneLine(issue?.message ?? 'invalid');
  } else {
    ({ field, message } = problem);
  }
  return new FirestepError(
    'STORE_CORRUPT_DOCUMENT',
    `corrupt ${kind} document ${path}: ${field}: ${message}; it was not written by this version of firestep (hand-edited or foreign) — restore or delete it`,
    { details: { document: path, kind, field } },
  );
}

/** The deepest first issue: a union's "no member matched" hides the field that was actually wrong. */
function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const first = issues[0];
  if (first?.code !== 'invalid_union' || first.errors.length === 0) return first;
  // The member that got furthest (longest path of its first issue) says best what is wrong.
  const candidates = first.errors
    .map((member) => firstIssue(member))
    .filter(
      (i): i is z.core.$ZodIssue => i !== undefined && !(i.code === 'invalid_value' && i.path.length <= 1),
    );
  const best = candidates.sort((a, b) => b.path.length - a.path.length)[0];
  return best === undefined ? first : { ...best, path: [...first.path, ...best.path] };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ── types and schemas agree (compile-time) ──────────────────────────────────────────────────────

/** True when each type is assignable to the other. */
type Agree<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function agree<_T extends true>(): void {}

agree<Agree<z.infer<typeof SignalSourceSchema>, SignalSource>>();
agree<Agree<z.infer<typeof StepErrorSchema>, StepError>>();
agree<Agree<z.infer<typeof ReceiptSchema>, Receipt>>();
agree<Agree<z.infer<typeof StepStateSchema>, StepState>>();
agree<Agree<z.infer<typeof HeadDocSchema>, StoredHead>>();
agree<Agree<z.infer<typeof ExecutionStateSchema>, ExecutionState>>();
agree<Agree<z.infer<typeof EventDocSchema>, ExecutionEvent>>();
agree<Agree<z.infer<typeof CommandSchema>, Command>>();
agree<Agree<z.infer<typeof OutboxDocSchema>, OutboxEntry>>();
agree<Agree<z.infer<typeof SignalSchema>, Signal>>();
agree<Agree<z.infer<typeof CorrelationDocSchema>, CorrelationTarget>>();
