/**
 * Issue 14, item 1: validation is strict and helpful about data. Each case of the nightly-ETL report
 * is an error at validate, with the path and a suggestion.
 */
import { describe, expect, test } from 'vitest';
import { validateFlow } from '../../engine/flow/index.ts';
import { lines, nightlyEtl, type RawFlow, sampleDag } from './support.ts';

const errorsOf = (raw: RawFlow): string[] => lines(validateFlow(raw).errors);

describe('strict references', () => {
  test('given the nightly ETL as written correctly, when validated, then no problems', () => {
    expect(validateFlow(nightlyEtl())).toMatchObject({ errors: [], warnings: [] });
  });

  test.each([
    [
      'a misspelt root $.inputs',
      '$.inputs.day',
      'unknown reference root "$.inputs" (did you mean "$.input"?); a reference starts with $.input, $.steps.<Step>.output, $.trigger',
    ],
    [
      'a misspelt root $.step',
      '$.step.Extract.output',
      'unknown reference root "$.step" (did you mean "$.steps"?); a reference starts with $.input, $.steps.<Step>.output, $.trigger',
    ],
    [
      'a step reference without .output',
      '$.steps.Extract.date',
      'a step reference reads a step\'s output: write "$.steps.Extract.output…", got "$.steps.Extract.date"',
    ],
    [
      'an unterminated template',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's template syntax
      'gs://b/${$.input.day',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's template syntax
      'unterminated template "${$.input.day"; close it with "}", e.g. "${$.input.day}"',
    ],
    [
      'a malformed path',
      '$.input..day',
      '"$.input..day" is not a well-formed reference at "..day"; write members as .name and indexes as [0]',
    ],
    [
      '$.item outside a Map iterator',
      '$.item.id',
      '"$.item" is only defined inside a Map iterator; here use $.input, $.steps.<Step>.output, $.trigger',
    ],
    [
      'a default that is not JSON',
      '$.input.day ?? today',
      'the default after "??" must be a JSON value (a quoted "string", a number, true/false, null…), got "today"',
    ],
  ])('given %s in parameters, when validated, then an error at the path', (_name, value, message) => {
    const raw = nightlyEtl();
    raw.steps.Load.parameters.day = value;
    expect(errorsOf(raw)).toEqual([`steps.Load.parameters.day: ${message}`]);
  });

  test('given a template inside a longer string with a misspelt root, then the error names it', () => {
    const raw = nightlyEtl();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's template syntax
    raw.steps.Load.parameters.input = 'gs://acme-landing/${$.steps.Extract.outptu.date}/*.csv';
    expect(errorsOf(raw)).toEqual([
      'steps.Load.parameters.input: a step reference reads a step\'s output: write "$.steps.Extract.output…", got "$.steps.Extract.outptu.date"',
    ]);
  });

  test('given $.trigger and explicit defaults, when validated, then they are accepted', () => {
    const raw = nightlyEtl();
    raw.steps.Load.parameters.who = '$.trigger.bucket ?? "manual"';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: firestep's template syntax
    raw.steps.Load.parameters.tag = 'run-${$.input.tag ?? "none"}-${$.steps.Extract.output.n ?? 0}';
    expect(errorsOf(raw)).toEqual([]);
  });

  test('given a read of a later step, when validated, then an error saying it cannot have run before', () => {
    const raw = nightlyEtl();
    raw.steps.Load.parameters.rows = '$.steps.Spark.output.rows';
    expect(errorsOf(raw)).toEqual([
      'steps.Load.parameters.rows: reads "$.steps.Spark…": step "Spark" cannot have run before "Load" (it is not on any path that leads here); only earlier steps\' outputs can be read',
    ]);
  });

  test('given a step reading its own output, when validated, then an error', () => {
    const raw = nightlyEtl();
    raw.steps.Load.parameters.self = '$.steps.Load.output';
    expect(errorsOf(raw)).toEqual([
      'steps.Load.parameters.self: reads "$.steps.Load…": a step cannot read its own output',
    ]);
  });

  test('given a branch reading a sibling branch, when validated, then an error; after the join it is fine', () => {
    const raw = sampleDag();
    raw.steps.Step2.branches[1].steps.Branch2.parameters = { job: '$.steps.Branch1.output.jobId' };
    raw.steps.End.parameters = { job: '$.steps.Branch1.output.jobId', first: '$.steps.Init.output' };
    expect(errorsOf(raw)).toEqual([
      'steps.Step2.branches[1].steps.Branch2.parameters.job: reads "$.steps.Branch1…": step "Branch1" is in another branch of "Step2", which has not joined yet; read it in a step after "Step2"',
    ]);
  });

  test('given a branch reading a step before its Parallel, when validated, then it is fine', () => {
    const raw = sampleDag();
    raw.steps.Step2.branches[1].steps.Branch2.parameters = { id: '$.steps.Step1.output.id' };
    expect(errorsOf(raw)).toEqual([]);
  });

  test('given a Condition reading a later step, when validated, then an error', () => {
    const raw = nightlyEtl();
    raw.steps.Route.choices[0].variable = '$.steps.Spark.output.ok';
    expect(errorsOf(raw)[0]).toMatch(
      /^steps\.Route\.choices\[0\]\.variable: reads "\$\.steps\.Spark…": step "Spark" cannot/,
    );
  });
});

