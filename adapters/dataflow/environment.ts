/**
 * Split a Dataflow step's resolved parameters into template parameters and the runtime environment.
 *
 * A key listed in {@link ENVIRONMENT_KEYS} (snake_case as in the reference JSON, or the REST camelCase
 * name) goes to `environment`; so does everything inside an explicit `environment` object. Every other
 * key is a template parameter; template parameters are strings on the wire, so numbers and booleans
 * are stringified and objects/arrays JSON-encoded.
 */
import type { Json } from '../../engine/flow/model.ts';

/** snake_case parameter → RuntimeEnvironment / FlexTemplateRuntimeEnvironment field. */
export const ENVIRONMENT_KEYS: Readonly<Record<string, string>> = {
  temp_location: 'tempLocation',
  staging_location: 'stagingLocation',
  service_account_email: 'serviceAccountEmail',
  subnetwork: 'subnetwork',
  network: 'network',
  machine_type: 'machineType',
  launcher_machine_type: 'launcherMachineType',
  max_workers: 'maxWorkers',
  num_workers: 'numWorkers',
  zone: 'zone',
  worker_region: 'workerRegion',
  worker_zone: 'workerZone',
  ip_configuration: 'ipConfiguration',
  kms_key_name: 'kmsKeyName',
  additional_experiments: 'additionalExperiments',
  additional_user_labels: 'additionalUserLabels',
  disk_size_gb: 'diskSizeGb',
  enable_streaming_engine: 'enableStreamingEngine',
  sdk_container_image: 'sdkContainerImage',
};

/** Fields that only flex templates accept; dropped from classic launches. */
const FLEX_ONLY = new Set(['stagingLocation', 'launcherMachineType', 'sdkContainerImage']);
const NUMERIC = new Set(['maxWorkers', 'numWorkers', 'diskSizeGb']);
const CAMEL = new Set(Object.values(ENVIRONMENT_KEYS));

export interface SplitParameters {
  parameters: Record<string, string>;
  environment: Record<string, Json>;
}

function envValue(field: string, value: Json): Json {
  if (field === 'additionalExperiments' && typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (
    NUMERIC.has(field) &&
    typeof value === 'string' &&
    value.trim() !== '' &&
    Number.isFinite(Number(value))
  )
    return Number(value);
  return value;
}

function templateValue(value: Json): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'object' && value !== null
      ? JSON.stringify(value)
      : String(value);
}

/**
 * @example
 * splitParameters({ input: 'gs://b/in.txt', temp_location: 'gs://b/tmp', max_workers: 5 }, 'flex')
 * // → { parameters: { input: 'gs://b/in.txt' }, environment: { tempLocation: 'gs://b/tmp', maxWorkers: 5 } }
 */
export function splitParameters(input: Json, kind: 'flex' | 'classic'): SplitParameters {
  const parameters: Record<string, string> = {};
  const environment: Record<string, Json> = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { parameters, environment };
  const put = (field: string, value: Json) => {
    if (kind === 'classic' && FLEX_ONLY.has(field)) return;
    environment[field] = envValue(field, value);
  };
  for (const [key, value] of Object.entries(input)) {
    if (value === null) continue;
    if (key === 'environment' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) if (v !== null) put(ENVIRONMENT_KEYS[k] ?? k, v);
    } else if (ENVIRONMENT_KEYS[key] !== undefined) put(ENVIRONMENT_KEYS[key], value);
    else if (CAMEL.has(key)) put(key, value);
    else parameters[key] = templateValue(value);
  }
  return { parameters, environment };
}
