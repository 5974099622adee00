/**
 * The execution page: a header (status, timing, the actions allowed), the flow graph coloured by
 * step state, the step table (attempts, durations, input, output, error, links out) and the event
 * timeline. Each part is a fragment the live updates replace as a whole.
 */
import type { ExecutionEvent, Receipt } from '../../engine/core/events.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import type { StoredHead } from '../../engine/store/index.ts';
import { between, jsonText, shortTime } from './format.ts';
import { graphSvg } from './graph-svg.ts';
import { Html, html } from './html.ts';
import type { StepRow } from './steps.ts';

export interface ExecutionView {
  head: StoredHead;
  def: FlowDefinition;
  rows: StepRow[];
  events: ExecutionEvent[];
  /** Whether Cancel / Redrive may be offered (dev, or `console --allow-actions`). */
  actions: boolean;
  projectId: string;
  now: number;
}

/** The fragments the live updates replace, by element id. */
export interface ExecutionFragments {
  summary: string;
  steps: string;
  timeline: string;
  /** Step path → status, for the graph's attributes. */
  statuses: Record<string, string>;
  status: string;
}

const enc = encodeURIComponent;

/** Links out to Google Cloud for one step attempt. */
export function linksFor(
  receipt: Receipt | undefined,
  projectId: string,
): Array<{ label: string; href: string }> {
  if (!receipt) return [];
  const links: Array<{ label: string; href: string }> = [];
  const project = typeof receipt.project === 'string' ? receipt.project : projectId;
  if (receipt.traceId) {
    const query = `trace="projects/${project}/traces/${receipt.traceId}"`;
    links.push({
      label: 'Cloud Logging',
      href: `https://console.cloud.google.com/logs/query;query=${enc(query)}?project=${enc(project)}`,
    });
  }
  const region = typeof receipt.region === 'string' ? receipt.region : undefined;
  if (receipt.target === 'Dataflow' && receipt.jobId) {
    links.push({
      label: 'Dataflow job',
      href:
        receipt.consoleUrl ??
        `https://console.cloud.google.com/dataflow/jobs/${enc(region ?? '-')}/${enc(receipt.jobId)}?project=${enc(project)}`,
    });
  } else if (receipt.target === 'Dataproc') {
    links.push({
      label: 'Dataproc workflow',
      href:
        receipt.consoleUrl ??
        `https://console.cloud.google.com/dataproc/workflows/instances?project=${enc(project)}`,
    });
  } else if (receipt.consoleUrl) {
    links.push({ label: `${receipt.target} console`, href: receipt.consoleUrl });
  }
  return links;
}

function summary(v: ExecutionView): Html {
  const h = v.head;
  const canCancel = v.actions && h.status === 'RUNNING';
  const canRedrive = v.actions && h.status === 'FAILED';
  return html`<div class="summary">
<h1><span class="execution-id">${h.executionId}</span> <span class="badge" data-execution-status="${h.status}">${h.status}</span></h1>
<dl>
<dt>Flow</dt><dd><a href="/flows/${enc(h.flowId)}">${h.flowId}</a> <code title="definition hash">${h.definitionHash.slice(0, 12)}</code></dd>
<dt>Started</dt><dd>${shortTime(h.startedAt)}</dd>
<dt>Took</dt><dd>${between(h.startedAt, h.status === 'RUNNING' ? undefined : h.updatedAt, v.now)}</dd>
<dt>Events</dt><dd>${h.lastSeq}</dd>
${h.redriveCount > 0 ? html`<dt>Redrives</dt><dd>${h.redriveCount}</dd>` : ''}
</dl>
${h.error ? html`<p class="error" data-execution-error>${h.error.name}: ${h.error.message}</p>` : ''}
<div class="actions">
${canCancel ? html`<button type="button" data-action="cancel">Cancel</button>` : ''}
${canRedrive ? html`<button type="button" data-action="redrive">Redrive</button>` : ''}
<span class="action-result" role="status"></span>
</div>
</div>`;
}

