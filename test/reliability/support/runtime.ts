/**
 * A local runtime for the suite: the real store, dispatcher, launchers and signal ingestion on the
 * Firestore emulator (own project id) and the protocol fakes. The fakes' log entries and SDK
 * callbacks are collected, not delivered, so each spec decides what reaches the engine and how often.
 */

import {
  type FakeDataflow,
  type FakeFunctionHost,
  type LogEntry,
  startFakeDataflow,
  startFakeFunctionHost,
} from '../../../adapters/fakes/index.ts';
import type { FlowDefinition } from '../../../engine/flow/model.ts';
import type { CallbackMessage } from '../../../engine/signals/wire/callback.ts';
import { createLocalRuntime, type LocalRuntimeOptions } from '../../../runtime/create-local-runtime.ts';
import { FlowRegistry } from '../../../runtime/registry/registry.ts';
import type { Runtime } from '../../../runtime/runtime.ts';
import { testFirestore } from '../../support/firestore.ts';

export interface RelRuntime {
  runtime: Runtime;
  projectId: string;
  host: FakeFunctionHost;
  dataflow: FakeDataflow;
  entries: LogEntry[];
  callbacks: CallbackMessage[];
  close(): Promise<void>;
}

/** @example const r = await startRuntime([chainFlow]); afterAll(() => r.close()); */
export async function startRuntime(
  flows: FlowDefinition[],
  options: Pick<LocalRuntimeOptions, 'faults' | 'clock'> & { timerSpeedup?: number } = {},
): Promise<RelRuntime> {
  const { timerSpeedup, ...runtimeOptions } = options;
  const fs = testFirestore('rel-runtime');
  const entries: LogEntry[] = [];
  const callbacks: CallbackMessage[] = [];
  const host = await startFakeFunctionHost({
    onLogEntry: (e) => void entries.push(e),
    onCallback: (m) => void callbacks.push(m),
  });
  const dataflow = await startFakeDataflow({ onLogEntry: (e) => void entries.push(e) });
  const runtime = await createLocalRuntime(
    {
      projectId: fs.projectId,
      fakes: { functionHostUrl: host.url, dataflowUrl: dataflow.url },
      ...(timerSpeedup === undefined ? {} : { timerSpeedup }),
    },
    { db: fs.db, registry: FlowRegistry.of(flows), ...runtimeOptions },
  );
  return {
    runtime,
    projectId: fs.projectId,
    host,
    dataflow,
    entries,
    callbacks,
    close: async () => {
      await runtime.close();
      await host.close();
      await dataflow.close();
      await fs.cleanup();
    },
  };
}

export { eventually } from '../../support/eventually.ts';

export { gen1EndLine as endLine } from '../../support/log-lines.ts';

/** A Pub/Sub push body carrying `payload` (object → JSON, string as is) as base64 data. */
export function pushBody(payload: unknown, messageId: string): Record<string, unknown> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    message: {
      data: Buffer.from(text).toString('base64'),
      messageId,
      publishTime: '2026-11-23T10:00:00.000Z',
    },
    subscription: 'projects/rel/subscriptions/firestep-signals-push',
  };
}
