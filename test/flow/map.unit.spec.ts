import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { flowGraph } from '../../engine/flow/graph-model.ts';
import {
  branch,
  cloudFunction,
  compileFlow,
  defineFlow,
  end,
  map,
  readFlowJson,
  task,
  toMermaid,
  validateFlow,
} from '../../engine/flow/index.ts';

const example = JSON.parse(
  readFileSync(new URL('../../examples/per-file-map.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** A Map flow as reference JSON, with `patch` applied to the Map step. */
function mapFlow(patch: Record<string, unknown> = {}): unknown {
  return {
    start: 'List',
    steps: {
      List: { type: 'Task', target_type: 'CloudFunction', target_name: 'list', next: 'PerFile' },
      PerFile: {
        type: 'Map',
        items: '$.steps.List.output.files',
        item_selector: { file: '$.item', n: '$.index', day: '$.input.day' },
        iterator: {
          start: 'Load',
          steps: {
            Load: {
              type: 'Task',
              target_type: 'CloudFunction',
              target_name: 'load',
              parameters: { file: '$.input.file', at: '$.index' },
              end: true,
            },
          },
        },
        next: 'Done',
        ...patch,
      },
      Done: { type: 'End' },
    },
  };
}

const errorsOf = (raw: unknown) => validateFlow(raw).errors.map((p) => `${p.path}: ${p.message}`);

describe('Map: reading and validation', () => {
  test('given the example, when read, then a Map step with its iterator and options', () => {
    const flow = readFlowJson(JSON.stringify(example)).flow!;
    const step = flow.steps.PerFile;
    expect(step).toMatchObject({
      type: 'Map',
      items: '$.steps.List.output.files',
      max_concurrency: 50,
      tolerated_failure_count: 2,
      iterator: { start: 'Load' },
      next: 'Report',
    });
  });

  test('given $.item/$.index in item_selector and inside the iterator, then valid', () => {
    expect(errorsOf(mapFlow())).toEqual([]);
  });

  test('given items that is not a reference, then a named error', () => {
    expect(errorsOf(mapFlow({ items: ['a'] }))).toEqual([
      'steps.PerFile.items: must be a reference to an array (such as "$.steps.List.output.files" or "$.input.tables"), got an array',
    ]);
  });

  test('given a missing iterator and items, then both are reported', () => {
    expect(errorsOf(mapFlow({ items: undefined, iterator: undefined }))).toEqual([
      'steps.PerFile.items: missing; a reference to the array to map over, e.g. "$.steps.List.output.files"',
      'steps.PerFile.iterator: missing; the steps each item runs: {"start": …, "steps": {…}}',
    ]);
  });

  test('given bad limits and a misspelt field, then each is reported at its path', () => {
    expect(
      errorsOf(
        mapFlow({
          max_concurrency: 1.5,
          tolerated_failure_percentage: 101,
          tolerated_failure_count: -1,
          iteratr: 1,
        }),
      ),
    ).toEqual([
      'steps.PerFile.iteratr: unknown field for a Map step (did you mean "iterator"?)',
      'steps.PerFile.max_concurrency: must be an integer >= 0, got a number (1.5)',
      'steps.PerFile.tolerated_failure_count: must be an integer >= 0, got a number (-1)',
      'steps.PerFile.tolerated_failure_percentage: must be between 0 and 100, got 101',
    ]);
  });

  test('given $.item outside an iterator, then an error naming where it is valid', () => {
    const raw = mapFlow() as { steps: { List: Record<string, unknown> } };
    raw.steps.List.parameters = { x: '$.item' };
    expect(errorsOf(raw)).toEqual([
      'steps.List.parameters.x: "$.item" is only defined inside a Map iterator; here use $.input, $.steps.<Step>.output, $.trigger',
    ]);
  });

  test('given an iterator step reading a parent step, then an error pointing at item_selector', () => {
    expect(
      errorsOf(
        mapFlow({
          iterator: {
            start: 'Load',
            steps: {
              Load: {
                type: 'Task',
                target_type: 'CloudFunction',
                target_name: 'load',
                parameters: { files: '$.steps.List.output.files' },
                end: true,
              },
            },
          },
        }),
      ),
    ).toEqual([
      'steps.PerFile.iterator.steps.Load.parameters.files: reads "$.steps.List…": step "List" is outside the Map iterator; each iteration runs as a child execution that sees only its own steps: pass the value in with "item_selector" and read it as $.input…',
    ]);
  });

  test('given an unknown next inside the iterator, then it is reported in the iterator scope', () => {
    expect(
      errorsOf(
        mapFlow({
          iterator: {
            start: 'Load',
            steps: {
              Load: { type: 'Task', target_type: 'CloudFunction', target_name: 'l', next: 'Dne' },
              Done2: { type: 'End' },
            },
          },
        }),
      ),
    ).toContain('steps.PerFile.iterator.steps.Load.next: unknown step "Dne" (did you mean "Done"?)');
  });
});

describe('Map: builder, graph, machine', () => {
  const built = defineFlow({
    id: 'per-file',
    start: 'List',
    steps: {
      List: task(cloudFunction('list'), { next: 'PerFile' }),
      PerFile: map({
        items: '$.steps.List.output.files',
        item_selector: { file: '$.item' },
        max_concurrency: 10,
        iterator: branch({ start: 'Load', steps: { Load: task(cloudFunction('load'), { end: true }) } }),
        catch: [{ next: 'Done' }],
        next: 'Done',
      }),
      Done: end(),
    },
  });

  test('the builder gives the same normalized flow as the JSON reader', () => {
    const fromJson = readFlowJson(
      JSON.stringify({
        start: 'List',
        steps: {
          List: { type: 'Task', target_type: 'CloudFunction', target_name: 'list', next: 'PerFile' },
          PerFile: {
            type: 'Map',
            items: '$.steps.List.output.files',
            item_selector: { file: '$.item' },
            max_concurrency: 10,
            iterator: {
              start: 'Load',
              steps: { Load: { type: 'Task', target_type: 'CloudFunction', target_name: 'load', end: true } },
            },
            catch: [{ next: 'Done' }],
            next: 'Done',
          },
          Done: { type: 'End' },
        },
      }),
    ).flow!;
    expect(built.flow).toEqual(fromJson);
  });

  test('Mermaid draws the Map as a subgraph holding its iterator', () => {
    const text = toMermaid(built.flow);
    expect(text).toContain('  subgraph PerFile ["PerFile (map over $.steps.List.output.files, 10 at once)"]');
    expect(text).toContain('    PerFile_iterator_Load["Load<br/>CloudFunction · load"]');
    expect(text).toContain('  PerFile -.->|"catch States.ALL"| Done');
  });

  test('the graph model has a Map cluster with its iterator nodes and a join', () => {
    const graph = flowGraph(built.flow);
    expect(graph.clusters).toContainEqual({
      id: 'PerFile#',
      label: 'PerFile (map over $.steps.List.output.files, 10 at once)',
      step: 'PerFile',
    });
    expect(graph.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining(['PerFile', 'PerFile/iterator/Load', 'PerFile#join']),
    );
    expect(graph.edges).toContainEqual({ from: 'PerFile', to: 'PerFile/iterator/Load', kind: 'next' });
    expect(graph.edges).toContainEqual({ from: 'PerFile#join', to: 'Done', kind: 'next' });
  });

  test('the machine compiles the Map as one state of the parent (the iterator is not in it)', () => {
    const { config } = compileFlow(built.flow);
    const state = config.states?.PerFile;
    expect(state?.initial).toBe('running');
    expect(JSON.stringify(config)).not.toContain('Load');
  });
});
