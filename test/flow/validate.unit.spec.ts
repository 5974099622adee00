import { describe, expect, test } from 'vitest';
import { validateFlow } from '../../engine/flow/index.ts';
import { lines, type RawFlow, sampleDag } from './support.ts';

const B1 = 'steps.Step2.branches[0].steps.Branch1';
const B2 = 'steps.Step2.branches[1].steps.Branch2';

/** Broken variants of the reference sample and the exact error lines each must produce. */
const variants: Array<[string, (f: RawFlow) => void, string[]]> = [
  [
    'a cycle',
    (f) => {
      f.steps.Step1.next = 'Init';
    },
    ['steps.Step1.next: cycle Init → Step1 → Init; a flow must be acyclic (use "retry" to repeat a Task)'],
  ],
  [
    'an unknown next inside a branch (DESIGN §3 example)',
    (f) => {
      delete f.steps.Step2.branches[1].steps.Branch2.end;
      f.steps.Step2.branches[1].steps.Branch2.next = 'Edn';
    },
    [`${B2}.next: unknown step "Edn" (did you mean "End"?)`],
  ],
  [
    'an unknown next at the top level',
    (f) => {
      f.steps.Init.next = 'Stpe1';
    },
    ['steps.Init.next: unknown step "Stpe1" (did you mean "Step1"?)'],
  ],
  [
    'both next and end',
    (f) => {
      f.steps.Step1.end = true;
    },
    ['steps.Step1: has both "next" and "end"; a step either continues to "next" or ends with "end": true'],
  ],
  [
    'neither next nor end',
    (f) => {
      delete f.steps.End.end;
    },
    ['steps.End: needs "next" (the step that follows) or "end": true'],
  ],
  [
    'a missing branch start',
    (f) => {
      delete f.steps.Step2.branches[1].start;
    },
    ["steps.Step2.branches[1].start: missing; name the branch's first step"],
  ],
  [
    'a misspelt branch start',
    (f) => {
      f.steps.Step2.branches[1].start = 'Brnach2';
    },
    ['steps.Step2.branches[1].start: unknown step "Brnach2" (did you mean "Branch2"?)'],
  ],
  [
    'a misspelt top-level start',
    (f) => {
      f.start = 'init';
    },
    ['start: unknown step "init" (did you mean "Init"?)'],
  ],
  [
    'an unknown step type',
    (f) => {
      f.steps.Step1.type = 'Taks';
    },
    [
      'steps.Step1.type: unknown step type "Taks" (did you mean "Task"?); expected one of Task, Parallel, Condition, Wait, Pass, Map, Fail, End',
    ],
  ],
  [
    'an unknown target type',
    (f) => {
      f.steps.Init.target_type = 'CloudFunctions';
    },
    [
      'steps.Init.target_type: unknown target type "CloudFunctions" (did you mean "CloudFunction"?); expected one of CloudFunction, Dataflow, Dataproc, Http, PubSub, BigQuery, CloudRunJob',
    ],
  ],
  [
    'a Dataflow Task without a template',
    (f) => {
      delete f.steps.Step2.branches[0].steps.Branch1.container_gcs_path;
    },
    [`${B1}: a Dataflow Task needs a template: "container_gcs_path" (flex) or "template_path" (classic)`],
  ],
  [
    'a Dataflow Task with both templates',
    (f) => {
      f.steps.Step2.branches[0].steps.Branch1.template_path = 'gs://t';
    },
    [`${B1}: has both "container_gcs_path" and "template_path"; keep one (flex or classic template)`],
  ],
  [
    'a Dataflow Task without parameters.temp_location',
    (f) => {
      delete f.steps.Step2.branches[0].steps.Branch1.parameters.temp_location;
    },
    [
      `${B1}.parameters.temp_location: missing; Dataflow needs a temporary location, e.g. "gs://my-bucket/temp"`,
    ],
  ],
  [
    'a Dataflow temp_location that is not a path',
    (f) => {
      f.steps.Step2.branches[0].steps.Branch1.parameters.temp_location = 42;
    },
    [
      `${B1}.parameters.temp_location: must be a Cloud Storage path such as "gs://my-bucket/temp", got a number (42)`,
    ],
  ],
  [
    'a CloudFunction without target_name',
    (f) => {
      delete f.steps.Init.target_name;
    },
    ['steps.Init.target_name: missing; a CloudFunction target needs the function name'],
  ],
  [
    'a bad condition variable',
    (f) => {
      f.steps.Step1.next = 'Route';
      f.steps.Route = {
        type: 'Condition',
        choices: [{ variable: 'input.mode', string_equals: 'full', next: 'Step2' }],
        default: 'Step2',
      };
    },
    [
      'steps.Route.choices[0].variable: "input.mode" is not a reference; start with $.input, $.steps.<Step>.output, $.trigger',
    ],
  ],
  [
    'a condition reading an unknown step',
    (f) => {
      f.steps.Step1.next = 'Route';
      f.steps.Route = {
        type: 'Condition',
        choices: [{ variable: '$.steps.Stp1.output.rows', numeric_greater_than: 0, next: 'Step2' }],
        default: 'Step2',
      };
    },
    ['steps.Route.choices[0].variable: reads the output of unknown step "Stp1" (did you mean "Step1"?)'],
  ],
  [
    'a duplicate step name across scopes',
    (f) => {
      f.steps.Step2.branches[1].steps.Branch2.next = 'Init';
      delete f.steps.Step2.branches[1].steps.Branch2.end;
      f.steps.Step2.branches[1].steps.Init = { type: 'End' };
    },
    [
      'steps.Step2.branches[1].steps.Init: step name "Init" is already used at steps.Init; names must be unique across the flow (outputs are keyed by name)',
    ],
  ],
  [
    'a reference to a step of another scope',
    (f) => {
      f.steps.Step1.next = 'Branch2';
    },
    [
      'steps.Step1.next: step "Branch2" (at steps.Step2.branches[1].steps.Branch2) is in another scope; a reference can only name steps of its own flow or branch',
    ],
  ],
  [
    'a non-positive timeout and retry interval',
    (f) => {
      f.steps.Init.timeout_seconds = 0;
      f.steps.Init.retry = { interval_seconds: -1 };
    },
    [
      'steps.Init.retry.interval_seconds: must be a number > 0, got a number (-1)',
      'steps.Init.timeout_seconds: must be a number > 0, got a number (0)',
    ],
  ],
  [
    'a step name with a slash',
    (f) => {
      f.steps['Step/1'] = f.steps.Step1;
      delete f.steps.Step1;
      f.steps.Init.next = 'Step/1';
    },
    [
      'steps["Step/1"]: a step name must be non-empty, free of "/", ".", "[", "]" and not start with "$" (these address steps in paths and references)',
    ],
  ],
];

