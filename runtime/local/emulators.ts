/**
 * Finds or starts the Firestore and Pub/Sub emulators for local runs and tests, in the order the
 * project promises: an already running one (`FIRESTORE_EMULATOR_HOST` / `PUBSUB_EMULATOR_HOST`), then
 * `gcloud`, then the jar named by `FIRESTEP_FIRESTORE_EMULATOR_JAR` / `FIRESTEP_PUBSUB_EMULATOR_JAR`
 * (Java 17+). An emulator this module started is stopped by `stop()` (and when the process exits).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { FirestepError } from '../../engine/errors.ts';

export type EmulatorKind = 'firestore' | 'pubsub';

export interface RunningEmulator {
  kind: EmulatorKind;
  /** `host:port`, the value for FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST. */
  host: string;
  /** How it was found: reused from the environment, or started here. */
  origin: 'env' | 'gcloud' | 'jar';
  stop(): Promise<void>;
}

const ENV_HOST: Record<EmulatorKind, string> = {
  firestore: 'FIRESTORE_EMULATOR_HOST',
  pubsub: 'PUBSUB_EMULATOR_HOST',
};
const ENV_JAR: Record<EmulatorKind, string> = {
  firestore: 'FIRESTEP_FIRESTORE_EMULATOR_JAR',
  pubsub: 'FIRESTEP_PUBSUB_EMULATOR_JAR',
};

/** Ask the OS for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function isUp(host: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function hasGcloud(): boolean {
  const r = spawnSync('gcloud', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function startProcess(
  kind: EmulatorKind,
  port: number,
  jar: string | undefined,
): [ChildProcess, 'gcloud' | 'jar'] {
  const hostPort = `127.0.0.1:${port}`;
  if (jar === undefined) {
    const args =
      kind === 'firestore'
        ? ['emulators', 'firestore', 'start', `--host-port=${hostPort}`]
        : ['beta', 'emulators', 'pubsub', 'start', `--host-port=${hostPort}`];
    return [spawn('gcloud', args, { stdio: 'ignore', detached: true }), 'gcloud'];
  }
  const args =
    kind === 'firestore'
      ? [
          '-Duser.language=en',
          '-cp',
          jar,
          'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
          'start',
          '--host=127.0.0.1',
          `--port=${port}`,
        ]
      : ['-jar', jar, '--host=127.0.0.1', `--port=${port}`];
  return [spawn('java', args, { stdio: 'ignore', detached: true }), 'jar'];
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

export interface EnsureOptions {
  /** Jar to use when neither the env var nor gcloud provide an emulator (tests pass a fallback). */
  fallbackJar?: string;
  /** Ignore an emulator named in the environment and start a fresh one. */
  fresh?: boolean;
  /** How long to wait for readiness (default 60 s). */
  timeoutMs?: number;
}

/**
 * Reuse or start an emulator.
 *
 * @example
 * const fs = await ensureEmulator('firestore');
 * process.env.FIRESTORE_EMULATOR_HOST = fs.host;
 * // … later
 * await fs.stop();
 */
export async function ensureEmulator(kind: EmulatorKind, opts: EnsureOptions = {}): Promise<RunningEmulator> {
  const existing = process.env[ENV_HOST[kind]];
  if (existing && !opts.fresh) {
    if (await isUp(existing)) return { kind, host: existing, origin: 'env', stop: async () => {} };
    throw new FirestepError(
      'CONFIG',
      `${ENV_HOST[kind]}=${existing} but nothing answers there; start the ${kind} emulator or unset the variable`,
    );
  }
  const jar = process.env[ENV_JAR[kind]] || undefined;
  const useGcloud = jar === undefined && hasGcloud();
  const chosenJar = useGcloud ? undefined : (jar ?? opts.fallbackJar);
  if (!useGcloud && chosenJar === undefined) {
    throw new FirestepError(
      'CONFIG',
      `no ${kind} emulator: set ${ENV_HOST[kind]} to a running one, install gcloud ` +
        `(gcloud components install ${kind === 'firestore' ? 'cloud-firestore-emulator' : 'pubsub-emulator'}), ` +
        `or set ${ENV_JAR[kind]} to the emulator jar (needs Java 17+)`,
    );
  }
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const [child, origin] = startProcess(kind, port, chosenJar);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const onExit = () => killTree(child);
  process.once('exit', onExit);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!(await isUp(host))) {
    if (exited || Date.now() > deadline) {
      killTree(child);
      throw new FirestepError(
        'CONFIG',
        `the ${kind} emulator (${origin}${chosenJar ? ` ${chosenJar}` : ''}) did not become ready on ${host}` +
          (exited ? ': the process exited (is Java 17+ installed?)' : ''),
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    kind,
    host,
    origin,
    stop: async () => {
      process.removeListener('exit', onExit);
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      killTree(child);
      await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

/** Delete every document of one project in the Firestore emulator. */
export async function wipeFirestore(host: string, projectId: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
    method: 'DELETE',
  });
  if (!res.ok)
    throw new FirestepError('INTERNAL', `wiping emulator project ${projectId} failed: HTTP ${res.status}`);
}
