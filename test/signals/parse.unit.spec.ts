import { describe, expect, it } from 'vitest';
import { summarize } from '../../engine/signals/observation.ts';
import { parse } from '../../engine/signals/parse.ts';
import { JOB_STATES, jobStateOutcome } from '../../engine/signals/wire/dataflow.ts';
import { expectedSummaries, FIXTURES, fixture, fixtureLines, pushBody } from './fixtures.ts';

describe('parse: real-format fixtures, line by line', () => {
  for (const name of FIXTURES) {
    const expected = expectedSummaries(name);
    fixtureLines(name).forEach((line, i) => {
      it(`${name}.jsonl line ${i + 1} → ${expected[i]?.kind}/${expected[i]?.outcome}`, () => {
        // given a real-format payload as JSON text, when parsed, then the summary is the expected one
        expect(summarize(parse(line))).toEqual(expected[i]);
        // and the same payload as an object and as bytes parses the same way
        expect(summarize(parse(JSON.parse(line)))).toEqual(expected[i]);
        expect(summarize(parse(Buffer.from(line)))).toEqual(expected[i]);
      });
    });
    it(`${name}: fixture and expectations have the same length`, () => {
      expect(expected).toHaveLength(fixtureLines(name).length);
    });
  }
});

describe('parse: Cloud Functions gen1 end lines', () => {
  const cases: Array<[string, 'succeeded' | 'failed', number | string]> = [
    ['finished with status code: 200', 'succeeded', 200],
    ['finished with status code: 201', 'succeeded', 201],
    ['finished with status code: 299', 'succeeded', 299],
    ['finished with status code: 302', 'failed', 302],
    ['finished with status code: 400', 'failed', 400],
    ['finished with status code: 503', 'failed', 503],
    ["finished with status: 'ok'", 'succeeded', 'ok'],
    ["finished with status: 'error'", 'failed', 'error'],
    ["finished with status: 'crash'", 'failed', 'crash'],
    ["finished with status: 'timeout'", 'failed', 'timeout'],
    ["finished with status: 'connection error'", 'failed', 'connection error'],
    ["finished with status: 'out of memory'", 'failed', 'out of memory'],
    ["finished with status: 'load error'", 'failed', 'load error'],
  ];
  for (const [tail, outcome, status] of cases) {
    it(`"… ${tail}" → ${outcome}`, () => {
      const e = fixture('cloud-functions-gen1', 0);
      e.textPayload = `Function execution took 12 ms, ${tail}`;
      const o = parse(e);
      expect(o).toMatchObject({
        kind: 'cloudFunction',
        outcome,
        status,
        detail: `Function execution took 12 ms, ${tail}`,
      });
      expect(o.source).toEqual({ kind: 'log', id: e.insertId });
    });
  }

  it('ignores the configured engine function name instead of the default', () => {
    const e = fixture('cloud-functions-gen1', 0);
    (e.resource as { labels: Record<string, string> }).labels.function_name = 'orchestrator';
    expect(parse(e, { engineFunctionName: 'orchestrator' })).toMatchObject({ kind: 'ignored' });
    expect(parse(e)).toMatchObject({ kind: 'cloudFunction' });
    // the default engine name is a completion like any other once another name is configured
    expect(parse(fixture('cloud-functions-gen1', 12), { engineFunctionName: 'orchestrator' })).toMatchObject({
      kind: 'cloudFunction',
    });
  });

  it('lowercases the trace id and takes only its last path segment', () => {
    const e = fixture('cloud-functions-gen1', 0);
    e.trace = 'projects/acme-data/traces/4BF92F3577B34DA6A3CE929D0E0E4736';
    expect(parse(e).fields.trace).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('parse: envelopes', () => {
  it('records the transport of a push body and the source of the inner entry', () => {
    const entry = fixture('cloud-functions-gen1', 1);
    const o = parse(pushBody(entry, '42'));
    expect(o.transport).toEqual({
      kind: 'pubsub',
      id: '42',
      subscription: 'projects/acme-data/subscriptions/firestep-signals-engine',
    });
    expect(o.source).toEqual({ kind: 'log', id: entry.insertId });
  });

  it('records the CloudEvent id for a functions-framework Pub/Sub CloudEvent', () => {
    const o = parse(fixture('pubsub-envelopes', 1));
    expect(o.transport).toMatchObject({ kind: 'cloudEvent', id: '9876543210123457' });
    expect(o).toMatchObject({ kind: 'dataflow', outcome: 'failed' });
  });

  it('accepts a bare PubsubMessage ({data, messageId})', () => {
    const body = pushBody(fixture('cloud-functions-gen1', 0));
    expect(parse(body.message)).toMatchObject({ kind: 'cloudFunction', outcome: 'succeeded' });
  });

  it('uses the Eventarc event id as the source of a statusChanged event', () => {
    const ev = fixture('eventarc-dataflow', 0);
    expect(parse(ev)).toMatchObject({
      kind: 'dataflow',
      state: 'JOB_STATE_DONE',
      source: { kind: 'eventarc', id: ev.id },
    });
  });
});

describe('jobStateOutcome', () => {
  it('maps every JobState: DONE/UPDATED/DRAINED succeed, FAILED/CANCELLED fail, the rest run', () => {
    const table = Object.fromEntries(JOB_STATES.map((s) => [s, jobStateOutcome(s)]));
    expect(table).toEqual({
      JOB_STATE_UNKNOWN: 'running',
      JOB_STATE_STOPPED: 'running',
      JOB_STATE_RUNNING: 'running',
      JOB_STATE_DONE: 'succeeded',
      JOB_STATE_FAILED: 'failed',
      JOB_STATE_CANCELLED: 'failed',
      JOB_STATE_UPDATED: 'succeeded',
      JOB_STATE_DRAINING: 'running',
      JOB_STATE_DRAINED: 'succeeded',
      JOB_STATE_PENDING: 'running',
      JOB_STATE_CANCELLING: 'running',
      JOB_STATE_QUEUED: 'running',
      JOB_STATE_RESOURCE_CLEANING_UP: 'running',
    });
  });
});
