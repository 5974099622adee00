/**
 * Steps the engine launches through an adapter: every Task, and a Wait with `for_object`, which runs
 * as a Task whose target is the object watcher (`StorageObject`): its launch looks the object up
 * (`objects.get`) and registers the object as a correlation key, its completion is the object's
 * finalized event, its `timeout_seconds` is the Task timeout (`States.Timeout`).
 */
import type { Step, Target, TaskStep } from './model.ts';

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

/**
 * Whether a step of this target completes only by its callback (firestep SDK or any client of the
 * callback protocol): a Cloud Function with `wait_for_callback`, an Http target in `async` mode, a
 * PubSub target in `callback` mode. For these, a platform log line that reports success (a gen1 end
 * line, a Cloud Run request log) carries no output and only confirms; the callback completes the step.
 *
 * @example waitsForCallback({ type: 'CloudFunction', name: 'export', wait_for_callback: true }) === true
 * @example waitsForCallback({ type: 'Http', name: 'partner', url: 'https://x.example' }) === false
 */
export function waitsForCallback(target: Target): boolean {
  switch (target.type) {
    case 'CloudFunction':
      return target.wait_for_callback === true;
    case 'Http':
      return target.mode === 'async';
    case 'PubSub':
      return target.mode === 'callback';
    default:
      return false;
  }
}
