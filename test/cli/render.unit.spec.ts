import { describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { colorsFor } from '../../cli/render/colors.ts';
import { parseEventLines, toJsonLine } from '../../cli/render/event-line.ts';
import { LiveView } from '../../cli/render/live-view.ts';
import { formatElapsed, renderStepTable, renderSummary } from '../../cli/render/step-table.ts';
import { formatTimeline } from '../../cli/render/timeline.ts';
import { toHead } from '../../engine/core/head.ts';
import { parseFaults } from '../../runtime/local/faults.ts';
import { simulate } from './simulate.ts';

const sample = await loadFlowFile('examples/sample-dag.json');
const ESC = String.fromCharCode(27);
const plain = colorsFor({ write: () => true });

describe('event lines', () => {
  it('given an engine log, when written as JSON lines and parsed back, then the events are identical', () => {
    const { events } = simulate(sample, { day: 1 });
    const text = events.map((e) => `${toJsonLine(e)}\n`).join('');
    expect(parseEventLines(text, 'x.jsonl')).toEqual(events);
  });

  it('given any event, when written, then seq, type, at, step, path, attempt come first (null when not about a step) and source last', () => {
    const { events } = simulate(sample, {});
    for (const e of events) {
      const keys = Object.keys(JSON.parse(toJsonLine(e)) as object);
      expect(keys.slice(0, 6)).toEqual(['seq', 'type', 'at', 'step', 'path', 'attempt']);
      if (e.source) expect(keys.at(-1)).toBe('source');
    }
    expect(JSON.parse(toJsonLine(events[0]!))).toMatchObject({ step: null, path: null, attempt: null });
  });

  it.each([
    ['not JSON', 'oops', 'f.jsonl:2: not JSON'],
    ['an array', '[1]', 'expected an event object'],
    ['no seq', '{"type":"X","at":"t"}', '"seq" must be a positive integer'],
    ['seq 0', '{"seq":0,"type":"X","at":"t"}', '"seq" must be a positive integer'],
    ['no type', '{"seq":1,"at":"t"}', '"type" and "at" must be strings'],
  ])('given a line that is %s, when parsed, then LOG_INVALID names file and line', (_what, line, message) => {
    expect(() => parseEventLines(`\n${line}\n`, 'f.jsonl')).toThrow(
      expect.objectContaining({ code: 'LOG_INVALID', message: expect.stringContaining(message) }),
    );
  });
});

describe('tables and timelines', () => {
  it('given durations, when formatted, then they read as ms, s or m', () => {
    expect([formatElapsed(-5), formatElapsed(850), formatElapsed(4200), formatElapsed(185_000)]).toEqual([
      '0ms',
      '850ms',
      '4.2s',
      '3m05s',
    ]);
  });

  it('given a finished execution, when rendered without a TTY, then the table has one row per step and no ANSI codes', () => {
    const { state } = simulate(sample, {});
    const lines = renderStepTable(toHead(state).steps, Date.parse(state.updatedAt), plain);
    expect(lines[0]).toMatch(/^STEP\s+STATUS\s+ATTEMPT\s+ELAPSED\s+DETAIL$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'Init',
      'Step1',
      'Step2/0/Branch1',
      'Step2/1/Branch2',
      'End',
    ]);
    expect(lines.join('\n')).not.toContain(ESC);
    const summary = renderSummary(toHead(state), Date.parse(state.updatedAt), plain).join('\n');
    expect(summary).toContain('SUCCEEDED');
    expect(summary).toContain('output: ');
  });

  it('given a log, when formatted as a timeline, then there is one line per event with its seq and step', () => {
    const { events } = simulate(sample, {});
    const lines = formatTimeline(events, plain);
    expect(lines).toHaveLength(events.length);
    expect(lines[1]).toMatch(/^\s+2\s+\S+\s+StepLaunched\s+Init #1/);
  });

  it('given a TTY, when the live view updates, then it redraws in place with ANSI and finishes with the summary', () => {
    const { events, state } = simulate(sample, {});
    const written: string[] = [];
    const view = new LiveView(
      { write: (t: string) => written.push(t), isTTY: true },
      { refreshMs: 60_000, now: () => 0 },
    );
    const head = toHead(state);
    view.update(events.slice(0, 3), head);
    view.update(events.slice(3), head);
    view.finish(head);
    expect(written[1]?.startsWith(`${ESC}[`)).toBe(true);
    expect(written[1]).toContain(`${ESC}[0J`);
    expect(written.at(-1)).toContain('SUCCEEDED');
  });

  it('given no TTY, when the live view updates, then it prints one timeline line per event and no escape codes', () => {
    const { events, state } = simulate(sample, {});
    const written: string[] = [];
    const view = new LiveView({ write: (t: string) => written.push(t) });
    view.update(events, toHead(state));
    view.finish(toHead(state));
    expect(written.join('')).not.toContain(ESC);
    expect(written.slice(0, events.length).every((l) => l.endsWith('\n'))).toBe(true);
  });
});

describe('--fail / --hang', () => {
  it('given step names, paths and attempt counts, when parsed, then each attempt gets the right fault', () => {
    const plan = parseFaults(sample.flow, { fail: ['Branch1', 'Init:1'], hang: ['Step2/1/Branch2:2'] });
    expect(plan.faultFor('Step2/0/Branch1', 3)).toBe('fail');
    expect(plan.faultFor('Init', 1)).toBe('fail');
    expect(plan.faultFor('Init', 2)).toBeUndefined();
    expect(plan.faultFor('Step2/1/Branch2', 2)).toBe('hang');
    expect(plan.faultFor('Step2/1/Branch2', 3)).toBeUndefined();
    expect(plan.faultFor('End', 1)).toBeUndefined();
  });

  it.each([
    ['Stepp1', 'no Task step named "Stepp1"'],
    ['Step2', 'no Task step named "Step2"'],
    ['Init:0', 'must be at least 1'],
  ])('given --fail %s, when parsed, then CONFIG says what is wrong', (spec, message) => {
    expect(() => parseFaults(sample.flow, { fail: [spec] })).toThrow(
      expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining(message) }),
    );
  });
});
