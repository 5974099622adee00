/**
 * The web console in a real browser (Debian's Chromium through playwright-core): given a running
 * `firestep dev` (on the suite's emulators, its own project), when the sample runs through the
 * CLI's `run --local` path, then its page shows every step SUCCEEDED, pushed live while it ran; a
 * failing run shows the failed step and its error; Cancel on the page cancels; the list page shows
 * the execution. With FIRESTEP_UPDATE_SCREENSHOT=1 it also refreshes the README's screenshot.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { devStart } from '../../cli/local/dev-client.ts';
import { runOnDev } from '../../cli/local/run-dev.ts';
import type { Io } from '../../cli/render/colors.ts';
import { type DevServer, startDevServer } from '../../console/dev-server.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';

const CHROMIUM = '/usr/bin/chromium';
// The README's screenshot is refreshed only on request (FIRESTEP_UPDATE_SCREENSHOT=1); a plain test
// run writes it to a temporary folder so the suite never edits the tree.
const SCREENSHOT =
  process.env.FIRESTEP_UPDATE_SCREENSHOT === '1'
    ? join(import.meta.dirname, '../../docs/console-execution.png')
    : join(tmpdir(), `firestep-console-${process.pid}.png`);

function quietIo(): Io {
  const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  return { stdout: sink, stderr: sink } as unknown as Io;
}

describe.skipIf(!existsSync(CHROMIUM))('web console in Chromium', () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let sample: FlowDefinition;
  let records: string;
  const project = `console-e2e-${process.pid}`;

  beforeAll(async () => {
    records = await mkdtemp(join(tmpdir(), 'firestep-console-'));
    sample = await loadFlowFile('examples/sample-dag.json');
    [server, browser] = await Promise.all([
      startDevServer({
        flowsDirs: ['examples'],
        port: 0,
        projectId: project,
        functionMs: 250,
        jobMs: 400,
        infoPath: join(records, 'dev.json'),
      }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const url = (path: string) => new URL(path, server.info.consoleUrl).href;
  const steps = (def: FlowDefinition) => {
    const paths: string[] = [];
    const visit = (flow: FlowDefinition['flow'], prefix: string) => {
      for (const [name, step] of Object.entries(flow.steps)) {
        const path = prefix ? `${prefix}/${name}` : name;
        paths.push(path);
        if (step.type === 'Parallel') for (const [i, b] of step.branches.entries()) visit(b, `${path}/${i}`);
      }
    };
    visit(def.flow, '');
    return paths;
  };

  it('shows every step of the sample SUCCEEDED, updated live while it runs', async () => {
    // Given the page of an execution that has just started
    const { executionId } = await devStart(server.info, { definition: sample, input: {}, name: 'live' });
    await page.goto(url(`/executions/${encodeURIComponent(executionId)}`));
    const first = await page.locator('svg.graph [data-step="End"]').getAttribute('data-status');
    expect(first).not.toBe('SUCCEEDED');
    // Then, without reloading, every step turns SUCCEEDED in the graph and in the table
    for (const path of steps(sample)) {
      await page.waitForSelector(`svg.graph [data-step="${path}"][data-status="SUCCEEDED"]`, {
        timeout: 30_000,
      });
      await page.waitForSelector(`tr[data-step="${path}"][data-status="SUCCEEDED"]`);
    }
    await page.waitForSelector('.badge[data-execution-status="SUCCEEDED"]');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    expect(await page.locator('ol.timeline li[data-type="ExecutionSucceeded"]').count()).toBe(1);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('runs the sample through run --local and shows it on the list page', async () => {
    const result = await runOnDev(server.info, {
      definition: sample,
      input: { day: '2026-12-05' },
      name: 'listed',
      io: quietIo(),
      recordDir: records,
    });
    expect(result.head.status).toBe('SUCCEEDED');
    await page.goto(url('/'));
    await page.waitForSelector(`tr[data-execution="${result.executionId}"][data-status="SUCCEEDED"]`);
    await page.goto(url('/?status=FAILED'));
    expect(await page.locator(`tr[data-execution="${result.executionId}"]`).count()).toBe(0);
  });

  it('shows the failed step and its error', async () => {
    const result = await runOnDev(server.info, {
      definition: sample,
      input: {},
      name: 'failing',
      fail: ['Branch2'],
      io: quietIo(),
      recordDir: records,
    });
    expect(result.head.status).toBe('FAILED');
    await page.goto(url(`/executions/${encodeURIComponent(result.executionId)}`));
    await page.waitForSelector('svg.graph [data-step="Step2/1/Branch2"][data-status="FAILED"]');
    const row = page.locator('tr[data-step="Step2/1/Branch2"][data-status="FAILED"]');
    await expect.poll(() => row.locator('[data-step-error]').textContent()).toContain('orch-test-3 failed');
    expect(await page.locator('svg.graph [data-step="End"]').getAttribute('data-status')).toBe('PENDING');
    expect(await page.locator('button[data-action="redrive"]').count()).toBe(1);
  });

  it('cancels a running execution from the page', async () => {
    const { executionId } = await devStart(server.info, {
      definition: sample,
      input: {},
      name: 'cancelled',
      hang: ['Step1'],
    });
    await page.goto(url(`/executions/${encodeURIComponent(executionId)}`));
    await page.waitForSelector('svg.graph [data-step="Step1"][data-status="RUNNING"]', { timeout: 30_000 });
    await page.click('button[data-action="cancel"]');
    await page.waitForSelector('.badge[data-execution-status="CANCELLED"]', { timeout: 15_000 });
    const head = await server.dev.runtime.store.getHead(executionId);
    expect(head?.status).toBe('CANCELLED');
    expect(await page.locator('button[data-action="cancel"]').count()).toBe(0);
  });

  it('answers an unknown execution with a 404 page and draws a flow graph on its flow page', async () => {
    const res = await page.goto(url('/executions/nope~x'));
    expect(res?.status()).toBe(404);
    const flows = await page.goto(url('/flows/sample-dag'));
    expect(flows?.status()).toBe(200);
    expect(await page.locator('svg.graph [data-step]').count()).toBe(steps(sample).length);
  });
});
