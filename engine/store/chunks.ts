/**
 * Out-of-line payloads. A document whose fields would exceed the inline limit (default 256 KiB) keeps
 * its largest fields in content-addressed chunk documents `chunks/{sha256}-{i}` (each < 900 KiB) and
 * a reference `{$chunks: {sha256, parts, bytes}}` in their place; readers resolve it transparently.
 * No document nears Firestore's 1 MiB limit and a transaction commit stays small.
 *
 * Chunks are written before the transaction that refers to them commits, outside it: they are
 * immutable and named by their content, so writing one twice is harmless and a transaction that
 * retries or fails leaves at worst an unreferenced chunk. It is the only write a transaction body
 * causes outside its own commit.
 *
 * Chunks of an execution's documents are that execution's own (`chunks/{sha256}-{i}~{owner}`, with
 * an `owner` field naming the execution): retention stamps them all with the execution's `expireAt`
 * (retention.ts) — including chunks no document refers to any more (an overwritten output, a
 * transaction that retried) — and no other execution's payload can share them. Definitions' chunks
 * (`chunks/{sha256}-{i}`, no owner) are shared and kept.
 */
import { createHash } from 'node:crypto';
import type { Firestore, Timestamp } from '@google-cloud/firestore';
import { FirestepError, isFirestepError } from '../errors.ts';
import { ChunkDocSchema, ChunkRefSchema, corruptDocument, parseDocument } from './documents.ts';
import { CHUNKS_MARKER, fromFirestore, toFirestore } from './firestore-json.ts';
import { COLLECTIONS } from './paths.ts';

/** Bytes of JSON per chunk document (Firestore's limit is 1 MiB per document). */
export const CHUNK_BYTES = 900 * 1024;
export const DEFAULT_INLINE_LIMIT = 256 * 1024;

/** What an out-of-line field holds in its document (`owner`: the owning execution's tag). */
export interface ChunkRef {
  [CHUNKS_MARKER]: { sha256: string; parts: number; bytes: number; owner?: string };
}

/** The execution whose document a payload belongs to, and its expiry once it has finished. */
export interface ChunkOwner {
  executionId: string;
  expireAt?: Timestamp | undefined;
}

/**
 * The tag of an execution in its chunk ids: 16 hex digits of the id's sha256 (ids may be long).
 *
 * @example ownerTag('nightly~2024-01-01') // '3f5a…' (16 hex digits)
 */
export function ownerTag(executionId: string): string {
  return createHash('sha256').update(executionId).digest('hex').slice(0, 16);
}

/**
 * Packs documents for writing and unpacks them after reading.
 *
 * @example
 * const chunks = new ChunkStore(db);
 * const data = await chunks.pack({ type: 'StepSucceeded', output: huge }); // output → {$chunks: …}
 * (await chunks.unpack(data)).output // huge again
 */
export class ChunkStore {
  private readonly written = new Set<string>();

  constructor(
    private readonly db: Firestore,
    readonly inlineLimitBytes = DEFAULT_INLINE_LIMIT,
  ) {}

