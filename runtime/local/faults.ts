/**
 * `--fail STEP[:N]` and `--hang STEP[:N]`: which step attempts the local fake targets fail (a function
 * answers 500 and logs "finished with status code: 500"; a Dataflow job ends with "Workflow failed.")
 * or never finish (a function that never answers; a Dataflow job that stays RUNNING), for the first
 * N attempts (default: every attempt). STEP is a step name as written, or a full path such as
 * `Step2/0/Branch1` when the same name appears in several branches.
 */
import { FirestepError } from '../../engine/errors.ts';
import type { Flow, TaskStep } from '../../engine/flow/model.ts';
import { walkSteps } from '../../engine/flow/paths.ts';

export type FaultMode = 'fail' | 'hang';

export interface FaultRule {
  mode: FaultMode;
  /** Step name or path, as given. */
  step: string;
  /** Paths of the Task steps it selects. */
  paths: string[];
  /** Fault only attempts 1…N; undefined = every attempt. */
  attempts?: number;
}

/** The faults of one local run. */
export class FaultPlan {
  constructor(readonly rules: readonly FaultRule[]) {}

  /** What the target of `path`, attempt `attempt`, must do (undefined = behave normally). */
  faultFor(path: string, attempt: number): FaultMode | undefined {
    for (const rule of this.rules) {
      if (rule.paths.includes(path) && (rule.attempts === undefined || attempt <= rule.attempts))
        return rule.mode;
    }
    return undefined;
  }

  /** Paths of Task steps with any fault. */
  get paths(): Set<string> {
    return new Set(this.rules.flatMap((r) => r.paths));
  }
}

/** Every Task step of a flow with its path. */
export function taskSteps(flow: Flow): Array<{ path: string; name: string; step: TaskStep }> {
  const out: Array<{ path: string; name: string; step: TaskStep }> = [];
  for (const located of walkSteps(flow)) {
    if (located.step.type === 'Task')
      out.push({ path: located.path, name: located.name, step: located.step });
  }
  return out;
}

function parseRule(mode: FaultMode, spec: string, tasks: ReturnType<typeof taskSteps>): FaultRule {
  const m = /^(.+?)(?::(\d+))?$/.exec(spec.trim());
  const step = m?.[1] ?? '';
  const attempts = m?.[2] === undefined ? undefined : Number(m[2]);
  if (attempts !== undefined && attempts < 1) {
    throw new FirestepError('CONFIG', `--${mode} ${spec}: the attempt count after ":" must be at least 1`);
  }
  const paths = tasks.filter((t) => t.path === step || t.name === step).map((t) => t.path);
  if (paths.length === 0) {
    const names = [...new Set(tasks.map((t) => t.name))].join(', ');
    throw new FirestepError(
      'CONFIG',
      `--${mode} ${spec}: the flow has no Task step named "${step}" (Task steps: ${names || 'none'})`,
    );
  }
  return { mode, step, paths, ...(attempts === undefined ? {} : { attempts }) };
}

/**
 * Parse the `--fail` / `--hang` flags against the flow.
 *
 * @example parseFaults(flow, { fail: ['Branch1'], hang: [] }).faultFor('Step2/0/Branch1', 1) === 'fail'
 * @example parseFaults(flow, { fail: ['Flaky:1'], hang: [] }).faultFor('Flaky', 2) === undefined
 */
export function parseFaults(
  flow: Flow,
  flags: { fail?: readonly string[]; hang?: readonly string[] },
): FaultPlan {
  const tasks = taskSteps(flow);
  return new FaultPlan([
    ...(flags.fail ?? []).map((s) => parseRule('fail', s, tasks)),
    ...(flags.hang ?? []).map((s) => parseRule('hang', s, tasks)),
  ]);
}
