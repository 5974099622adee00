/**
 * `firestep console (--project P | --emulator HOST [--project P]) [--port 8081] [--allow-actions]`:
 * the web console against a project's Firestore (application-default credentials) or an emulator.
 * Read-only unless `--allow-actions` (then Cancel / Redrive, the same code paths as the CLI).
 */
import { Command } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import { processIo } from '../render/colors.ts';

interface ConsoleFlags {
  project?: string;
  emulator?: string;
  port?: string;
  allowActions?: boolean;
}

export function command(): Command {
  return new Command('console')
    .description("web console for a project's executions (read-only unless --allow-actions)")
    .option('--project <id>', 'project whose Firestore holds the executions (default GOOGLE_CLOUD_PROJECT)')
    .option('--emulator <host:port>', 'read a Firestore emulator instead (project default firestep-local)')
    .option('--port <port>', 'port to serve on (default 8081)')
    .option('--allow-actions', 'offer Cancel and Redrive')
    .action(async (flags: ConsoleFlags) => {
      const io = processIo();
      process.env.FIRESTEP_LOG ??= 'warn';
      if (flags.emulator) process.env.METADATA_SERVER_DETECTION ??= 'none';
      const projectId =
        flags.project ??
        process.env.GOOGLE_CLOUD_PROJECT ??
        process.env.GCLOUD_PROJECT ??
        (flags.emulator ? 'firestep-local' : undefined);
      if (!projectId)
        throw new FirestepError(
          'CONFIG',
          'console needs --project PROJECT_ID (or --emulator HOST:PORT for an emulator)',
        );
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
        throw new FirestepError('CONFIG', `--port ${flags.port}: expected a port number`);
      const { startConsoleServer } = await import('../../console/project-server.ts');
      const server = await startConsoleServer({
        projectId,
        ...(flags.emulator ? { emulator: flags.emulator } : {}),
        ...(port === undefined ? {} : { port }),
        allowActions: flags.allowActions === true,
      });
      io.stdout.write(
        `firestep console for project ${projectId}${flags.emulator ? ` on ${flags.emulator}` : ''}: ${server.url}${flags.allowActions ? '' : ' (read-only)'}\n`,
      );
      process.on('SIGINT', () => {
        server.close().finally(() => process.exit(0));
      });
      await new Promise(() => {});
    });
}
