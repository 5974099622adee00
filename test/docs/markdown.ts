/**
 * Reading the project's Markdown for the docs tests: which files are docs, their fenced code
 * blocks, their relative links and the anchors GitHub gives their headings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** README.md, CONTRIBUTING.md and every `.md` under docs/, as paths relative to the root. */
export function docFiles(): string[] {
  const out = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(resolve(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) out.push(path);
    }
  };
  walk('docs');
  return out;
}

export function readDoc(file: string): string {
  return readFileSync(resolve(ROOT, file), 'utf8');
}

export interface CodeBlock {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Fenced code blocks (```lang … ```), in order. */
export function codeBlocks(md: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = md.split('\n');
  let open: { lang: string; line: number; body: string[] } | undefined;
  lines.forEach((text, i) => {
    if (open === undefined) {
      const m = /^\s*```(\S*)\s*$/.exec(text);
      if (m) open = { lang: m[1] ?? '', line: i + 1, body: [] };
    } else if (/^\s*```\s*$/.test(text)) {
      blocks.push({ lang: open.lang, body: open.body.join('\n'), line: open.line });
      open = undefined;
    } else {
      open.body.push(text);
    }
  });
  return blocks;
}

/** The text outside fenced blocks, line numbers kept (fenced lines become empty). */
export function prose(md: string): string[] {
  let fenced = false;
  return md.split('\n').map((text) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : text;
  });
}

export interface Link {
  target: string;
  line: number;
}

/** `[text](target)` links outside code, with inline code spans removed first. */
export function links(md: string): Link[] {
  const out: Link[] = [];
  prose(md).forEach((text, i) => {
    const bare = text.replace(/`[^`]*`/g, '``');
    for (const m of bare.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
      out.push({ target: m[1] ?? '', line: i + 1 });
  });
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces → '-'; repeats get -1, -2 … */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const text of prose(md)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const plain = (m[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

export function rel(path: string): string {
  return relative(ROOT, path);
}
