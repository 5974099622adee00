/**
 * Type tests: every step reference in the builder is checked by the compiler. Each
 * `@ts-expect-error` below must be needed — if a misspelt name stopped being a type error,
 * vitest's typecheck would fail on the unused directive.
 */
import { describe, expectTypeOf, test } from 'vitest';
import {
  branch,
  choice,
  cloudFunction,
  condition,
  dataflowFlex,
  defineFlow,
  end,
  type FlowDefinition,
  fail,
  map,
  parallel,
  task,
  wait,
  when,
} from '../../engine/flow/index.ts';

const cf = cloudFunction('fn');

// The declarations below are never called at runtime: a type test only needs them to compile (or not).
const typeOnly = (_build: () => unknown): void => {};

describe('defineFlow checks step references at compile time', () => {
  test('a flow whose references all name existing steps compiles and yields a FlowDefinition', () => {
    typeOnly(() => {
      const def = defineFlow({
        id: 'ok',
        start: 'A',
        steps: {
          A: task(cf, { next: 'B', catch: [{ errors: ['States.ALL'], next: 'Oops' }] }),
          B: condition({ choices: [choice(when('$.input.mode').stringEquals('full'), 'C')], default: 'D' }),
          C: parallel({
            branches: [branch({ start: 'X', steps: { X: task(cf, { next: 'Y' }), Y: end() } })],
            next: 'D',
          }),
          D: wait(5, { next: 'E' }),
          E: { type: 'Task', target: cf, end: true },
          Oops: fail({ error: 'Boom' }),
        },
      });
      expectTypeOf(def).toEqualTypeOf<FlowDefinition>();
    });
  });

  test('a Map: its next and catch name steps of its scope, its iterator names its own steps', () => {
    typeOnly(() =>
      defineFlow({
        id: 'm',
        start: 'A',
        steps: {
          A: map({
            items: '$.input.files',
            iterator: branch({ start: 'L', steps: { L: task(cf, { end: true }) } }),
            catch: [{ next: 'B' }],
            next: 'B',
          }),
          B: end(),
        },
      }),
    );
    typeOnly(() =>
      defineFlow({
        id: 'm',
        start: 'A',
        steps: {
          // @ts-expect-error "Bee" is not a step of this flow
          A: map({
            items: '$.input.files',
            iterator: branch({ start: 'L', steps: { L: end() } }),
            next: 'Bee',
          }),
          B: end(),
        },
      }),
    );
    typeOnly(() =>
      // @ts-expect-error the iterator's start "Lx" is not one of its steps
      branch({ start: 'Lx', steps: { L: end() } }),
    );
  });

  test('a misspelt next is a type error', () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'A',
        steps: {
          // @ts-expect-error "Bee" is not a step of this flow
          A: task(cf, { next: 'Bee' }),
          B: end(),
        },
      }),
    );
  });

  test('a misspelt next in a plain-object step is a type error', () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'A',
        steps: {
          // @ts-expect-error "Bee" is not a step of this flow
          A: { type: 'Task', target: cf, next: 'Bee' },
          B: end(),
        },
      }),
    );
  });

  test('a misspelt start is a type error', () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        // @ts-expect-error "Aa" is not a step of this flow
        start: 'Aa',
        steps: { A: end() },
      }),
    );
  });

  test('a misspelt branch start is a type error', () => {
    typeOnly(() =>
      branch({
        // @ts-expect-error "Branch" is not a step of this branch
        start: 'Branch',
        steps: { Branch1: task(cf, { end: true }) },
      }),
    );
  });

  test('a branch step cannot name a step of the enclosing flow', () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'P',
        steps: {
          P: parallel({
            branches: [
              branch({
                start: 'X',
                // @ts-expect-error "After" belongs to the outer flow, not to this branch
                steps: { X: task(cf, { next: 'After' }) },
              }),
            ],
            next: 'After',
          }),
          After: end(),
        },
      }),
    );
  });

  test("a misspelt Parallel's next is a type error", () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'P',
        steps: {
          // @ts-expect-error "Aftr" is not a step of this flow
          P: parallel({ branches: [branch({ start: 'X', steps: { X: end() } })], next: 'Aftr' }),
          After: end(),
        },
      }),
    );
  });

  test('a misspelt catch target is a type error', () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'A',
        steps: {
          // @ts-expect-error "Cleanp" is not a step of this flow
          A: task(cf, { end: true, catch: [{ next: 'Cleanp' }] }),
          Cleanup: end(),
        },
      }),
    );
  });

  test('a misspelt default is a type error', () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'R',
        steps: {
          // @ts-expect-error "Skp" is not a step of this flow
          R: condition({
            choices: [choice(when('$.input.n').numericGreaterThan(0), 'Load')],
            default: 'Skp',
          }),
          Load: end(),
          Skip: end(),
        },
      }),
    );
  });

  test("a misspelt choice's next is a type error", () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'R',
        steps: {
          // @ts-expect-error "Lod" is not a step of this flow
          R: condition({ choices: [choice(when('$.input.n').numericGreaterThan(0), 'Lod')] }),
          Load: end(),
        },
      }),
    );
  });

  test("a misspelt Wait's next is a type error", () => {
    typeOnly(() =>
      defineFlow({
        id: 'x',
        start: 'W',
        steps: {
          // @ts-expect-error "Dne" is not a step of this flow
          W: wait(10, { next: 'Dne' }),
          Done: end(),
        },
      }),
    );
  });

  test('next and end together are a type error', () => {
    // @ts-expect-error a Task either continues to next or ends
    typeOnly(() => task(cf, { next: 'A', end: true }));
  });

  test('a condition variable must read $.input or $.steps.<Name>.output', () => {
    // @ts-expect-error "input.mode" lacks the "$." root
    typeOnly(() => when('input.mode'));
    typeOnly(() => when('$.steps.Count.output.rows'));
  });

  test('a Dataflow flex target needs its template spec path', () => {
    // @ts-expect-error container_gcs_path is required
    typeOnly(() => dataflowFlex('job', { region: 'europe-west4' }));
  });
});
