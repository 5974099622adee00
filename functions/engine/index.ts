/**
 * Deployed entry points of the engine (functions framework):
 * - `firestepEngine` — CloudEvent: Eventarc Dataflow job status changes (and Pub/Sub CloudEvents);
 * - `firestepEnginePush` — HTTP: raw Pub/Sub pushes from the signal topic, OIDC-verified.
 * Configuration and flows are checked at import (see `bootFromEnv`); clients load on first use.
 */
import * as functions from '@google-cloud/functions-framework';
import { bootFromEnv } from '../shared/boot.ts';
import { engineCloudEventHandler } from './cloud-event.ts';
import { enginePushHandler } from './push.ts';

const boot = await bootFromEnv(process.env);

const budget = { budgetMs: boot.config.requestBudgetMs };
functions.cloudEvent(
  'firestepEngine',
  engineCloudEventHandler(boot.getRuntime, boot.config.projectId, budget),
);
functions.http(
  'firestepEnginePush',
  enginePushHandler(boot.getRuntime, boot.pushAuth, boot.config.projectId, budget),
);

export { handleEngineMessage } from '../../runtime/handle-message.ts';
