/**
 * HTML as typed strings: `html` escapes every interpolated value unless it is already `Html`, so
 * step names, inputs and error messages can never inject markup into a page.
 */

/** Markup that is safe to insert as is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * Escape text for HTML content and attribute values.
 *
 * @example escapeHtml('<a href="x">') === '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

type Value = Html | string | number | boolean | undefined | null | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template: `html\`<td>${name}</td>\`` escapes `name`.
 *
 * @example html`<p data-step="${path}">${name}</p>`.text
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** The page shell: title, stylesheet, the live-update script, a header with navigation. */
export function page(opts: { title: string; body: Html; projectLabel: string; live?: string }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · firestep</title>
<link rel="stylesheet" href="/static/console.css">
<script type="module" src="/static/console.js"></script>
</head>
<body${opts.live ? new Html(` data-live="${escapeHtml(opts.live)}"`) : ''}>
<header class="top"><a class="brand" href="/">firestep</a><nav><a href="/">Executions</a><a href="/flows">Flows</a></nav><span class="project">${opts.projectLabel}</span></header>
<main>${opts.body}</main>
</body>
</html>
`.text;
}
