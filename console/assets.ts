/**
 * The page's script and stylesheet, served from this process: console/client/main.ts is bundled
 * with esbuild on first request (a few ms) and kept in memory; nothing is fetched from the internet.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
let script: Promise<string> | undefined;
let css: Promise<string> | undefined;

/** The bundled client script. */
export function clientScript(): Promise<string> {
  script ??= (async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [here('./client/main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0]?.text ?? '';
  })().catch((e: unknown) => {
    script = undefined;
    throw e;
  });
  return script;
}

/** The stylesheet. */
export function consoleCss(): Promise<string> {
  css ??= readFile(here('./client/console.css'), 'utf8');
  return css;
}
