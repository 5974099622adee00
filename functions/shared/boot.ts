/**
 * Start-up of a deployed function: read the configuration and load the flows *at import time*, so a
 * deploy with a missing variable or an invalid flow fails to start (Cloud Functions keeps serving
 * the previous revision) with every problem in one log line, instead of failing each request.
 * Clients (Firestore, launchers, timers) are created on the first request.
 */

import { log } from '../../engine/log.ts';
import { type CloudRuntimeConfig, loadRuntimeConfig } from '../../runtime/config.ts';
import { createRuntime } from '../../runtime/create-runtime.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import { type PushAuthConfig, pushAuthConfigFromEnv } from '../engine/push-auth.ts';
import { memoizeRuntime, type RuntimeProvider } from './runtime-provider.ts';

export interface Boot {
  config: CloudRuntimeConfig;
  registry: FlowRegistry;
  /** OIDC verification of Pub/Sub pushes (engine). */
  pushAuth: PushAuthConfig;
  /** OIDC verification of timers from Cloud Tasks (API): audience `<api>/v1/timers`, the tasks account. */
  timerAuth: PushAuthConfig;
  /**
   * OIDC verification of trigger calls (API `/v1/flows/…/triggers/…`): Cloud Scheduler, Eventarc and
   * trigger push subscriptions sign as the triggers service account, audience the API URL.
   */
  triggerAuth: PushAuthConfig;
  getRuntime: RuntimeProvider;
}

/**
 * Cloud Tasks signs timer calls with the tasks service account for the URL it calls; without that
 * account an enforcing API rejects every timer (fail closed), so say so at start.
 */
function timerAuthFor(config: CloudRuntimeConfig, pushAuth: PushAuthConfig): PushAuthConfig {
  if (pushAuth.mode === 'disabled-local-only') return pushAuth;
  if (!config.tasksServiceAccount) {
    log.warn(
      'FIRESTEP_TASKS_SERVICE_ACCOUNT is not set: the API will reject every timer from Cloud Tasks (403)',
    );
  }
  return {
    mode: 'enforce',
    audience: `${config.apiUrl}/v1/timers`,
    ...(config.tasksServiceAccount ? { serviceAccountEmail: config.tasksServiceAccount } : {}),
  };
}

/** Trigger calls fail closed without the triggers service account (FIRESTEP_TRIGGERS_SERVICE_ACCOUNT). */
function triggerAuthFor(
  config: CloudRuntimeConfig,
  pushAuth: PushAuthConfig,
  account: string | undefined,
): PushAuthConfig {
  if (pushAuth.mode === 'disabled-local-only') return pushAuth;
  return { mode: 'enforce', audience: config.apiUrl, ...(account ? { serviceAccountEmail: account } : {}) };
}

/**
 * @example const boot = await bootFromEnv(process.env); functions.http('x', handler(boot.getRuntime));
 */
export function bootFromEnv(env: Record<string, string | undefined>): Promise<Boot> {
  // The engine and API modules share one boot when both are loaded in one process.
  let boot = boots.get(env);
  if (!boot) {
    boot = loadBoot(env);
    boots.set(env, boot);
  }
  return boot;
}

const boots = new WeakMap<object, Promise<Boot>>();

async function loadBoot(env: Record<string, string | undefined>): Promise<Boot> {
  try {
    const config = loadRuntimeConfig(env);
    const pushAuth = pushAuthConfigFromEnv(env);
    const registry = await FlowRegistry.fromDirectory(config.flowsDir);
    log.info('firestep started', {
      flows: registry.list().map((d) => ({ id: d.id, hash: d.hash.slice(0, 12) })),
      launchMode: config.launchMode,
      auth: pushAuth.mode,
    });
    return {
      config,
      registry,
      pushAuth,
      timerAuth: timerAuthFor(config, pushAuth),
      triggerAuth: triggerAuthFor(config, pushAuth, env.FIRESTEP_TRIGGERS_SERVICE_ACCOUNT),
      getRuntime: memoizeRuntime(() => createRuntime(config, { registry })),
    };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    log.error(`firestep cannot start: ${err.message ?? String(e)}`, { code: err.code });
    throw e;
  }
}