  /**
   * Encode a document for Firestore, moving its largest top-level fields out of line (largest
   * first) until what stays inline fits the limit.
   */
  async pack(doc: Record<string, unknown>, owner?: ChunkOwner): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const sizes = new Map<string, number>();
    let total = 0;
    for (const [key, value] of Object.entries(doc)) {
      if (value === undefined) continue;
      const stored = toFirestore(value);
      out[key] = stored;
      const size = jsonBytes(stored) + key.length;
      sizes.set(key, size);
      total += size;
    }
    const largestFirst = [...sizes.entries()].sort((a, b) => b[1] - a[1]);
    for (const [key, size] of largestFirst) {
      if (total <= this.inlineLimitBytes) break;
      out[key] = await this.store(JSON.stringify(doc[key]), owner);
      total += jsonBytes(out[key]) - size;
    }
    return out;
  }

  /**
   * Decode a stored document: resolve `$chunks` references and `$json` encodings. With `where`
   * (the document's kind and path), an encoding that does not decode is STORE_CORRUPT_DOCUMENT.
   */
  async unpack<T = Record<string, unknown>>(
    data: Record<string, unknown>,
    where?: { kind: string; path: string },
  ): Promise<T> {
    const out: Record<string, unknown> = {};
    await Promise.all(
      Object.entries(data).map(async ([key, value]) => {
        try {
          out[key] = isChunkRef(value) ? JSON.parse(await this.load(value, where)) : fromFirestore(value);
        } catch (e) {
          if (where === undefined || isFirestepError(e)) throw e;
          throw corruptDocument(where.kind, where.path, { field: key, message: (e as Error).message });
        }
      }),
    );
    return out as T;
  }

  /** Store a JSON text as chunk documents (an execution's own with `owner`) and return the reference. */
  async store(text: string, owner?: ChunkOwner): Promise<ChunkRef> {
    const bytes = Buffer.from(text, 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const parts = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
    const tag = owner === undefined ? undefined : ownerTag(owner.executionId);
    const ref: ChunkRef = {
      [CHUNKS_MARKER]: { sha256, parts, bytes: bytes.length, ...(tag === undefined ? {} : { owner: tag }) },
    };
    const key = tag === undefined ? sha256 : `${tag}:${sha256}`;
    if (this.written.has(key)) return ref;
    const ownership =
      owner === undefined
        ? {}
        : { owner: owner.executionId, ...(owner.expireAt === undefined ? {} : { expireAt: owner.expireAt }) };
    // Two parts per commit keep each RPC far below its size limit (4 MiB on the emulator).
    for (let first = 0; first < parts; first += 2) {
      const batch = this.db.batch();
      for (let i = first; i < Math.min(parts, first + 2); i++) {
        const data = bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
        batch.set(this.chunkDoc(sha256, i, tag), { sha256, part: i, parts, data, ...ownership });
      }
      await batch.commit();
    }
    this.remember(key);
    return ref;
  }

  /** Read the JSON text a reference points at, checking its hash. */
  async load(ref: ChunkRef, where?: { kind: string; path: string }): Promise<string> {
    const { sha256, parts, bytes, owner } = parseDocument(
      ChunkRefSchema,
      where?.kind ?? 'chunk reference',
      `${where?.path ?? '(a document)'} field ${CHUNKS_MARKER}`,
      ref[CHUNKS_MARKER],
    );
    const refs = Array.from({ length: parts }, (_, i) => this.chunkDoc(sha256, i, owner));
    const snaps = await this.db.getAll(...refs);
    const buffers = snaps.map((snap, i) => {
      if (!snap.exists) {
        throw new FirestepError('INTERNAL', `chunk ${snap.ref.path} is missing; the payload it held is lost`);
      }
      return parseDocument(ChunkDocSchema, 'chunk', snap.ref.path, snap.data()).data;
    });
    const all = Buffer.concat(buffers);
    const actual = createHash('sha256').update(all).digest('hex');
    if (all.length !== bytes || actual !== sha256) {
      throw new FirestepError(
        'INTERNAL',
        `chunks of ${sha256} do not match their hash; the payload is corrupted`,
      );
    }
    return all.toString('utf8');
  }

  private chunkDoc(sha256: string, part: number, owner: string | undefined) {
    const id = owner === undefined ? `${sha256}-${part}` : `${sha256}-${part}~${owner}`;
    return this.db.collection(COLLECTIONS.chunks).doc(id);
  }

  private remember(key: string): void {
    if (this.written.size > 10_000) this.written.clear();
    this.written.add(key);
  }
}

/** Whether a stored field value is an out-of-line reference. */
export function isChunkRef(value: unknown): value is ChunkRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const inner = (value as Record<string, unknown>)[CHUNKS_MARKER];
  return Object.keys(value).length === 1 && typeof inner === 'object' && inner !== null;
}

/** UTF-8 size of a value's JSON text: close to what Firestore counts for a document. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
