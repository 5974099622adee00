/**
 * The engine's configuration, read once from the environment of the deployed functions and checked
 * with zod. (Push authentication, `FIRESTEP_AUTH` / `FIRESTEP_PUSH_*`, is read by the functions
 * themselves through `pushAuthConfigFromEnv`: the CLI's runtime has no use for it.) Every problem is reported at once, naming the variable, so a misconfigured deploy fails
 * at start with one readable message instead of a stack trace on the first Pub/Sub message.
 */
import { z } from 'zod';
import { FirestepError } from '../engine/errors.ts';
import { DEFAULT_REQUEST_BUDGET_MS, MIN_REQUEST_BUDGET_MS } from './request-budget.ts';

/** How commands reach Cloud Functions: through a Cloud Tasks HTTP task (default) or a direct call. */
export type LaunchMode = 'task' | 'direct';

/** Configuration of a deployed engine / API function. */
export interface CloudRuntimeConfig {
  mode: 'cloud';
  /** Project the engine runs in (Firestore, Pub/Sub, Cloud Tasks). */
  projectId: string;
  /** Default region of targets and of the Cloud Tasks queue. */
  region: string;
  /** HMAC secret for callback tokens (`FIRESTEP_CALLBACK_SECRET`, ≥ 16 characters). */
  callbackSecret: string;
  /** Base URL of the API function (callbacks, timers). */
  apiUrl: string;
  /** Topic the log sinks publish to; also the SDK's reply topic. */
  signalTopic: string;
  /** Cloud Tasks queue for timers and task-mode launches (short name or full resource name). */
  tasksQueue: string;
  /** Service account Cloud Tasks uses to sign OIDC tokens for the calls it makes, if set. */
  tasksServiceAccount?: string;
  /** Name of the engine function: its own log entries are ignored (the infinite-loop hazard). */
  engineFunction: string;
  /** Name of the API function: its log entries are ignored too. */
  apiFunction: string;
  launchMode: LaunchMode;
  /** Directory of bundled flows (default `flows/` in the function's working directory). */
  flowsDir: string;
  /** Snapshot every N events (store default when absent). */
  snapshotEvery?: number;
  /** Firestore database id (default `(default)`). */
  firestoreDatabase?: string;
  /** Days a finished execution's head is kept before Firestore TTL may delete it (`FIRESTEP_RETENTION_DAYS`). */
  retentionDays?: number;
  /**
   * How long one push or API request may wait for Firestore before it answers 503
   * (`FIRESTEP_REQUEST_BUDGET_MS`, default 20 000; runtime/request-budget.ts).
   */
  requestBudgetMs: number;
}

const nonEmpty = (what: string) =>
  z
    .string({ error: `required: ${what}` })
    .trim()
    .min(1, `required: ${what}`);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** The environment variables, with what each one is for in its error message. */
