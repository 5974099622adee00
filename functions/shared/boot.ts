/**
 * Start-up of a deployed function: read the configuration and load the flows *at import time*, so a
 * deploy with a missing variable or an invalid flow fails to start (Cloud Functions keeps serving
 * the previous revision) with every problem in one log line, instead of failing each request.
 * Clients (Firestore, launchers, timers) are created on the first request.
 */

import { log } from '../../engine/log.ts';
import { FlowRegistry } from '../../engine/registry/registry.ts';
import { type CloudRuntimeConfig, loadRuntimeConfig } from '../../engine/runtime/config.ts';
import { createRuntime } from '../../engine/runtime/create-runtime.ts';
import { type PushAuthConfig, pushAuthConfigFromEnv } from '../engine/push-auth.ts';
import { memoizeRuntime, type RuntimeProvider } from './runtime-provider.ts';

export interface Boot {
  config: CloudRuntimeConfig;
  registry: FlowRegistry;
  /** Push / Cloud Tasks OIDC verification settings. */
  pushAuth: PushAuthConfig;
  getRuntime: RuntimeProvider;
}

/**
 * @example const boot = await bootFromEnv(process.env); functions.http('x', handler(boot.getRuntime));
 */
export async function bootFromEnv(env: Record<string, string | undefined>): Promise<Boot> {
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
      getRuntime: memoizeRuntime(() => createRuntime(config, { registry })),
    };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    log.error(`firestep cannot start: ${err.message ?? String(e)}`, { code: err.code });
    throw e;
  }
}
