/**
 * `--fail STEP[:N]` and `--hang STEP[:N]`: which step attempts the local fake targets fail (a function
 * answers 500 and logs "finished with status code: 500"; a Dataflow job ends with "Workflow failed.")
 * or never finish (a function that never answers; a Dataflow job that stays RUNNING), for the first
 * N attempts (default: every attempt). STEP is a step name as written, or a full path such as
 * `Step2/0/Branch1` when the same name appears in several branches.
 */
import { FirestepError } from '../../engine/errors.ts';
import { launchable } from '../../engine/flow/launchable.ts';
import type { Flow, Json, TaskStep } from '../../engine/flow/model.ts';
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
  constructor(
    readonly rules: readonly FaultRule[],
    /** `--output STEP=JSON`: what the target of a step path returns instead of its echo. */
    readonly outputs: ReadonlyMap<string, Json> = new Map(),
  ) {}

  /** The stubbed output of the step at `path`, if `--output` gave one. */
  outputFor(path: string): { output: Json } | undefined {
    return this.outputs.has(path) ? { output: this.outputs.get(path) as Json } : undefined;
  }

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

/** Every Task step of a flow with its path (a Wait with `for_object` counts: it launches a watcher). */
/**
 * A Map's iterator runs as child executions of its own flow, so its Task steps are listed with their
 * path inside the iterator (`Load`, not `PerFile/…/Load`): the path a child's launch carries. A
 * fault on such a step then applies in every iteration.
 */
export function taskSteps(flow: Flow): Array<{ path: string; name: string; step: TaskStep }> {
  const out: Array<{ path: string; name: string; step: TaskStep }> = [];
  for (const located of walkSteps(flow)) {
    const task = launchable(located.step);
    if (task !== undefined) out.push({ path: located.path, name: located.name, step: task });
    if (located.step.type === 'Map') {
      const iterator = { start: located.step.iterator.start, steps: located.step.iterator.steps };
      for (const inner of taskSteps(iterator)) if (!out.some((t) => t.path === inner.path)) out.push(inner);
    }
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
  flags: { fail?: readonly string[]; hang?: readonly string[]; output?: readonly string[] },
): FaultPlan {
  const tasks = taskSteps(flow);
  const outputs = new Map<string, Json>();
  for (const spec of flags.output ?? []) {
    for (const [path, value] of parseOutput(spec, tasks)) outputs.set(path, value);
  }
  return new FaultPlan(
    [
      ...(flags.fail ?? []).map((s) => parseRule('fail', s, tasks)),
      ...(flags.hang ?? []).map((s) => parseRule('hang', s, tasks)),
    ],
    outputs,
  );
}

/** Targets whose local fake returns a step's output directly, so `--output` can stub it. */
const STUBBABLE = new Set(['CloudFunction', 'Http']);

/**
 * `--output STEP=JSON`: the step's target returns JSON (a CloudFunction's callback output, an Http
 * response body) instead of echoing its input.
 *
 * @example parseOutput('Extract={"date":"2024-01-01"}', tasks) // [['Extract', {date: '2024-01-01'}]]
 */
export function parseOutput(spec: string, tasks: ReturnType<typeof taskSteps>): Array<[string, Json]> {
  const cut = spec.indexOf('=');
  const step = cut < 0 ? '' : spec.slice(0, cut).trim();
  if (step === '') {
    throw new FirestepError(
      'CONFIG',
      `--output ${spec}: write STEP=JSON, e.g. --output 'Extract={"files":3}'`,
    );
  }
  let value: Json;
  try {
    value = JSON.parse(spec.slice(cut + 1)) as Json;
  } catch (e) {
    throw new FirestepError(
      'CONFIG',
      `--output ${spec}: the value after "=" is not JSON (${(e as Error).message}); quote it for the shell`,
    );
  }
  const matched = tasks.filter((t) => t.path === step || t.name === step);
  if (matched.length === 0) {
    const names = [...new Set(tasks.map((t) => t.name))].join(', ');
    throw new FirestepError(
      'CONFIG',
      `--output ${spec}: the flow has no Task step named "${step}" (Task steps: ${names || 'none'})`,
    );
  }
  const other = matched.find((t) => !STUBBABLE.has(t.step.target.type));
  if (other !== undefined) {
    throw new FirestepError(
      'CONFIG',
      `--output ${step}: a ${other.step.target.type} step's output comes from its job (see the output table in docs/guides/targets.md); --output stubs CloudFunction and Http steps`,
    );
  }
  return matched.map((t) => [t.path, value]);
}
