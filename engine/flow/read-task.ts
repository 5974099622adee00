/**
 * Reads a Task step: the reference's flat target fields (`target_type`, `target_name`, `project_id`,
 * `region`, `container_gcs_path` | `template_path`, `parameters`) plus firestep's own (`url`, `gen`,
 * `trigger`, `topic`, `wait_for_callback`, `workflow`, `method`, `auth`, `mode`, `retry`, `catch`, `timeout_seconds`).
 * A normalized Task (`target: {type, name, …}`, what the TypeScript builder makes) is read the same
 * way, after lifting its target fields to the flat form.
 */
import {
  type CatchRule,
  ERROR_NAMES,
  type HttpAuth,
  type RetryPolicy,
  TARGET_TYPES,
  type Target,
  type TargetType,
} from './model.ts';
import { childPath, type ProblemList } from './problems.ts';
import { readBigQuery, readCloudRunJob } from './read-targets-data.ts';
import {
  compact,
  describe,
  isObject,
  type RawObject,
  readBoolean,
  readEnum,
  readJsonObject,
  readNumber,
  readString,
  readStringList,
  rejectUnknownFields,
  requireString,
} from './read-values.ts';
import { suggestField } from './suggest.ts';

/** Fields every Task may have, whatever its target. */
export const TASK_FIELDS = [
  'type',
  'next',
  'end',
  'target_type',
  'target_name',
  'project_id',
  'region',
  'parameters',
  'retry',
  'catch',
  'timeout_seconds',
] as const;

/** Fields that only apply to one kind of target. */
export const TARGET_FIELDS: Record<TargetType, readonly string[]> = {
  CloudFunction: ['url', 'gen', 'trigger', 'topic', 'wait_for_callback'],
  Dataflow: ['container_gcs_path', 'template_path'],
  Dataproc: ['workflow'],
  Http: ['url', 'method', 'auth', 'mode'],
  PubSub: ['topic', 'mode'],
  BigQuery: ['query', 'destination_table', 'write_disposition', 'location', 'labels'],
  CloudRunJob: ['container'],
  StorageObject: [],
};

/** Step Functions' retry defaults, applied when a retry is given without them. */
export const RETRY_DEFAULTS = { max_attempts: 3, interval_seconds: 1, backoff_rate: 2 } as const;

const RETRY_FIELDS = ['errors', 'max_attempts', 'interval_seconds', 'backoff_rate', 'max_delay_seconds'];

/** The flat (reference) spelling of a normalized Task: `target: {type, name, template…}` lifted. */
export function liftTarget(raw: RawObject): RawObject {
  const target = raw.target;
  if (!isObject(target) || raw.target_type !== undefined) return raw;
  const { target: _, ...rest } = raw;
  const { type, name, template, ...fields } = target;
  const templateFields = isObject(template)
    ? { container_gcs_path: template.container_gcs_path, template_path: template.template_path }
    : {};
  return { ...rest, target_type: type, target_name: name, ...fields, ...templateFields };
}

/** Reads the target part of a (flat) Task; `stepName` names Http/PubSub/Dataproc targets without `target_name`. */
export function readTarget(
  raw: RawObject,
  stepName: string,
  path: string,
  out: ProblemList,
): Target | undefined {
  const typeAt = childPath(path, 'target_type');
  if (raw.target_type === undefined) {
    out.error(typeAt, `missing; expected one of ${TARGET_TYPES.join(', ')}`);
    return undefined;
  }
  if (!(TARGET_TYPES as readonly unknown[]).includes(raw.target_type)) {
    const hint = typeof raw.target_type === 'string' ? hintFor(raw.target_type, TARGET_TYPES) : '';
    out.error(
      typeAt,
      `unknown target type ${JSON.stringify(raw.target_type)}${hint}; expected one of ${TARGET_TYPES.join(', ')}`,
    );
    return undefined;
  }
  const type = raw.target_type as TargetType;
  rejectUnknownFields(raw, [...TASK_FIELDS, ...TARGET_FIELDS[type]], path, out, `a ${type} Task`);
  const named = type === 'CloudFunction' || type === 'Dataflow' || type === 'CloudRunJob';
  const name = named
    ? requireString(
        raw,
        'target_name',
        path,
        out,
        `a ${type} target needs the ${type === 'CloudFunction' ? 'function' : 'job'} name`,
      )
    : (readString(raw, 'target_name', path, out) ?? stepName);
  const base = compact({
    name: name ?? '',
    project_id: readString(raw, 'project_id', path, out),
    region: readString(raw, 'region', path, out),
  });
  const specific = readSpecific(type, raw, path, out);
  return name === undefined || specific === undefined
    ? undefined
    : ({ type, ...base, ...specific } as Target);
}

