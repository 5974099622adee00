/**
 * The Firestore project the CLI talks to: `--project`, else GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT;
 * the emulator when FIRESTORE_EMULATOR_HOST is set (the client library honours it). The CLI uses the
 * store directly — the same transactions as the deployed engine.
 *
 * Commands that only read (`status`, `history`, `export`, `replay`) get a store whose dispatcher is
 * never used. Commands that write (`start`, `cancel`, `redrive`) pass the dispatcher that carries
 * out the commands their decision produces (see `runtime/local/dispatch.ts`).
 */
import { Firestore } from '@google-cloud/firestore';
import type { Command } from '../../engine/core/commands.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { CommandDispatcher, DispatchOutcome } from '../../engine/ports/index.ts';
import { ExecutionStore } from '../../engine/store/index.ts';

export interface ProjectFlags {
  /** Project id; default GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT. */
  project?: string;
}

export interface ProjectStore {
  projectId: string;
  /** `host:port` when talking to the Firestore emulator. */
  emulator: string | undefined;
  db: Firestore;
  store: ExecutionStore;
  close(): Promise<void>;
}

/**
 * The project id the flags and environment name, or a CONFIG error saying how to give one.
 *
 * @example resolveProjectId({ project: 'my-proj' }) === 'my-proj'
 */
export function resolveProjectId(flags: ProjectFlags, env: NodeJS.ProcessEnv = process.env): string {
  const id = flags.project ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  if (!id) {
    throw new FirestepError(
      'CONFIG',
      'no project: pass --project PROJECT_ID or set GOOGLE_CLOUD_PROJECT (with FIRESTORE_EMULATOR_HOST for the emulator); ' +
        'to inspect runs made with `run --local`, add --local',
    );
  }
  return id;
}

/** A dispatcher for stores that only read: dispatching through it is a bug, reported as such. */
export const readOnlyDispatcher: CommandDispatcher = {
  dispatch: async (command: Command): Promise<DispatchOutcome> => {
    throw new FirestepError('INTERNAL', `read-only CLI store asked to dispatch ${command.id}`);
  },
  correlationKeys: () => [],
};

/** How long closing a project's client waits for calls still in flight. */
const CLOSE_WAIT_MS = 1000;

/**
 * Open the store of a project.
 *
 * @example
 * const { store, close } = await openProjectStore({ project: 'my-proj' });
 * const head = await store.getHead(executionId);
 * await close();
 */
export async function openProjectStore(
  flags: ProjectFlags,
  dispatcher: CommandDispatcher = readOnlyDispatcher,
  traceKey?: string,
): Promise<ProjectStore> {
  const projectId = resolveProjectId(flags);
  const emulator = process.env.FIRESTORE_EMULATOR_HOST || undefined;
  // On the emulator there is no metadata server to ask for credentials; don't wait for one.
  if (emulator) process.env.METADATA_SERVER_DETECTION ??= 'none';
  else await requireCredentials(projectId);
  const db = new Firestore({ projectId, ...(emulator ? { host: emulator, ssl: false } : {}) });
  const store = new ExecutionStore({ db, dispatcher, ...(traceKey === undefined ? {} : { traceKey }) });
  return {
    projectId,
    emulator,
    db,
    store,
    close: async () => {
      // terminate() waits for calls in flight; after a request budget ran out (Firestore not
      // answering) that is forever, so give it a moment and leave the rest to process exit.
      let timer: NodeJS.Timeout | undefined;
      const moment = new Promise<void>((done) => {
        timer = setTimeout(done, CLOSE_WAIT_MS);
        timer.unref();
      });
      await Promise.race([db.terminate().catch(() => {}), moment]);
      clearTimeout(timer);
    },
  };
}

/**
 * Fail with one line and a hint when there are no application-default credentials, before the
 * Firestore client looks for them itself (its failure is an unhandled rejection: a Node stack).
 */
async function requireCredentials(projectId: string): Promise<void> {
  const { GoogleAuth } = await import('google-auth-library');
  try {
    await new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/datastore'] }).getClient();
  } catch (e) {
    throw new FirestepError(
      'CONFIG',
      `no Google credentials to reach Firestore of project "${projectId}" (${firstSentence(e)}); run \`gcloud auth application-default login\`, or set FIRESTORE_EMULATOR_HOST for the emulator, or use --local for local runs`,
      { cause: e },
    );
  }
}

function firstSentence(e: unknown): string {
  return String((e as Error)?.message ?? e).split('. ')[0] ?? '';
}
