/**
 * `firestep run <flow> --local [--input JSON] [--fail STEP[:N]]… [--hang STEP[:N]]… [--json]
 * [--speed N] [--name NAME] [--no-pubsub]`: run one execution end to end on this machine (see
 * cli/local/run-local.ts). Exit 0 SUCCEEDED, 2 FAILED or CANCELLED, 1 usage or system error.
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import type { Json } from '../../engine/flow/model.ts';
import { type Io, processIo } from '../render/colors.ts';

export interface RunFlags {
  local?: boolean;
  input?: string;
  fail?: string[];
  hang?: string[];
  output?: string[];
  json?: boolean;
  speed?: string;
  name?: string;
  pubsub?: boolean;
  project?: string;
}

/**
 * Parse `--input`: JSON text, or `@file.json` to read it from a file.
 *
 * @example parseInput('{"mode":"full"}') // { mode: 'full' }
 */
export async function parseInput(text: string | undefined): Promise<Json> {
  if (text === undefined) return {};
  let source = text;
  let where = '--input';
  if (text.startsWith('@')) {
    const { readFile } = await import('node:fs/promises');
    where = `--input ${text}`;
    source = await readFile(text.slice(1), 'utf8').catch((e: Error) => {
      throw new FirestepError('CONFIG', `${where}: cannot read the file (${e.message})`);
    });
  }
  try {
    return JSON.parse(source) as Json;
  } catch (e) {
    throw new FirestepError(
      'CONFIG',
      `${where} is not valid JSON (${(e as Error).message}); quote it for the shell, e.g. --input '{"mode":"full"}'`,
    );
  }
}

function parseSpeed(text: string | undefined): number {
  if (text === undefined) return 1;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new FirestepError(
      'CONFIG',
      `--speed ${text}: must be a positive number (e.g. 10 runs a 60 s Wait in 6 s)`,
    );
  }
  return speed;
}

/**
 * Run a flow file locally; resolves with the exit code.
 *
 * @example await run('examples/sample-dag.json', { local: true, json: true }, processIo());
 */
export async function run(flowFile: string, flags: RunFlags, io: Io, abort?: AbortSignal): Promise<number> {
  if (!flags.local) {
    throw new FirestepError(
      'CONFIG',
      'run needs --local (runs on this machine against the emulators and fakes); to run on a project use `firestep start`',
    );
  }
  const input = await parseInput(flags.input);
  const speed = parseSpeed(flags.speed);
  const [{ loadFlowFile }, { runLocal }] = await Promise.all([
    import('../flow-file.ts'),
    import('../local/run-local.ts'),
  ]);
  const definition = await loadFlowFile(flowFile);
  const { liveDev } = await import('../local/dev-client.ts');
  const dev = flags.pubsub === false || flags.project !== undefined ? undefined : await liveDev();
  const commandPrefix = process.env.npm_lifecycle_event ? 'npm run --silent firestep --' : 'npx firestep';
  if (dev) {
    if (speed !== 1)
      io.stderr.write('firestep: --speed is ignored on firestep dev (start dev with --speed)\n');
    const { runOnDev } = await import('../local/run-dev.ts');
    const result = await runOnDev(dev, {
      definition,
      input,
      fail: flags.fail ?? [],
      hang: flags.hang ?? [],
      json: flags.json === true,
      ...(flags.name === undefined ? {} : { name: flags.name }),
      io,
      ...(abort ? { abort } : {}),
      commandPrefix,
    });
    return result.exitCode;
  }
  const result = await runLocal({
    definition,
    input,
    fail: flags.fail ?? [],
    hang: flags.hang ?? [],
    output: flags.output ?? [],
    json: flags.json === true,
    speed,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.pubsub === false ? { pubsub: false } : {}),
    ...(flags.project === undefined ? {} : { projectId: flags.project }),
    io,
    ...(abort ? { abort } : {}),
    commandPrefix,
  });
  return result.exitCode;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function command(): Command {
  return new Command('run')
    .description('run an execution end to end on this machine (emulators + fake targets)')
    .argument('<flow>', 'flow file: .json (reference format) or .ts (default export)')
    .option(
      '--local',
      'run locally: on a running `firestep dev`, else on emulators and fake Cloud Functions / Dataflow of its own',
    )
    .option('--input <json>', 'execution input as JSON (or @file.json)', undefined)
    .option('--fail <step[:n]>', "make the step's target fail (first n attempts; repeatable)", collect)
    .option(
      '--hang <step[:n]>',
      "make the step's target never finish (first n attempts; repeatable)",
      collect,
    )
    .option(
      '--output <step=json>',
      "make the step's target return this JSON (CloudFunction, Http; repeatable)",
      collect,
    )
    .option('--json', 'print each event as one JSON line as it is appended, nothing else')
    .option('--speed <n>', 'run Wait / retry / timeout timers n times faster', undefined)
    .option('--name <name>', 'execution name (the execution id is <flowId>~<name>)')
    .option('--project <id>', 'project id on the emulators (default firestep-local)')
    .option(
      '--no-pubsub',
      'deliver log entries to the engine directly instead of through the Pub/Sub emulator',
    )
    .action(async (flow: string, flags: RunFlags) => {
      // Engine log lines go to stdout below WARNING: keep them out of the table and of --json.
      const level = (process.env.FIRESTEP_LOG ?? '').toLowerCase();
      if (level === '' || (flags.json && (level === 'info' || level === 'debug')))
        process.env.FIRESTEP_LOG = 'error';
      process.env.METADATA_SERVER_DETECTION ??= 'none';
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        process.stderr.write('\nfirestep: cancelling the execution (Ctrl-C again to quit at once)\n');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        process.exitCode = await run(flow, flags, processIo(), abort.signal);
      } finally {
        process.off('SIGINT', onSigint);
      }
      // Client libraries may keep sockets open for a while after close; do not wait for them.
      setTimeout(() => process.exit(), 1000).unref();
    });
}