function readSpecific(type: TargetType, raw: RawObject, path: string, out: ProblemList): object | undefined {
  switch (type) {
    case 'CloudFunction': {
      const trigger = readEnum(raw, 'trigger', ['http', 'pubsub'], path, out);
      const topic =
        trigger === 'pubsub'
          ? requireString(
              raw,
              'topic',
              path,
              out,
              'a Pub/Sub-triggered function needs the topic to publish to',
            )
          : readString(raw, 'topic', path, out);
      return compact({
        url: readUrl(raw, path, out),
        gen: readEnum(raw, 'gen', [1, 2], path, out),
        trigger,
        topic,
        wait_for_callback: readBoolean(raw, 'wait_for_callback', path, out),
      });
    }
    case 'Dataflow':
      return readDataflow(raw, path, out);
    case 'Dataproc': {
      if (raw.workflow === undefined) {
        out.error(
          childPath(path, 'workflow'),
          'missing; a Dataproc target needs an inline workflow template (REST shape)',
        );
        return undefined;
      }
      const workflow = readJsonObject(raw, 'workflow', path, out);
      return workflow && { workflow };
    }
    case 'Http': {
      if (raw.url === undefined)
        out.error(childPath(path, 'url'), 'missing; an Http target needs the URL to call');
      const url = readUrl(raw, path, out);
      const method = readEnum(raw, 'method', ['POST', 'PUT', 'GET'], path, out);
      const mode = readEnum(raw, 'mode', ['sync', 'async'], path, out);
      const auth = readAuth(raw, path, out);
      return url === undefined ? undefined : compact({ url, method, auth, mode });
    }
    case 'PubSub': {
      const topic = requireString(raw, 'topic', path, out, 'a PubSub target needs the topic to publish to');
      const mode = readEnum(raw, 'mode', ['fire', 'callback'], path, out);
      return topic === undefined ? undefined : compact({ topic, mode });
    }
    case 'BigQuery':
      return readBigQuery(raw, path, out);
    case 'CloudRunJob':
      return readCloudRunJob(raw, path, out);
    case 'StorageObject':
      out.error(childPath(path, 'target_type'), 'StorageObject is internal; write a Wait with "for_object"');
      return undefined;
  }
}

function readDataflow(raw: RawObject, path: string, out: ProblemList): object | undefined {
  const flex = readString(raw, 'container_gcs_path', path, out);
  const classic = readString(raw, 'template_path', path, out);
  const parameters = isObject(raw.parameters) ? raw.parameters : {};
  const tempAt = childPath(childPath(path, 'parameters'), 'temp_location');
  if (parameters.temp_location === undefined) {
    out.error(tempAt, 'missing; Dataflow needs a temporary location, e.g. "gs://my-bucket/temp"');
  } else if (typeof parameters.temp_location !== 'string' || parameters.temp_location === '') {
    out.error(
      tempAt,
      `must be a Cloud Storage path such as "gs://my-bucket/temp", got ${describe(parameters.temp_location)}`,
    );
  }
  if (raw.container_gcs_path === undefined && raw.template_path === undefined) {
    out.error(
      path,
      'a Dataflow Task needs a template: "container_gcs_path" (flex) or "template_path" (classic)',
    );
    return undefined;
  }
  if (raw.container_gcs_path !== undefined && raw.template_path !== undefined) {
    out.error(path, 'has both "container_gcs_path" and "template_path"; keep one (flex or classic template)');
    return undefined;
  }
  if (flex !== undefined) return { template: { kind: 'flex', container_gcs_path: flex } };
  if (classic !== undefined) return { template: { kind: 'classic', template_path: classic } };
  return undefined;
}

