/**
 * Maps a parsed flow document (reference JSON, or a normalized `Flow`) onto the model, step by step,
 * collecting every shape problem with its path and the outline that the graph checks need.
 */
import { branchPosition, depthProblem, type ScopePosition, stepPathProblem } from './limits.ts';
import type { Branch, Flow, Step, StepType } from './model.ts';
import { STEP_TYPES } from './model.ts';
import type { FlowOutline, ScopeOutline, StepOutline } from './outline.ts';
import { pathIn } from './paths.ts';
import { childPath, type ProblemList } from './problems.ts';
import { readChoices } from './read-condition.ts';
import { readMap } from './read-map.ts';
import { readReferences } from './read-references.ts';
import { hintFor, liftTarget, readCatch, readRetry, readTarget } from './read-task.ts';
import {
  compact,
  describe,
  isObject,
  type RawObject,
  readJsonObject,
  readNumber,
  readString,
  rejectUnknownFields,
} from './read-values.ts';
import type { ReferenceScope } from './reference.ts';

const FIELDS: Record<Exclude<StepType, 'Task' | 'Map'>, readonly string[]> = {
  Parallel: ['type', 'branches', 'next', 'end'],
  Condition: ['type', 'choices', 'default', 'next', 'end'], // next/end: reported by name below
  Wait: ['type', 'seconds', 'for_object', 'timeout_seconds', 'catch', 'next', 'end'],
  Pass: ['type', 'value', 'next', 'end'],
  Fail: ['type', 'error', 'cause'],
  End: ['type'],
};

/** Characters that would make a name ambiguous in step paths (`A/0/B`) and `$.steps.<Name>` reads. */
const RESERVED_IN_NAMES = /[/.[\]]/;

/**
 * Fields of the flow document itself (the top level). Extension point: a flow-level feature
 * (triggers, concurrency, timeout_seconds, notify…) adds its field here when its reader reads it;
 * a field listed here but not read would be silently ignored, which is what strictness prevents.
 */
export const FLOW_FIELDS: string[] = [
  'start',
  'steps',
  'triggers',
  'concurrency',
  'timeout_seconds',
  'notify',
];

/** Fields of a Parallel branch (a sub-flow). */
export const BRANCH_FIELDS: readonly string[] = ['start', 'steps'];

export interface Reader {
  out: ProblemList;
  outline: FlowOutline;
  /** Which reference roots are valid in the scope being read (the Map roots inside an iterator). */
  refs: ReferenceScope;
  /** Where in the step tree this scope is (top level when absent). */
  at?: ScopePosition;
}

/** Reads a flow (or a branch) at `path`; returns the scope's model when its shape is whole. */
export function readScope(raw: unknown, path: string, reader: Reader): Flow | undefined {
  const { out } = reader;
  const what = path === '' ? 'a flow' : path.endsWith('.iterator') ? 'a Map iterator' : 'a branch';
  const at: ScopePosition = reader.at ?? { scope: '', depth: 0 };
  const tooDeep = depthProblem(at.depth);
  if (tooDeep !== undefined) {
    // Not read any further: the problem is reported once, and no walk recurses without bound.
    out.error(path, tooDeep);
    return undefined;
  }
  if (!isObject(raw)) {
    out.error(path, `${what} must be an object with "start" and "steps", got ${describe(raw)}`);
    return undefined;
  }
  // A flow file may name its JSON Schema (`"$schema"`, schema/flow.schema.json) for editors.
  rejectUnknownFields(raw, path === '' ? [...FLOW_FIELDS, '$schema'] : BRANCH_FIELDS, path, out, what);
  const scope: ScopeOutline = { path, steps: [] };
  reader.outline.scopes.push(scope);
  const startAt = childPath(path, 'start');
  if (raw.start === undefined)
    out.error(startAt, `missing; name the ${path === '' ? "flow's" : "branch's"} first step`);
  else if (typeof raw.start !== 'string')
    out.error(startAt, `must be a step name, got ${describe(raw.start)}`);
  else scope.start = { to: raw.start, path: startAt };

  const stepsAt = childPath(path, 'steps');
  if (!isObject(raw.steps) || Object.keys(raw.steps).length === 0) {
    const got = raw.steps === undefined ? 'missing' : `got ${describe(raw.steps)}`;
    out.error(stepsAt, `must be an object of named steps (${got})`);
    return undefined;
  }
  const steps: Record<string, Step> = {};
  let whole = scope.start !== undefined;
  for (const [name, step] of Object.entries(raw.steps)) {
    const stepAt = childPath(stepsAt, name);
    const outline: StepOutline = { name, path: stepAt, edges: [] };
    scope.steps.push(outline);
    if (name.trim() === '' || RESERVED_IN_NAMES.test(name) || name.startsWith('$')) {
      out.error(
        stepAt,
        'a step name must be non-empty, free of "/", ".", "[", "]" and not start with "$" (these address steps in paths and references)',
      );
      whole = false;
    }
    const tooLong = at.pathReported ? undefined : stepPathProblem(pathIn(at.scope, name));
    if (tooLong !== undefined) {
      out.error(stepAt, tooLong);
      whole = false;
    }
    const read = readStep(step, name, stepAt, reader, outline);
    if (read === undefined) whole = false;
    else steps[name] = read;
  }
  return whole ? { start: raw.start as string, steps } : undefined;
}

