/**
 * Flows: the normalized model, the two front doors (reference JSON and the TypeScript builder),
 * validation, the definition hash, the Mermaid graph and the compilation to XState.
 *
 * @example
 * import { defineFlow, task, cloudFunction, end } from 'firestep';
 */

export {
  type BranchInput,
  branch,
  type CatchInput,
  type ConditionInput,
  condition,
  defineFlow,
  end,
  type FlowOptionsInput,
  fail,
  gcsTrigger,
  type MapInput,
  map,
  type NextOrEndInput,
  type ParallelInput,
  type PassInput,
  parallel,
  pass,
  pubsubTrigger,
  type RetryInput,
  type StepInput,
  type StepName,
  type StepsOf,
  scheduleTrigger,
  type TaskInput,
  type TaskOptions,
  type TriggerInput,
  task,
  type WaitInput,
  wait,
  waitForObject,
} from './builder.ts';
export {
  and,
  type ChoiceInput,
  type Comparisons,
  choice,
  not,
  or,
  type Variable,
  when,
} from './builder-choices.ts';
export {
  bigQuery,
  cloudFunction,
  cloudRunJob,
  dataflowClassic,
  dataflowFlex,
  dataproc,
  http,
  type Location,
  pubsub,
  type TargetInput,
} from './builder-targets.ts';
export { type CompiledFlow, compileFlow, type MachineConfig } from './compile.ts';
export { describeRule, toMermaid } from './graph-mermaid.ts';
export { canonicalJson, definitionHash } from './hash.ts';
export {
  invalidFlowError,
  type JsonFlowCheck,
  loadFlowFromJson,
  normalizeFlow,
  readFlowJson,
} from './json-reader.ts';
export { launchable } from './launchable.ts';
export * from './model.ts';
export { childPath, formatProblem, type Problem, ROOT_PATH, type Validation } from './problems.ts';
export { RETRY_DEFAULTS } from './read-task.ts';
export { closest, didYouMean, editDistance } from './suggest.ts';
export {
  cronProblem,
  gcsMatches,
  isTick,
  MANUAL_TRIGGER,
  MAX_TICKS,
  nextTicks,
  schedulesOf,
  type TriggerKind,
  type TriggerPayload,
  ticksBetween,
  triggerExecutionName,
  triggeredStart,
  triggerInput,
  triggerKind,
} from './triggers.ts';
export { type FlowCheck, validateFlow } from './validate.ts';
