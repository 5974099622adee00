/**
 * `definitions/{hash}`: the flow every execution is pinned to. A later deploy of a changed flow gets
 * a new hash and never alters what a running execution replays. Definitions are immutable, so they
 * are cached in memory by hash and read outside transactions.
 */
import type { Firestore, Transaction } from '@google-cloud/firestore';
import { FirestepError } from '../errors.ts';
import { definitionHash } from '../flow/hash.ts';
import type { FlowDefinition } from '../flow/model.ts';
import type { ChunkStore } from './chunks.ts';
import { corruptDocument, type DefinitionDoc, DefinitionDocSchema, readDocument } from './documents.ts';
import { definitionRef } from './paths.ts';

/**
 * @example const def = await definitions.get(head.definitionHash);
 */
export class DefinitionStore {
  private readonly cache = new Map<string, FlowDefinition>();

  constructor(
    private readonly db: Firestore,
    private readonly chunks: ChunkStore,
  ) {}

  /** The definition with this hash; a missing one is an INTERNAL fault (executions pin theirs). */
  async get(hash: string): Promise<FlowDefinition> {
    const found = await this.find(hash);
    if (found === undefined) {
      throw new FirestepError(
        'INTERNAL',
        `definitions/${hash} is missing; the execution pinned to it cannot be replayed`,
      );
    }
    return found;
  }

  async find(hash: string): Promise<FlowDefinition | undefined> {
    const cached = this.cache.get(hash);
    if (cached !== undefined) return cached;
    const snap = await definitionRef(this.db, hash).get();
    if (!snap.exists) return undefined;
    const stored = await readDocument(this.chunks, DefinitionDocSchema, 'definition', snap);
    // Content-addressed: any edit of the flow (or a document under the wrong id) shows as a mismatch.
    // Read once per hash per process (cached below), so the hash costs nothing on the hot path.
    if (stored.hash !== hash || definitionHash(stored.flow) !== hash)
      throw corruptDocument('definition', snap.ref.path, {
        field: 'flow',
        message: 'does not hash to the document id',
      });
    const def: FlowDefinition = { id: stored.id, hash: stored.hash, flow: stored.flow };
    this.remember(def);
    return def;
  }

  /**
   * Inside a start transaction: create `definitions/{hash}` unless it exists. Reads first, so call
   * before the transaction's writes.
   */
  async ensure(tx: Transaction, def: FlowDefinition, now: string): Promise<() => Promise<void>> {
    if (this.cache.has(def.hash)) return async () => {};
    const ref = definitionRef(this.db, def.hash);
    const snap = await tx.get(ref);
    return async () => {
      if (!snap.exists) {
        const doc: DefinitionDoc = { id: def.id, hash: def.hash, flow: def.flow, storedAt: now };
        tx.create(ref, await this.chunks.pack({ ...doc }));
      }
    };
  }

  remember(def: FlowDefinition): void {
    if (this.cache.size > 256) this.cache.clear();
    this.cache.set(def.hash, def);
  }
}
