/**
 * Sending a CallbackMessage back to firestep: POST to `replyTo.url` (JSON, retried on network
 * errors, 429 and 5xx with exponential backoff) or publish to `replyTo.topic` (@google-cloud/pubsub,
 * imported only when used). If both are given, the URL is tried first and the topic is the fallback.
 */

import { FirestepError } from '../engine/errors.ts';
import type { CallbackMessage, FirestepContext } from '../engine/signals/wire/callback.ts';
import { type CallbackIdToken, metadataIdToken } from './id-token.ts';

export interface ReplyOptions {
  /** HTTP client (default global `fetch`). */
  fetch?: typeof fetch;
  /** Attempts per URL before giving up / falling back to the topic (default 4). */
  attempts?: number;
  /** First backoff delay in ms, doubled per attempt (default 200). */
  backoffMs?: number;
  /**
   * Extra headers per request, e.g. an ID token when the API function is private:
   * `headers: async () => (await new GoogleAuth().getIdTokenClient(url)).getRequestHeaders()`.
   */
  headers?: () => Promise<Headers | Record<string, string> | [string, string][]>;
  /**
   * The `Authorization` value for the callback URL when `headers` gives none (default: an ID token
   * from the metadata server, none for a local URL — see `id-token.ts`); `null` for never.
   */
  idToken?: CallbackIdToken | null;
  /** Publish to a topic (default: @google-cloud/pubsub `publishMessage({ json })`). */
  publish?: (topic: string, message: CallbackMessage) => Promise<void>;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * Deliver one callback. Resolves once firestep accepted it; throws a FirestepError if it could not.
 *
 * @example await sendCallback(context, { kind: 'firestep.callback', id, token, executionId, path, attempt, outcome: 'succeeded', output });
 */
export async function sendCallback(
  context: FirestepContext,
  message: CallbackMessage,
  opts: ReplyOptions = {},
): Promise<void> {
  const { url, topic } = context.replyTo;
  let urlError: unknown;
  if (url) {
    try {
      await post(url, message, opts);
      return;
    } catch (e) {
      if (!topic) throw e;
      urlError = e;
    }
  }
  if (topic) {
    await (opts.publish ?? publishWithPubSub)(topic, message);
    return;
  }
  throw new FirestepError(
    'CONFIG',
    'firestep context has no replyTo.url or replyTo.topic: nowhere to report to',
    {
      cause: urlError,
    },
  );
}

async function post(url: string, message: CallbackMessage, opts: ReplyOptions): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const attempts = opts.attempts ?? 4;
  const body = JSON.stringify(message);
  let last = '';
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await delay((opts.backoffMs ?? 200) * 2 ** (i - 1));
    try {
      const headers = new Headers(await opts.headers?.());
      headers.set('content-type', 'application/json');
      if (!headers.has('authorization') && opts.idToken !== null) {
        const authorization = await (opts.idToken ?? metadataIdToken)(url);
        if (authorization) headers.set('authorization', authorization);
      }
      const res = await doFetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      if (res.ok) return;
      const text = (await res.text().catch(() => '')).slice(0, 300);
      last = `${res.status} ${text}`.trim();
      if (res.status !== 429 && res.status < 500) {
        throw new FirestepError(
          res.status === 401 || res.status === 403 ? 'UNAUTHENTICATED' : 'SIGNAL_MALFORMED',
          `firestep refused the callback for ${message.executionId}/${message.path}#${message.attempt}: ${last}`,
        );
      }
    } catch (e) {
      if ((e as { name?: string }).name === 'FirestepError') throw e;
      last = (e as Error).message;
    }
  }
  throw new FirestepError(
    'STORE_UNAVAILABLE',
    `could not deliver the callback to ${url} after ${attempts} attempts: ${last}`,
    {
      retryable: true,
    },
  );
}

async function publishWithPubSub(topic: string, message: CallbackMessage): Promise<void> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub();
  try {
    await pubsub.topic(topic).publishMessage({ json: message });
  } finally {
    await pubsub.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
