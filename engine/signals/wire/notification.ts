/**
 * The webhook form of a notification (flow `notify` with `webhook`): a POST of the payload JSON
 * (engine/core/notify.ts `NotificationPayload`) with two headers —
 *
 * - `Firestep-Delivery: <executionId>/<commandId>`: the same for every retry of one notification,
 *   so a receiver that saw it already can answer 2xx and do nothing;
 * - `Firestep-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 over `"<t>.<body>"` with the
 *   deployment's **notification key**, which is derived from `FIRESTEP_CALLBACK_SECRET` (never the
 *   secret itself, so a receiver can verify but cannot forge callbacks):
 *   `notificationKey(secret) = hex(HMAC-SHA256(secret, "firestep-notify-v1"))`.
 *
 * A receiver verifies with {@link verifyNotification} (exported by `firestep/sdk`) or the same three
 * lines in any language; a signature older than five minutes is refused (replay).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DELIVERY_HEADER = 'firestep-delivery';
export const SIGNATURE_HEADER = 'firestep-signature';

/** How old a signature may be when verified (seconds). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The key notifications are signed with, derived from the deployment secret. Give this value (not
 * the secret) to webhook receivers.
 *
 * @example notificationKey('s3cret').length === 64
 */
export function notificationKey(secret: string): string {
  return createHmac('sha256', secret).update('firestep-notify-v1').digest('hex');
}

/**
 * The `Firestep-Signature` header value for `body` sent at unix time `t`.
 *
 * @example signNotification(key, '{"status":"FAILED"}', 1767225600) // 't=1767225600,v1=9f…'
 */
export function signNotification(key: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
}

/** Why a notification was refused, or `ok`. */
export type NotificationVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Check a received notification: the signature header against the raw body, with the key from
 * {@link notificationKey}, at most `toleranceSeconds` old at `now`.
 *
 * @example
 * const verdict = verifyNotification(process.env.FIRESTEP_NOTIFY_KEY!, rawBody, req.headers['firestep-signature']);
 * if (!verdict.ok) return res.status(401).send(verdict.reason);
 */
export function verifyNotification(
  key: string,
  body: string,
  header: string | undefined,
  opts: { now?: Date; toleranceSeconds?: number } = {},
): NotificationVerdict {
  if (header === undefined || header === '') return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1))
    return { ok: false, reason: `${SIGNATURE_HEADER} must be t=<unix seconds>,v1=<64 hex>` };
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS))
    return { ok: false, reason: `signature time ${t} is too far from now (${now}); replayed or clock skew` };
  const expected = Buffer.from(signNotification(key, body, t).slice(`t=${t},v1=`.length), 'hex');
  const given = Buffer.from(v1, 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'signature does not match the body' };
  return { ok: true };
}
