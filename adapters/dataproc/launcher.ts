/**
 * Launches Dataproc inline workflow templates (`projects.regions.workflowTemplates.instantiateInline`)
 * with a `requestId` derived from the command: a relaunch gets the same long-running operation back.
 * Dataproc writes no completion line firestep parses, so completion is read from the operation:
 * `probe` (operations.get) on a timer in the cloud, or `DataprocPoller` in local runs.
 */
import type { dataproc_v1 } from 'googleapis/build/src/apis/dataproc/index.js';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { Json } from '../../engine/flow/model.ts';
import type { CorrelationKey, Launcher, LaunchResult, ProbeResult } from '../../engine/ports/index.ts';
import { type ContextOptions, callbackKey } from '../shared/context.ts';
import type { ApiAuth } from '../shared/id-token.ts';
import { classifyLaunchError, configFailure } from '../shared/launch-errors.ts';
import { resolveLocation, type TargetDefaults } from '../shared/location.ts';
import { dataprocRequestId, inlineWorkflow, labelValue } from './workflow.ts';

export interface DataprocLauncherOptions {
  context: ContextOptions;
  defaults?: TargetDefaults;
  /** googleapis `rootUrl` (the fake's URL locally); default `https://dataproc.googleapis.com/`. */
  rootUrl?: string;
  auth?: ApiAuth;
  requestTimeoutMs?: number;
}

/** Operation → step outcome: not done → running; done with `error` → failed; done → succeeded. */
export function operationOutcome(op: dataproc_v1.Schema$Operation): ProbeResult {
  if (!op.done) return { state: 'running' };
  const metadata = (op.metadata ?? {}) as Record<string, unknown>;
  const graph = (metadata.graph ?? {}) as { nodes?: Json[] };
  if (op.error)
    return {
      state: 'failed',
      error: {
        name: 'States.TaskFailed',
        kind: 'job',
        message: `Dataproc workflow ${op.name ?? ''} failed: ${op.error.message ?? `code ${op.error.code}`}`,
        cause: { operation: op.name ?? null, code: op.error.code ?? null, nodes: graph.nodes ?? [] },
      },
    };
  return {
    state: 'succeeded',
    output: {
      operation: op.name ?? null,
      clusterName: typeof metadata.clusterName === 'string' ? metadata.clusterName : null,
      jobs: graph.nodes ?? [],
    },
  };
}

/**
 * @example
 * const launcher = new DataprocLauncher({ context, rootUrl: fake.url, auth });
 * const result = await launcher.launch(command); // → receipt.operation = 'projects/p/regions/r/operations/…'
 */
export class DataprocLauncher implements Launcher {
  readonly targetType = 'Dataproc' as const;
  #api: Promise<dataproc_v1.Dataproc> | undefined;
  readonly #timeout: number;

  constructor(private readonly opts: DataprocLauncherOptions) {
    this.#timeout = opts.requestTimeoutMs ?? 30_000;
  }

  /** The REST client, loaded on first use so that a cold start that never launches one stays light. */
  #client(): Promise<dataproc_v1.Dataproc> {
    this.#api ??= import('googleapis/build/src/apis/dataproc/index.js').then(({ dataproc }) =>
      dataproc({
        version: 'v1',
        ...(this.opts.rootUrl ? { rootUrl: this.opts.rootUrl } : {}),
        // googleapis bundles its own copy of google-auth-library; the client is the same at runtime.
        ...(this.opts.auth ? { auth: this.opts.auth as unknown as dataproc_v1.Options['auth'] } : {}),
      }),
    );
    return this.#api;
  }

  /** Known before launch: only the callback token (the operation name comes back from the launch). */
  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [callbackKey(this.opts.context, command)];
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'Dataproc')
      return configFailure(`DataprocLauncher cannot launch a ${target.type} target`);
    const loc = resolveLocation(target, this.opts.defaults ?? {});
    if ('missing' in loc) return configFailure(loc.missing);
    const requestId = dataprocRequestId(command.executionId, command.id);
    const body = inlineWorkflow(target.workflow, command.input, {
      'firestep-target': labelValue(target.name),
      'firestep-execution': labelValue(command.executionId),
      'firestep-attempt': String(command.attempt),
    });
    try {
      const res = await (await this.#client()).projects.regions.workflowTemplates.instantiateInline(
        {
          parent: `projects/${loc.project}/regions/${loc.region}`,
          requestId,
          requestBody: body as dataproc_v1.Schema$WorkflowTemplate,
        },
        { retry: false, timeout: this.#timeout },
      );
      const operation = res.data.name;
      if (!operation)
        return classifyLaunchError(new Error('the answer named no operation'), 'Dataproc instantiateInline');
      const receipt: Receipt = {
        target: 'Dataproc',
        operation,
        requestId,
        projectId: loc.project,
        region: loc.region,
      };
      return {
        status: 'launched',
        receipt,
        extraCorrelationKeys: [{ kind: 'dataprocOperation', value: operation }],
      };
    } catch (e) {
      return classifyLaunchError(
        e,
        `Dataproc instantiateInline of "${target.name}" in ${loc.project}/${loc.region}`,
      );
    }
  }

  async probe(_command: LaunchCommand, receipt: Receipt): Promise<ProbeResult> {
    if (typeof receipt.operation !== 'string') return { state: 'unknown' };
    const res = await (await this.#client()).projects.regions.operations.get(
      { name: receipt.operation },
      { retry: false, timeout: this.#timeout },
    );
    return operationOutcome(res.data);
  }
}