function readUrl(raw: RawObject, path: string, out: ProblemList): string | undefined {
  const url = readString(raw, 'url', path, out);
  if (url === undefined) return undefined;
  if (/^https?:\/\/[^\s/]+/.test(url)) return url;
  out.error(childPath(path, 'url'), `must be an http(s) URL, got ${JSON.stringify(url)}`);
  return undefined;
}

function readAuth(raw: RawObject, path: string, out: ProblemList): HttpAuth | undefined {
  if (raw.auth === undefined) return undefined;
  const at = childPath(path, 'auth');
  if (!isObject(raw.auth)) {
    out.error(at, `must be an object like {"type": "oidc"}, got ${describe(raw.auth)}`);
    return undefined;
  }
  const auth = raw.auth;
  const type = readEnum(auth, 'type', ['none', 'oidc', 'bearer'], at, out);
  if (auth.type === undefined) out.error(childPath(at, 'type'), 'missing; one of "none", "oidc", "bearer"');
  if (type === 'none') return { type };
  if (type === 'oidc') return compact({ type, audience: readString(auth, 'audience', at, out) });
  if (type === 'bearer') {
    const secret_env = requireString(
      auth,
      'secret_env',
      at,
      out,
      'name the environment variable holding the token',
    );
    return secret_env === undefined ? undefined : { type, secret_env };
  }
  return undefined;
}

/** `retry`: one policy or an array of them; Step Functions defaults fill what is not given. */
export function readRetry(raw: RawObject, path: string, out: ProblemList): RetryPolicy[] | undefined {
  const at = childPath(path, 'retry');
  const list = raw.retry === undefined ? [] : Array.isArray(raw.retry) ? raw.retry : [raw.retry];
  const policies: RetryPolicy[] = [];
  for (const [i, item] of list.entries()) {
    const p = Array.isArray(raw.retry) ? childPath(at, i) : at;
    if (!isObject(item)) {
      out.error(p, `must be an object like {"max_attempts": 3}, got ${describe(item)}`);
      continue;
    }
    rejectUnknownFields(item, RETRY_FIELDS, p, out, 'a retry policy');
    policies.push(
      compact({
        errors: readStringList(item, 'errors', p, out),
        max_attempts:
          readNumber(item, 'max_attempts', p, out, { min: 0, integer: true }) ?? RETRY_DEFAULTS.max_attempts,
        interval_seconds:
          readNumber(item, 'interval_seconds', p, out, { min: 0, exclusive: true }) ??
          RETRY_DEFAULTS.interval_seconds,
        backoff_rate: readNumber(item, 'backoff_rate', p, out, { min: 1 }) ?? RETRY_DEFAULTS.backoff_rate,
        max_delay_seconds: readNumber(item, 'max_delay_seconds', p, out, { min: 0, exclusive: true }),
      }),
    );
  }
  return policies.length === 0 ? undefined : policies;
}

/** `catch`: one rule or an array; `errors` defaults to `["States.ALL"]`. Reports each `next` as an edge. */
export function readCatch(
  raw: RawObject,
  path: string,
  out: ProblemList,
  onEdge: (to: string, path: string) => void,
): CatchRule[] | undefined {
  const at = childPath(path, 'catch');
  const list = raw.catch === undefined ? [] : Array.isArray(raw.catch) ? raw.catch : [raw.catch];
  const rules: CatchRule[] = [];
  for (const [i, item] of list.entries()) {
    const p = Array.isArray(raw.catch) ? childPath(at, i) : at;
    if (!isObject(item)) {
      out.error(
        p,
        `must be an object like {"errors": ["States.ALL"], "next": "Cleanup"}, got ${describe(item)}`,
      );
      continue;
    }
    rejectUnknownFields(item, ['errors', 'next'], p, out, 'a catch rule');
    const errors = readStringList(item, 'errors', p, out) ?? [ERROR_NAMES.all];
    const next = requireString(item, 'next', p, out, 'name the step to continue at');
    if (next !== undefined) {
      onEdge(next, childPath(p, 'next'));
      rules.push({ errors, next });
    }
  }
  return rules.length === 0 ? undefined : rules;
}

/** ` (did you mean "X"?)` for a misspelt type name, from spelling or a known synonym. */
export function hintFor(word: string, allowed: readonly string[]): string {
  const near = suggestField(word, allowed);
  return near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`;
}
