/**
 * Deployed entry point of the API (functions framework): `firestepApi`, the JSON API under `/v1`
 * (executions, callbacks, timers, sweep). Configuration and flows are checked at import.
 */
import * as functions from '@google-cloud/functions-framework';
import { bootFromEnv } from '../shared/boot.ts';
import { createApiHandler } from './handler.ts';

const boot = await bootFromEnv(process.env);

functions.http(
  'firestepApi',
  createApiHandler(boot.getRuntime, boot.timerAuth, boot.triggerAuth, {
    budgetMs: boot.config.requestBudgetMs,
  }),
);
