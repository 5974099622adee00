/**
 * Firestore implementations of the signal ports: the correlation lookup (`correlations/{id}`, read
 * by id) and the dead-letter sink (`deadletters/{id}`).
 */
import { createHash } from 'node:crypto';
import { FieldValue, type Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { FirestepError } from '../errors.ts';
import { type CorrelationTarget, correlationDocId } from '../ports/dispatcher.ts';
import type { CorrelationLookup, DeadLetter, DeadLetterSink } from '../ports/dataflow-jobs.ts';

const CorrelationTargetSchema = z.object({
  executionId: z.string().min(1),
  step: z.string(),
  path: z.string().min(1),
  attempt: z.number().int().positive(),
  commandId: z.string(),
  targetType: z.string(),
  projectId: z.string().optional(),
  region: z.string().optional(),
});

/**
 * @example const lookup = firestoreCorrelationLookup(db); await lookup.lookup({ kind: 'trace', value: traceId });
 */
export function firestoreCorrelationLookup(db: Firestore): CorrelationLookup {
  return {
    async lookup(key) {
      const snap = await db.collection('correlations').doc(correlationDocId(key)).get();
      if (!snap.exists) return undefined;
      const parsed = CorrelationTargetSchema.safeParse(snap.data());
      if (!parsed.success) {
        throw new FirestepError(
          'INTERNAL',
          `correlations/${snap.id} is not a correlation target: ${parsed.error.message}`,
        );
      }
      const t: CorrelationTarget = { ...parsed.data };
      if (t.projectId === undefined) delete t.projectId;
      if (t.region === undefined) delete t.region;
      return t;
    },
  };
}

/** Raw text kept in a dead letter (Firestore documents are limited to 1 MiB). */
export const DEAD_LETTER_RAW_LIMIT = 64 * 1024;

/**
 * Dead letters in `deadletters/{sha256 of the raw input}`: a redelivered message lands on the same
 * document (its `deliveries` counter goes up) instead of piling up copies.
 *
 * @example await firestoreDeadLetters(db).put({ raw, reason: 'not JSON' }) // → '3f5a…'
 */
export function firestoreDeadLetters(db: Firestore, now: () => Date = () => new Date()): DeadLetterSink {
  return {
    async put(letter: DeadLetter) {
      const { text, encoding } = rawText(letter.raw);
      const sha256 = createHash('sha256').update(text).digest('hex');
      const bytes = Buffer.byteLength(text, 'utf8');
      const truncated = bytes > DEAD_LETTER_RAW_LIMIT;
      const doc: Record<string, unknown> = {
        raw: truncated ? truncateUtf8(text, DEAD_LETTER_RAW_LIMIT) : text,
        rawEncoding: encoding,
        rawBytes: bytes,
        truncated,
        sha256,
        reason: letter.reason,
        receivedAt: now().toISOString(),
        source: strip(letter.transport ?? { kind: 'direct' }),
        deliveries: FieldValue.increment(1),
      };
      if (letter.observation) doc.observation = strip(letter.observation);
      await db.collection('deadletters').doc(sha256).set(doc, { merge: true });
      return sha256;
    },
  };
}

function rawText(raw: unknown): { text: string; encoding: 'utf8' | 'json' | 'base64' } {
  if (typeof raw === 'string') return { text: raw, encoding: 'utf8' };
  if (raw instanceof Uint8Array) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(raw), encoding: 'utf8' };
    } catch {
      return { text: Buffer.from(raw).toString('base64'), encoding: 'base64' };
    }
  }
  try {
    return { text: JSON.stringify(raw) ?? String(raw), encoding: 'json' };
  } catch {
    return { text: String(raw), encoding: 'utf8' };
  }
}

/** Cut at a byte budget without splitting a UTF-8 sequence. */
function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8').subarray(0, maxBytes);
  return new TextDecoder('utf-8', { fatal: false }).decode(buf).replace(/\uFFFD$/, '');
}

/** Firestore rejects `undefined`; drop such keys (one level deep is all dead letters use). */
function strip(obj: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
}
