/**
 * The long-running local environment behind `firestep dev`: one local environment (emulators,
 * fakes, engine, timers, signal bus) shared by every run started while it is up, the flows of the
 * watched directories (re-registered when a file changes), a sweep that dispatches commands other
 * processes recorded, and the operations the CLI and the console call (start a run with its fault
 * plan, cancel, redrive). HTTP lives elsewhere (console/dev-server.ts); this module has no server.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SignalSource } from '../../engine/core/events.ts';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import { log } from '../../engine/log.ts';
import { namedExecutionId } from '../../engine/store/index.ts';
import type { StartResult } from '../../engine/store/types.ts';
import { type FileProblem, scanFlowDirectory } from '../registry/load-directory.ts';
import { FlowRegistry } from '../registry/registry.ts';
import type { Runtime } from '../runtime.ts';
import { type ActionOutcome, cancelExecution, redriveExecution } from './actions.ts';
import { type LocalEnvironment, startLocalEnvironment } from './environment.ts';
import { programFakes } from './fakes.ts';
import { type FaultPlan, parseFaults } from './faults.ts';
import { attemptBound, localRunName } from './run-naming.ts';

export interface DevOptions {
  /** Directories whose flows are registered (missing ones are skipped). */
  flowsDirs: string[];
  projectId?: string;
  timerSpeedup?: number;
  functionMs?: number;
  jobMs?: number;
  /** How often commands recorded elsewhere are dispatched (default 1000 ms). */
  sweepMs?: number;
}

/** A run as the CLI or the console asks for it. */
export interface DevRunRequest {
  /** The definition to run (a flow file the caller loaded), or … */
  definition?: FlowDefinition;
  /** … the id of a registered flow. */
  flowId?: string;
  input?: Json;
  name?: string;
  fail?: string[];
  hang?: string[];
  /** `$.trigger` of the execution (a schedule tick fired by hand, a fake storage event …). */
  trigger?: Json;
}

/** The `file` of a flow `dev` runs by file, not from a watched directory (its triggers are not armed). */
export const RUN_BY_FILE = '(run by file)';

/** A registered flow and the file it came from. */
export interface DevFlow {
  definition: FlowDefinition;
  file: string;
}

export interface DevEnvironment {
  env: LocalEnvironment;
  runtime: Runtime;
  /** Registered flows (watched directories, then flows run by file), by id. */
  flows(): DevFlow[];
  /** Problems of the last scan of the watched directories. */
  problems(): FileProblem[];
  /** A registry view for handlers that look flows up by id (the API's POST /v1/executions). */
  registry(): FlowRegistry;
  startRun(request: DevRunRequest): Promise<StartResult & { executionId: string }>;
  cancel(executionId: string, reason?: string, source?: SignalSource): Promise<ActionOutcome>;
  redrive(executionId: string, source?: SignalSource): Promise<ActionOutcome>;
  /** Called after every re-registration. */
  onFlowsChanged(listener: () => void): void;
  close(): Promise<void>;
}

async function existingDirs(dirs: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory()) found.push(resolve(dir));
  }
  return found;
}

async function scanAll(
  dirs: string[],
  version: string | undefined,
): Promise<{ flows: Map<string, DevFlow>; problems: FileProblem[] }> {
  const flows = new Map<string, DevFlow>();
  const problems: FileProblem[] = [];
  for (const dir of dirs) {
    const scan = await scanFlowDirectory(dir, version === undefined ? {} : { version });
    problems.push(...scan.problems.map((p) => ({ file: `${dir}/${p.file}`, message: p.message })));
    for (const source of scan.flows) {
      const earlier = flows.get(source.definition.id);
      if (earlier) {
        problems.push({
          file: source.file,
          message: `flow id "${source.definition.id}" is already registered from ${earlier.file}; this one is skipped`,
        });
        continue;
      }
      flows.set(source.definition.id, { definition: source.definition, file: source.file });
    }
  }
  return { flows, problems };
}

/**
 * Bring the dev environment up.
 *
 * @example
 * const dev = await startDevEnvironment({ flowsDirs: ['flows', 'examples'] });
 * const { executionId } = await dev.startRun({ flowId: 'sample-dag', input: {} });
 * await dev.close();
 */
