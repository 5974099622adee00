/**
 * The outcome a random flow MUST have, computed from the flow itself and the fate of every step
 * attempt, independently of the engine: a small interpreter of the flow semantics the random
 * generator uses (Task with retry/catch, Wait, Fail, Condition on `$.input.flag`, Parallel, End).
 *
 * - All branches taken succeed ⇒ SUCCEEDED, and the step table is known exactly (every Task and
 *   Wait reached, its final status and attempt).
 * - Otherwise ⇒ FAILED, naming one of the steps whose failure ends the execution. Inside a Parallel
 *   the first failing branch to report wins and cancels its siblings, so that is a set of candidates
 *   (a failure outside any Parallel is exactly one step).
 */
import type { Flow, Step } from '../../../engine/flow/model.ts';

/** How one attempt of a Task ends. */
export type AttemptFate = 'succeeded' | 'failed' | 'launchFailed' | 'timedOut';

export interface ExpectedRow {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  attempt: number;
}

export type ExpectedOutcome =
  | { status: 'SUCCEEDED'; steps: Record<string, ExpectedRow> }
  | {
      status: 'FAILED';
      /** Paths of the steps one of which must be named by ExecutionFailed. */
      failingSteps: string[];
      /** Every Task/Wait path the execution may have reached (the step table is a subset). */
      reachable: string[];
    };

export interface Fates {
  /** Fate of attempt `attempt` (1-based) of the Task at `path`. */
  of(path: string, attempt: number): AttemptFate;
  /** Value of `$.input.flag`. */
  flag: boolean;
}

type ScopeResult =
  | { ok: true; steps: Record<string, ExpectedRow> }
  | { ok: false; failing: string[]; reachable: string[] };

/**
 * The outcome a flow must have under `fates`.
 *
 * @example expectedOutcome({start: 'F', steps: {F: {type: 'Fail', error: 'X'}}}, fates).status === 'FAILED'
 */
export function expectedOutcome(flow: Flow, fates: Fates): ExpectedOutcome {
  const result = runScope(flow, '', fates);
  return result.ok
    ? { status: 'SUCCEEDED', steps: result.steps }
    : { status: 'FAILED', failingSteps: result.failing, reachable: result.reachable };
}

const MAX_STEPS = 1000;

function runScope(flow: Flow, scope: string, fates: Fates): ScopeResult {
  const steps: Record<string, ExpectedRow> = {};
  const reachable = () => Object.keys(steps);
  let name: string | undefined = flow.start;
  for (let n = 0; n < MAX_STEPS; n++) {
    if (name === undefined) throw new Error(`scope "${scope}": a step has no next`);
    const step: Step | undefined = flow.steps[name];
    if (step === undefined) throw new Error(`scope "${scope}": no step "${name}"`);
    const path = scope === '' ? name : `${scope}/${name}`;
    switch (step.type) {
      case 'End':
        return { ok: true, steps };
      case 'Fail':
        return { ok: false, failing: [path], reachable: reachable() };
      case 'Wait':
        steps[path] = { status: 'SUCCEEDED', attempt: 1 };
        name = step.next;
        break;
      case 'Condition': {
        const choice = step.choices[0];
        if (choice === undefined || !('boolean_equals' in choice) || choice.variable !== '$.input.flag')
          throw new Error(`${path}: only "$.input.flag boolean_equals" conditions are modelled`);
        if (fates.flag === choice.boolean_equals) name = choice.next;
        else if (step.default !== undefined) name = step.default;
        else return { ok: false, failing: [path], reachable: reachable() };
        break;
      }
      case 'Task': {
        const retries = step.retry?.[0]?.max_attempts ?? 0;
        if ((step.retry?.length ?? 0) > 1 || step.retry?.[0]?.errors !== undefined)
          throw new Error(`${path}: only one catch-all retry policy is modelled`);
        let attempt = 1;
        let fate = fates.of(path, attempt);
        while (fate !== 'succeeded' && attempt <= retries) fate = fates.of(path, ++attempt);
        if (fate === 'succeeded') {
          steps[path] = { status: 'SUCCEEDED', attempt };
          name = step.next;
          break;
        }
        steps[path] = { status: fate === 'timedOut' ? 'TIMED_OUT' : 'FAILED', attempt };
        const caught = step.catch?.[0];
        if (caught === undefined) return { ok: false, failing: [path], reachable: reachable() };
        if (caught.errors.length !== 1 || caught.errors[0] !== 'States.ALL')
          throw new Error(`${path}: only a States.ALL catch is modelled`);
        name = caught.next;
        break;
      }
      case 'Parallel': {
        const branches = step.branches.map((branch, b) => runScope(branch, `${path}/${b}`, fates));
        const failed = branches.filter((r) => !r.ok);
        if (failed.length > 0) {
          const all = branches.flatMap((r) => (r.ok ? Object.keys(r.steps) : r.reachable));
          return {
            ok: false,
            failing: failed.flatMap((r) => r.failing),
            reachable: [...reachable(), ...all],
          };
        }
        for (const r of branches) if (r.ok) Object.assign(steps, r.steps);
        name = step.next;
        break;
      }
      default:
        throw new Error(`${path}: step type ${(step as Step).type} is not modelled`);
    }
  }
  throw new Error(`scope "${scope}": more than ${MAX_STEPS} steps (a cycle?)`);
}
