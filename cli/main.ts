/**
 * The `firestep` command (DESIGN.md §8). Each subcommand lives in cli/commands/<name>.ts and exports
 * a `Command`; this file only assembles them. Exit codes: 0 success / SUCCEEDED, 2 FAILED or
 * CANCELLED execution, 1 usage or system error.
 */
import { Command } from 'commander';

// A reader that stops early (`firestep signals parse big.jsonl | head -1`) closes the pipe: that
// ends the command quietly, as for any Unix filter, instead of an EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const program = new Command('firestep')
  .description('Event-sourced serverless orchestration on Google Cloud')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 1);
  });

// Subcommands, one module each (keep sorted). Only the module of the command being run is loaded,
// so `validate` does not pay for Firestore and the emulator tooling that `run` needs; `--help`
// (or an unknown command) loads them all to list them.
const COMMANDS: Record<string, () => Promise<{ command: () => Command }>> = {
  backfill: () => import('./commands/backfill.ts'),
  cancel: () => import('./commands/cancel.ts'),
  console: () => import('./commands/console.ts'),
  dev: () => import('./commands/dev.ts'),
  export: () => import('./commands/export.ts'),
  graph: () => import('./commands/graph.ts'),
  history: () => import('./commands/history.ts'),
  redrive: () => import('./commands/redrive.ts'),
  replay: () => import('./commands/replay.ts'),
  run: () => import('./commands/run.ts'),
  signals: () => import('./commands/signals.ts'),
  start: () => import('./commands/start.ts'),
  status: () => import('./commands/status.ts'),
  triggers: () => import('./commands/triggers.ts'),
  validate: () => import('./commands/validate.ts'),
};
const requested = process.argv.slice(2).find((a) => !a.startsWith('-'));
const load = requested && requested in COMMANDS ? [COMMANDS[requested]!] : Object.values(COMMANDS);
for (const m of await Promise.all(load.map((l) => l()))) program.addCommand(m.command());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`firestep: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}\n`);
  process.exit(1);
}
