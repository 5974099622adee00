/**
 * Draws a flow as a Mermaid flowchart: Tasks as boxes, Conditions as decisions with labelled edges,
 * Parallels as a subgraph holding one subgraph per branch (nested Parallels nest), catch edges
 * dashed, start and end markers. Output is deterministic (document order), so it can be diffed.
 */
import type { ChoiceRule, Flow, Step, Target } from './model.ts';

const RESERVED_IDS = new Set([
  'end',
  'subgraph',
  'graph',
  'flowchart',
  'style',
  'class',
  'classdef',
  'click',
  'linkstyle',
  'direction',
  'default',
]);

/** Mermaid's entity codes, so that quotes, angle brackets and pipes in names and values stay text. */
function escapeLabel(text: string): string {
  return text
    .replaceAll('"', '#quot;')
    .replaceAll('<', '#lt;')
    .replaceAll('>', '#gt;')
    .replaceAll('|', '#124;');
}

class Ids {
  private readonly used = new Set<string>();
  make(parts: readonly (string | number)[]): string {
    let id = parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
    if (RESERVED_IDS.has(id.toLowerCase()) || !/^[A-Za-z]/.test(id)) id = `s_${id}`;
    let unique = id;
    for (let n = 2; this.used.has(unique); n++) unique = `${id}_${n}`;
    this.used.add(unique);
    return unique;
  }
}

/** The target line of a Task's box, shared by the Mermaid drawing and the console's graph model. */
export function describeTarget(target: Target): string {
  switch (target.type) {
    case 'Dataflow':
      return `Dataflow ${target.template.kind} · ${target.name}`;
    case 'Http':
      return `Http ${target.method ?? 'POST'} · ${target.url}`;
    case 'PubSub':
      return `PubSub · ${target.topic}`;
    case 'BigQuery':
      return `BigQuery query · ${target.destination_table ?? target.name}`;
    case 'CloudRunJob':
      return `Cloud Run job · ${target.name}`;
    default:
      return `${target.type} · ${target.name}`;
  }
}

/** A Task box's lines under its name: the target, then retry and timeout when set. */
export function taskDetails(step: Extract<Step, { type: 'Task' }>): string[] {
  const extras = [
    step.retry ? `retry ×${step.retry.map((r) => r.max_attempts).join('/')}` : '',
    step.timeout_seconds ? `timeout ${step.timeout_seconds} s` : '',
  ].filter((e) => e !== '');
  return [describeTarget(step.target), ...(extras.length ? [extras.join(', ')] : [])];
}

/**
 * A Map's title: its name, what it maps over and its concurrency.
 *
 * @example mapLabel('PerFile', mapStep) // 'PerFile (map over $.steps.List.output.files, 50 at once)'
 */
export function mapLabel(name: string, step: Extract<Step, { type: 'Map' }>): string {
  const width = step.max_concurrency ? `, ${step.max_concurrency} at once` : '';
  return `${name} (map over ${step.items}${width})`;
}

const COMPARISONS: Record<string, string> = {
  string_equals: '=',
  numeric_equals: '=',
  numeric_greater_than: '>',
  numeric_greater_than_or_equal: '≥',
  numeric_less_than: '<',
  numeric_less_than_or_equal: '≤',
  boolean_equals: '=',
};

/**
 * A rule as a short readable expression.
 *
 * @example describeRule({ variable: '$.input.mode', string_equals: 'full' }) // "$.input.mode = 'full'"
 */
export function describeRule(rule: ChoiceRule): string {
  if ('and' in rule) return rule.and.map((r) => `(${describeRule(r)})`).join(' and ');
  if ('or' in rule) return rule.or.map((r) => `(${describeRule(r)})`).join(' or ');
  if ('not' in rule) return `not (${describeRule(rule.not)})`;
  if ('is_present' in rule) return `${rule.variable} is ${rule.is_present ? 'present' : 'absent'}`;
  const [operator, value] = Object.entries(rule).find(([k]) => k in COMPARISONS) ?? ['', ''];
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return `${rule.variable} ${COMPARISONS[operator]} ${shown}`;
}

interface Scope {
  flow: Flow;
  prefix: readonly (string | number)[];
  top: boolean;
}

/**
 * The flow as Mermaid `flowchart TD` text.
 *
 * @example toMermaid(readFlowJson(text).flow!) // 'flowchart TD\n  __start__((start))\n …'
 */
