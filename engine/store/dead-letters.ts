/**
 * The Firestore dead-letter sink (`deadletters/{id}`), implementing engine/ports/dead-letters.ts.
 */
import { createHash } from 'node:crypto';
import { FieldValue, type Firestore, Timestamp } from '@google-cloud/firestore';
import type { DeadLetter, DeadLetterSink } from '../ports/index.ts';
import { COLLECTIONS } from './paths.ts';

/**
 * Days a dead letter is kept after its last delivery (its `expireAt`, for the TTL policy on
 * `deadletters`). One about an execution is kept at least as long as that execution (retention.ts).
 */
export const DEAD_LETTER_RETENTION_DAYS = 30;

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
      const at = now();
      const doc: Record<string, unknown> = {
        raw: truncated ? truncateUtf8(text, DEAD_LETTER_RAW_LIMIT) : text,
        rawEncoding: encoding,
        rawBytes: bytes,
        truncated,
        sha256,
        reason: letter.reason,
        receivedAt: at.toISOString(),
        expireAt: Timestamp.fromMillis(at.getTime() + DEAD_LETTER_RETENTION_DAYS * 24 * 60 * 60 * 1000),
        source: strip(letter.transport ?? { kind: 'direct' }),
        deliveries: FieldValue.increment(1),
      };
      if (letter.observation) doc.observation = strip(letter.observation);
      // Top level, so retention finds the dead letters about an execution.
      const executionId = letter.observation?.executionId;
      if (typeof executionId === 'string') doc.executionId = executionId;
      await db.collection(COLLECTIONS.deadletters).doc(sha256).set(doc, { merge: true });
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
