/**
 * One entry point from "whatever arrived on the signal topic" to an {@link Observation}: raw Pub/Sub
 * push bodies, the CloudEvents functions-framework and Eventarc deliver, bare LogEntries, firestep
 * callbacks and timer messages — as objects, JSON text or bytes. Pure: no I/O, no clock.
 */

import type { Observation, Transport } from './observation.ts';
import { ignored, rejected } from './observation.ts';
import { issue, parseDataflowEvent, parseDataflowLog } from './parse-dataflow.ts';
import { parseCloudRun, parseGen1 } from './parse-function-logs.ts';
import { auditServiceOf, parseAuditEntry, parseStorageEvent } from './parse-platform.ts';
import { CallbackMessageSchema } from './wire/callback.ts';
import { AUDIT_LOG_WRITTEN } from './wire/cloud-run.ts';
import { DATAFLOW_STATUS_CHANGED } from './wire/dataflow.ts';
import { LogEntrySchema, looksLikeLogEntry } from './wire/log-entry.ts';
import {
  CloudEventSchema,
  looksLikeCloudEvent,
  looksLikePushBody,
  messageIdOf,
  PUBSUB_MESSAGE_PUBLISHED,
  type PubsubMessage,
  PubsubMessageSchema,
  PushBodySchema,
} from './wire/pubsub.ts';
import { STORAGE_OBJECT_FINALIZED } from './wire/storage.ts';
import { TimerMessageSchema, timerCommandMatches } from './wire/timer.ts';

/** Cloud Logging's own limit for one entry; anything bigger on the topic is not a LogEntry we sent for. */
export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_ENGINE_FUNCTION = 'firestep-engine';
export const DEFAULT_API_FUNCTION = 'firestep-api';

export interface ParseOptions {
  /** The engine function's name: its own log entries are ignored (the infinite-loop hazard). */
  engineFunctionName?: string;
  /** The API function's name (also firestep's own). */
  apiFunctionName?: string;
  /**
   * Payloads (a LogEntry, event, callback — after unwrapping Pub/Sub's base64) larger than this are
   * rejected. Default 256 KiB, Cloud Logging's own limit for one entry. Envelopes may be larger by
   * base64's 4/3 plus {@link ENVELOPE_ALLOWANCE}.
   */
  maxBytes?: number;
}

/** Room for a Pub/Sub / CloudEvent envelope around a maximal payload (attributes, ids, names). */
export const ENVELOPE_ALLOWANCE = 64 * 1024;

interface Ctx {
  ownNames: ReadonlySet<string>;
  maxBytes: number;
  transport?: Transport;
  depth: number;
  /** Bytes of the JSON being classified (the raw input, or a decoded Pub/Sub payload). */
  size: number;
}

/**
 * Parse one incoming message.
 *
 * @example
 * parse({ message: { data: Buffer.from(JSON.stringify(logEntry)).toString('base64'), messageId: '1' } })
 * // → { kind: 'cloudFunction', outcome: 'succeeded', fields: { trace, function, … }, … }
 */
export function parse(raw: unknown, opts: ParseOptions = {}): Observation {
  const ctx: Ctx = {
    ownNames: new Set(
      [opts.engineFunctionName ?? DEFAULT_ENGINE_FUNCTION, opts.apiFunctionName ?? DEFAULT_API_FUNCTION].map(
        (n) => n.toLowerCase(),
      ),
    ),
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    depth: 0,
    size: 0,
  };
  const size = byteSize(raw);
  if (size === undefined) return rejected('input is not JSON-serializable');
  const envelopeLimit = Math.ceil((ctx.maxBytes * 4) / 3) + ENVELOPE_ALLOWANCE;
  if (size > envelopeLimit) return rejected(`oversized: ${size} bytes > limit ${envelopeLimit} (envelope)`);
  const value = toJson(raw);
  if (!value.ok) return rejected(value.reason);
  return classify(value.value, { ...ctx, size });
}

