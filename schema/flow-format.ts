/**
 * The flow JSON file format as zod schemas, the source of `schema/flow.schema.json` (`npm run
 * schema`): an editor that knows JSON Schema autocompletes and checks flow files with it. The reader
 * (engine/flow/read-*.ts) stays the authority — it also checks references, cycles and names — and the
 * lists of step types, target types, fields and condition operators come from it, so a new one
 * without a schema here fails `test/schema/schema.unit.spec.ts`.
 */
import { z } from 'zod';
import {
  NOTIFY_ON,
  OVERLAP_POLICIES,
  STEP_TYPES,
  TARGET_TYPES,
  type TargetType,
} from '../engine/flow/model.ts';
import { COMPARISON_OPERATORS } from '../engine/flow/read-condition.ts';
import { TARGET_FIELDS, TASK_FIELDS } from '../engine/flow/read-task.ts';

const name = z
  .string()
  .min(1)
  .regex(/^[^/.[\]]+$/, 'no "/", ".", "[" or "]" in step names');
const stepRef = z.string().min(1).describe('the name of a step in the same scope');
const positive = z.number().gt(0);
const jsonObject = z.record(z.string(), z.unknown());
/** `$.input…`, `$.steps.<Step>.output…` strings are resolved at launch. */
const parameters = jsonObject
  .meta({ id: 'Parameters' })
  .describe('the step input; strings like "$.input.day" or "$.steps.Extract.output.rows" are read at launch');

const retryPolicy = z
  .strictObject({
    errors: z.array(z.string()).optional().describe('error names; absent = all errors'),
    max_attempts: z.number().int().min(0).optional().describe('retries after the first attempt (default 3)'),
    interval_seconds: positive.optional().describe('delay before the first retry (default 1)'),
    backoff_rate: z.number().min(1).optional().describe('multiplier per retry (default 2)'),
    max_delay_seconds: positive.optional(),
  })
  .meta({ id: 'RetryPolicy' });
const catchRule = z
  .strictObject({
    errors: z.array(z.string()).optional().describe('error names; "States.ALL" matches everything'),
    next: stepRef,
  })
  .meta({ id: 'CatchRule' });
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]);
const httpAuth = z
  .union([
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('oidc'), audience: z.string().optional() }),
    z.strictObject({ type: z.literal('bearer'), secret_env: z.string().min(1) }),
  ])
  .meta({ id: 'HttpAuth' });

/** The JSON type of every Task field (common and per target). */
const FIELD_SCHEMAS: Record<
  (typeof TASK_FIELDS)[number] | (typeof TARGET_FIELDS)[TargetType][number],
  z.ZodType
> = {
  type: z.literal('Task'),
  next: stepRef,
  end: z.literal(true),
  target_type: z.enum(TARGET_TYPES),
  target_name: z.string().min(1).describe('the function / job / endpoint name (default: the step name)'),
  project_id: z.string().min(1),
  region: z.string().min(1),
  parameters,
  retry: oneOrMany(retryPolicy),
  catch: oneOrMany(catchRule),
  timeout_seconds: positive,
  url: z.string().url(),
  gen: z.union([z.literal(1), z.literal(2)]).describe('1 = gen1 (default), 2 = gen2 / Cloud Run'),
  trigger: z.enum(['http', 'pubsub']),
  topic: z.string().min(1),
  wait_for_callback: z
    .boolean()
    .describe(
      'the function replies with the firestep SDK and the step waits for that callback (its output); needs timeout_seconds',
    ),
  container_gcs_path: z.string().startsWith('gs://').describe('flex template spec'),
  template_path: z.string().startsWith('gs://').describe('classic template'),
  workflow: jsonObject.describe('inline WorkflowTemplate (REST shape)'),
  method: z.enum(['POST', 'PUT', 'GET']),
  auth: httpAuth,
  mode: z.string(),
  query: z.string().min(1).describe('GoogleSQL; @name reads parameters.name'),
  destination_table: z.string().min(1).describe('dataset.table or project.dataset.table'),
  write_disposition: z.enum(['WRITE_TRUNCATE', 'WRITE_APPEND', 'WRITE_EMPTY']),
  location: z.string().min(1).describe('BigQuery location (US, EU, europe-west1 …)'),
  labels: z.record(z.string(), z.string()),
  container: z.string().min(1).describe('the container args/env overrides apply to'),
};
/** A field the reader knows but this file does not is a bug here: fail loudly (at import, in the test). */
function fieldSchema(field: string): z.ZodType {
  const schema = FIELD_SCHEMAS[field];
  if (!schema) throw new Error(`schema/flow-format.ts: no JSON type for the Task field "${field}"; add it`);
  return schema;
}

