#!/usr/bin/env node
// The `firestep` command on plain Node.
// - Installed from npm: the compiled CLI in lib/. tsx is registered first so that `.ts` flow files
//   (`firestep validate flow.ts`, `dev --flows dir/`) load like `.json` ones.
// - In a checkout (cli/main.ts is there; the package ships no sources): the TypeScript sources through
//   tsx, with `import … from 'firestep'` resolved to them (the "firestep-source" export condition)
//   rather than to a lib/ that may be stale or not built.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const hook = `export function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, 'firestep-source'] });
  }`;
  registerHooks(`data:text/javascript,${encodeURIComponent(hook)}`);
  await import(source.href);
} else {
  await import('../lib/cli/main.js');
}
