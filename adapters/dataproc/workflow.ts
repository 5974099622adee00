/**
 * The request a Dataproc step sends: its inline WorkflowTemplate with `{{name}}` placeholders filled
 * from the step's resolved parameters, firestep labels added, and a `requestId` derived from the
 * command, so Dataproc answers a repeated instantiate with the operation it already started.
 */
import { createHash } from 'node:crypto';
import type { Json, JsonObject } from '../../engine/flow/model.ts';

/**
 * Dataproc accepts `[a-zA-Z0-9_-]{1,40}`; a command id (`launch~Step2%2F1%2FBranch2~1`) is not one,
 * so it is hashed together with the execution.
 *
 * @example dataprocRequestId('exec-1', 'launch~Step1~1') // → 40 lowercase hex characters
 */
export function dataprocRequestId(executionId: string, commandId: string): string {
  return createHash('sha256').update(`${executionId}\n${commandId}`).digest('hex').slice(0, 40);
}

/**
 * A GCP label value: lowercase letters, digits, `_` and `-`, at most 63 characters.
 *
 * @example labelValue('Daily Agg') === 'daily-agg'
 */
export function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(0, 63);
}

function fill(value: Json, params: Record<string, Json>): Json {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([\w.-]+)\s*\}\}$/.exec(value);
    if (whole?.[1] !== undefined && whole[1] in params) {
      const v = params[whole[1]] as Json;
      return typeof v === 'string' ? v : JSON.stringify(v);
    }
    return value.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (m, name: string) => {
      if (!(name in params)) return m;
      const v = params[name] as Json;
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, params));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, params)]));
  return value;
}

/**
 * @example
 * inlineWorkflow({ jobs: [{ stepId: 'count', pysparkJob: { args: ['{{input}}'] } }] }, { input: 'gs://b/x' }, labels)
 * // → jobs[0].pysparkJob.args = ['gs://b/x'], labels merged
 */
export function inlineWorkflow(
  workflow: JsonObject,
  input: Json,
  labels: Record<string, string>,
): JsonObject {
  const params = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {};
  const filled = fill(workflow, params) as JsonObject;
  const own =
    filled.labels !== null && typeof filled.labels === 'object' && !Array.isArray(filled.labels)
      ? filled.labels
      : {};
  return { ...filled, labels: { ...own, ...labels } };
}