/** Per target: enum overrides and the fields that must be present. */
const TARGET_RULES: Record<TargetType, { required: string[]; fields?: Record<string, z.ZodType> }> = {
  CloudFunction: { required: ['target_name'] },
  Dataflow: { required: ['target_name'] },
  Dataproc: { required: ['workflow'] },
  Http: { required: ['url'], fields: { mode: z.enum(['sync', 'async']) } },
  PubSub: { required: ['topic'], fields: { mode: z.enum(['fire', 'callback']) } },
  BigQuery: { required: ['query'] },
  CloudRunJob: { required: ['target_name'] },
  StorageObject: { required: [] },
};

function taskFor(target: TargetType): z.ZodType[] {
  const rules = TARGET_RULES[target];
  const shape: Record<string, z.ZodType> = {};
  for (const field of [...TASK_FIELDS, ...TARGET_FIELDS[target]]) {
    if (field === 'next' || field === 'end') continue;
    const schema = rules.fields?.[field] ?? fieldSchema(field);
    shape[field] = rules.required.includes(field) || field === 'type' ? schema : schema.optional();
  }
  shape.target_type = z.literal(target);
  const described = (s: Record<string, z.ZodType>) =>
    nextOrEnd(s).map((v) => v.describe(`a Task launching a ${target} target`));
  if (target !== 'Dataflow') return described(shape);
  // Exactly one template: flex (container_gcs_path) or classic (template_path).
  const { container_gcs_path, template_path, ...common } = shape;
  return [
    ...described({ ...common, container_gcs_path: fieldSchema('container_gcs_path') }),
    ...described({ ...common, template_path: fieldSchema('template_path') }),
  ];
}

/** Exactly one of `next` / `end`. */
function nextOrEnd<T extends z.ZodRawShape>(shape: T) {
  return [z.strictObject({ ...shape, next: stepRef }), z.strictObject({ ...shape, end: z.literal(true) })];
}

const comparison = Object.entries(COMPARISON_OPERATORS).map(([op, type]) =>
  z.strictObject({
    variable: z.string().startsWith('$.').describe('"$.input…" or "$.steps.<Step>.output…"'),
    [op]: type === 'string' ? z.string() : type === 'number' ? z.number() : z.boolean(),
  }),
);
const rule: z.ZodType = z.lazy(() =>
  z
    .union([
      ...comparison,
      z.strictObject({ and: z.array(rule).min(1) }),
      z.strictObject({ or: z.array(rule).min(1) }),
      z.strictObject({ not: rule }),
    ])
    .meta({ id: 'ChoiceRule' }),
);
const choice = z.union([
  ...comparison.map((c) => c.extend({ next: stepRef })),
  z.strictObject({ and: z.array(rule).min(1), next: stepRef }),
  z.strictObject({ or: z.array(rule).min(1), next: stepRef }),
  z.strictObject({ not: rule, next: stepRef }),
]);

// biome-ignore lint/suspicious/noExplicitAny: the recursive Branch/Step pair needs one untyped edge
const scope: z.ZodType<any> = z.lazy(() =>
  z
    .strictObject({
      start: stepRef.describe('the first step'),
      steps: z.record(name, step),
    })
    .meta({ id: 'Branch', description: 'a branch of a Parallel: a sub-flow with its own start' }),
);