describe('validateFlow: each broken variant of the sample names the exact path', () => {
  test.each(
    variants,
  )('given %s, when validated, then exactly the expected problem lines', (_name, mutate, expected) => {
    const raw = sampleDag();
    mutate(raw);

    const { flow, errors } = validateFlow(raw);

    expect(lines(errors)).toEqual(expected);
    expect(flow).toBeUndefined();
  });

  test('given the unchanged sample, when validated, then no errors and no warnings', () => {
    expect(validateFlow(sampleDag())).toMatchObject({ errors: [], warnings: [] });
  });
});

describe('validateFlow: all problems at once', () => {
  test('given several unrelated faults, when validated, then every one is reported in one pass', () => {
    const raw = sampleDag();
    raw.steps.Init.target_type = 'Lambda';
    raw.steps.Step1.end = true;
    delete raw.steps.Step2.branches[0].steps.Branch1.container_gcs_path;
    raw.steps.Step2.branches[1].start = 'Nope';
    raw.steps.End.next = 'Init';
    delete raw.steps.End.end;

    const { errors } = validateFlow(raw);

    expect(lines(errors)).toEqual([
      'steps.Init.target_type: unknown target type "Lambda"; expected one of CloudFunction, Dataflow, Dataproc, Http, PubSub, BigQuery, CloudRunJob',
      'steps.Step1: has both "next" and "end"; a step either continues to "next" or ends with "end": true',
      `${B1}: a Dataflow Task needs a template: "container_gcs_path" (flex) or "template_path" (classic)`,
      'steps.End.next: cycle Init → Step1 → Step2 → End → Init; a flow must be acyclic (use "retry" to repeat a Task)',
      'steps.Step2.branches[1].start: unknown step "Nope"; steps here: Branch2',
    ]);
  });

  test('given a catch leading back upstream, when validated, then the catch edge closes a named cycle', () => {
    const raw = sampleDag();
    raw.steps.Step1.catch = [{ errors: ['States.ALL'], next: 'Init' }];

    expect(lines(validateFlow(raw).errors)).toEqual([
      'steps.Step1.catch[0].next: cycle Init → Step1 → Init; a flow must be acyclic (use "retry" to repeat a Task)',
    ]);
  });

  test('given a condition default looping back, when validated, then the default closes the cycle', () => {
    const raw = sampleDag();
    raw.steps.Step1.next = 'Route';
    raw.steps.Route = {
      type: 'Condition',
      choices: [{ variable: '$.input.go', boolean_equals: true, next: 'Step2' }],
      default: 'Init',
    };

    expect(lines(validateFlow(raw).errors)).toEqual([
      'steps.Route.default: cycle Init → Step1 → Route → Init; a flow must be acyclic (use "retry" to repeat a Task)',
    ]);
  });
});