const EnvSchema = z.object({
  GOOGLE_CLOUD_PROJECT: nonEmpty('the project id the engine runs in'),
  FIRESTEP_REGION: nonEmpty('the default region, e.g. europe-west1'),
  FIRESTEP_CALLBACK_SECRET: z
    .string({ error: 'required: the HMAC secret for callback tokens (at least 16 characters)' })
    .min(16, 'must be at least 16 characters (the HMAC secret for callback tokens)'),
  FIRESTEP_API_URL: z.url({
    error: 'must be the https URL of the API function, e.g. https://firestep-api-xyz.run.app',
  }),
  FIRESTEP_SIGNAL_TOPIC: nonEmpty('the Pub/Sub topic the log sinks publish to'),
  FIRESTEP_TASKS_QUEUE: nonEmpty('the Cloud Tasks queue for timers and launches'),
  FIRESTEP_TASKS_SERVICE_ACCOUNT: optionalText,
  /** Service account whose OIDC tokens trigger calls carry (scheduler, Eventarc, trigger pushes). */
  FIRESTEP_TRIGGERS_SERVICE_ACCOUNT: optionalText,
  FIRESTEP_ENGINE_FUNCTION: optionalText.default('firestep-engine'),
  FIRESTEP_API_FUNCTION: optionalText.default('firestep-api'),
  FIRESTEP_LAUNCH_MODE: z
    .enum(['task', 'direct'], { error: 'must be "task" (default) or "direct"' })
    .default('task'),
  FIRESTEP_FLOWS_DIR: optionalText,
  FIRESTEP_SNAPSHOT_EVERY: z.coerce
    .number({ error: 'must be a positive integer' })
    .int('must be a positive integer')
    .positive('must be a positive integer')
    .optional(),
  FIRESTEP_FIRESTORE_DATABASE: optionalText,
  FIRESTEP_RETENTION_DAYS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a positive number of days' })
      .positive('must be a positive number of days')
      .optional(),
  ),
  FIRESTEP_REQUEST_BUDGET_MS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: `must be a whole number of milliseconds ≥ ${MIN_REQUEST_BUDGET_MS}` })
      .int(`must be a whole number of milliseconds ≥ ${MIN_REQUEST_BUDGET_MS}`)
      .min(MIN_REQUEST_BUDGET_MS, `must be a whole number of milliseconds ≥ ${MIN_REQUEST_BUDGET_MS}`)
      .optional(),
  ),
});

/** The variables {@link loadRuntimeConfig} reads, for docs and error messages. */
export const RUNTIME_ENV_VARIABLES = Object.keys(EnvSchema.shape) as ReadonlyArray<
  keyof typeof EnvSchema.shape
>;

/**
 * Read and check the deployed configuration. Throws one `FirestepError('CONFIG')` listing every
 * missing or invalid variable.
 *
 * @example
 * const config = loadRuntimeConfig(process.env, { cwd: process.cwd() });
 * config.launchMode; // 'task'
 */
export function loadRuntimeConfig(
  env: Record<string, string | undefined>,
  opts: { cwd?: string } = {},
): CloudRuntimeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new FirestepError('CONFIG', `invalid firestep configuration (environment):\n${lines.join('\n')}`, {
      details: { variables: parsed.error.issues.map((i) => i.path.join('.')) },
    });
  }
  const e = parsed.data;
  return {
    mode: 'cloud',
    projectId: e.GOOGLE_CLOUD_PROJECT,
    region: e.FIRESTEP_REGION,
    callbackSecret: e.FIRESTEP_CALLBACK_SECRET,
    apiUrl: e.FIRESTEP_API_URL.replace(/\/+$/, ''),
    signalTopic: e.FIRESTEP_SIGNAL_TOPIC,
    tasksQueue: e.FIRESTEP_TASKS_QUEUE,
    ...(e.FIRESTEP_TASKS_SERVICE_ACCOUNT ? { tasksServiceAccount: e.FIRESTEP_TASKS_SERVICE_ACCOUNT } : {}),
    engineFunction: e.FIRESTEP_ENGINE_FUNCTION,
    apiFunction: e.FIRESTEP_API_FUNCTION,
    launchMode: e.FIRESTEP_LAUNCH_MODE,
    flowsDir: e.FIRESTEP_FLOWS_DIR ?? `${(opts.cwd ?? process.cwd()).replace(/\/+$/, '')}/flows`,
    ...(e.FIRESTEP_SNAPSHOT_EVERY ? { snapshotEvery: e.FIRESTEP_SNAPSHOT_EVERY } : {}),
    ...(e.FIRESTEP_FIRESTORE_DATABASE ? { firestoreDatabase: e.FIRESTEP_FIRESTORE_DATABASE } : {}),
    ...(e.FIRESTEP_RETENTION_DAYS ? { retentionDays: e.FIRESTEP_RETENTION_DAYS } : {}),
    requestBudgetMs: e.FIRESTEP_REQUEST_BUDGET_MS ?? DEFAULT_REQUEST_BUDGET_MS,
  };
}