const STEP_SCHEMAS: Record<(typeof STEP_TYPES)[number], z.ZodType> = {
  Task: z.union(TARGET_TYPES.flatMap(taskFor) as [z.ZodType, z.ZodType, ...z.ZodType[]]),
  Parallel: z.union(nextOrEnd({ type: z.literal('Parallel'), branches: z.array(scope).min(1) })),
  Condition: z.strictObject({
    type: z.literal('Condition'),
    choices: z.array(choice).min(1),
    default: stepRef.optional().describe('taken when no choice matches'),
  }),
  Wait: z.union([
    ...nextOrEnd({ type: z.literal('Wait'), seconds: positive }),
    ...nextOrEnd({
      type: z.literal('Wait'),
      for_object: z.string().startsWith('gs://').describe('the object to wait for; may use ${$.input…}'),
      timeout_seconds: positive.optional(),
      catch: oneOrMany(catchRule).optional(),
    }),
  ]),
  Pass: z.union(
    nextOrEnd({
      type: z.literal('Pass'),
      value: z
        .unknown()
        .describe('the JSON value this step outputs ($.input… / $.steps… references are read)'),
    }),
  ),
  Map: z.union(
    nextOrEnd({
      type: z.literal('Map'),
      items: z
        .string()
        .startsWith('$.')
        .describe('a reference to the array to map over, e.g. "$.steps.List.output.files"'),
      item_selector: z
        .unknown()
        .optional()
        .describe("each iteration's input; may read $.item, $.index, $.input…, $.steps… (default $.item)"),
      max_concurrency: z.number().int().min(0).optional().describe('iterations at once; 0 = no limit'),
      tolerated_failure_count: z.number().int().min(0).optional(),
      tolerated_failure_percentage: z.number().min(0).max(100).optional(),
      iterator: scope.describe('the steps each item runs, as a child execution'),
      retry: oneOrMany(retryPolicy).optional(),
      catch: oneOrMany(catchRule).optional(),
    }).map((v) => v.describe('runs the iterator once per item, each as a child execution')),
  ),
  Fail: z.strictObject({
    type: z.literal('Fail'),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
  End: z.strictObject({ type: z.literal('End') }),
};

const step: z.ZodType = z
  .union(STEP_TYPES.map((t) => STEP_SCHEMAS[t]) as [z.ZodType, z.ZodType, ...z.ZodType[]])
  .meta({ id: 'Step' });

const triggerInput = z.unknown().optional().describe('the input of the executions it starts (default {})');
const trigger = z
  .union([
    z.strictObject({
      schedule: z.string().describe('unix-cron, five fields: minute hour day-of-month month day-of-week'),
      time_zone: z.string().optional().describe('IANA time zone (default UTC)'),
      input: triggerInput,
    }),
    z.strictObject({
      gcs: z.strictObject({
        bucket: z.string().describe('bucket name, no gs://'),
        prefix: z.string().optional(),
        suffix: z.string().optional(),
      }),
      input: triggerInput,
    }),
    z.strictObject({ pubsub: z.strictObject({ topic: z.string() }), input: triggerInput }),
  ])
  .meta({ id: 'Trigger' });
const notifyOn = z.array(z.enum(NOTIFY_ON)).min(1).optional().describe('default ["FAILED", "TIMED_OUT"]');
const notifyRule = z
  .union([
    z.strictObject({ on: notifyOn, pubsub: z.string().describe('topic id') }),
    z.strictObject({ on: notifyOn, webhook: z.string().describe('http(s) URL, POSTed as JSON') }),
  ])
  .meta({ id: 'NotifyRule' });

/** A flow file: `{ "$schema"?, start, steps, triggers?, concurrency?, timeout_seconds?, notify? }`. */
export const FlowFileSchema = z
  .strictObject({
    $schema: z.string().optional().describe('"https://…/flow.schema.json" or a relative path to it'),
    start: stepRef.describe('the first step'),
    steps: z.record(name, step).describe('the steps by name'),
    triggers: z.array(trigger).optional().describe('schedules and events that start the flow'),
    concurrency: z
      .strictObject({
        max_running: z.number().int().min(1),
        on_overlap: z.enum(OVERLAP_POLICIES).optional().describe('default "queue"'),
      })
      .optional(),
    timeout_seconds: positive.optional().describe('the execution fails with States.Timeout after this'),
    notify: z.array(notifyRule).optional().describe('messages sent when an execution ends'),
  })
  .describe('A firestep flow (reference JSON format). See docs/reference/flow-json.md.');

/**
 * The JSON Schema document (draft 2020-12). Objects allow `comment` and `x-…` fields, as the reader does.
 *
 * @example writeFileSync('schema/flow.schema.json', `${JSON.stringify(flowJsonSchema(), null, 2)}\n`)
 */
export function flowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FlowFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      const s = jsonSchema as Record<string, unknown>;
      // zod marks a startsWith check as format "starts_with", which no JSON Schema tool knows (the
      // pattern beside it says the same): drop it so validators do not warn on every use.
      if (s.format === 'starts_with' && typeof s.pattern === 'string') delete s.format;
      if (s.type === 'object' && s.additionalProperties === false && s.properties) {
        (s.properties as Record<string, unknown>).comment = { type: 'string' };
        s.patternProperties = { '^x-': {} };
      }
    },
  });
  return {
    $id: 'https://firestep.dev/schema/flow.schema.json',
    title: 'firestep flow',
    ...schema,
  };
}
