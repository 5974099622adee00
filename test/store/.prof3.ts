import { applyDecision, decide, start } from '../../engine/core/index.ts';
import { fanOutFlow, succeeded } from './support.ts';
const N = 40;
const def = fanOutFlow(N);
let t = Date.now();
let { state } = start(def, {}, { executionId: 'e', now: '2026-01-01T00:00:00.000Z' });
console.log('start', Date.now() - t); t = Date.now();
for (let i = 0; i < N; i++) {
  const d = decide(def, state, { kind: 'launched', commandId: 'x', receipt: { target: 'x' }, path: `Fan/${i}/B${i}`, attempt: 1, source: { kind: 'dispatcher' } }, '2026-01-01T00:00:00.000Z');
  state = applyDecision(def, state, d);
}
console.log('launched x100', Date.now() - t); t = Date.now();
state = JSON.parse(JSON.stringify(state));
for (let i = 0; i < N; i++) {
  const d = decide(def, state, succeeded(`Fan/${i}/B${i}`, 1), '2026-01-01T00:00:00.000Z');
  state = applyDecision(def, state, d);
  if (i < 3 || i % 20 === 0) console.log(i, Date.now() - t);
}
console.log('succeeded x100', Date.now() - t, state.steps.After?.status);
