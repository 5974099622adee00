import type { ExecutionEvent } from '../../engine/core/index.ts';

export type StepRetryEvent = Extract<ExecutionEvent, { type: 'StepRetryScheduled' }>;
