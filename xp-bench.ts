import { start, decide, applyDecision, replay, toHead } from './engine/core/index.ts';
import { definitionHash } from './engine/flow/hash.ts';
import type { Flow } from './engine/flow/model.ts';
const N = Number(process.argv[2] ?? 1000);
const flow: Flow = { start: 'Fan', steps: { Fan: { type: 'Parallel', branches: Array.from({ length: N }, (_, i) => ({ start: `B${i}`, steps: { [`B${i}`]: { type: 'Task', target: { type: 'CloudFunction', name: 'f' }, end: true } } })), next: 'Done' }, Done: { type: 'End' } } } as Flow;
const def = { id: 'fan', flow, hash: definitionHash(flow) };
let t = performance.now();
const { state: s0, decision } = start(def, {}, { executionId: 'e', now: '2024-01-01T00:00:00.000Z' });
console.log('start', N, 'commands', decision.commands.length, (performance.now() - t).toFixed(0), 'ms');
let state = s0; const log = [...decision.events];
t = performance.now();
for (let i = 0; i < Number(process.argv[3] ?? N); i++) {
  const d = decide(def, state, { kind: 'completed', outcome: 'succeeded', path: `Fan/${i}/B${i}`, attempt: 1, output: i, source: { kind: 'log' } }, '2024-01-01T00:00:01.000Z');
  state = applyDecision(def, state, d); log.push(...d.events);
}
console.log('completions', (performance.now() - t).toFixed(0), 'ms', state.status, log.length);
t = performance.now();
const r = replay(def, JSON.parse(JSON.stringify(log)));
console.log('cold replay', (performance.now() - t).toFixed(0), 'ms', r.status);
console.log('head bytes', JSON.stringify(toHead(state)).length, 'machine bytes', JSON.stringify(state.machine).length);
