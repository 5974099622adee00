/**
 * Configuration of a local runtime (`firestep run --local`, tests, the demo): the Firestore
 * emulator and the protocol fakes' URLs instead of Google's endpoints. Nothing here can reach a
 * real project: without an emulator host the runtime refuses to start.
 */
import { FirestepError } from '../engine/errors.ts';

export interface LocalRuntimeConfig {
  mode: 'local';
  /** Project id on the emulator (also the default project of targets). */
  projectId: string;
  /** Default region of targets. */
  region: string;
  callbackSecret: string;
  /** `host:port` of the Firestore emulator. */
  firestoreHost: string;
  /**
   * URLs of the fakes: `startFakeFunctionHost().url`, `startFakeDataflow().url`,
   * `startFakeDataproc().url`, `startFakeHttpEndpoint().url` (without `httpUrl`, Http targets call the
   * URL the flow names).
   */
  fakes: {
    functionHostUrl: string;
    dataflowUrl: string;
    dataprocUrl?: string;
    httpUrl?: string;
    /** `startFakeBigQuery().url`, `startFakeCloudRunJobs().url`, `startFakeStorage().url`. */
    bigqueryUrl?: string;
    cloudRunUrl?: string;
    storageUrl?: string;
  };
  /** Where the SDK sends callbacks (a local API URL and/or topic); empty when delivered in-process. */
  replyTo: { url?: string; topic?: string };
  engineFunction: string;
  apiFunction: string;
  /** Divide Wait / retry / timeout delays by this (default 1). */
  timerSpeedup: number;
  snapshotEvery?: number;
}

/** What callers give: the fakes' URLs; everything else has a local default. */
export type LocalRuntimeInput = Partial<Omit<LocalRuntimeConfig, 'mode' | 'fakes'>> & {
  fakes: LocalRuntimeConfig['fakes'];
};

/** The secret local runs use unless told otherwise (callback tokens never leave the machine). */
export const LOCAL_CALLBACK_SECRET = 'firestep-local-callback-secret';

/**
 * Fill the defaults of a local configuration.
 *
 * @example localRuntimeConfig({ fakes: { functionHostUrl: host.url, dataflowUrl: df.url } }, process.env)
 */
export function localRuntimeConfig(
  input: LocalRuntimeInput,
  env: Record<string, string | undefined> = process.env,
): LocalRuntimeConfig {
  const firestoreHost = input.firestoreHost ?? env.FIRESTORE_EMULATOR_HOST;
  if (!firestoreHost) {
    throw new FirestepError(
      'CONFIG',
      'a local runtime needs the Firestore emulator: set FIRESTORE_EMULATOR_HOST (or pass firestoreHost); it never uses a real project',
    );
  }
  return {
    mode: 'local',
    projectId: input.projectId ?? 'firestep-local',
    region: input.region ?? 'us-central1',
    callbackSecret: input.callbackSecret ?? LOCAL_CALLBACK_SECRET,
    firestoreHost,
    fakes: input.fakes,
    replyTo: input.replyTo ?? {},
    engineFunction: input.engineFunction ?? 'firestep-engine',
    apiFunction: input.apiFunction ?? 'firestep-api',
    timerSpeedup: input.timerSpeedup ?? 1,
    ...(input.snapshotEvery === undefined ? {} : { snapshotEvery: input.snapshotEvery }),
  };
}
