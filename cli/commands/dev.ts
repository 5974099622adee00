/**
 * `firestep dev [--port 8080] [--flows DIR]… [--speed N]`: the long-running local environment —
 * Firestore and Pub/Sub emulators (reused or started on free ports), the fakes, the engine and API
 * handlers, timers and the web console — until Ctrl-C, which stops everything it started. Prints
 * its URLs and writes them to `.firestep/dev.json`, where the `--local` commands find it.
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import { processIo } from '../render/colors.ts';

export interface DevFlags {
  port?: string;
  flows?: string[];
  speed?: string;
  project?: string;
  /** commander's `--no-schedules`: false turns the local schedules off. */
  schedules?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `2 schedules armed, next 2026-01-01T02:00:00.000Z (nightly-schedule#0)`. */
function triggerLine(armed: Map<string, string>, on: boolean): string {
  if (!on) return 'schedules off (--no-schedules)';
  const first = [...armed].sort((a, b) => a[1].localeCompare(b[1]))[0];
  if (first === undefined) return 'no schedules';
  return `${armed.size} schedule${armed.size === 1 ? '' : 's'} armed, next ${first[1]} (${first[0]})`;
}

export function command(): Command {
  return new Command('dev')
    .description('local environment: emulators, fakes, engine, API, timers and the web console, until Ctrl-C')
    .option('--port <port>', 'web console port (default 8080; a busy port falls back to a free one)')
    .option(
      '--flows <dir>',
      'flows directory to register and watch (repeatable; default flows/ and examples/)',
      collect,
    )
    .option('--speed <n>', 'run Wait / retry / timeout timers n times faster', undefined)
    .option('--project <id>', 'project id on the emulators (default firestep-local)')
    .option('--no-schedules', "do not fire the flows' schedules on the local clock")
    .action(async (flags: DevFlags) => {
      const io = processIo();
      process.env.FIRESTEP_LOG ??= 'warn';
      process.env.METADATA_SERVER_DETECTION ??= 'none';
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
        throw new FirestepError(
          'CONFIG',
          `--port ${flags.port}: expected a port number (0 picks a free one)`,
        );
      const speed = flags.speed === undefined ? 1 : Number(flags.speed);
      if (!Number.isFinite(speed) || speed <= 0)
        throw new FirestepError('CONFIG', `--speed ${flags.speed}: must be a positive number`);
      const { startDevServer } = await import('../../console/dev-server.ts');
      const server = await startDevServer({
        flowsDirs: flags.flows ?? ['flows', 'examples'],
        ...(port === undefined ? {} : { port }),
        timerSpeedup: speed,
        schedules: flags.schedules !== false,
        ...(flags.project === undefined ? {} : { projectId: flags.project }),
      });
      const { info, dev } = server;
      for (const note of server.notes) io.stderr.write(`firestep: ${note}\n`);
      const flows = dev.flows().map((f) => f.definition.id);
      io.stdout.write(
        [
          `firestep dev is up (Ctrl-C stops it)`,
          `  console    ${info.consoleUrl}`,
          `  api        ${info.apiUrl}`,
          `  firestore  ${info.firestoreHost}${info.pubsubHost ? `   pubsub ${info.pubsubHost}` : ''}`,
          `  flows      ${flows.join(', ') || '(none)'} from ${info.flowsDirs.join(', ')} (re-registered on change)`,
          `  triggers   ${triggerLine(server.triggers.armed(), flags.schedules !== false)}; storage fake ${info.fakes.storage ?? ''}`,
          `  written to .firestep/dev.json; now \`run --local\`, \`start --local\`, \`status --local\`, \`cancel --local\` … use it`,
          '',
        ].join('\n'),
      );
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(130);
        stopping = true;
        io.stderr.write('\nfirestep: stopping dev\n');
        server.close().finally(() => process.exit(0));
        setTimeout(() => process.exit(0), 8000).unref();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await new Promise(() => {});
    });
}