export function toMermaid(flow: Flow): string {
  const ids = new Ids();
  const nodes: string[] = [];
  const edges: string[] = [];
  const failed: string[] = [];
  let ends = false;

  const drawScope = ({ flow: scope, prefix, top }: Scope, indent: string): Map<string, string> => {
    const idOf = new Map<string, string>();
    for (const name of Object.keys(scope.steps)) idOf.set(name, ids.make([...prefix, name]));
    for (const [name, step] of Object.entries(scope.steps)) {
      const id = idOf.get(name)!;
      drawNode(step, name, id, [...prefix, name], indent);
      for (const line of edgesOf(step, id, idOf)) edges.push(line);
      const endsHere = step.type === 'End' || ('end' in step && step.end === true);
      if (top && endsHere) {
        edges.push(`${id} --> __end__`);
        ends = true;
      }
    }
    return idOf;
  };

  const drawNode = (
    step: Step,
    name: string,
    id: string,
    path: (string | number)[],
    indent: string,
  ): void => {
    const label = escapeLabel(name);
    switch (step.type) {
      case 'Task': {
        const lines = [label, ...taskDetails(step).map(escapeLabel)];
        nodes.push(`${indent}${id}["${lines.join('<br/>')}"]`);
        return;
      }
      case 'Condition':
        nodes.push(`${indent}${id}{"${label}"}`);
        return;
      case 'Wait':
        nodes.push(
          step.for_object === undefined
            ? `${indent}${id}[/"${label}<br/>wait ${step.seconds} s"/]`
            : `${indent}${id}[/"${label}<br/>wait for ${escapeLabel(step.for_object)}${step.timeout_seconds ? `<br/>timeout ${step.timeout_seconds} s` : ''}"/]`,
        );
        return;
      case 'Pass':
        nodes.push(`${indent}${id}[["${label}<br/>pass"]]`);
        return;
      case 'Fail':
        nodes.push(`${indent}${id}{{"${label}<br/>fail${step.error ? ` ${escapeLabel(step.error)}` : ''}"}}`);
        failed.push(id);
        return;
      case 'End':
        nodes.push(`${indent}${id}(["${label}"])`);
        return;
      case 'Parallel': {
        nodes.push(`${indent}subgraph ${id} ["${label} (parallel)"]`);
        nodes.push(`${indent}  direction TB`);
        step.branches.forEach((branch, i) => {
          const branchId = ids.make([...path, `branch${i + 1}`]);
          nodes.push(`${indent}  subgraph ${branchId} ["branch ${i + 1}"]`);
          nodes.push(`${indent}    direction TB`);
          drawScope({ flow: branch, prefix: [...path, i], top: false }, `${indent}    `);
          nodes.push(`${indent}  end`);
        });
        nodes.push(`${indent}end`);
        return;
      }
      case 'Map': {
        nodes.push(`${indent}subgraph ${id} ["${escapeLabel(mapLabel(name, step))}"]`);
        nodes.push(`${indent}  direction TB`);
        drawScope({ flow: step.iterator, prefix: [...path, 'iterator'], top: false }, `${indent}  `);
        nodes.push(`${indent}end`);
        return;
      }
    }
  };

  const idOf = drawScope({ flow, prefix: [], top: true }, '  ');
  const lines = ['flowchart TD', '  __start__((start))', ...nodes];
  if (ends) lines.push('  __end__((end))');
  lines.push(`  __start__ --> ${idOf.get(flow.start) ?? flow.start}`, ...edges.map((e) => `  ${e}`));
  lines.push('  classDef marker fill:#333,stroke:#333,color:#fff', '  class __start__ marker');
  if (ends) lines.push('  class __end__ marker');
  if (failed.length > 0)
    lines.push('  classDef fail fill:#fdd,stroke:#c33', `  class ${failed.join(',')} fail`);
  return `${lines.join('\n')}\n`;
}

function edgesOf(step: Step, id: string, idOf: ReadonlyMap<string, string>): string[] {
  const to = (name: string) => idOf.get(name) ?? name;
  const lines: string[] = [];
  if (step.type === 'Condition') {
    for (const choice of step.choices)
      lines.push(`${id} -->|"${escapeLabel(describeRule(choice))}"| ${to(choice.next)}`);
    if (step.default !== undefined) lines.push(`${id} -->|default| ${to(step.default)}`);
    return lines;
  }
  if ('next' in step && step.next !== undefined) lines.push(`${id} --> ${to(step.next)}`);
  if (step.type === 'Task' || step.type === 'Wait' || step.type === 'Map') {
    for (const rule of step.catch ?? [])
      lines.push(`${id} -.->|"catch ${escapeLabel(rule.errors.join(', '))}"| ${to(rule.next)}`);
  }
  return lines;
}