describe('strict fields and type names', () => {
  test.each([
    ['retries', [], 'steps.Extract.retries: unknown field for a CloudFunction Task (did you mean "retry"?)'],
    [
      'timeout',
      60,
      'steps.Extract.timeout: unknown field for a CloudFunction Task (did you mean "timeout_seconds"?)',
    ],
    [
      'paramters',
      {},
      'steps.Extract.paramters: unknown field for a CloudFunction Task (did you mean "parameters"?)',
    ],
  ])('given a Task field %s, when validated, then an error with a suggestion', (field, value, line) => {
    const raw = nightlyEtl();
    raw.steps.Extract[field] = value;
    expect(errorsOf(raw)).toEqual([line]);
  });

  test('given step type Choice, when validated, then it suggests Condition', () => {
    const raw = nightlyEtl();
    raw.steps.Route.type = 'Choice';
    expect(errorsOf(raw)[0]).toMatch(
      /^steps\.Route\.type: unknown step type "Choice" \(did you mean "Condition"\?\); expected one of Task, /,
    );
  });

  test('given a lower-case target type, when validated, then it suggests the right case', () => {
    const raw = nightlyEtl();
    raw.steps.Load.target_type = 'dataflow';
    expect(errorsOf(raw)[0]).toMatch(
      /^steps\.Load\.target_type: unknown target type "dataflow" \(did you mean "Dataflow"\?\)/,
    );
  });

  test('given an unknown field on the flow and on a branch, when validated, then errors', () => {
    const raw = sampleDag();
    raw.strat = 'Init';
    raw.steps.Step2.branches[0].nxt = 'x';
    expect(errorsOf(raw)).toEqual([
      'strat: unknown field for a flow (did you mean "start"?)',
      'steps.Step2.branches[0].nxt: unknown field for a branch; allowed: start, steps, "comment" or "x-…"',
    ]);
  });

  test('given comment and x- fields everywhere, when validated, then they are allowed', () => {
    const raw = nightlyEtl();
    raw.comment = 'nightly';
    raw['x-owner'] = 'data';
    raw.steps.Extract.comment = 'pulls files';
    raw.steps.Route.comment = 'any files?';
    raw.steps.Route.choices[0].comment = 'files > 0';
    raw.steps.Extract.retry = [{ max_attempts: 1, comment: 'once', 'x-why': 'flaky' }];
    raw.steps.Done['x-ui'] = { color: 'green' };
    expect(errorsOf(raw)).toEqual([]);
  });

  test('given the seed sample unchanged, when validated, then no errors and no warnings', () => {
    expect(validateFlow(sampleDag())).toMatchObject({ errors: [], warnings: [] });
  });
});
