/**
 * `validate` of a `.ts` flow also type-checks it: the TypeScript compiler API on that one file (and
 * what it imports) with the settings of the nearest tsconfig.json (strict defaults when there is
 * none). Each diagnostic is printed as one line — the most useful line of TypeScript's message
 * chain, the one that says "Did you mean …?" when there is one, else the innermost — rather than
 * the 12-line chain of a builder's generic types.
 */
import { dirname, relative, resolve } from 'node:path';

/** One type error of a flow module, located and reduced to one line. */
export interface TypeProblem {
  /** `file:line:column`, relative to the working directory. */
  path: string;
  message: string;
}

/**
 * Type-checks a flow module; resolves with its problems (empty when it type-checks).
 *
 * @example const problems = await typeCheckFlow('flows/nightly.ts'); // [{ path: 'flows/nightly.ts:12:42', message: `Type '"Lod"' is not assignable … Did you mean '"Load"'?` }]
 */
export async function typeCheckFlow(file: string): Promise<TypeProblem[]> {
  const ts = (await import('typescript')).default;
  const absolute = resolve(file);
  const options = compilerOptions(ts, absolute);
  const program = ts.createProgram([absolute], { ...options, noEmit: true });
  const problems: TypeProblem[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    if (d.file !== undefined && resolve(d.file.fileName) !== absolute) continue;
    let path = relative(process.cwd(), absolute);
    if (d.file !== undefined && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      path = `${path}:${line + 1}:${character + 1}`;
    }
    problems.push({ path, message: usefulLine(ts.flattenDiagnosticMessageText(d.messageText, '\n')) });
  }
  return problems;
}

/**
 * The line of a flattened diagnostic chain worth printing: the first that suggests a fix ("Did you
 * mean"), else the innermost (the most specific), trimmed.
 *
 * @example usefulLine("Type 'X' is not assignable to type 'Y'.\n  Type '\"Lod\"' is not assignable to type '\"Load\"'. Did you mean '\"Load\"'?")
 * // `Type '"Lod"' is not assignable to type '"Load"'. Did you mean '"Load"'?`
 */
export function usefulLine(chain: string): string {
  const lines = chain
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return (lines.find((l) => l.includes('Did you mean')) ?? lines.at(-1) ?? chain).trim();
}

type Ts = typeof import('typescript');

function compilerOptions(ts: Ts, file: string): import('typescript').CompilerOptions {
  const strict = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
  };
  const config = ts.findConfigFile(dirname(file), ts.sys.fileExists);
  if (config === undefined) return strict;
  const read = ts.readConfigFile(config, ts.sys.readFile);
  if (read.error !== undefined) return strict;
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(config)).options;
}
