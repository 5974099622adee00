/**
 * The "launch" of a `Wait` with `for_object`: the object's `bucket/name` is registered as a correlation
 * key in the launch transaction (before this runs), then one `objects.get` looks for it. If it exists
 * the Wait ends at once with the object as output; otherwise the step waits — no polling — for the
 * Eventarc `google.cloud.storage.object.v1.finalized` event, which the engine correlates by bucket and
 * name. A finalize that races the lookup is reported twice and deduplicated. On timeout, `probe` takes
 * one last look before the step fails with `States.Timeout`.
 */
import type { storage_v1 } from 'googleapis/build/src/apis/storage/index.js';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { CorrelationKey, Launcher, LaunchResult, ProbeResult } from '../../engine/ports/index.ts';
import {
  objectKey,
  objectOutput,
  parseGsUri,
  StorageObjectSchema,
} from '../../engine/signals/wire/storage.ts';
import type { ApiAuth } from '../shared/id-token.ts';
import { classifyLaunchError, configFailure, httpStatusOf } from '../shared/launch-errors.ts';

export interface StorageObjectLauncherOptions {
  /** googleapis `rootUrl`: the fake's URL in local runs; default `https://storage.googleapis.com/`. */
  rootUrl?: string;
  auth?: ApiAuth;
  requestTimeoutMs?: number;
}

/** The object a for_object Wait's launch command waits for (its resolved `object` parameter). */
export function objectOf(command: LaunchCommand): { bucket: string; name: string; uri: string } | undefined {
  const input = command.input;
  const uri = typeof input === 'object' && input !== null && !Array.isArray(input) ? input.object : undefined;
  if (typeof uri !== 'string') return undefined;
  const parsed = parseGsUri(uri);
  return parsed ? { ...parsed, uri } : undefined;
}

/**
 * @example
 * const watcher = new StorageObjectLauncher({ rootUrl: gcs.url, auth });
 * await watcher.launch(command); // exists → completion succeeded; absent → launched, waiting
 */
export class StorageObjectLauncher implements Launcher {
  readonly targetType = 'StorageObject' as const;
  #api: Promise<storage_v1.Storage> | undefined;
  readonly #timeout: number;

  constructor(private readonly opts: StorageObjectLauncherOptions = {}) {
    this.#timeout = opts.requestTimeoutMs ?? 30_000;
  }

  #client(): Promise<storage_v1.Storage> {
    this.#api ??= import('googleapis/build/src/apis/storage/index.js').then(({ storage }) =>
      storage({
        version: 'v1',
        ...(this.opts.rootUrl ? { rootUrl: this.opts.rootUrl } : {}),
        ...(this.opts.auth ? { auth: this.opts.auth as unknown as storage_v1.Options['auth'] } : {}),
      }),
    );
    return this.#api;
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    const o = objectOf(command);
    return o ? [{ kind: 'gcsObject', value: objectKey(o.bucket, o.name) }] : [];
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const o = objectOf(command);
    if (!o) {
      const input = command.input as { object?: unknown } | null;
      return configFailure(
        `Wait "${command.step}": for_object resolved to ${JSON.stringify(input?.object ?? null)}, not a gs://bucket/object URI`,
      );
    }
    const receipt: Receipt = {
      target: 'StorageObject',
      object: o.uri,
      consoleUrl: `https://console.cloud.google.com/storage/browser/_details/${o.bucket}/${o.name}`,
    };
    try {
      const found = await this.#get(o.bucket, o.name);
      if (!found) return { status: 'launched', receipt };
      return {
        status: 'launched',
        receipt,
        completion: { outcome: 'succeeded', output: objectOutput(found) },
      };
    } catch (e) {
      return classifyLaunchError(e, `Cloud Storage objects.get of ${o.uri}`);
    }
  }

  async probe(command: LaunchCommand, receipt: Receipt): Promise<ProbeResult> {
    const uri = typeof receipt.object === 'string' ? receipt.object : objectOf(command)?.uri;
    const o = uri ? parseGsUri(uri) : undefined;
    if (!o) return { state: 'unknown' };
    const found = await this.#get(o.bucket, o.name);
    return found ? { state: 'succeeded', output: objectOutput(found) } : { state: 'running' };
  }

  async #get(bucket: string, name: string) {
    try {
      const res = await (await this.#client()).objects.get(
        { bucket, object: name },
        { retry: false, timeout: this.#timeout },
      );
      const parsed = StorageObjectSchema.safeParse(res.data);
      return parsed.success ? parsed.data : undefined;
    } catch (e) {
      if (httpStatusOf(e) === 404) return undefined;
      throw e;
    }
  }
}
