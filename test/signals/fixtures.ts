/**
 * Test helper: the real-format payloads in test/fixtures/logs, line by line, with what
 * `signals parse` is expected to print for each.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURE_DIR = resolve(import.meta.dirname, '../fixtures/logs');

export const FIXTURES = [
  'cloud-functions-gen1',
  'cloud-run-requests',
  'dataflow-job-messages',
  'eventarc-dataflow',
  'pubsub-envelopes',
  'callbacks-timers',
  'data-platform-audit',
] as const;
export type FixtureName = (typeof FIXTURES)[number];

function lines(file: string): string[] {
  return readFileSync(resolve(FIXTURE_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** The raw JSON lines of a fixture. */
export function fixtureLines(name: FixtureName): string[] {
  return lines(`${name}.jsonl`);
}

/** A fixture line parsed as an object (a fresh copy, safe to modify). */
export function fixture(name: FixtureName, index: number): Record<string, unknown> {
  const line = fixtureLines(name)[index];
  if (line === undefined) throw new Error(`${name}.jsonl has no line ${index}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** The expected `signals parse` output lines of a fixture, parsed. */
export function expectedSummaries(name: FixtureName): Array<Record<string, unknown>> {
  return lines(`${name}.expected.jsonl`).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Base64 of JSON, as Pub/Sub carries it. */
export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
}

/** A Pub/Sub push body around a payload (the shape a push subscription POSTs). */
export function pushBody(payload: unknown, messageId = '1000'): Record<string, unknown> {
  return {
    message: {
      data: b64(payload),
      attributes: {},
      messageId,
      message_id: messageId,
      publishTime: '2026-11-23T10:15:05.337Z',
    },
    subscription: 'projects/acme-data/subscriptions/firestep-signals-engine',
  };
}

/** A gen1 end line for a trace (from the fixture's first line). */
export function gen1End(
  trace: string,
  opts: { status?: number; fn?: string; insertId?: string } = {},
): Record<string, unknown> {
  const e = fixture('cloud-functions-gen1', 0);
  e.trace = `projects/acme-data/traces/${trace}`;
  e.textPayload = `Function execution took 16 ms, finished with status code: ${opts.status ?? 200}`;
  e.insertId = opts.insertId ?? `ins-${trace.slice(0, 8)}-${opts.status ?? 200}`;
  if (opts.fn) (e.resource as { labels: Record<string, string> }).labels.function_name = opts.fn;
  return e;
}

/** A Dataflow job message (from the fixture's first line) with another text / job. */
export function dataflowMessage(
  text: string,
  job: { id?: string; name?: string; project?: string; region?: string },
): Record<string, unknown> {
  const e = fixture('dataflow-job-messages', 0);
  const r = (e.resource as { labels: Record<string, string> }).labels;
  const l = e.labels as Record<string, string>;
  for (const [k, v] of [
    ['job_id', job.id],
    ['job_name', job.name],
  ] as const) {
    if (v === undefined) {
      delete r[k];
      delete l[`dataflow.googleapis.com/${k}`];
    } else {
      r[k] = v;
      l[`dataflow.googleapis.com/${k}`] = v;
    }
  }
  if (job.region) {
    r.region = job.region;
    l['dataflow.googleapis.com/region'] = job.region;
  }
  if (job.project) e.logName = `projects/${job.project}/logs/dataflow.googleapis.com%2Fjob-message`;
  e.textPayload = text;
  e.insertId = `df-${text.slice(0, 6)}-${job.id ?? job.name}`;
  return e;
}
