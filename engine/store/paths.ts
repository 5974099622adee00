/**
 * Where everything lives in Firestore (DESIGN.md §6) and how ids are spelled. Every document the
 * store touches is addressed through here, so the schema is readable in one place.
 */
import type { DocumentReference, Firestore } from '@google-cloud/firestore';
import { FirestepError } from '../errors.ts';

/** Top-level and per-execution collection names. */
export const COLLECTIONS = {
  executions: 'executions',
  events: 'events',
  signals: 'signals',
  commands: 'commands',
  snapshots: 'snapshots',
  inbox: 'inbox',
  rejected: 'rejected',
  correlations: 'correlations',
  definitions: 'definitions',
  chunks: 'chunks',
  leases: 'leases',
  deadletters: 'deadletters',
  /** `retentionPending/{executionId}`: an (un)stamping pass is owed (retention.ts). */
  retentionPending: 'retentionPending',
} as const;

/** A name longer than this is refused: it ends up in document ids and console URLs. */
export const MAX_NAME_LENGTH = 256;

/**
 * The document id of an event or snapshot: the seq zero-padded to 10 digits, so ids sort like seqs.
 *
 * @example seqDocId(42) === '0000000042'
 */
export function seqDocId(seq: number): string {
  return String(seq).padStart(10, '0');
}

/**
 * A document id from any text: percent-encoded (no `/`), never `.`/`..`, never the reserved `__…__`.
 *
 * @example safeDocId('Step2/1/Branch2#1#succeeded') === 'Step2%2F1%2FBranch2%231%23succeeded'
 */
export function safeDocId(text: string): string {
  const encoded = encodeURIComponent(text).replace(/~/g, '%7E');
  if (encoded === '.' || encoded === '..') return encoded.replace(/\./g, '%2E');
  return encoded.startsWith('__') ? `%5F${encoded.slice(1)}` : encoded;
}

/**
 * The execution id of a named execution: stable for (flowId, name), so starting the same name twice
 * finds the first execution (Step Functions' idempotent StartExecution).
 *
 * @example namedExecutionId('nightly', '2024-01-01') === 'nightly~2024-01-01'
 */
export function namedExecutionId(flowId: string, name: string): string {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new FirestepError(
      'CONFIG',
      `execution name must be 1–${MAX_NAME_LENGTH} characters, got ${name.length}; pick a shorter name such as a date or a request id`,
    );
  }
  return `${safeDocId(flowId)}~${safeDocId(name)}`;
}

/** Firestore's limit on a document id, in UTF-8 bytes. */
const MAX_DOC_ID_BYTES = 1500;

/**
 * Refuse an execution id that cannot name a document (`/`, `.`, `..`, `__…__`, over 1,500 bytes):
 * no execution can have it, so it is EXECUTION_NOT_FOUND (a 404 / dead letter), never a 500.
 *
 * @example checkExecutionId('__x__') // throws EXECUTION_NOT_FOUND
 */
export function checkExecutionId(executionId: string): void {
  const why =
    executionId.length === 0
      ? 'it is empty'
      : executionId.includes('/')
        ? 'it contains "/"'
        : executionId === '.' || executionId === '..'
          ? 'it is "." or ".."'
          : /^__.*__$/.test(executionId)
            ? 'ids of the form __…__ are reserved'
            : Buffer.byteLength(executionId, 'utf8') > MAX_DOC_ID_BYTES
              ? `it is longer than ${MAX_DOC_ID_BYTES} bytes`
              : undefined;
  if (why === undefined) return;
  const shown = executionId.length > 60 ? `${executionId.slice(0, 60)}…` : executionId;
  throw new FirestepError(
    'EXECUTION_NOT_FOUND',
    `execution "${shown}" does not exist: ${why}, so no execution has that id; list executions with \`firestep status\``,
    { details: { executionId: shown } },
  );
}

/** References to one execution's documents. */
export class ExecutionRefs {
  readonly head: DocumentReference;
  readonly lease: DocumentReference;

  constructor(
    readonly db: Firestore,
    readonly executionId: string,
  ) {
    checkExecutionId(executionId);
    this.head = db.collection(COLLECTIONS.executions).doc(executionId);
    this.lease = db.collection(COLLECTIONS.leases).doc(executionId);
  }

  event(seq: number): DocumentReference {
    return this.head.collection(COLLECTIONS.events).doc(seqDocId(seq));
  }

  snapshot(seq: number): DocumentReference {
    return this.head.collection(COLLECTIONS.snapshots).doc(seqDocId(seq));
  }

  /** Dedupe document of an accepted signal key. */
  signal(key: string): DocumentReference {
    return this.head.collection(COLLECTIONS.signals).doc(safeDocId(key));
  }

  command(commandId: string): DocumentReference {
    return this.head.collection(COLLECTIONS.commands).doc(commandId);
  }

  inbox(inboxId: string): DocumentReference {
    return this.head.collection(COLLECTIONS.inbox).doc(inboxId);
  }

  /** A queued signal that could not be decided, kept with its error for a person to look at. */
  rejected(inboxId: string): DocumentReference {
    return this.head.collection(COLLECTIONS.rejected).doc(inboxId);
  }

  get events() {
    return this.head.collection(COLLECTIONS.events);
  }

  get commands() {
    return this.head.collection(COLLECTIONS.commands);
  }

  get inboxes() {
    return this.head.collection(COLLECTIONS.inbox);
  }
}

/** `definitions/{hash}`. */
export function definitionRef(db: Firestore, hash: string): DocumentReference {
  return db.collection(COLLECTIONS.definitions).doc(hash);
}

/** The execution id that owns a document of one of its subcollections. */
export function executionIdOf(ref: DocumentReference): string | undefined {
  return ref.parent.parent?.id;
}