/** A payload (not an envelope) over the limit. */
function oversized(ctx: Ctx): Observation | undefined {
  if (ctx.size <= ctx.maxBytes) return undefined;
  return rejected(
    `oversized: ${ctx.size} bytes > limit ${ctx.maxBytes}`,
    ctx.transport ? { transport: ctx.transport } : {},
  );
}

/** Size of the input as it travelled (bytes of JSON text). */
export function byteSize(raw: unknown): number | undefined {
  if (typeof raw === 'string') return Buffer.byteLength(raw, 'utf8');
  if (raw instanceof Uint8Array) return raw.byteLength;
  try {
    const text = JSON.stringify(raw);
    return text === undefined ? undefined : Buffer.byteLength(text, 'utf8');
  } catch {
    return undefined;
  }
}

type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

function toJson(raw: unknown): Result<unknown> {
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) return { ok: true, value: raw };
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: false, reason: 'empty payload' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
}

function classify(value: unknown, ctx: Ctx): Observation {
  const t = ctx.transport;
  const extra = t ? { transport: t } : {};
  if (ctx.depth > 3) return rejected('envelopes nested too deep', extra);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rejected(
      `expected a JSON object, got ${Array.isArray(value) ? 'an array' : String(value === null ? null : typeof value)}`,
      extra,
    );
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.kind === 'string' && obj.kind.startsWith('firestep.'))
    return oversized(ctx) ?? firestepMessage(obj, ctx);
  if (looksLikeCloudEvent(obj)) return cloudEvent(obj, ctx);
  if (looksLikePushBody(obj)) {
    const body = PushBodySchema.safeParse(obj);
    if (!body.success) return rejected(`Pub/Sub push body: ${issue(body.error)}`, extra);
    const transport = t ?? {
      kind: 'pubsub' as const,
      id: messageIdOf(body.data.message),
      subscription: body.data.subscription,
    };
    return unwrap(body.data.message, { ...ctx, transport });
  }
  if (typeof obj.data === 'string' && ('messageId' in obj || 'message_id' in obj || 'attributes' in obj)) {
    const message = PubsubMessageSchema.safeParse(obj);
    if (!message.success) return rejected(`Pub/Sub message: ${issue(message.error)}`, extra);
    return unwrap(message.data, {
      ...ctx,
      transport: t ?? { kind: 'pubsub', id: messageIdOf(message.data) },
    });
  }
  if (looksLikeLogEntry(obj)) return oversized(ctx) ?? logEntry(obj, ctx);
  return (
    oversized(ctx) ??
    rejected('not a LogEntry, CloudEvent, Pub/Sub push body, callback or timer message', extra)
  );
}

function firestepMessage(obj: Record<string, unknown>, ctx: Ctx): Observation {
  const extra = ctx.transport ? { transport: ctx.transport } : {};
  if (obj.kind === 'firestep.callback') {
    const m = CallbackMessageSchema.safeParse(obj);
    if (!m.success) return rejected(`callback: ${issue(m.error)}`, extra);
    const message = m.data;
    const source = { kind: 'callback' as const, id: message.id };
    if (message.outcome === 'failed' && message.error === undefined) {
      return rejected('callback: outcome "failed" without error', { ...extra, source });
    }
    const outcome = message.outcome === 'log' ? 'running' : message.outcome;
    return { kind: 'callback', outcome, message, fields: {}, source, ...extra };
  }
  if (obj.kind === 'firestep.timer') {
    const m = TimerMessageSchema.safeParse(obj);
    if (!m.success) return rejected(`timer: ${issue(m.error)}`, extra);
    const source = { kind: 'timer' as const, id: m.data.commandId };
    // Timers reach the engine only from its own scheduler: Cloud Tasks → /v1/timers (OIDC-checked) or
    // the local scheduler, both unwrapped. One inside a Pub/Sub or CloudEvent envelope came over the
    // signal topic, which functions may publish to (it is the SDK's reply topic): it is forged.
    if (ctx.transport !== undefined) {
      return rejected(
        `timer: accepted only from the timer endpoint, not over ${ctx.transport.kind} (anyone who can publish to the signal topic could time out a step)`,
        { ...extra, source },
      );
    }
    if (!timerCommandMatches(m.data)) {
      return rejected(
        `timer: commandId "${m.data.commandId}" does not match ${m.data.timer}/${m.data.path}/${m.data.attempt}`,
        {
          ...extra,
          source,
        },
      );
    }
    return { kind: 'timer', outcome: null, message: m.data, fields: {}, source, ...extra };
  }
  return rejected(`unknown firestep message kind "${String(obj.kind)}"`, extra);
}

