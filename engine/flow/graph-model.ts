/**
 * The flow as a graph: the nodes and edges `toMermaid` draws (graph-mermaid.ts), as data, with
 * every step node keyed by its path (`Step2/1/Branch2`) so a renderer can colour it by the step's
 * state. Parallels are clusters holding one cluster per branch, as in the Mermaid drawing, and a Map
 * a cluster holding its iterator (nodes `<Map path>/iterator/<name>`); start
 * and end markers are nodes of their own. No layout here: the console lays it out.
 */
import { describeRule, mapLabel, taskDetails } from './graph-mermaid.ts';
import type { Flow, Step } from './model.ts';

/** `join`: where a Parallel's branches meet (its outgoing edges leave from there). */
export type GraphNodeKind = 'start' | 'end' | 'step' | 'join';

export interface GraphNode {
  /** Unique id: the step path, or `__start__` / `__end__`. */
  id: string;
  kind: GraphNodeKind;
  /** Step type (`Task`, `Condition`, …) for step nodes. */
  type?: string;
  /** Step name as written. */
  name?: string;
  /** Label lines: the name, then the target and options. */
  lines: string[];
  /** Cluster (a Parallel branch) holding the node. */
  parent?: string;
}

export interface GraphCluster {
  /** For a Parallel: `<path>#`; for one of its branches: `<path>#<index>`. */
  id: string;
  label: string;
  /** The step path of the Parallel a cluster draws (also for its branches). */
  step: string;
  parent?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  kind: 'next' | 'choice' | 'catch';
}

export interface FlowGraph {
  nodes: GraphNode[];
  clusters: GraphCluster[];
  edges: GraphEdge[];
}

function linesOf(name: string, step: Step): string[] {
  switch (step.type) {
    case 'Task':
      return [name, ...taskDetails(step)];
    case 'Wait':
      return [name, 'seconds' in step ? `wait ${step.seconds} s` : 'wait'];
    default:
      return [name, step.type.toLowerCase()];
  }
}

/**
 * The graph of a flow, in document order.
 *
 * @example flowGraph(def.flow).nodes.map((n) => n.id) // ['__start__', 'Init', 'Step1', 'Step2/0/Branch1', …]
 */
export function flowGraph(flow: Flow): FlowGraph {
  const nodes: GraphNode[] = [{ id: '__start__', kind: 'start', lines: ['start'] }];
  const clusters: GraphCluster[] = [];
  const edges: GraphEdge[] = [];
  let ends = false;

  /** `exit`: where a scope's ending steps lead (`__end__` at the top, a Parallel's join inside). */
  const drawScope = (scope: Flow, prefix: string, parent: string | undefined, exit: string): void => {
    const pathOf = (name: string) => (prefix ? `${prefix}/${name}` : name);
    for (const [name, step] of Object.entries(scope.steps)) {
      const path = pathOf(name);
      const inside = parent ? { parent } : {};
      // A Parallel is drawn as a cluster entered through its own node and left through its join.
      let leaves = path;
      if (step.type === 'Parallel') {
        leaves = `${path}#join`;
        clusters.push({ id: `${path}#`, label: `${name} (parallel)`, step: path, ...inside });
        nodes.push({
          id: path,
          kind: 'step',
          type: 'Parallel',
          name,
          lines: [name, 'parallel'],
          parent: `${path}#`,
        });
        step.branches.forEach((branch, i) => {
          const id = `${path}#${i}`;
          clusters.push({ id, label: `branch ${i + 1}`, step: path, parent: `${path}#` });
          edges.push({ from: path, to: `${path}/${i}/${branch.start}`, kind: 'next' });
          drawScope(branch, `${path}/${i}`, id, leaves);
        });
        nodes.push({ id: leaves, kind: 'join', lines: [], parent: `${path}#` });
      } else if (step.type === 'Map') {
        // Like a Parallel of one branch: the iterator every item runs (as a child execution).
        leaves = `${path}#join`;
        clusters.push({ id: `${path}#`, label: mapLabel(name, step), step: path, ...inside });
        nodes.push({ id: path, kind: 'step', type: 'Map', name, lines: [name, 'map'], parent: `${path}#` });
        edges.push({ from: path, to: `${path}/iterator/${step.iterator.start}`, kind: 'next' });
        drawScope(step.iterator, `${path}/iterator`, `${path}#`, leaves);
        nodes.push({ id: leaves, kind: 'join', lines: [], parent: `${path}#` });
      } else {
        nodes.push({ id: path, kind: 'step', type: step.type, name, lines: linesOf(name, step), ...inside });
      }
      for (const edge of edgesOf(step, leaves, pathOf)) edges.push(edge);
      const endsHere = step.type === 'End' || ('end' in step && step.end === true);
      if (endsHere) {
        edges.push({ from: leaves, to: exit, kind: 'next' });
        if (exit === '__end__') ends = true;
      }
    }
  };
  drawScope(flow, '', undefined, '__end__');
  if (ends) nodes.push({ id: '__end__', kind: 'end', lines: ['end'] });
  edges.unshift({ from: '__start__', to: flow.start, kind: 'next' });
  return { nodes, clusters, edges };
}

function edgesOf(step: Step, from: string, pathOf: (name: string) => string): GraphEdge[] {
  const out: GraphEdge[] = [];
  if (step.type === 'Condition') {
    for (const choice of step.choices)
      out.push({ from, to: pathOf(choice.next), label: describeRule(choice), kind: 'choice' });
    if (step.default !== undefined)
      out.push({ from, to: pathOf(step.default), label: 'default', kind: 'choice' });
    return out;
  }
  if ('next' in step && typeof step.next === 'string')
    out.push({ from, to: pathOf(step.next), kind: 'next' });
  if (step.type === 'Task' || step.type === 'Map') {
    for (const rule of step.catch ?? [])
      out.push({ from, to: pathOf(rule.next), label: `catch ${rule.errors.join(', ')}`, kind: 'catch' });
  }
  return out;
}
