/**
 * `npm run bench -- <name|all> [--quick] [--json]`: runs benchmarks against the Firestore emulator
 * (found or started like `run --local`) and prints a table, or one JSON line per result.
 * Benchmarks never fail on a timing; they exit non-zero only when they could not run.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ensureEmulator, type RunningEmulator } from '../runtime/local/emulators.ts';
import { type BenchResult, printJson, printTable } from './report.ts';

export interface BenchContext {
  quick: boolean;
  /** `host:port` of the Firestore emulator. */
  firestoreHost: string;
  /** Progress notes (stderr), silent with --json. */
  note(message: string): void;
}

export type Bench = (ctx: BenchContext) => Promise<BenchResult[]>;

const BENCHES = ['transition', 'replay', 'history', 'fanin', 'coldstart', 'handoff', 'throughput'] as const;

async function loadBench(name: string): Promise<Bench> {
  const mod = (await import(`./benches/${name}.ts`)) as { run: Bench };
  return mod.run;
}

// Developer workspaces keep Google's emulator jars in ../shared/emulators; env vars and gcloud win.
function fallbackJar(): string | undefined {
  const jar = resolve(import.meta.dirname, '../../shared/emulators/cloud-firestore-emulator.jar');
  return existsSync(jar) ? jar : undefined;
}

const program = new Command('bench')
  .argument('<name>', `one of ${BENCHES.join(', ')}, or all`)
  .option('--quick', 'fewer samples (under a minute)')
  .option('--json', 'one JSON line per result')
  .action(async (name: string, opts: { quick?: boolean; json?: boolean }) => {
    const names = name === 'all' ? [...BENCHES] : [name];
    for (const n of names) {
      if (!(BENCHES as readonly string[]).includes(n)) {
        process.stderr.write(`bench: unknown benchmark "${n}"; choose one of ${BENCHES.join(', ')}, all\n`);
        process.exit(1);
      }
    }
    process.env.METADATA_SERVER_DETECTION = 'none';
    process.env.FIRESTEP_LOG ??= 'silent';
    let emulator: RunningEmulator | undefined;
    try {
      emulator = await ensureEmulator('firestore', { fallbackJar: fallbackJar() });
      process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
      const ctx: BenchContext = {
        quick: opts.quick === true,
        firestoreHost: emulator.host,
        note: (m) => {
          if (!opts.json) process.stderr.write(`${m}\n`);
        },
      };
      const all: BenchResult[] = [];
      for (const n of names) {
        ctx.note(`running ${n}${ctx.quick ? ' (quick)' : ''}…`);
        const results = await (await loadBench(n))(ctx);
        all.push(...results);
        if (opts.json) printJson(results);
      }
      if (!opts.json) printTable(all);
    } finally {
      await emulator?.stop();
    }
  });

await program.parseAsync(process.argv);