function cloudEvent(obj: Record<string, unknown>, ctx: Ctx): Observation {
  const ev = CloudEventSchema.safeParse(obj);
  const extra = ctx.transport ? { transport: ctx.transport } : {};
  if (!ev.success) return rejected(`CloudEvent: ${issue(ev.error)}`, extra);
  const event = ev.data;
  const transport = ctx.transport ?? { kind: 'cloudEvent' as const, id: event.id };
  if (event.type === DATAFLOW_STATUS_CHANGED)
    return oversized(ctx) ?? { ...parseDataflowEvent(event), transport };
  if (event.type === STORAGE_OBJECT_FINALIZED)
    return oversized(ctx) ?? { ...parseStorageEvent(event), transport };
  if (event.type === AUDIT_LOG_WRITTEN) {
    // Eventarc's audit-log events carry the LogEntry itself as `data`.
    if (typeof event.data !== 'object' || event.data === null)
      return rejected(`audit log CloudEvent ${event.id}: data is not a LogEntry`, { transport });
    return oversized(ctx) ?? logEntry(event.data as Record<string, unknown>, { ...ctx, transport });
  }
  if (event.type === PUBSUB_MESSAGE_PUBLISHED) {
    const body = PushBodySchema.safeParse(event.data);
    if (!body.success)
      return rejected(`Pub/Sub CloudEvent ${event.id}: data ${issue(body.error)}`, { transport });
    return unwrap(body.data.message, {
      ...ctx,
      transport: { ...transport, subscription: body.data.subscription },
    });
  }
  return ignored(`CloudEvent type "${event.type}" is not a completion source`, { transport });
}

function unwrap(message: PubsubMessage, ctx: Ctx): Observation {
  const extra = ctx.transport ? { transport: ctx.transport } : {};
  const data = message.data;
  if (data === undefined || data === '') return rejected('Pub/Sub message without data', extra);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data) || data.length % 4 === 1) {
    return rejected('Pub/Sub message data is not base64', extra);
  }
  const bytes = Buffer.from(data, /[-_]/.test(data) ? 'base64url' : 'base64');
  if (bytes.byteLength > ctx.maxBytes)
    return rejected(`oversized: ${bytes.byteLength} bytes > limit ${ctx.maxBytes}`, extra);
  const value = toJson(bytes);
  if (!value.ok) return rejected(`Pub/Sub message data: ${value.reason}`, extra);
  return classify(value.value, { ...ctx, depth: ctx.depth + 1, size: bytes.byteLength });
}

function logEntry(obj: Record<string, unknown>, ctx: Ctx): Observation {
  const extra = ctx.transport ? { transport: ctx.transport } : {};
  const parsed = LogEntrySchema.safeParse(obj);
  if (!parsed.success) {
    const id = typeof obj.insertId === 'string' ? obj.insertId : undefined;
    return rejected(`LogEntry: ${issue(parsed.error)}`, { ...extra, source: { kind: 'log', id } });
  }
  const entry = parsed.data;
  const type = entry.resource.type;
  const opts = { ownNames: ctx.ownNames };
  const observation =
    auditServiceOf(entry) !== undefined
      ? parseAuditEntry(entry)
      : type === 'cloud_function'
        ? parseGen1(entry, opts)
        : type === 'cloud_run_revision'
          ? parseCloudRun(entry, opts)
          : type === 'dataflow_step'
            ? parseDataflowLog(entry)
            : ignored(`resource type "${type}" is not a completion source`, {
                source: { kind: 'log', id: entry.insertId },
              });
  return { ...observation, ...extra };
}