export async function startDevEnvironment(opts: DevOptions): Promise<DevEnvironment> {
  const dirs = await existingDirs(opts.flowsDirs);
  let scanned = await scanAll(dirs, undefined);
  /** Flows run by file (`run --local file.json`) that the directories do not hold. */
  const adHoc = new Map<string, DevFlow>();
  const plans = new Map<string, FaultPlan>();
  const listeners: Array<() => void> = [];
  const all = (): Map<string, DevFlow> => new Map([...adHoc, ...scanned.flows]);
  let registry = FlowRegistry.of([...all().values()].map((f) => f.definition));

  const env = await startLocalEnvironment({
    definitions: [...scanned.flows.values()].map((f) => f.definition),
    ...(opts.projectId === undefined ? {} : { projectId: opts.projectId }),
    timerSpeedup: opts.timerSpeedup ?? 1,
    ...(opts.functionMs === undefined ? {} : { functionMs: opts.functionMs }),
    ...(opts.jobMs === undefined ? {} : { jobMs: opts.jobMs }),
  });
  const { runtime } = env;
  const where = `the dev environment (project ${env.projectId})`;

  const register = async (def: FlowDefinition): Promise<void> => {
    // Every run reprograms the fakes for its flow; faults are looked up per execution.
    await env.prepareTopics(def);
  };
  for (const f of scanned.flows.values()) await register(f.definition);
  for (const p of scanned.problems) log.warn(`dev: ${p.file}: ${p.message}`);

  const rebuild = () => {
    registry = FlowRegistry.of([...all().values()].map((f) => f.definition));
  };

  let rescanning: Promise<void> | undefined;
  let again = false;
  const rescan = () => {
    if (rescanning) {
      again = true;
      return;
    }
    rescanning = (async () => {
      do {
        again = false;
        try {
          scanned = await scanAll(dirs, String(Date.now()));
          for (const id of scanned.flows.keys()) adHoc.delete(id);
          for (const f of scanned.flows.values()) await register(f.definition);
          rebuild();
          log.info('dev: flows registered', {
            flows: [...scanned.flows.values()].map(
              (f) => `${f.definition.id} ${f.definition.hash.slice(0, 12)}`,
            ),
            problems: scanned.problems.length,
          });
          for (const l of listeners) l();
        } catch (e) {
          log.warn(`dev: rescanning the flows failed: ${(e as Error).message}`);
        }
      } while (again);
    })().finally(() => {
      rescanning = undefined;
    });
  };
  let debounce: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = dirs.map((dir) =>
    watch(dir, () => {
      clearTimeout(debounce);
      debounce = setTimeout(rescan, 150);
    }),
  );

  // Commands another process recorded (a `cancel` through the emulator) wait in the outbox.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = setInterval(() => {
    sweeping = runtime.store.sweepPending().catch(() => {});
  }, opts.sweepMs ?? 1000);

  const resolveDefinition = (request: DevRunRequest): FlowDefinition => {
    if (request.definition) return request.definition;
    const found = request.flowId === undefined ? undefined : all().get(request.flowId);
    if (!found) {
      const known = [...all().keys()].join(', ') || 'none';
      throw new FirestepError(
        'CONFIG',
        `no flow "${request.flowId ?? ''}" is registered in ${where} (registered: ${known})`,
      );
    }
    return found.definition;
  };

  return {
    env,
    runtime,
    flows: () => [...all().values()].sort((a, b) => a.definition.id.localeCompare(b.definition.id)),
    problems: () => scanned.problems,
    registry: () => registry,
    async startRun(request) {
      const def = resolveDefinition(request);
      const plan = parseFaults(def.flow, { fail: request.fail ?? [], hang: request.hang ?? [] });
      const name = request.name ?? localRunName('dev');
      const executionId = namedExecutionId(def.id, name);
      if (!scanned.flows.has(def.id) || scanned.flows.get(def.id)?.definition.hash !== def.hash) {
        adHoc.set(def.id, { definition: def, file: RUN_BY_FILE });
        rebuild();
      }
      await register(def);
      plans.set(executionId, plan);
      programFakes(env.fakes, def, executionId, plan, {
        maxAttempts: attemptBound(def),
        planFor: (id) => plans.get(id),
        ...(opts.functionMs === undefined ? {} : { functionMs: opts.functionMs }),
      });
      const started = await runtime.store.startExecution(def, request.input ?? {}, {
        name,
        source: { kind: 'api', id: 'dev' },
        ...(request.trigger === undefined ? {} : { trigger: request.trigger }),
      });
      return { ...started, executionId };
    },
    cancel: (executionId, reason, source) =>
      cancelExecution(runtime.store, executionId, {
        ...(reason === undefined ? {} : { reason }),
        ...(source === undefined ? {} : { source }),
        where,
      }),
    redrive: (executionId, source) =>
      redriveExecution(runtime.store, executionId, { ...(source === undefined ? {} : { source }), where }),
    onFlowsChanged: (listener) => {
      listeners.push(listener);
    },
    close: async () => {
      clearInterval(sweep);
      clearTimeout(debounce);
      for (const w of watchers) w.close();
      await sweeping;
      await rescanning;
      await env.close();
    },
  };
}
