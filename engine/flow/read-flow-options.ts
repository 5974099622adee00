/**
 * Reads the flow-level options next to `start`/`steps`: `triggers`, `concurrency`,
 * `timeout_seconds` and `notify`, with every problem reported at its path.
 *
 * ```json
 * "triggers": [{"schedule": "0 2 * * *", "time_zone": "Europe/Amsterdam", "input": {"mode": "full"}},
 *              {"gcs": {"bucket": "acme-landing", "prefix": "orders/", "suffix": ".csv"}},
 *              {"pubsub": {"topic": "orders-ready"}}],
 * "concurrency": {"max_running": 1, "on_overlap": "skip"},
 * "timeout_seconds": 7200,
 * "notify": [{"on": ["FAILED", "TIMED_OUT"], "pubsub": "alerts"}]
 * ```
 */
import {
  type ConcurrencyPolicy,
  type Flow,
  type Json,
  NOTIFY_ON,
  type NotifyOn,
  type NotifyRule,
  OVERLAP_POLICIES,
  type Trigger,
} from './model.ts';
import { childPath, type ProblemList } from './problems.ts';
import {
  compact,
  describe,
  isObject,
  type RawObject,
  readEnum,
  readJsonObject,
  readNumber,
  readString,
  rejectUnknownFields,
  requireString,
} from './read-values.ts';
import { cronProblem, isTimeZone } from './triggers.ts';

/** The flow-level options (the part of `Flow` besides `start` and `steps`). */
export type FlowOptions = Pick<Flow, 'triggers' | 'concurrency' | 'timeout_seconds' | 'notify'>;

/** Flow-level fields this module reads (listed in read-steps.ts FLOW_FIELDS). */
export const FLOW_OPTION_FIELDS = ['triggers', 'concurrency', 'timeout_seconds', 'notify'] as const;

const TRIGGER_KINDS = ['schedule', 'gcs', 'pubsub'] as const;
const DEFAULT_NOTIFY_ON: NotifyOn[] = ['FAILED', 'TIMED_OUT'];
/** Cloud Storage bucket names: 3–222 characters of a-z, 0-9, `-`, `_`, `.` (no `gs://`). */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
/** Pub/Sub topic ids (or a full `projects/P/topics/T`). */
const TOPIC = /^(projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/)?[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/**
 * Reads the options of a flow document; `undefined` members for absent options. `ok` is false when
 * any was malformed (its problem is in `out`).
 *
 * @example readFlowOptions({start: 'A', steps: {}, timeout_seconds: 60}, out) // {ok: true, options: {timeout_seconds: 60}}
 */
export function readFlowOptions(raw: unknown, out: ProblemList): { ok: boolean; options: FlowOptions } {
  if (!isObject(raw)) return { ok: true, options: {} };
  const before = out.errors.length;
  const options = compact({
    triggers: readTriggers(raw.triggers, 'triggers', out),
    concurrency: readConcurrency(raw.concurrency, 'concurrency', out),
    timeout_seconds: readNumber(raw, 'timeout_seconds', '', out, { min: 0, exclusive: true }),
    notify: readNotify(raw.notify, 'notify', out),
  });
  for (const key of NOT_ENFORCED_YET)
    if (options[key] !== undefined)
      out.warn(key, 'accepted but not enforced yet by this version of firestep (planned in issue 18)');
  return { ok: out.errors.length === before, options };
}

/** Options read and validated, but not yet acted on by the engine: said, never silently ignored. */
const NOT_ENFORCED_YET = ['concurrency'] as const;

function readTriggers(raw: unknown, path: string, out: ProblemList): Trigger[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    out.error(
      path,
      `must be an array of triggers ({"schedule"}, {"gcs"} or {"pubsub"}), got ${describe(raw)}`,
    );
    return undefined;
  }
  const read = raw.map((t, i) => readTrigger(t, childPath(path, i), out));
  return read.every((t) => t !== undefined) ? (read as Trigger[]) : undefined;
}

