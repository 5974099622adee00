import { compileFlow } from './engine/flow/compile.ts';
import { initialTransition } from 'xstate';
import type { Flow } from './engine/flow/model.ts';
const N = Number(process.argv[2] ?? 150);
const flow: Flow = { start: 'Fan', steps: { Fan: { type: 'Parallel', branches: Array.from({ length: N }, (_, i) => ({ start: `B${i}`, steps: { [`B${i}`]: { type: 'Task', target: { type: 'CloudFunction', name: 'f' }, end: true } } })), next: 'Done' }, Done: { type: 'End' } } } as Flow;
const { machine } = compileFlow(flow);
const t = performance.now();
initialTransition(machine, {});
console.log('initialTransition (2 initial snapshots)', (performance.now() - t).toFixed(0));
