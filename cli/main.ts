/**
 * The `firestep` command (DESIGN.md §8). Each subcommand lives in cli/commands/<name>.ts and exports
 * a `Command`; this file only assembles them. Exit codes: 0 success / SUCCEEDED, 2 FAILED or
 * CANCELLED execution, 1 usage or system error.
 */
import { Command } from 'commander';

const program = new Command('firestep')
  .description('Event-sourced serverless orchestration on Google Cloud')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 1);
  });

// Subcommands (one module each; keep this list sorted).
const modules: Array<Promise<{ command: () => Command }>> = [
  import('./commands/cancel.ts'),
  import('./commands/export.ts'),
  import('./commands/graph.ts'),
  import('./commands/history.ts'),
  import('./commands/redrive.ts'),
  import('./commands/replay.ts'),
  import('./commands/run.ts'),
  import('./commands/signals.ts'),
  import('./commands/start.ts'),
  import('./commands/status.ts'),
  import('./commands/validate.ts'),
];
for (const m of await Promise.all(modules)) program.addCommand(m.command());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`firestep: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}\n`);
  process.exit(1);
}
