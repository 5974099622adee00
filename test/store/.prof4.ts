import { createActor, initialTransition, transition } from 'xstate';
import { compileFlow } from '../../engine/flow/compile.ts';
import { fanOutFlow } from './support.ts';
for (const N of [100, 300]) {
const def = fanOutFlow(N);
const machine = compileFlow(def.flow).machine;
let t = Date.now();
let [snap] = initialTransition(machine, {});
console.log(N, 'initial', Date.now() - t);
const self = createActor(machine);
const scope: any = { self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {}, actionExecutor: () => {} };
t = Date.now();
let s2: any = snap;
for (let i = 0; i < Math.min(N, 50); i++) {
  const actions: unknown[] = [];
  scope.actionExecutor = (a: unknown) => actions.push(a);
  s2 = (machine as any).transition(s2, { type: 'STEP_SUCCEEDED', path: `Fan/${i}/B${i}`, attempt: 1, output: { i } }, scope);
}
console.log(N, 'cached scope x50', Date.now() - t);
if (N === 100) {
t = Date.now();
let s3: any = snap;
for (let i = 0; i < 20; i++) [s3] = transition(machine, s3, { type: 'STEP_SUCCEEDED', path: `Fan/${i}/B${i}`, attempt: 1, output: { i } } as any);
console.log(N, 'transition() x20', Date.now() - t);
}
}
