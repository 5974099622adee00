/** Shared fixtures for the flow tests: the reference sample DAG, parsed fresh for each use. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAMPLE_DAG_FILE = fileURLToPath(new URL('../../examples/sample-dag.json', import.meta.url));
export const SAMPLE_DAG_TEXT = readFileSync(SAMPLE_DAG_FILE, 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: tests mutate the raw JSON freely to build broken variants
export type RawFlow = any;

/** A fresh, mutable copy of the reference sample DAG as parsed JSON. */
export function sampleDag(): RawFlow {
  return JSON.parse(SAMPLE_DAG_TEXT);
}

/** `path: message` lines, the form the CLI prints. */
export function lines(problems: ReadonlyArray<{ path: string; message: string }>): string[] {
  return problems.map((p) => `${p.path}: ${p.message}`);
}

/** The error `run` throws (fails the test if it returns normally). */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but none was thrown');
}

/** The error the promise from `run` rejects with (fails the test if it resolves). */
export async function thrownAsync(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Extract (function) → Load (Dataflow flex, fed by Extract's output) → Route → Spark | Done. */
export function nightlyEtl(): RawFlow {
  return {
    start: 'Extract',
    steps: {
      Extract: { type: 'Task', target_type: 'CloudFunction', target_name: 'extract', next: 'Load' },
      Load: {
        type: 'Task',
        target_type: 'Dataflow',
        target_name: 'load',
        container_gcs_path: 'gs://acme-templates/load.json',
        parameters: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's template syntax
          input: 'gs://acme-landing/${$.steps.Extract.output.date}/*.csv',
          date: '$.steps.Extract.output.date',
          files: '$.steps.Extract.output.files',
          temp_location: 'gs://acme-temp/tmp',
        },
        next: 'Route',
      },
      Route: {
        type: 'Condition',
        choices: [{ variable: '$.steps.Extract.output.files', numeric_greater_than: 0, next: 'Spark' }],
        default: 'Done',
      },
      Spark: { type: 'Task', target_type: 'Dataproc', workflow: { jobs: [] }, end: true },
      Done: { type: 'End' },
    },
  };
}
