import { Firestore } from '@google-cloud/firestore';
const db = new Firestore({ projectId: `bench-${Date.now()}`, host: '127.0.0.1:8765', ssl: false });
let t = Date.now();
const N = 10000;
const batches = [];
for (let start = 0; start < N; start += 500) {
  const b = db.batch();
  for (let i = start; i < start + 500; i++) b.create(db.doc(`executions/e/events/${String(i).padStart(10, '0')}`), { seq: i, type: 'StepLogged', at: '2026-01-01T00:00:00.000Z', step: 'A', path: 'A', attempt: 1, lines: [] });
  batches.push(b);
}
for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map((b) => b.commit()));
console.log(N, 'batched creates', Date.now() - t);
await db.terminate();
