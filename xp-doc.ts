import { readFileSync } from 'node:fs';
import { applyDecision, decide, replay, start, toHead } from './engine/core/index.ts';
import { loadFlowFromJson } from './engine/flow/index.ts';

const def = loadFlowFromJson(readFileSync('examples/sample-dag.json', 'utf8'), 'sample-dag');
let { state, decision } = start(def, { day: '2024-01-01' }, { executionId: 'exec-1', now: '2024-01-01T00:00:00Z' });
const log = [...decision.events];
console.log(decision.commands.map((c) => c.id)); // [ 'launch~Init~1' ]

for (const path of ['Init', 'Step1', 'Step2/0/Branch1', 'Step2/1/Branch2', 'End']) {
  decision = decide(def, state, { kind: 'completed', outcome: 'succeeded', path, attempt: 1, output: { path },
    source: { kind: 'callback', id: `cb-${path}` } }, '2024-01-01T00:01:00Z');
  state = applyDecision(def, state, decision);
  log.push(...decision.events);
  console.log(path, '→', decision.events.map((e) => e.type).join(', '), '|', decision.commands.map((c) => c.id).join(', '));
}
console.log(state.status, state.output); // SUCCEEDED { path: 'End' }
const dup = decide(def, state, { kind: 'completed', outcome: 'succeeded', path: 'End', attempt: 1, output: null, source: { kind: 'log' } }, '2024-01-01T00:02:00Z');
console.log(dup.ignored); // { code: 'EXECUTION_FINISHED', message: '…' }
console.log(JSON.stringify(toHead(replay(def, log))) === JSON.stringify(toHead(state))); // true
