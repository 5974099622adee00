/**
 * `.firestep/dev.json`: how a running `firestep dev` is found by the other `--local` commands. The
 * file names the process and its URLs; it counts only while that process is alive and its server
 * answers, so a file left behind by a killed `dev` is ignored (and replaced by the next `dev`).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What `dev` writes, for people and for the CLI. */
export interface DevInfo {
  pid: number;
  /** The web console, e.g. `http://127.0.0.1:8080/`. */
  consoleUrl: string;
  /** The API function's routes (`/v1/…`) on the same server. */
  apiUrl: string;
  /** Control routes the CLI uses (`/dev/…`). */
  controlUrl: string;
  projectId: string;
  /** `host:port` of the Firestore emulator (FIRESTORE_EMULATOR_HOST). */
  firestoreHost: string;
  /** `host:port` of the Pub/Sub emulator, when signals go through it. */
  pubsubHost?: string;
  /** The fakes' URLs. */
  fakes: { functions: string; dataflow: string; dataproc: string; http: string; storage?: string };
  flowsDirs: string[];
  startedAt: string;
}

/** Default place of the file, under the working directory's `.firestep/`. */
export function devInfoPath(cwd: string = process.cwd()): string {
  return join(cwd, '.firestep', 'dev.json');
}

/**
 * Write the file (creating `.firestep/`).
 *
 * @example await writeDevInfo(info); // .firestep/dev.json
 */
export async function writeDevInfo(info: DevInfo, path: string = devInfoPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(info, null, 2)}\n`);
}

/** Remove the file if it still names this process. */
export async function removeDevInfo(pid: number, path: string = devInfoPath()): Promise<void> {
  const info = await readDevFile(path);
  if (info?.pid === pid) await rm(path, { force: true });
}

async function readDevFile(path: string): Promise<DevInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<DevInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.controlUrl !== 'string') return undefined;
    return parsed as DevInfo;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The running `dev` named by the file, or `undefined` when there is none (no file, dead process, or
 * a server that does not answer its health check within a second).
 *
 * @example const dev = await findDev(); if (dev) console.log(dev.consoleUrl);
 */
export async function findDev(path: string = devInfoPath()): Promise<DevInfo | undefined> {
  const info = await readDevFile(path);
  if (!info || !alive(info.pid)) return undefined;
  try {
    const res = await fetch(`${info.controlUrl}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? info : undefined;
  } catch {
    return undefined;
  }
}