describe('validateFlow: warnings', () => {
  test('given a step nothing leads to, when validated, then it is valid with an unreachable warning', () => {
    const raw = sampleDag();
    raw.steps.Orphan = { type: 'End' };

    const { flow, errors, warnings } = validateFlow(raw);

    expect(errors).toEqual([]);
    expect(flow).toBeDefined();
    expect(lines(warnings)).toEqual(['steps.Orphan: unreachable: nothing leads here from "Init"']);
  });

  test('given parameters reading an unknown step output, when validated, then an error with a suggestion', () => {
    const raw = sampleDag();
    raw.steps.Step1.parameters = { rows: '$.steps.Int.output.rows' };

    expect(lines(validateFlow(raw).errors)).toEqual([
      'steps.Step1.parameters.rows: reads the output of unknown step "Int" (did you mean "Init"?)',
    ]);
  });
});

describe('validateFlow: conditions', () => {
  const withRoute = (choices: unknown[], extra: Record<string, unknown> = {}): RawFlow => {
    const raw = sampleDag();
    raw.steps.Step1.next = 'Route';
    raw.steps.Route = { type: 'Condition', choices, default: 'Step2', ...extra };
    return raw;
  };

  test('given every operator, including nested and/or/not, when validated, then the flow is valid', () => {
    const raw = withRoute([
      { variable: '$.input.mode', string_equals: 'full', next: 'Step2' },
      { variable: '$.input.n', numeric_equals: 1, next: 'Step2' },
      { variable: '$.input.n', numeric_greater_than: 1, next: 'Step2' },
      { variable: '$.input.n', numeric_greater_than_or_equal: 1, next: 'Step2' },
      { variable: '$.input.n', numeric_less_than: 1, next: 'Step2' },
      { variable: '$.input.n', numeric_less_than_or_equal: 1, next: 'Step2' },
      { variable: '$.steps.Init.output.ok', boolean_equals: true, next: 'Step2' },
      { variable: '$.input.items[0]', is_present: true, next: 'Step2' },
      {
        and: [
          { or: [{ variable: '$.input', is_present: true }] },
          { not: { variable: '$.input.x', string_equals: 'y' } },
        ],
        next: 'Step2',
      },
    ]);

    expect(validateFlow(raw).errors).toEqual([]);
  });

  test.each([
    [
      'a misspelt operator',
      [{ variable: '$.input.mode', string_equal: 'full', next: 'Step2' }],
      ['steps.Route.choices[0].string_equal: unknown operator or field (did you mean "string_equals"?)'],
    ],
    [
      'two operators',
      [{ variable: '$.input.n', numeric_equals: 1, numeric_less_than: 2, next: 'Step2' }],
      [
        'steps.Route.choices[0]: has 2 operators (numeric_equals, numeric_less_than); use "and"/"or" to combine',
      ],
    ],
    [
      'a wrongly typed value',
      [{ variable: '$.input.n', numeric_equals: '1', next: 'Step2' }],
      ['steps.Route.choices[0].numeric_equals: must be a number, got a string ("1")'],
    ],
    [
      'a choice without next',
      [{ variable: '$.input.n', numeric_equals: 1 }],
      ['steps.Route.choices[0].next: missing; name the step this choice leads to'],
    ],
    [
      'next inside a nested rule',
      [{ and: [{ variable: '$.input.n', numeric_equals: 1, next: 'Step2' }], next: 'Step2' }],
      ['steps.Route.choices[0].and[0].next: unknown operator or field; only top-level choices have "next"'],
    ],
    ['no choices', [], ['steps.Route.choices: must be a non-empty array of choices, got an array']],
  ])('given %s, when validated, then the exact path is reported', (_name, choices, expected) => {
    expect(lines(validateFlow(withRoute(choices)).errors)).toEqual(expected);
  });

  test('given next on a Condition, when validated, then it is an error pointing at next', () => {
    const raw = withRoute([{ variable: '$.input.a', is_present: true, next: 'Step2' }], { next: 'Step2' });

    expect(lines(validateFlow(raw).errors)).toEqual([
      'steps.Route.next: a Condition has no "next"/"end"; route with "choices" and "default"',
    ]);
  });
});
