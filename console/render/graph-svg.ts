/**
 * The flow graph as SVG: the graph model of engine/flow/graph-model.ts (the nodes and edges of the
 * Mermaid drawing) laid out by dagre on the server, drawn with one `<g data-step data-status>` per
 * step, so CSS colours it by state and the page's script only has to change attributes when a step
 * moves on. Layouts are cached by definition hash (a definition never changes).
 */
import { Graph, layout } from '@dagrejs/dagre';
import { type FlowGraph, flowGraph } from '../../engine/flow/graph-model.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { escapeHtml, Html } from './html.ts';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Laid {
  graph: FlowGraph;
  nodes: Map<string, Box>;
  clusters: Map<string, Box>;
  edges: Array<{
    points: Array<{ x: number; y: number }>;
    label?: string;
    kind: string;
    at?: { x: number; y: number };
  }>;
  width: number;
  height: number;
}

const CHAR = 7;
const LINE = 16;
const cache = new Map<string, Laid>();

function sizeOf(lines: string[], kind: string): { width: number; height: number } {
  if (kind === 'start' || kind === 'end') return { width: 44, height: 44 };
  if (kind === 'join') return { width: 60, height: 8 };
  const longest = Math.max(...lines.map((l) => l.length), 4);
  return { width: Math.min(320, longest * CHAR + 28), height: lines.length * LINE + 16 };
}

function layOut(def: FlowDefinition): Laid {
  const cached = cache.get(def.hash);
  if (cached) return cached;
  const model = flowGraph(def.flow);
  const g = new Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of model.clusters) g.setNode(c.id, {});
  for (const c of model.clusters) if (c.parent) g.setParent(c.id, c.parent);
  for (const n of model.nodes) {
    g.setNode(n.id, sizeOf(n.lines, n.kind));
    if (n.parent) g.setParent(n.id, n.parent);
  }
  model.edges.forEach((e, i) => {
    const label = e.label ? { label: e.label, width: Math.min(240, e.label.length * 6.5), height: 14 } : {};
    g.setEdge(e.from, e.to, label, `e${i}`);
  });
  layout(g);
  const box = (id: string): Box => {
    const n = g.node(id) as unknown as Box;
    return { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  };
  const laid: Laid = {
    graph: model,
    nodes: new Map(model.nodes.map((n) => [n.id, box(n.id)])),
    clusters: new Map(model.clusters.map((c) => [c.id, box(c.id)])),
    edges: model.edges.map((e, i) => {
      const edge = g.edge(e.from, e.to, `e${i}`) as unknown as {
        points: Array<{ x: number; y: number }>;
        x?: number;
        y?: number;
      };
      return {
        points: edge.points,
        kind: e.kind,
        ...(e.label ? { label: e.label } : {}),
        ...(edge.x !== undefined && edge.y !== undefined ? { at: { x: edge.x, y: edge.y } } : {}),
      };
    }),
    width: (g.graph().width ?? 200) + 8,
    height: (g.graph().height ?? 100) + 8,
  };
  if (cache.size > 200) cache.clear();
  cache.set(def.hash, laid);
  return laid;
}

const n = (v: number) => Math.round(v * 10) / 10;

/**
 * The flow's SVG, each step coloured by `statusOf(path)` (`PENDING` when it has not run).
 *
 * @example graphSvg(def, (path) => head.steps[path]?.status ?? 'PENDING').text
 */
export function graphSvg(def: FlowDefinition, statusOf: (path: string) => string): Html {
  const laid = layOut(def);
  const out: string[] = [];
  out.push(
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(laid.width)} ${n(laid.height)}" width="${n(laid.width)}" height="${n(laid.height)}" role="img" aria-label="flow ${escapeHtml(def.id)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
  );
  for (const c of laid.graph.clusters) {
    const b = laid.clusters.get(c.id)!;
    const branch = c.id.endsWith('#') ? 'parallel' : 'branch';
    out.push(
      `<g class="cluster ${branch}"><rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" rx="8"/>` +
        `<text x="${n(b.x + 8)}" y="${n(b.y + 13)}">${escapeHtml(c.label)}</text></g>`,
    );
  }
  for (const e of laid.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)},${n(p.y)}`).join(' ');
    out.push(`<path class="edge ${e.kind}" d="${d}" marker-end="url(#arrow)"/>`);
    if (e.label && e.at)
      out.push(
        `<text class="edge-label" x="${n(e.at.x)}" y="${n(e.at.y)}" text-anchor="middle">${escapeHtml(e.label)}</text>`,
      );
  }
  for (const node of laid.graph.nodes) {
    const b = laid.nodes.get(node.id)!;
    if (node.kind === 'start' || node.kind === 'end') {
      out.push(
        `<g class="marker"><circle cx="${n(b.x + b.width / 2)}" cy="${n(b.y + b.height / 2)}" r="${n(b.width / 2)}"/>` +
          `<text x="${n(b.x + b.width / 2)}" y="${n(b.y + b.height / 2 + 4)}" text-anchor="middle">${node.kind}</text></g>`,
      );
      continue;
    }
    if (node.kind === 'join') {
      out.push(
        `<rect class="join" x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" rx="4"/>`,
      );
      continue;
    }
    const status = statusOf(node.id);
    const lines = node.lines
      .map(
        (line, i) =>
          `<text class="${i === 0 ? 'name' : 'detail'}" x="${n(b.x + b.width / 2)}" y="${n(b.y + 20 + i * LINE)}" text-anchor="middle">${escapeHtml(line)}</text>`,
      )
      .join('');
    out.push(
      `<g class="step ${escapeHtml((node.type ?? '').toLowerCase())}" data-step="${escapeHtml(node.id)}" data-status="${escapeHtml(status)}" tabindex="0">` +
        `<title>${escapeHtml(`${node.id}: ${status}`)}</title>` +
        `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.width)}" height="${n(b.height)}" rx="${node.type === 'Condition' ? 14 : 6}"/>${lines}</g>`,
    );
  }
  out.push('</svg>');
  return new Html(out.join('\n'));
}