function readTrigger(raw: unknown, path: string, out: ProblemList): Trigger | undefined {
  if (!isObject(raw)) {
    out.error(path, `a trigger must be an object such as {"schedule": "0 2 * * *"}, got ${describe(raw)}`);
    return undefined;
  }
  const kinds = TRIGGER_KINDS.filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) {
    out.error(
      path,
      kinds.length === 0
        ? 'a trigger needs one of "schedule", "gcs" or "pubsub"'
        : `a trigger has exactly one of "schedule", "gcs" or "pubsub", got ${kinds.join(' and ')}`,
    );
    return undefined;
  }
  const input = readInput(raw, path, out);
  switch (kinds[0]) {
    case 'schedule':
      return readSchedule(raw, path, out, input);
    case 'gcs':
      return readGcs(raw, path, out, input);
    default:
      return readPubSub(raw, path, out, input);
  }
}

function readInput(raw: RawObject, path: string, out: ProblemList): { ok: boolean; input?: Json } {
  if (raw.input === undefined) return { ok: true };
  const holder = readJsonObject({ value: { value: raw.input as Json } }, 'value', path, out);
  return holder === undefined ? { ok: false } : { ok: true, input: raw.input as Json };
}

function readSchedule(
  raw: RawObject,
  path: string,
  out: ProblemList,
  input: { ok: boolean; input?: Json },
): Trigger | undefined {
  rejectUnknownFields(raw, ['schedule', 'time_zone', 'input'], path, out, 'a schedule trigger');
  const schedule = readString(raw, 'schedule', path, out);
  const problem = schedule === undefined ? undefined : cronProblem(schedule);
  if (problem !== undefined) out.error(childPath(path, 'schedule'), problem);
  const zone = readString(raw, 'time_zone', path, out) ?? 'UTC';
  const zoneOk = isTimeZone(zone);
  if (!zoneOk)
    out.error(
      childPath(path, 'time_zone'),
      `unknown time zone ${JSON.stringify(zone)}; use an IANA name such as "Europe/Amsterdam" or "UTC"`,
    );
  if (schedule === undefined || problem !== undefined || !zoneOk || !input.ok) return undefined;
  return compact({ schedule: schedule.trim().split(/\s+/).join(' '), time_zone: zone, input: input.input });
}

function readGcs(
  raw: RawObject,
  path: string,
  out: ProblemList,
  input: { ok: boolean; input?: Json },
): Trigger | undefined {
  rejectUnknownFields(raw, ['gcs', 'input'], path, out, 'a gcs trigger');
  const at = childPath(path, 'gcs');
  if (!isObject(raw.gcs)) {
    out.error(at, `must be an object {"bucket", "prefix"?, "suffix"?}, got ${describe(raw.gcs)}`);
    return undefined;
  }
  rejectUnknownFields(raw.gcs, ['bucket', 'prefix', 'suffix'], at, out, 'a gcs trigger');
  const bucket = requireString(raw.gcs, 'bucket', at, out, 'the bucket whose new objects start the flow');
  const bucketOk = bucket === undefined || BUCKET.test(bucket);
  if (!bucketOk)
    out.error(
      childPath(at, 'bucket'),
      `must be a bucket name such as "acme-landing" (no "gs://", no path), got ${JSON.stringify(bucket)}`,
    );
  const prefix = readString(raw.gcs, 'prefix', at, out);
  const suffix = readString(raw.gcs, 'suffix', at, out);
  if (bucket === undefined || !bucketOk || !input.ok) return undefined;
  return compact({ gcs: compact({ bucket, prefix, suffix }), input: input.input });
}

