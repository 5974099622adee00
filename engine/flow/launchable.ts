/**
 * Steps the engine launches through an adapter: every Task, and a Wait with `for_object`, which runs
 * as a Task whose target is the object watcher (`StorageObject`): its launch looks the object up
 * (`objects.get`) and registers the object as a correlation key, its completion is the object's
 * finalized event, its `timeout_seconds` is the Task timeout (`States.Timeout`).
 */
import type { Step, TaskStep } from './model.ts';

/**
 * The Task a step launches as, or undefined for steps that launch nothing.
 *
 * @example launchable({ type: 'Wait', for_object: 'gs://b/_SUCCESS', next: 'Load' })?.target.type === 'StorageObject'
 */
export function launchable(step: Step | undefined): TaskStep | undefined {
  if (step === undefined) return undefined;
  if (step.type === 'Task') return step;
  if (step.type !== 'Wait' || step.for_object === undefined) return undefined;
  const flow = step.end === true ? { end: true as const } : { next: step.next as string };
  return {
    type: 'Task',
    target: { type: 'StorageObject', name: 'for_object' },
    parameters: { object: step.for_object },
    ...(step.timeout_seconds === undefined ? {} : { timeout_seconds: step.timeout_seconds }),
    ...(step.catch === undefined ? {} : { catch: step.catch }),
    ...flow,
  };
}