function readStep(
  raw: unknown,
  name: string,
  path: string,
  reader: Reader,
  outline: StepOutline,
): Step | undefined {
  const { out } = reader;
  if (!isObject(raw)) {
    out.error(path, `a step must be an object with a "type", got ${describe(raw)}`);
    return undefined;
  }
  const typeAt = childPath(path, 'type');
  if (!(STEP_TYPES as readonly unknown[]).includes(raw.type)) {
    if (raw.type === undefined) out.error(typeAt, `missing; expected one of ${STEP_TYPES.join(', ')}`);
    else {
      const hint = typeof raw.type === 'string' ? hintFor(raw.type, STEP_TYPES) : '';
      out.error(
        typeAt,
        `unknown step type ${JSON.stringify(raw.type)}${hint}; expected one of ${STEP_TYPES.join(', ')}`,
      );
    }
    // Keep the references so that the graph checks do not report the step's successors as unreachable.
    if (typeof raw.next === 'string') outline.edges.push({ to: raw.next, path: childPath(path, 'next') });
    return undefined;
  }
  const type = raw.type as StepType;
  const onEdge = (to: string, at: string) => outline.edges.push({ to, path: at });
  switch (type) {
    case 'Task':
      return readTask(liftTarget(raw), name, path, reader, onEdge);
    case 'Parallel': {
      rejectUnknownFields(raw, FIELDS.Parallel, path, out, 'a Parallel step');
      const flow = readNextOrEnd(raw, path, out, onEdge);
      const branches = readBranches(raw.branches, childPath(path, 'branches'), reader, name);
      return flow && branches && ({ type, branches, ...flow } as Step);
    }
    case 'Condition': {
      rejectUnknownFields(raw, FIELDS.Condition, path, out, 'a Condition step');
      for (const key of ['next', 'end'] as const) {
        if (raw[key] !== undefined)
          out.error(
            childPath(path, key),
            'a Condition has no "next"/"end"; route with "choices" and "default"',
          );
      }
      const sink = {
        problems: out,
        edges: outline.edges,
        outputReferences: reader.outline.outputReferences,
        scope: reader.refs,
      };
      const choices = readChoices(raw.choices, childPath(path, 'choices'), sink);
      const fallback = readString(raw, 'default', path, out);
      if (fallback !== undefined) onEdge(fallback, childPath(path, 'default'));
      return choices && compact({ type, choices, default: fallback });
    }
    case 'Wait': {
      rejectUnknownFields(raw, FIELDS.Wait, path, out, 'a Wait step');
      if (raw.for_object !== undefined) return readObjectWait(raw, path, reader, onEdge);
      for (const key of ['timeout_seconds', 'catch'] as const) {
        if (raw[key] !== undefined)
          out.error(
            childPath(path, key),
            'applies to a Wait with "for_object"; a Wait for "seconds" cannot time out',
          );
      }
      if (raw.seconds === undefined)
        out.error(childPath(path, 'seconds'), 'missing; how long to wait, in seconds');
      const seconds = readNumber(raw, 'seconds', path, out, { min: 0, exclusive: true });
      const flow = readNextOrEnd(raw, path, out, onEdge);
      return flow && seconds !== undefined ? ({ type, seconds, ...flow } as Step) : undefined;
    }
    case 'Pass': {
      rejectUnknownFields(raw, FIELDS.Pass, path, out, 'a Pass step');
      const valueAt = childPath(path, 'value');
      if (raw.value === undefined) out.error(valueAt, 'missing; the JSON value this step outputs');
      const sink = { problems: out, outputReferences: reader.outline.outputReferences, scope: reader.refs };
      const holder = readJsonObject({ value: { value: raw.value } }, 'value', path, out);
      const referencesOk = readReferences(raw.value, valueAt, sink);
      const flow = readNextOrEnd(raw, path, out, onEdge);
      if (raw.value === undefined || holder === undefined || !referencesOk || flow === undefined)
        return undefined;
      return { type, value: raw.value, ...flow } as Step;
    }
    case 'Map':
      return readMap(raw, path, reader, onEdge);
    case 'Fail':
    case 'End': {
      rejectUnknownFields(raw, FIELDS[type], path, out, `a ${type} step`);
      if (raw.next !== undefined)
        out.error(childPath(path, 'next'), `a ${type} step ends its flow; it has no "next"`);
      if (type === 'End') return raw.next === undefined ? { type } : undefined;
      const fail = compact({
        type,
        error: readString(raw, 'error', path, out),
        cause: readString(raw, 'cause', path, out),
      });
      return raw.next === undefined ? fail : undefined;
    }
  }
}

