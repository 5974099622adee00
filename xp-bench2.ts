import { start, decide, applyDecision } from './engine/core/index.ts';
import { definitionHash } from './engine/flow/hash.ts';
import type { Flow } from './engine/flow/model.ts';
const N = Number(process.argv[2] ?? 1000);
const flow: Flow = { start: 'Fan', steps: { Fan: { type: 'Parallel', branches: Array.from({ length: N }, (_, i) => ({ start: `B${i}`, steps: { [`B${i}`]: { type: 'Task', target: { type: 'CloudFunction', name: 'f' }, end: true } } })), next: 'Done' }, Done: { type: 'End' } } } as Flow;
const def = { id: 'fan', flow, hash: definitionHash(flow) };
let { state } = start(def, {}, { executionId: 'e', now: '2024-01-01T00:00:00.000Z' });
let t = performance.now();
for (let i = 0; i < N; i++) {
  const d = decide(def, state, { kind: 'completed', outcome: 'succeeded', path: `Fan/${i}/B${i}`, attempt: 1, output: i, source: { kind: 'log' } }, '2024-01-01T00:00:01.000Z');
  state = applyDecision(def, state, d);
  if ((i + 1) % (N / 5) === 0) { console.log(i + 1, ((performance.now() - t) / (N / 5)).toFixed(1), 'ms/event', Math.round(process.memoryUsage().heapUsed / 1e6), 'MB'); t = performance.now(); }
}
