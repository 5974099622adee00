/**
 * `firestep graph <flow> [--format mermaid|xstate]`: prints the flow as a Mermaid flowchart
 * (default), or the compiled XState machine config as JSON (paste it into Stately's editor).
 */
import { Command, Option } from 'commander';
import { toMermaid } from '../../engine/flow/graph-mermaid.ts';
import type { Flow } from '../../engine/flow/model.ts';
import { loadFlowFile } from '../flow-file.ts';

export type GraphFormat = 'mermaid' | 'xstate';

/** The text `graph` prints for a flow. */
export async function renderGraph(flow: Flow, format: GraphFormat): Promise<string> {
  if (format === 'mermaid') return toMermaid(flow);
  // Loaded on demand: the compiler (and XState) is only needed for this format.
  const { compileFlow } = await import('../../engine/flow/compile.ts');
  return `${JSON.stringify(compileFlow(flow).config, null, 2)}\n`;
}

/** @example firestep graph examples/sample-dag.json --format mermaid */
export function command(): Command {
  return new Command('graph')
    .description('print a flow as a Mermaid flowchart or as its XState machine config')
    .argument('<flow>', 'flow file: .json or .ts')
    .addOption(
      new Option('--format <format>', 'output format').choices(['mermaid', 'xstate']).default('mermaid'),
    )
    .action(async (file: string, options: { format: GraphFormat }) => {
      const { flow } = await loadFlowFile(file);
      process.stdout.write(await renderGraph(flow, options.format));
    });
}
