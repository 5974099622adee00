import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLog } from '../../cli/commands/export.ts';
import { history } from '../../cli/commands/history.ts';
import { replayCommand } from '../../cli/commands/replay.ts';
import { status } from '../../cli/commands/status.ts';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { type LocalRunResult, runLocal } from '../../cli/local/run-local.ts';
import { bufferedIo, e2eScope } from './support.ts';

const scope = e2eScope('e2e-replay');
afterAll(() => scope.cleanup());

const sample = await loadFlowFile('examples/sample-dag.json');
let run: LocalRunResult;
let jsonLines: string;
const project = scope.project();

beforeAll(async () => {
  const io = bufferedIo();
  run = await runLocal({
    definition: sample,
    input: { day: '2026-11-23' },
    io,
    json: true,
    recordDir: scope.recordDir,
    projectId: project,
  });
  jsonLines = io.out();
});

const local = () => ({ local: true, recordDir: scope.recordDir });

describe('inspecting and replaying a finished local run', () => {
  it('given a recorded run, when exported, then the lines are exactly what `run --json` printed', async () => {
    const io = bufferedIo();
    expect(await exportLog(run.executionId, local(), io)).toBe(0);
    expect(io.out()).toBe(jsonLines);
  });

  it('given a recorded run, when `status` and `history` read it, then they show the head and the timeline', async () => {
    const one = bufferedIo();
    expect(await status(run.executionId, local(), one)).toBe(0);
    expect(one.out()).toMatch(/SUCCEEDED/);
    expect(one.out()).toContain('Step2/0/Branch1');
    const list = bufferedIo();
    expect(await status(undefined, local(), list)).toBe(0);
    expect(list.out()).toContain(run.executionId);
    const timeline = bufferedIo();
    expect(await history(run.executionId, local(), timeline)).toBe(0);
    expect(timeline.out().trimEnd().split('\n')).toHaveLength(run.events.length);
    expect(timeline.out()).toContain('ExecutionSucceeded');
  });

  it('given the exported log, when replayed, then every event is re-derived and the final state matches the recorded head', async () => {
    const io = bufferedIo();
    const code = await replayCommand(
      undefined,
      { events: join(scope.recordDir, 'runs', `${run.executionId}.jsonl`), recordDir: scope.recordDir },
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toContain(`consistent: ${run.events.length} events re-derived`);
    expect(io.out()).toContain('final state matches');
  });

  it('given an export copied elsewhere and the flow file, when replayed with --flow, then it is consistent', async () => {
    const file = join(scope.recordDir, 'copy.jsonl');
    writeFileSync(file, jsonLines);
    const io = bufferedIo();
    expect(
      await replayCommand(undefined, { events: file, flow: 'examples/sample-dag.json', json: true }, io),
    ).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      consistent: true,
      divergence: null,
      final: { status: 'SUCCEEDED' },
    });
  });

  it('given a tampered log (an event removed), when replayed, then it exits 1 naming the first missing seq', async () => {
    const lines = jsonLines.trimEnd().split('\n');
    const file = join(scope.recordDir, 'gap.jsonl');
    writeFileSync(file, `${[...lines.slice(0, 3), ...lines.slice(4)].join('\n')}\n`);
    const io = bufferedIo();
    expect(await replayCommand(undefined, { events: file, recordDir: scope.recordDir }, io)).toBe(1);
    expect(io.err()).toContain('diverges at seq 4 (SEQ_GAP)');
  });

  it('given a tampered log (a step success moved to another step), when replayed, then it exits 1 naming that seq', async () => {
    const events = jsonLines
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const target = events.find((e) => e.type === 'StepSucceeded' && e.path === 'Init') as Record<
      string,
      unknown
    >;
    target.path = 'Step1';
    target.step = 'Step1';
    const file = join(scope.recordDir, 'forged.jsonl');
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const io = bufferedIo();
    expect(await replayCommand(undefined, { events: file, recordDir: scope.recordDir }, io)).toBe(1);
    expect(io.err()).toContain(`diverges at seq ${target.seq as number} (UNEXPECTED_EVENT)`);
  });

  it('given a truncated log next to its recorded head, when replayed, then it exits 1 with TRUNCATED', async () => {
    const dir = join(scope.recordDir, 'runs');
    const file = join(dir, 'cut.jsonl');
    writeFileSync(file, `${jsonLines.trimEnd().split('\n').slice(0, 5).join('\n')}\n`);
    writeFileSync(join(dir, 'cut.head.json'), readFileSync(join(dir, `${run.executionId}.head.json`)));
    const io = bufferedIo();
    expect(await replayCommand(undefined, { events: file, recordDir: scope.recordDir }, io)).toBe(1);
    expect(io.err()).toMatch(/diverges at seq 6 \(TRUNCATED\)/);
  });

  it('given a changed flow file, when the log is replayed against it with --flow, then it names the first seq the change affects', async () => {
    const file = join(scope.recordDir, 'changed-flow.json');
    const raw = JSON.parse(readFileSync('examples/sample-dag.json', 'utf8')) as {
      steps: Record<string, { next?: string }>;
    };
    raw.steps.Step1!.next = 'End';
    writeFileSync(file, JSON.stringify(raw));
    const events = join(scope.recordDir, 'runs', `${run.executionId}.jsonl`);
    const io = bufferedIo();
    expect(await replayCommand(undefined, { events, flow: file, recordDir: scope.recordDir }, io)).toBe(1);
    const stepped = run.events.find((e) => e.type === 'StepSucceeded' && e.path === 'Step1');
    expect(io.err()).toContain(`diverges at seq ${(stepped?.seq ?? 0) + 1}`);
  });

  it('given the emulator the run used, when the commands read the project instead of .firestep, then they agree with the records', async () => {
    const exported = bufferedIo();
    expect(await exportLog(run.executionId, { project }, exported)).toBe(0);
    expect(exported.out()).toBe(jsonLines);
    const one = bufferedIo();
    expect(await status(run.executionId, { project, json: true }, one)).toBe(0);
    expect(JSON.parse(one.out())).toMatchObject({
      executionId: run.executionId,
      status: 'SUCCEEDED',
      lastSeq: run.events.length,
    });
    const replayed = bufferedIo();
    expect(await replayCommand(run.executionId, { project }, replayed)).toBe(0);
    expect(replayed.out()).toContain(`final state matches the stored head in project ${project}`);
    await expect(history('sample-dag~missing', { project }, bufferedIo())).rejects.toMatchObject({
      code: 'EXECUTION_NOT_FOUND',
    });
  });

  it('given an events file that is not JSON lines, when replayed, then LOG_INVALID names the line', async () => {
    const file = join(scope.recordDir, 'bad.jsonl');
    writeFileSync(file, '{"seq":1,"type":"ExecutionStarted","at":"x"}\nnot json\n');
    await expect(replayCommand(undefined, { events: file }, bufferedIo())).rejects.toMatchObject({
      code: 'LOG_INVALID',
      message: expect.stringContaining('bad.jsonl:2'),
    });
  });
});
