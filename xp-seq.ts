import { start, decide, applyDecision } from './engine/core/index.ts';
import { definitionHash } from './engine/flow/hash.ts';
import type { Flow } from './engine/flow/model.ts';
const N = Number(process.argv[2] ?? 2000);
const steps: Flow['steps'] = {};
for (let i = 0; i < N; i++) steps[`S${i}`] = i < N - 1 ? { type: 'Task', target: { type: 'CloudFunction', name: 'f' }, next: `S${i + 1}` } : { type: 'Task', target: { type: 'CloudFunction', name: 'f' }, end: true };
const flow: Flow = { start: 'S0', steps };
const def = { id: 's', flow, hash: definitionHash(flow) };
let { state } = start(def, {}, { executionId: 'e', now: '2024-01-01T00:00:00.000Z' });
const t = performance.now();
for (let i = 0; i < N; i++) {
  state = applyDecision(def, state, decide(def, state, { kind: 'completed', outcome: 'succeeded', path: `S${i}`, attempt: 1, output: i, source: { kind: 'log' } }, '2024-01-01T00:00:01.000Z'));
}
console.log(state.status, ((performance.now() - t) / N).toFixed(3), 'ms/signal over', N, 'steps');
