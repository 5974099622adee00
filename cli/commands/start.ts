/**
 * `firestep start <flowFile|flowId> [--input JSON] [--name NAME] [--flows DIR] [--project P]`: start
 * an execution on a project and print its id (with `--json`, the head). Idempotent with `--name`:
 * the same name and input return the existing execution.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import type { ProjectFlags } from '../../runtime/local/project.ts';
import type { WriterStore } from '../../runtime/local/writer.ts';
import { type Io, processIo } from '../render/colors.ts';
import { parseInput } from './run.ts';

export interface StartFlags extends ProjectFlags {
  input?: string;
  name?: string;
  flows?: string;
  json?: boolean;
  /** Start on the running `firestep dev`. */
  local?: boolean;
}

/** A flow file path, or a flow id looked up in the flows directory. */
export async function resolveFlow(flow: string, flowsDir: string | undefined): Promise<FlowDefinition> {
  if (/\.(json|[mc]?[jt]s)$/.test(flow) || existsSync(flow))
    return (await import('../flow-file.ts')).loadFlowFile(flow);
  const dir = flowsDir ?? process.env.FIRESTEP_FLOWS_DIR ?? 'flows';
  const { FlowRegistry } = await import('../../runtime/registry/registry.ts');
  const found = (await FlowRegistry.fromDirectory(dir)).get(flow);
  if (!found)
    throw new FirestepError('CONFIG', `no flow "${flow}": not a file, and not a flow id in ${dir}/`);
  return found;
}

/**
 * Start; resolves with the exit code. `writer` lets tests pass a store of their own.
 *
 * @example await start('examples/sample-dag.json', { input: '{"day":"2026-01-01"}', name: 'nightly-2026-01-01' }, processIo());
 */
export async function start(flow: string, flags: StartFlags, io: Io, writer?: WriterStore): Promise<number> {
  const input = await parseInput(flags.input);
  if (flags.local) {
    const { devStart, requireDev } = await import('../local/dev-client.ts');
    const dev = await requireDev('start');
    const isFile = /\.(json|[mc]?[jt]s)$/.test(flow) || existsSync(flow);
    const started = await devStart(dev, {
      ...(isFile ? { definition: await resolveFlow(flow, flags.flows) } : { flowId: flow }),
      input,
      ...(flags.name === undefined ? {} : { name: flags.name }),
    });
    io.stdout.write(
      flags.json
        ? `${JSON.stringify(started)}\n`
        : `${started.executionId}${started.created ? '' : ' (already started with this name and input)'}\n`,
    );
    return 0;
  }
  const definition = await resolveFlow(flow, flags.flows);
  const { openWriterStore } = await import('../../runtime/local/writer.ts');
  const w = writer ?? (await openWriterStore(flags, { needsLaunch: true, definitions: [definition] }));
  try {
    const result = await w.store.startExecution(definition, input, {
      ...(flags.name === undefined ? {} : { name: flags.name }),
      source: { kind: 'api', id: 'cli' },
    });
    if (flags.json)
      io.stdout.write(
        `${JSON.stringify({ executionId: result.executionId, created: result.created, head: result.head })}\n`,
      );
    else
      io.stdout.write(
        `${result.executionId}${result.created ? '' : ' (already started with this name and input)'}\n`,
      );
    if (w.mode === 'deferred' && result.created)
      io.stderr.write("firestep: the first steps are launched by the project's engine\n");
    return 0;
  } finally {
    if (!writer) await w.close();
  }
}

export function command(): Command {
  return new Command('start')
    .description('start an execution on a project (Firestore, or the emulator with FIRESTORE_EMULATOR_HOST)')
    .argument('<flow>', 'flow file (.json / .ts) or flow id in the flows directory')
    .option('--input <json>', 'execution input as JSON (or @file.json)')
    .option('--name <name>', 'idempotent execution name: the same name and input return the same execution')
    .option('--flows <dir>', 'flows directory for a flow id (default FIRESTEP_FLOWS_DIR or flows/)')
    .option('--json', 'print {executionId, created, head} as JSON')
    .option('--project <id>', 'Firestore project (default GOOGLE_CLOUD_PROJECT)')
    .option('--local', 'start on the running `firestep dev` (a flow file, or a flow id it registered)')
    .action(async (flow: string, flags: StartFlags) => {
      process.env.FIRESTEP_LOG ??= 'error';
      process.exitCode = await start(flow, flags, processIo());
    });
}
