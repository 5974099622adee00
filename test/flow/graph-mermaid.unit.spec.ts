import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { type Flow, readFlowJson, toMermaid } from '../../engine/flow/index.ts';
import retryCatch from '../../examples/retry-catch.ts';
import { SAMPLE_DAG_TEXT } from './support.ts';

const example = (name: string): Flow =>
  readFlowJson(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8')).flow!;

describe('toMermaid', () => {
  test('given the sample, when drawn, then the exact flowchart: parallel as a subgraph with one subgraph per branch', () => {
    expect(toMermaid(readFlowJson(SAMPLE_DAG_TEXT).flow!)).toBe(
      [
        'flowchart TD',
        '  __start__((start))',
        '  Init["Init<br/>CloudFunction · orch-test-1"]',
        '  Step1["Step1<br/>CloudFunction · orch-test-2"]',
        '  subgraph Step2 ["Step2 (parallel)"]',
        '    direction TB',
        '    subgraph Step2_branch1 ["branch 1"]',
        '      direction TB',
        '      Step2_0_Branch1["Branch1<br/>Dataflow flex · word-count-demo"]',
        '    end',
        '    subgraph Step2_branch2 ["branch 2"]',
        '      direction TB',
        '      Step2_1_Branch2["Branch2<br/>CloudFunction · orch-test-3"]',
        '    end',
        '  end',
        // "End" is a Task named End; Mermaid reserves `end` as a keyword, so its id is prefixed.
        '  s_End["End<br/>CloudFunction · orch-test-4"]',
        '  __end__((end))',
        '  __start__ --> Init',
        '  Init --> Step1',
        '  Step1 --> Step2',
        '  Step2 --> s_End',
        '  s_End --> __end__',
        '  classDef marker fill:#333,stroke:#333,color:#fff',
        '  class __start__ marker',
        '  class __end__ marker',
        '',
      ].join('\n'),
    );
  });

  test('given nested parallels, when drawn, then the inner branches are subgraphs inside the outer branch', () => {
    const text = toMermaid(example('nested-parallel.json'));
    const order = [
      'subgraph Transform ["Transform (parallel)"]',
      'subgraph Transform_branch1 ["branch 1"]',
      'subgraph Transform_0_Enrich ["Enrich (parallel)"]',
      'subgraph Transform_0_Enrich_branch1 ["branch 1"]',
      'Transform_0_Enrich_0_Geo[',
      'subgraph Transform_0_Enrich_branch2 ["branch 2"]',
      'Transform_0_Enrich_1_Fx[',
      'subgraph Transform_branch2 ["branch 2"]',
      'Transform_1_Aggregate[',
    ].map((fragment) => text.indexOf(fragment));

    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text.match(/^\s*subgraph /gm)).toHaveLength(6);
    expect(text.match(/^\s*end$/gm)).toHaveLength(6);
    expect(text).toContain('        Transform_0_Enrich_0_Geo["Geo<br/>CloudFunction · geo-enrich"]');
  });

  test('given a condition, when drawn, then a decision node with one labelled edge per choice and the default', () => {
    const text = toMermaid(example('condition.json'));

    expect(text).toContain('  Route{"Route"}\n');
    expect(text).toContain(`  Route -->|"$.input.mode = 'full'"| FullLoad\n`);
    expect(text).toContain(
      '  Route -->|"($.steps.Count.output.rows #gt; 0) and (not ($.input.dry_run = true))"| Load\n',
    );
    expect(text).toContain('  Route -->|default| Skip\n');
    expect(text).toContain('  Skip(["Skip"])\n');
  });

  test('given retry, catch, timeout, Wait and Fail, when drawn, then catch edges are dashed and Fail is marked', () => {
    const text = toMermaid(retryCatch.flow);

    expect(text).toContain('  Export -.->|"catch States.ALL"| Notify\n');
    expect(text).toContain('  Check -.->|"catch States.ALL"| Notify\n');
    expect(text).toContain('retry ×1/3, timeout 3600 s');
    expect(text).toContain('  Settle[/"Settle<br/>wait 60 s"/]\n');
    expect(text).toContain('  Failed{{"Failed<br/>fail ExportFailed"}}\n');
    expect(text).toContain('  class Failed fail\n');
    expect(text).not.toContain('Failed --> __end__');
  });

  test('given names with quotes, spaces and Mermaid keywords, when drawn, then ids are safe and unique, labels escaped', () => {
    const { flow, errors } = readFlowJson(
      JSON.stringify({
        start: 'say "hi"',
        steps: {
          'say "hi"': { type: 'Wait', seconds: 1, next: 'end' },
          end: { type: 'Wait', seconds: 1, next: 'say _hi_' },
          'say _hi_': { type: 'End' },
        },
      }),
    );
    expect(errors).toEqual([]);

    const text = toMermaid(flow!);

    expect(text).toContain('  say__hi_[/"say #quot;hi#quot;<br/>wait 1 s"/]');
    expect(text).toContain('  s_end[/"end<br/>wait 1 s"/]');
    expect(text).toContain('  say__hi__2(["say _hi_"])');
    expect(text).toContain('  say__hi_ --> s_end\n  s_end --> say__hi__2\n');
  });

  test('given condition values with quotes, pipes and angle brackets, when drawn, then the edge label escapes them', () => {
    const { flow } = readFlowJson(
      JSON.stringify({
        start: 'R',
        steps: {
          R: {
            type: 'Condition',
            choices: [{ variable: '$.input.s', string_equals: 'a|"b"<c>', next: 'Done' }],
            default: 'Done',
          },
          Done: { type: 'End' },
        },
      }),
    );

    expect(toMermaid(flow!)).toContain(`  R -->|"$.input.s = 'a#124;#quot;b#quot;#lt;c#gt;'"| Done\n`);
  });

  test('given the same flow twice, when drawn, then the output is identical (deterministic)', () => {
    const flow = example('nested-parallel.json');
    expect(toMermaid(flow)).toBe(toMermaid(structuredClone(flow)));
  });
});
