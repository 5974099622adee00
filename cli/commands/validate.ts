/**
 * `firestep validate <flow>`: reads and checks a flow file. Prints, on stdout, one `path: message`
 * line per problem (warnings prefixed `warning: `) and a summary line; exits 0 when the flow is
 * valid (warnings allowed), 1 otherwise.
 */
import { Command } from 'commander';
import { isFirestepError } from '../../engine/errors.ts';
import type { Flow } from '../../engine/flow/model.ts';
import { formatProblem } from '../../engine/flow/problems.ts';
import { checkFlowFile } from '../flow-file.ts';
import { type Colors, colorsFor } from '../render/colors.ts';
import { typeCheckFlow } from '../typecheck.ts';

/** Flow modules that `validate` type-checks. */
const MODULE_SOURCES = /\.m?ts$/i;

/** All steps of a flow, branches included. */
export function countSteps(flow: Flow): number {
  let count = 0;
  for (const step of Object.values(flow.steps)) {
    count += 1;
    if (step.type === 'Parallel') for (const branch of step.branches) count += countSteps(branch);
  }
  return count;
}

/**
 * The report `validate` prints, as lines, and its exit code. Colours only when stdout is a terminal
 * (picocolors' own default also colours under FORCE_COLOR, which CI sets).
 */
export async function validateReport(
  file: string,
  pc: Colors = colorsFor(process.stdout),
): Promise<{ lines: string[]; exitCode: 0 | 1 }> {
  let check: Awaited<ReturnType<typeof checkFlowFile>>;
  try {
    check = await checkFlowFile(file);
  } catch (e) {
    if (!isFirestepError(e, 'FLOW_PARSE')) throw e;
    return { lines: [e.message, `${pc.red('✗')} ${file}: cannot be read as a flow`], exitCode: 1 };
  }
  const typeErrors = MODULE_SOURCES.test(file) ? await typeCheckFlow(file) : [];
  if (typeErrors.length > 0) {
    // The flow may still load (types are erased at run time), but it is not what its author meant.
    const lines = typeErrors.map((p) => `${p.path}: ${p.message}`);
    const n = typeErrors.length + check.errors.length;
    const summary = `${pc.red('✗')} ${file}: ${n === 1 ? '1 problem' : `${n} problems`}`;
    return { lines: [...lines, ...check.errors.map(formatProblem), summary], exitCode: 1 };
  }
  const warnings = check.warnings.map((p) => `${pc.yellow('warning:')} ${formatProblem(p)}`);
  if (check.definition === undefined) {
    const n = check.errors.length;
    const summary = `${pc.red('✗')} ${file}: ${n === 1 ? '1 problem' : `${n} problems`}`;
    return { lines: [...check.errors.map(formatProblem), ...warnings, summary], exitCode: 1 };
  }
  const { flow, hash } = check.definition;
  const summary = `${pc.green('✓')} ${file}: valid (${countSteps(flow)} steps, hash ${hash.slice(0, 12)})`;
  return { lines: [summary, ...warnings], exitCode: 0 };
}

/** @example firestep validate examples/sample-dag.json */
export function command(): Command {
  return new Command('validate')
    .description(
      'check a flow file (.json reference format, or a .ts module whose default export is defineFlow(...))',
    )
    .argument('<flow>', 'flow file: .json or .ts')
    .action(async (file: string) => {
      const { lines, exitCode } = await validateReport(file);
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = exitCode;
    });
}