function payload(label: string, value: unknown): Html {
  if (value === undefined) return html``;
  return html`<details><summary>${label}</summary><pre>${jsonText(value)}</pre></details>`;
}

function stepTable(v: ExecutionView): Html {
  const rows = v.rows.map((r) => {
    const links = linksFor(r.receipt, v.projectId);
    return html`<tr data-step="${r.path}" data-status="${r.status}">
<td class="path">${r.path}</td><td>${r.type}</td><td><span class="badge" data-status="${r.status}">${r.status}</span></td>
<td class="num">${r.attempt || ''}</td><td>${shortTime(r.launchedAt).slice(11)}</td>
<td class="num">${r.launchedAt ? between(r.launchedAt, r.finishedAt, v.now) : ''}</td>
<td>${payload('input', r.input)}${payload('output', r.output)}${
      r.error ? html`<div class="error" data-step-error>${r.error.name}: ${r.error.message}</div>` : ''
    }</td>
<td>${links.map((l) => html`<a class="out" href="${l.href}" target="_blank" rel="noopener">${l.label}</a> `)}</td>
</tr>`;
  });
  return html`<table class="steps"><thead><tr><th>Step</th><th>Type</th><th>Status</th><th>Attempt</th><th>Launched</th><th>Duration</th><th>Input / output / error</th><th>Links</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function eventDetail(e: ExecutionEvent): string {
  switch (e.type) {
    case 'StepFailed':
      return `${e.error.name}: ${e.error.message}`;
    case 'ExecutionFailed':
    case 'ExecutionTimedOut':
      return `${e.error.name}: ${e.error.message}`;
    case 'ExecutionCancelled':
      return e.reason;
    case 'StepRetryScheduled':
      return `attempt ${e.nextAttempt} in ${e.delaySeconds} s`;
    case 'StepLaunched':
      return [e.receipt.target, e.receipt.jobName ?? e.receipt.jobId ?? e.receipt.traceId ?? '']
        .join(' ')
        .trim();
    case 'ExecutionRedriven':
      return e.paths.join(', ');
    case 'NotificationSent':
      return 'pubsub' in e.channel ? `published to ${e.channel.pubsub}` : `POSTed to ${e.channel.webhook}`;
    case 'NotificationFailed':
      return `${'pubsub' in e.channel ? e.channel.pubsub : e.channel.webhook}: ${e.error.message}`;
    default:
      return '';
  }
}

function timeline(v: ExecutionView): Html {
  const items = v.events.map(
    (e) =>
      html`<li data-seq="${e.seq}" data-type="${e.type}"><span class="seq">${e.seq}</span> <time>${shortTime(e.at).slice(11)}</time> <b>${e.type}</b> ${
        'path' in e && e.path ? html`<span class="path">${e.path}</span>` : ''
      }${'attempt' in e && e.attempt ? html` <span class="attempt">#${e.attempt}</span>` : ''} <span class="detail">${eventDetail(e)}</span></li>`,
  );
  return html`<ol class="timeline">${items}</ol>`;
}

/**
 * The parts of the page that change while an execution runs.
 *
 * @example const f = executionFragments(view); send(JSON.stringify(f));
 */
export function executionFragments(v: ExecutionView): ExecutionFragments {
  return {
    summary: summary(v).text,
    steps: stepTable(v).text,
    timeline: timeline(v).text,
    statuses: Object.fromEntries(v.rows.map((r) => [r.path, r.status])),
    status: v.head.status,
  };
}

/** The whole page body. */
export function executionBody(v: ExecutionView): Html {
  const f = executionFragments(v);
  const statusOf = (path: string) => f.statuses[path] ?? 'PENDING';
  return html`<section id="summary">${new Html(f.summary)}</section>
<section class="graph-box"><h2>Graph</h2>${graphSvg(v.def, statusOf)}</section>
<section><h2>Steps</h2><div id="steps">${new Html(f.steps)}</div></section>
<section><h2>Events</h2><div id="timeline">${new Html(f.timeline)}</div></section>`;
}
