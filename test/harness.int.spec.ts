import { afterAll, describe, expect, it } from 'vitest';
import { testFirestore } from './support/firestore.ts';

describe('emulator harness', () => {
  const t = testFirestore('harness');
  afterAll(() => t.cleanup());

  it('given the emulator, when a document is created twice, then the second create fails (ALREADY_EXISTS)', async () => {
    const ref = t.db.doc('probe/one');
    await ref.create({ n: 1 });
    await expect(ref.create({ n: 2 })).rejects.toMatchObject({ code: 6 });
    expect((await ref.get()).data()).toEqual({ n: 1 });
  });
});
