/** The port through which the store finds flow definitions (the runtime's registry implements it). */
import type { FlowDefinition } from '../flow/model.ts';

/** Finds the definition an execution is pinned to. The store also persists definitions by hash. */
export interface FlowResolver {
  byId(flowId: string): FlowDefinition | undefined;
}
