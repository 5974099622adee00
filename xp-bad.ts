import { compileFlow } from './engine/flow/compile.ts';
try { compileFlow({ start: 'A', steps: { A: { type: 'Task', target: { type: 'CloudFunction', name: 'f' }, next: 'Nope' } } } as any); console.log('no throw'); } catch (e) { console.log('threw', (e as Error).message); }
