/**
 * Issue 14 end to end (Firestore + Pub/Sub emulators, local fakes): what a step was launched with is
 * in the log, a Condition's route is recorded, and a reference that cannot be read fails the step by
 * name with nothing launched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { runLocal } from '../../cli/local/run-local.ts';
import { describeEvent } from '../../cli/render/timeline.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { bufferedIo, e2eScope } from './support.ts';

const scope = e2eScope('e2e-data');
afterAll(() => scope.cleanup());

const etl = await loadFlowFile('test/e2e/flows/nightly-etl.json');

function run(output: string[]) {
  const io = bufferedIo();
  return runLocal({
    definition: etl,
    input: {},
    output,
    io,
    recordDir: scope.recordDir,
    projectId: scope.project(),
    speed: 10,
  }).then((result) => ({ ...result, io }));
}

const ofType = <T extends ExecutionEvent['type']>(events: ExecutionEvent[], type: T) =>
  events.filter((e): e is Extract<ExecutionEvent, { type: T }> => e.type === type);

describe('data between steps', () => {
  it('given Extract returns a date and files, when run, then Load is launched with the resolved input and Route records its choice', async () => {
    const { exitCode, head, events } = await run(['Extract={"date":"2024-01-01","files":3}']);

    expect(events.filter((e) => e.type === 'StepFailed' || e.type === 'ExecutionFailed')).toEqual([]);
    expect(exitCode).toBe(0);
    expect(head.status).toBe('SUCCEEDED');
    const load = ofType(events, 'StepLaunched').find((e) => e.step === 'Load');
    expect(load?.input).toEqual({
      input: 'gs://acme-landing/2024-01-01/*.csv',
      date: '2024-01-01',
      temp_location: 'gs://acme-temp/tmp',
    });
    const shape = ofType(events, 'StepSucceeded').find((e) => e.step === 'Shape');
    expect(shape?.output).toMatchObject({ files: 3 });
    const [choice] = ofType(events, 'ChoiceTaken');
    expect(choice).toMatchObject({ step: 'Route', next: 'Spark', choice: 0 });
    // history prints both
    expect(describeEvent(load as ExecutionEvent)).toContain(
      'input {"input":"gs://acme-landing/2024-01-01/*.csv"',
    );
    expect(describeEvent(choice as ExecutionEvent)).toBe('→ Spark (choice 0)');
  });

  it('given Extract returns no date, when run, then Shape fails with States.ReferenceNotFound naming it, and neither Dataflow nor Dataproc is launched', async () => {
    const { exitCode, head, events } = await run(['Extract={"files":3}']);

    expect(exitCode).toBe(2);
    expect(head.status).toBe('FAILED');
    const failed = ofType(events, 'StepFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      step: 'Shape',
      error: {
        name: 'States.ReferenceNotFound',
        message: expect.stringMatching(
          /^step "Shape" was not launched: reference "\$\.steps\.Extract\.output\.date"/,
        ),
      },
    });
    expect(ofType(events, 'StepLaunched').map((e) => e.step)).toEqual(['Extract']);
  });
});
