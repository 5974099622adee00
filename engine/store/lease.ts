/**
 * The drain lease `leases/{executionId}`: at most one worker at a time applies signals to an
 * execution, so concurrent completions do not become contended transactions on its head. Taken
 * with `create` (fails fast if held), valid for `leaseMs`, released with an update-time
 * precondition so a worker never deletes a lease that expired and was taken over. Correctness never
 * rests on the lease — every transaction re-reads the head — it only removes contention.
 */
import type { DocumentReference, Firestore, Timestamp } from '@google-cloud/firestore';
import { log } from '../log.ts';
import { LeaseDocSchema } from './documents.ts';
import { ExecutionRefs } from './paths.ts';
import { GRPC, grpcCode } from './retry.ts';

/** A lease this worker holds. */
export interface HeldLease {
  executionId: string;
  holder: string;
  /** Update time of the lease document as written by us: the release/renew precondition. */
  writeTime: Timestamp;
  /** When this worker last wrote the lease (ms since epoch, by the store's clock). */
  writtenAt: number;
}

/**
 * @example
 * const lease = await leases.tryAcquire('e1');
 * if (lease) try { … } finally { await leases.release(lease); }
 */
export class DrainLeases {
  constructor(
    private readonly db: Firestore,
    private readonly opts: { leaseMs: number; clock: () => Date; newId: () => string },
  ) {}

  /**
   * Take the lease, or return undefined when another worker holds a valid one. Looks before it
   * writes: under a fan-in most callers find the lease held, and a read does not contend on the
   * lease document the way a failing `create` does.
   */
  async tryAcquire(executionId: string): Promise<HeldLease | undefined> {
    const ref = new ExecutionRefs(this.db, executionId).lease;
    const holder = this.opts.newId();
    for (let tries = 0; tries < 3; tries++) {
      const now = this.opts.clock();
      const current = await ref.get();
      if (current.exists) {
        // A lease document that does not parse is treated as expired: correctness never rests on
        // the lease, and taking it over is how it gets repaired.
        const parsed = LeaseDocSchema.safeParse(current.data());
        const expiresAt = parsed.success ? parsed.data.expiresAt : undefined;
        if (expiresAt !== undefined && expiresAt > now.toISOString()) return undefined;
        if (await this.deleteIfUnchanged(ref, current.updateTime)) {
          log.warn('store: took over an expired drain lease', { executionId, expiredAt: expiresAt });
        }
      }
      try {
        const result = await ref.create({
          executionId,
          holder,
          acquiredAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + this.opts.leaseMs).toISOString(),
        });
        return { executionId, holder, writeTime: result.writeTime, writtenAt: now.getTime() };
      } catch (e) {
        if (grpcCode(e) !== GRPC.ALREADY_EXISTS) throw e;
      }
    }
    return undefined;
  }

  /**
   * Extend the lease once a third of it has passed (a no-op before that); false if it was lost
   * (expired and taken over).
   */
  async renew(lease: HeldLease): Promise<boolean> {
    const now = this.opts.clock().getTime();
    if (now - lease.writtenAt < this.opts.leaseMs / 3) return true;
    const ref = new ExecutionRefs(this.db, lease.executionId).lease;
    const expiresAt = new Date(now + this.opts.leaseMs).toISOString();
    try {
      const result = await ref.update({ expiresAt }, { lastUpdateTime: lease.writeTime });
      lease.writeTime = result.writeTime;
      lease.writtenAt = now;
      return true;
    } catch (e) {
      if (grpcCode(e) === GRPC.FAILED_PRECONDITION || grpcCode(e) === GRPC.NOT_FOUND) return false;
      throw e;
    }
  }

  /** Give the lease back (a no-op if it expired and another worker took it). */
  async release(lease: HeldLease): Promise<void> {
    await this.deleteIfUnchanged(new ExecutionRefs(this.db, lease.executionId).lease, lease.writeTime);
  }

  /** Delete the lease if nobody rewrote it since `updateTime`; true if this call deleted it. */
  private async deleteIfUnchanged(
    ref: DocumentReference,
    updateTime: Timestamp | undefined,
  ): Promise<boolean> {
    try {
      await ref.delete(updateTime === undefined ? {} : { lastUpdateTime: updateTime });
      return true;
    } catch (e) {
      if (grpcCode(e) !== GRPC.FAILED_PRECONDITION && grpcCode(e) !== GRPC.NOT_FOUND) throw e;
      return false;
    }
  }
}
