/** The flow registry: which flows a deployed engine can start. */
export {
  type DirectoryScan,
  type FileProblem,
  type FlowSource,
  isFlowDefinition,
  scanFlowDirectory,
} from './load-directory.ts';
export { FLOWS_DIR_ENV, FlowRegistry } from './registry.ts';
