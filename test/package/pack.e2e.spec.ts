/**
 * The npm package as a user gets it: `npm pack` (which builds lib/), the tarball installed into a
 * scratch project outside the repository, then plain `node` (no tsx) imports `firestep` and
 * `firestep/sdk`, the `firestep` bin validates JSON and TypeScript flows, and `tsc` type-checks a
 * consumer under moduleResolution node16 and bundler. The install resolves the dependencies from
 * npm's cache or the registry (`--prefer-offline`), as `npm install firestep` would.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, readDoc } from '../docs/markdown.ts';
import { importGraph, NOT_IN_SDK } from './import-graph.ts';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'firestep-pack-'));
const app = join(work, 'app');
const installed = join(app, 'node_modules/firestep');
let packed: string[] = [];

/** The user's environment: none of this repository's settings (its source condition, npm's script vars). */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.toLowerCase().startsWith('npm_')),
);

function sh(command: string, args: string[], cwd: string, env = userEnv): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, env: { ...env, NO_COLOR: '1' }, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>): string {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  return r.stdout;
}

const GUIDE = codeBlocks(readDoc('docs/guides/npm-package.md'));
const FLOW_TS = GUIDE.find((b) => b.lang === 'ts' && b.body.startsWith('// flows/hello.ts'))?.body ?? '';
const FUNCTION_JS = GUIDE.find((b) => b.lang === 'js' && b.body.startsWith('// index.js'))?.body ?? '';
const GUIDE_TEXT = readDoc('docs/guides/npm-package.md');

const CONSUMER = `import { cloudFunction, defineFlow, type FlowDefinition, task, validateFlow } from 'firestep';
import { type FirestepRun, withFirestep } from 'firestep/sdk';

export const flow: FlowDefinition = defineFlow({
  id: 'hello',
  start: 'Hello',
  steps: { Hello: task(cloudFunction('hello-fn'), { end: true }) },
});
export const errors: number = validateFlow(flow.flow).errors.length;
// @ts-expect-error the step reference is checked (were the types missing, \`any\` would make this directive unused)
defineFlow({ id: 'x', start: 'Nope', steps: { Hello: task(cloudFunction('f'), { end: true }) } });
export const handler = withFirestep(async ({ input, log }: FirestepRun<{ table: string }>) => {
  log(\`counting \${input.table}\`);
  return { rows: 42 };
});
`;