/** `{"type": "Wait", "for_object": "gs://bucket/${$.input.date}/_SUCCESS", "timeout_seconds": 3600}`. */
function readObjectWait(
  raw: RawObject,
  path: string,
  reader: Reader,
  onEdge: (to: string, path: string) => void,
): Step | undefined {
  const { out } = reader;
  const at = childPath(path, 'for_object');
  if (raw.seconds !== undefined)
    out.error(childPath(path, 'seconds'), 'a Wait has either "seconds" or "for_object", not both');
  const uri = readString(raw, 'for_object', path, out);
  if (uri !== undefined && !/^gs:\/\/[^/\s]+\/\S/.test(uri))
    out.error(
      at,
      `must be a Cloud Storage URI such as "gs://bucket/path/_SUCCESS", got ${JSON.stringify(uri)}`,
    );
  const sink = { problems: out, outputReferences: reader.outline.outputReferences, scope: reader.refs };
  const referencesOk = uri === undefined || readReferences({ for_object: uri }, path, sink);
  const timeout_seconds = readNumber(raw, 'timeout_seconds', path, out, { min: 0, exclusive: true });
  const rescue = readCatch(raw, path, out, onEdge);
  const flow = readNextOrEnd(raw, path, out, onEdge);
  if (uri === undefined || flow === undefined || !referencesOk) return undefined;
  return compact({ type: 'Wait', for_object: uri, timeout_seconds, catch: rescue, ...flow }) as Step;
}

function readTask(
  raw: RawObject,
  name: string,
  path: string,
  reader: Reader,
  onEdge: (to: string, path: string) => void,
): Step | undefined {
  const { out } = reader;
  const target = readTarget(raw, name, path, out);
  const parameters = readJsonObject(raw, 'parameters', path, out);
  const sink = { problems: out, outputReferences: reader.outline.outputReferences, scope: reader.refs };
  const referencesOk = readReferences(parameters, childPath(path, 'parameters'), sink);
  const retry = readRetry(raw, path, out);
  const rescue = readCatch(raw, path, out, onEdge);
  const timeout_seconds = readNumber(raw, 'timeout_seconds', path, out, { min: 0, exclusive: true });
  const flow = readNextOrEnd(raw, path, out, onEdge);
  const broken = (raw.parameters !== undefined && parameters === undefined) || !referencesOk;
  if (
    target?.type === 'CloudFunction' &&
    target.wait_for_callback === true &&
    raw.timeout_seconds === undefined
  ) {
    out.error(
      childPath(path, 'timeout_seconds'),
      'missing; a step with "wait_for_callback" needs a timeout, so that a function which ends without calling back fails the step (States.Timeout) instead of leaving it waiting for ever',
    );
  }
  if (target === undefined || flow === undefined || broken) return undefined;
  return compact({
    type: 'Task',
    target,
    parameters,
    retry,
    catch: rescue,
    timeout_seconds,
    ...flow,
  }) as Step;
}

function readBranches(raw: unknown, path: string, reader: Reader, name: string): Branch[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    const got = raw === undefined ? 'missing' : `got ${describe(raw)}`;
    reader.out.error(path, `must be a non-empty array of branches, each {"start", "steps"} (${got})`);
    return undefined;
  }
  const at: ScopePosition = reader.at ?? { scope: '', depth: 0 };
  const branches = raw.map((branch, i) =>
    readScope(branch, childPath(path, i), { ...reader, at: branchPosition(at, name, i) }),
  );
  return branches.every((b) => b !== undefined) ? (branches as Branch[]) : undefined;
}

/** Exactly one of `next` (a step name) and `end: true`. */
export function readNextOrEnd(
  raw: RawObject,
  path: string,
  out: ProblemList,
  onEdge: (to: string, path: string) => void,
): { next: string } | { end: true } | undefined {
  const nextAt = childPath(path, 'next');
  if (raw.end !== undefined && typeof raw.end !== 'boolean') {
    out.error(childPath(path, 'end'), `must be true (or absent), got ${describe(raw.end)}`);
    return undefined;
  }
  if (raw.next !== undefined && typeof raw.next !== 'string') {
    out.error(nextAt, `must be a step name, got ${describe(raw.next)}`);
    return undefined;
  }
  const next = raw.next as string | undefined;
  if (next !== undefined) onEdge(next, nextAt);
  if (next !== undefined && raw.end === true) {
    out.error(path, 'has both "next" and "end"; a step either continues to "next" or ends with "end": true');
    return undefined;
  }
  if (next === undefined && raw.end !== true) {
    out.error(path, 'needs "next" (the step that follows) or "end": true');
    return undefined;
  }
  return next === undefined ? { end: true } : { next };
}
