/**
 * `firestep signals parse FILE [--engine-function NAME]`: the answer to "why didn't my step
 * advance?". Reads JSON lines (LogEntries as `gcloud logging read --format=json` prints them one per
 * line, Pub/Sub push bodies, CloudEvents, callbacks) and prints, per input line and in order, what
 * firestep makes of it. Parse only: no Firestore, no network. Always exits 0 once the input was read
 * (rejected lines are the diagnosis, not an error); 1 if the file cannot be read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { FirestepError } from '../../engine/errors.ts';
import { summarize } from '../../engine/signals/observation.ts';
import {
  DEFAULT_API_FUNCTION,
  DEFAULT_ENGINE_FUNCTION,
  DEFAULT_MAX_BYTES,
  parse,
} from '../../engine/signals/parse.ts';

interface ParseCliOptions {
  engineFunction: string;
  apiFunction: string;
  maxBytes: number;
}

/**
 * Parse every line of a stream and write one summary line per input line.
 *
 * @example await parseLines(createReadStream('entries.jsonl'), process.stdout, { engineFunction: 'firestep-engine', … });
 */
export async function parseLines(
  input: NodeJS.ReadableStream,
  output: { write(chunk: string): unknown },
  opts: ParseCliOptions,
): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let count = 0;
  for await (const line of lines) {
    const observation = parse(line, {
      engineFunctionName: opts.engineFunction,
      apiFunctionName: opts.apiFunction,
      maxBytes: opts.maxBytes,
    });
    output.write(`${JSON.stringify(summarize(observation))}\n`);
    count++;
  }
  return count;
}

export function command(): Command {
  const signals = new Command('signals').description(
    'inspect completion signals (log entries, events, callbacks)',
  );
  signals
    .command('parse')
    .description(
      'print what firestep makes of each JSON line (LogEntry, Pub/Sub push body, CloudEvent, callback): ' +
        'kind, outcome, correlation fields, reason. Parse only; exit 0 even when lines are rejected',
    )
    .argument('<file>', 'JSON-lines file, or - for stdin')
    .option(
      '--engine-function <name>',
      "the engine function's name (its own entries are ignored)",
      DEFAULT_ENGINE_FUNCTION,
    )
    .option(
      '--api-function <name>',
      "the API function's name (its own entries are ignored)",
      DEFAULT_API_FUNCTION,
    )
    .option('--max-bytes <n>', 'reject lines larger than this', positiveInt, DEFAULT_MAX_BYTES)
    .action(async (file: string, opts: ParseCliOptions) => {
      const input = file === '-' ? process.stdin : createReadStream(file);
      try {
        await parseLines(input, process.stdout, opts);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new FirestepError(
          'CONFIG',
          `cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
        );
      }
    });
  return signals;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
