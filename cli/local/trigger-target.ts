/**
 * Where `triggers fire` and `backfill` start their executions: the running `firestep dev`
 * (`--local`), or a project's Firestore (`--project`, or the emulator with FIRESTORE_EMULATOR_HOST).
 * Either way a start is the idempotent named start, so a tick that already has an execution
 * answers `created: false`.
 */
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';

export interface TriggeredStartRequest {
  input: Json;
  name: string;
  trigger: Json;
}

export interface TriggerTarget {
  start(req: TriggeredStartRequest): Promise<{ executionId: string; created: boolean }>;
  /** The execution's status (RUNNING, SUCCEEDED …), undefined when it does not exist. */
  status(executionId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * @example const target = await openTriggerTarget(def, { project: 'my-proj' }); await target.start({ input: {}, name, trigger });
 */
export async function openTriggerTarget(
  def: FlowDefinition,
  flags: ProjectFlags & { local?: boolean },
): Promise<TriggerTarget> {
  if (flags.local) {
    const { devStart, requireDev } = await import('./dev-client.ts');
    const dev = await requireDev('this command');
    const api = dev.apiUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    return {
      start: (req) => devStart(dev, { definition: def, ...req }),
      async status(executionId) {
        const res = await fetch(`${api}/v1/executions/${encodeURIComponent(executionId)}`);
        if (res.status === 404) return undefined;
        const body = (await res.json()) as { status?: string };
        return body.status;
      },
      close: async () => {},
    };
  }
  const { openWriterStore } = await import('../../runtime/local/writer.ts');
  const w = await openWriterStore(flags, { needsLaunch: true, definitions: [def] });
  return {
    async start(req) {
      const started = await w.store.startExecution(def, req.input, {
        name: req.name,
        trigger: req.trigger,
        source: { kind: 'api', id: 'cli' },
      });
      return { executionId: started.executionId, created: started.created };
    },
    status: async (executionId) => (await w.store.getHead(executionId))?.status,
    close: () => w.close(),
  };
}