beforeAll(() => {
  // prepack builds lib/ (npm run build).
  const pack = sh('npm', ['pack', '--pack-destination', work, '--json'], ROOT, process.env);
  const [info] = JSON.parse(ok(pack).slice(pack.stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!info) throw new Error('npm pack printed no tarball');
  packed = info.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`,
  );
  ok(
    sh(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(work, info.filename),
      ],
      app,
    ),
  );
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', { timeout: 120_000 }, () => {
  it('ships compiled JavaScript, .d.ts, the bin and the schemas, and no sources or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'bin/firestep.js',
        'lib/engine/index.js',
        'lib/engine/index.d.ts',
        'lib/sdk/index.js',
        'lib/sdk/index.d.ts',
        'lib/cli/main.js',
        'schema/flow.schema.json',
      ]),
    );
    // The web console's client is bundled by esbuild at run time, from its source.
    const sources = packed.filter((p) => /\.m?ts$/.test(p) && !p.endsWith('.d.ts'));
    expect(sources).toEqual(['lib/console/client/main.ts']);
    expect(packed.filter((p) => /^(test|examples|scripts|engine|cli)\//.test(p))).toEqual([]);
  });

  it('given the installed tarball, when plain node imports firestep and firestep/sdk, then the DSL and the SDK work', () => {
    const script = `
      import { cloudFunction, defineFlow, task, validateFlow } from 'firestep';
      import { readHttpContext, withFirestep } from 'firestep/sdk';
      const hello = defineFlow({ id: 'hello', start: 'A', steps: { A: task(cloudFunction('f'), { end: true }) } });
      const invalid = validateFlow({ start: 'A', steps: { A: { type: 'Task', next: 'Edn' } } });
      let answer;
      await withFirestep(async ({ input }) => ({ doubled: input.n * 2 }))(
        { body: { n: 21 } },
        { status() { return this; }, json(body) { answer = body; } },
      );
      console.log(JSON.stringify({ id: hello.id, hash: hello.hash.length, problems: invalid.errors.length > 0,
        read: readHttpContext({ n: 1 }).read.status, answer }));`;
    const out = ok(sh(process.execPath, ['--input-type=module', '-e', script], app));
    expect(JSON.parse(out)).toEqual({
      id: 'hello',
      hash: 64,
      problems: true,
      read: 'absent',
      answer: { doubled: 42 },
    });
  });

  it(`the compiled firestep/sdk loads none of ${NOT_IN_SDK.join(', ')}`, () => {
    const graph = importGraph(join(installed, 'lib/sdk/index.js'));
    expect(graph.modules.length).toBeGreaterThan(3);
    expect(graph.modules.filter((m) => relative(installed, m).startsWith('..'))).toEqual([]);
    expect(graph.packages.filter((p) => NOT_IN_SDK.includes(p.name))).toEqual([]);
  });

  it("the firestep bin validates a .json flow, and the guide's .ts flow (type-checked against the installed .d.ts)", () => {
    const bin = join(app, 'node_modules/.bin/firestep');
    copyFileSync(join(ROOT, 'examples/sample-dag.json'), join(app, 'sample-dag.json'));
    expect(ok(sh(bin, ['validate', 'sample-dag.json'], app))).toMatch(
      /^✓ sample-dag\.json: valid \(6 steps, hash [0-9a-f]{12}\)\n$/,
    );
    mkdirSync(join(app, 'flows'), { recursive: true });
    expect(FLOW_TS).toContain("from 'firestep'");
    writeFileSync(join(app, 'flows/hello.ts'), FLOW_TS);
    const valid = ok(sh(bin, ['validate', 'flows/hello.ts'], app));
    const documented = /`(✓ flows\/hello\.ts: valid \(2 steps, hash) …\)`/.exec(GUIDE_TEXT)?.[1];
    expect(documented).toBeDefined();
    expect(valid).toMatch(new RegExp(`^${documented?.replace(/[()]/g, '\\$&')} [0-9a-f]{12}\\)\n$`));
    expect(ok(sh(bin, ['graph', 'flows/hello.ts'], app))).toContain('CountRows --> Report');

    writeFileSync(join(app, 'flows/hello.ts'), FLOW_TS.replace("next: 'Report'", "next: 'Reprot'"));
    const typo = sh(bin, ['validate', 'flows/hello.ts'], app);
    expect(typo.status).toBe(1);
    const shown = /`(flows\/hello\.ts:\d+:\d+: Type '"Reprot"'[^`]*)`/.exec(GUIDE_TEXT)?.[1];
    expect(shown).toBeDefined();
    expect(typo.stdout.split('\n')).toContain(shown);
    expect(typo.stdout).toContain('steps.CountRows.next: unknown step "Reprot"');
  });

  it("the guide's function runs on plain node: without firestep it answers with the handler's output", () => {
    writeFileSync(join(app, 'index.js'), FUNCTION_JS);
    const script = `
      await import('./index.js');
      const { getFunction } = await import('@google-cloud/functions-framework/testing');
      let answer;
      const res = { status(code) { answer = { code }; return this; }, json(body) { answer.body = body; } };
      await getFunction('countRows')({ body: { table: 'sales' } }, res);
      console.log(JSON.stringify(answer));`;
    const out = ok(sh(process.execPath, ['--input-type=module', '-e', script], app));
    expect(JSON.parse(out.trim().split('\n').at(-1) ?? '')).toEqual({ code: 200, body: { rows: 42 } });
  });

  it.each([
    ['node16', 'node16'],
    ['bundler', 'esnext'],
  ])('tsc type-checks a consumer with moduleResolution %s', (resolution, module) => {
    writeFileSync(join(app, 'consumer.ts'), CONSUMER);
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module,
        moduleResolution: resolution,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        // node16 also checks the package's .d.ts files themselves (a missing global type, a bad import).
        skipLibCheck: resolution !== 'node16',
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config));
    const tsc = join(app, 'node_modules/typescript/bin/tsc');
    const r = sh(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], app);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
