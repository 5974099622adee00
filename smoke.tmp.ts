import { Firestore } from '@google-cloud/firestore';
import { startFakeDataflow, startFakeFunctionHost } from './adapters/fakes/index.ts';
import { createLocalRuntime } from './engine/runtime/index.ts';
import { handleEngineMessage } from './functions/engine/handle-message.ts';
import type { Runtime } from './engine/runtime/runtime.ts';
process.env.FIRESTEP_LOG = 'warning';
let rt: Runtime | undefined;
const deliver = (e: unknown) => { setTimeout(() => { handleEngineMessage(e, rt!, {via:'local'}).then((o) => console.log('outcome', o.status, o.kind, o.reason ?? ''), (err) => console.log('ERR', err.message)); }, 5); };
const host = await startFakeFunctionHost({ onLogEntry: deliver });
const df = await startFakeDataflow({ onLogEntry: deliver });
const projectId = `smoke-${Date.now()}`;
rt = await createLocalRuntime({ projectId, fakes: { functionHostUrl: host.url, dataflowUrl: df.url }, firestoreHost: '127.0.0.1:8765' }, { onEvents: (id, evs) => evs.forEach((e) => console.log(e.seq, e.type, (e as any).path ?? '')) });
const def = rt.registry.get('sample-dag')!;
const { executionId } = await rt.store.startExecution(def, { hello: 1 });
for (let i = 0; i < 100; i++) { const h = await rt.store.getHead(executionId); if (h?.status !== 'RUNNING') { console.log('STATUS', h?.status); break; } await new Promise(r => setTimeout(r, 100)); }
await rt.close(); await host.close(); await df.close();
