/**
 * The list page (executions, newest first, filterable by flow, status and start time, paginated by
 * a `before` cursor) and the flows pages (each registered definition with its hash and graph).
 */
import type { FlowDefinition } from '../../engine/flow/model.ts';
import type { StoredHead } from '../../engine/store/index.ts';
import { between, shortTime } from './format.ts';
import { graphSvg } from './graph-svg.ts';
import { type Html, html } from './html.ts';

export interface ListQuery {
  flowId?: string;
  status?: string;
  after?: string;
  before?: string;
  limit: number;
}

const enc = encodeURIComponent;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/** The rows of the executions table (replaced by live updates). */
export function executionRows(heads: StoredHead[], now: number): Html {
  if (heads.length === 0) return html`<tr><td colspan="5" class="empty">no executions</td></tr>`;
  return html`${heads.map(
    (h) => html`<tr data-execution="${h.executionId}" data-status="${h.status}">
<td><a href="/executions/${enc(h.executionId)}">${h.executionId}</a></td><td><a href="/flows/${enc(h.flowId)}">${h.flowId}</a></td>
<td><span class="badge" data-status="${h.status}">${h.status}</span></td><td>${shortTime(h.startedAt)}</td>
<td class="num">${between(h.startedAt, h.status === 'RUNNING' ? undefined : h.updatedAt, now)}</td></tr>`,
  )}`;
}

/** The list page body. */
export function listBody(heads: StoredHead[], q: ListQuery, flows: string[], now: number): Html {
  const last = heads.at(-1);
  const keep = new URLSearchParams();
  if (q.flowId) keep.set('flow', q.flowId);
  if (q.status) keep.set('status', q.status);
  if (q.after) keep.set('after', q.after);
  const next = new URLSearchParams(keep);
  if (last) next.set('before', last.startedAt);
  return html`<h1>Executions</h1>
<form class="filters" method="get" action="/">
<label>Flow <select name="flow"><option value="">all</option>${flows.map(
    (f) => html`<option value="${f}"${q.flowId === f ? html` selected` : ''}>${f}</option>`,
  )}</select></label>
<label>Status <select name="status"><option value="">any</option>${STATUSES.map(
    (s) => html`<option${q.status === s ? html` selected` : ''}>${s}</option>`,
  )}</select></label>
<label>Started after <input type="datetime-local" name="after" value="${q.after?.slice(0, 16) ?? ''}"></label>
<button type="submit">Filter</button>
</form>
<table class="executions"><thead><tr><th>Execution</th><th>Flow</th><th>Status</th><th>Started (UTC)</th><th>Took</th></tr></thead>
<tbody id="execution-rows">${executionRows(heads, now)}</tbody></table>
<p class="pager">${q.before ? html`<a href="/?${keep.toString()}">newest</a> ` : ''}${
    heads.length >= q.limit ? html`<a href="/?${next.toString()}" rel="next">older →</a>` : ''
  }</p>`;
}

/** Every registered flow. */
export function flowsBody(defs: FlowDefinition[]): Html {
  return html`<h1>Flows</h1><table class="flows"><thead><tr><th>Flow</th><th>Definition hash</th><th>Steps</th></tr></thead><tbody>${defs.map(
    (d) =>
      html`<tr data-flow="${d.id}"><td><a href="/flows/${enc(d.id)}">${d.id}</a></td><td><code>${d.hash}</code></td><td class="num">${Object.keys(d.flow.steps).length}</td></tr>`,
  )}</tbody></table>`;
}

/** One flow: hash, graph, its latest executions. */
export function flowBody(def: FlowDefinition, heads: StoredHead[], now: number): Html {
  return html`<h1>Flow ${def.id}</h1><p>definition hash <code data-hash>${def.hash}</code></p>
<section class="graph-box">${graphSvg(def, () => 'PENDING')}</section>
<h2>Latest executions</h2>
<table class="executions"><tbody>${executionRows(heads, now)}</tbody></table>`;
}
