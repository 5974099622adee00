/**
 * The flow registry: how a deployed engine knows its flows. It maps a flow id to the definition
 * that *new* executions start with. Running executions never consult it: the store pins each one
 * to its definition hash (`definitions/{hash}`), so deploying a changed flow cannot change them.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FirestepError } from '../../engine/errors.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import type { FlowResolver } from '../../engine/ports/index.ts';
import { type FileProblem, type FlowSource, scanFlowDirectory } from './load-directory.ts';

/** Environment variable naming the flows directory (default: `flows/` in the working directory). */
export const FLOWS_DIR_ENV = 'FIRESTEP_FLOWS_DIR';

function problemsError(where: string, problems: FileProblem[]): FirestepError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${p.file}: ${p.message}`).join('\n');
  return new FirestepError('FLOW_INVALID', `the flows in ${where} cannot be loaded (${count}):\n${lines}`, {
    details: { problems },
  });
}

/**
 * An immutable set of flows by id.
 *
 * @example
 * const registry = await FlowRegistry.fromDirectory('flows');
 * const def = registry.get('sample-dag'); // FlowDefinition | undefined
 * registry.list().map((d) => `${d.id} ${d.hash.slice(0, 12)}`);
 */
export class FlowRegistry implements FlowResolver {
  private readonly flows: ReadonlyMap<string, FlowSource>;

  private constructor(flows: ReadonlyMap<string, FlowSource>) {
    this.flows = flows;
  }

  /**
   * Build a registry from definitions already in memory (tests, `run --local`). Duplicate ids throw.
   *
   * @example FlowRegistry.of([defineFlow({ id: 'a', start: 'A', steps: { A: end() } })])
   */
  static of(definitions: FlowDefinition[]): FlowRegistry {
    return FlowRegistry.fromSources(
      definitions.map((definition) => ({ definition, file: '(memory)' })),
      'memory',
    );
  }

  /**
   * Load every flow in `dir` (see {@link scanFlowDirectory}); throws one `FLOW_INVALID` error that
   * lists every problem of every file, and duplicate ids with both files. Two files that define the
   * same id with the same definition hash (a JSON flow and its TypeScript twin) are one flow.
   */
  static async fromDirectory(dir: string): Promise<FlowRegistry> {
    const root = resolve(dir);
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new FirestepError(
        'CONFIG',
        `flows directory ${root} does not exist; put flows in flows/ next to the function or set ${FLOWS_DIR_ENV}`,
      );
    }
    const scan = await scanFlowDirectory(root);
    if (scan.problems.length > 0) throw problemsError(root, scan.problems);
    return FlowRegistry.fromSources(scan.flows, root);
  }

  private static fromSources(sources: FlowSource[], where: string): FlowRegistry {
    const flows = new Map<string, FlowSource>();
    const problems: FileProblem[] = [];
    for (const source of sources) {
      const earlier = flows.get(source.definition.id);
      // The same definition in two files (examples/sample-dag.json and its .ts twin): one flow.
      if (earlier?.definition.hash === source.definition.hash && earlier.file !== source.file) continue;
      if (earlier) {
        problems.push({
          file: describe(source),
          message: `flow id ${JSON.stringify(source.definition.id)} is already defined by ${describe(earlier)}; ids must be unique`,
        });
        continue;
      }
      flows.set(source.definition.id, source);
    }
    if (problems.length > 0) throw problemsError(where, problems);
    return new FlowRegistry(flows);
  }

  /** The definition new executions of `flowId` start with, or `undefined`. */
  get(flowId: string): FlowDefinition | undefined {
    return this.flows.get(flowId)?.definition;
  }

  /** {@link FlowResolver} for the store. */
  byId(flowId: string): FlowDefinition | undefined {
    return this.get(flowId);
  }

  /** Every flow, sorted by id. */
  list(): FlowDefinition[] {
    return [...this.flows.values()].map((s) => s.definition).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Where a flow was loaded from (file path, `(memory)`), for listings and errors. */
  sourceOf(flowId: string): string | undefined {
    const s = this.flows.get(flowId);
    return s ? describe(s) : undefined;
  }
}

function describe(source: FlowSource): string {
  return source.exportName && source.exportName !== 'default'
    ? `${source.file}#${source.exportName}`
    : source.file;
}
