/** The dead-letter port (`deadletters/{id}` in Firestore: engine/store/dead-letters.ts). */
import type { Transport } from '../signals/wire/transport.ts';

/** A message that could not be applied, kept for a person (or `redrive`) to look at. */
export interface DeadLetter {
  /** The input exactly as received (object, JSON text or bytes). */
  raw: unknown;
  reason: string;
  transport?: Transport;
  /** What the parser made of it, when it got that far (kind, correlation fields, source id). */
  observation?: Record<string, unknown>;
}

/** Where dead letters go (`deadletters/{id}` in Firestore). Idempotent per raw input. */
export interface DeadLetterSink {
  /** Store the letter; resolves its id. */
  put(letter: DeadLetter): Promise<string>;
}