function readPubSub(
  raw: RawObject,
  path: string,
  out: ProblemList,
  input: { ok: boolean; input?: Json },
): Trigger | undefined {
  rejectUnknownFields(raw, ['pubsub', 'input'], path, out, 'a pubsub trigger');
  const at = childPath(path, 'pubsub');
  if (!isObject(raw.pubsub)) {
    out.error(at, `must be an object {"topic"}, got ${describe(raw.pubsub)}`);
    return undefined;
  }
  rejectUnknownFields(raw.pubsub, ['topic'], at, out, 'a pubsub trigger');
  const topic = requireString(raw.pubsub, 'topic', at, out, 'the topic whose messages start the flow');
  const topicOk = topic === undefined || TOPIC.test(topic);
  if (!topicOk)
    out.error(
      childPath(at, 'topic'),
      `must be a Pub/Sub topic id such as "orders-ready", got ${JSON.stringify(topic)}`,
    );
  if (topic === undefined || !topicOk || !input.ok) return undefined;
  return compact({ pubsub: { topic }, input: input.input });
}

function readConcurrency(raw: unknown, path: string, out: ProblemList): ConcurrencyPolicy | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    out.error(path, `must be an object {"max_running", "on_overlap"}, got ${describe(raw)}`);
    return undefined;
  }
  rejectUnknownFields(raw, ['max_running', 'on_overlap'], path, out, 'concurrency');
  if (raw.max_running === undefined)
    out.error(childPath(path, 'max_running'), 'missing; how many executions may run at once');
  const max = readNumber(raw, 'max_running', path, out, { min: 1, integer: true });
  const policy = readEnum(raw, 'on_overlap', OVERLAP_POLICIES, path, out) ?? 'queue';
  if (
    max === undefined ||
    (raw.on_overlap !== undefined && !OVERLAP_POLICIES.includes(raw.on_overlap as 'skip'))
  )
    return undefined;
  return { max_running: max, on_overlap: policy };
}

function readNotify(raw: unknown, path: string, out: ProblemList): NotifyRule[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    out.error(
      path,
      `must be an array such as [{"on": ["FAILED"], "pubsub": "alerts"}], got ${describe(raw)}`,
    );
    return undefined;
  }
  const rules = raw.map((r, i) => readNotifyRule(r, childPath(path, i), out));
  return rules.every((r) => r !== undefined) ? (rules as NotifyRule[]) : undefined;
}

function readNotifyRule(raw: unknown, path: string, out: ProblemList): NotifyRule | undefined {
  if (!isObject(raw)) {
    out.error(path, `must be an object {"on", "pubsub" | "webhook"}, got ${describe(raw)}`);
    return undefined;
  }
  rejectUnknownFields(raw, ['on', 'pubsub', 'webhook'], path, out, 'a notify rule');
  const on = readNotifyOn(raw.on, childPath(path, 'on'), out);
  const pubsub = readString(raw, 'pubsub', path, out);
  const webhook = readString(raw, 'webhook', path, out);
  if ((pubsub === undefined) === (webhook === undefined)) {
    out.error(path, 'needs exactly one of "pubsub" (a topic) and "webhook" (an https URL)');
    return undefined;
  }
  if (pubsub !== undefined && !TOPIC.test(pubsub)) {
    out.error(
      childPath(path, 'pubsub'),
      `must be a Pub/Sub topic id such as "alerts", got ${JSON.stringify(pubsub)}`,
    );
    return undefined;
  }
  if (webhook !== undefined && !/^https?:\/\/[^\s/]+/.test(webhook)) {
    out.error(childPath(path, 'webhook'), `must be an http(s) URL, got ${JSON.stringify(webhook)}`);
    return undefined;
  }
  if (on === undefined) return undefined;
  return pubsub !== undefined ? { on, pubsub } : { on, webhook: webhook as string };
}

function readNotifyOn(raw: unknown, path: string, out: ProblemList): NotifyOn[] | undefined {
  if (raw === undefined) return [...DEFAULT_NOTIFY_ON];
  const allowed = NOTIFY_ON as readonly unknown[];
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((v) => allowed.includes(v))) {
    out.error(path, `must be a non-empty array of ${NOTIFY_ON.join(', ')}, got ${describe(raw)}`);
    return undefined;
  }
  return NOTIFY_ON.filter((s) => raw.includes(s));
}
