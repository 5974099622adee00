/**
 * The console page's only script: follow the page's live stream (server-sent events fed by the
 * server's Firestore listener) and swap in the fragments it pushes; colour the graph by setting each
 * step's `data-status`; send Cancel / Redrive to the console's action routes.
 */

interface ExecutionMessage {
  summary: string;
  steps: string;
  timeline: string;
  statuses: Record<string, string>;
  status: string;
}

interface ListMessage {
  rows: string;
}

function setHtml(id: string, html: string): void {
  const el = document.getElementById(id);
  if (el && el.innerHTML !== html) el.innerHTML = html;
}

function applyExecution(m: ExecutionMessage): void {
  // Keep the <details> a reader opened open across updates.
  const open = [...document.querySelectorAll<HTMLDetailsElement>('#steps details[open]')].map(
    (d) => `${d.closest('tr')?.dataset.step ?? ''}|${d.querySelector('summary')?.textContent ?? ''}`,
  );
  setHtml('summary', m.summary);
  setHtml('steps', m.steps);
  setHtml('timeline', m.timeline);
  for (const d of document.querySelectorAll<HTMLDetailsElement>('#steps details')) {
    const key = `${d.closest('tr')?.dataset.step ?? ''}|${d.querySelector('summary')?.textContent ?? ''}`;
    if (open.includes(key)) d.open = true;
  }
  for (const node of document.querySelectorAll<SVGGElement>('svg.graph [data-step]')) {
    const status = m.statuses[node.dataset.step ?? ''];
    if (status && node.dataset.status !== status) {
      node.dataset.status = status;
      const title = node.querySelector('title');
      if (title) title.textContent = `${node.dataset.step}: ${status}`;
    }
  }
  document.body.dataset.executionStatus = m.status;
}

function follow(url: string): void {
  const source = new EventSource(url);
  source.onmessage = (event: MessageEvent<string>) => {
    const message = JSON.parse(event.data) as ExecutionMessage | ListMessage;
    if ('rows' in message) setHtml('execution-rows', message.rows);
    else applyExecution(message);
  };
  source.addEventListener('problem', (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { message: string };
    console.warn(`firestep console: ${data.message}`);
  });
}

async function act(button: HTMLButtonElement): Promise<void> {
  const action = button.dataset.action;
  const id = document.querySelector('.execution-id')?.textContent ?? '';
  const result = document.querySelector<HTMLElement>('.action-result');
  if (action === 'cancel' && !window.confirm(`Cancel ${id}?`)) return;
  button.disabled = true;
  const res = await fetch(`/api/executions/${encodeURIComponent(id)}:${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(action === 'cancel' ? { reason: 'cancelled from the web console' } : {}),
  });
  const body = (await res.json().catch(() => ({}))) as { message?: string; error?: { message?: string } };
  if (result)
    result.textContent = res.ok ? (body.message ?? 'done') : (body.error?.message ?? `HTTP ${res.status}`);
  button.disabled = false;
}

document.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-action]');
  if (button) void act(button);
});

const live = document.body.dataset.live;
if (live) follow(live);
