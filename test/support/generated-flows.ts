/**
 * Generated flow documents (reference JSON) at the sizes and depths that break naive code: long
 * chains, deep Parallel nesting, long step names. Built as text where a JS object would itself be
 * too deep to stringify.
 */

const fn = (name: string, project = 'gen') => ({
  type: 'Task',
  target_type: 'CloudFunction',
  target_name: name,
  project_id: project,
  region: 'europe-west1',
});

/**
 * A chain of `length` Tasks `S0 → S1 → …`.
 *
 * @example chainFlow(3).steps.S1 // { type: 'Task', …, next: 'S2' }
 */
export function chainFlow(
  length: number,
  project = 'gen',
): { start: string; steps: Record<string, unknown> } {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < length; i++)
    steps[`S${i}`] =
      i === length - 1
        ? { ...fn(`gen-s${i}`, project), end: true }
        : { ...fn(`gen-s${i}`, project), next: `S${i + 1}` };
  return { start: 'S0', steps };
}

/**
 * The JSON text of Parallels nested `depth` deep (`P<depth>` outermost), one Task `Leaf` innermost;
 * `name(level)` names the Parallel at each level (default `P<level>`).
 */
export function nestedFlowText(
  depth: number,
  name: (level: number) => string = (l) => `P${l}`,
  project = 'gen',
): string {
  let text = JSON.stringify({ start: 'Leaf', steps: { Leaf: { ...fn('gen-leaf', project), end: true } } });
  for (let level = 1; level <= depth; level++) {
    const n = JSON.stringify(name(level));
    text = `{"start":${n},"steps":{${n}:{"type":"Parallel","end":true,"branches":[${text}]}}}`;
  }
  return text;
}
