/**
 * The drain lease: one holder at a time, taken over only after it expired, and a worker that lost
 * its lease can neither renew nor release the new holder's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DrainLeases } from '../../engine/store/lease.ts';
import { testFirestore } from '../support/firestore.ts';
import { manualClock } from './support.ts';

describe('drain lease', () => {
  const t = testFirestore('store-lease');
  afterAll(() => t.cleanup());

  it('given a held lease, when another worker tries, then it is refused until the lease expires, and the old holder cannot release or renew the new one', async () => {
    // given
    const time = manualClock();
    let n = 0;
    const leases = new DrainLeases(t.db, { leaseMs: 30_000, clock: time.clock, newId: () => `w${++n}` });
    const first = await leases.tryAcquire('e1');
    expect(first).toBeDefined();

    // when / then: held
    expect(await leases.tryAcquire('e1')).toBeUndefined();
    time.advance(31_000);
    const second = await leases.tryAcquire('e1');
    expect(second).toBeDefined();
    expect(await leases.renew(first!)).toBe(false);
    await leases.release(first!);
    expect((await t.db.doc('leases/e1').get()).get('holder')).toBe(second!.holder);
    expect(await leases.tryAcquire('e1')).toBeUndefined();

    // when released by its holder, then free again
    await leases.release(second!);
    expect((await t.db.doc('leases/e1').get()).exists).toBe(false);
    expect(await leases.tryAcquire('e1')).toBeDefined();
  });

  it('given 20 workers racing for a free lease, when they all try at once, then exactly one gets it', async () => {
    const leases = new DrainLeases(t.db, {
      leaseMs: 30_000,
      clock: () => new Date(),
      newId: () => Math.random().toString(36),
    });
    const results = await Promise.all(Array.from({ length: 20 }, () => leases.tryAcquire('race')));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });
});
