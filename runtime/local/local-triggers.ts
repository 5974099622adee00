/**
 * Triggers under `firestep dev`, delivered the way Google delivers them to the deployed API:
 * - each schedule of a registered flow fires on the local clock (its cron in its time zone) as a
 *   Cloud Scheduler call — `POST …/triggers/{i}:schedule` with the `X-CloudScheduler-ScheduleTime`
 *   header of the tick;
 * - an object written to the fake Cloud Storage (its upload route, `dev`'s `/dev/storage:land`, or
 *   `triggers fire FLOW --gcs gs://…`) is a `google.cloud.storage.object.v1.finalized` CloudEvent,
 *   posted in binary content mode (`ce-*` headers, the object as the body) to every gcs trigger whose
 *   bucket, prefix and suffix match, as Eventarc does.
 * The API route names the execution after the event (tick, CloudEvent id), so a tick fired twice or
 * an event delivered twice starts one execution. Only flows of the watched directories are armed.
 */
import type { CloudEventLike } from '../../adapters/fakes/log-entries.ts';
import type { FlowDefinition } from '../../engine/flow/model.ts';
import { gcsMatches, nextTicks, schedulesOf } from '../../engine/flow/triggers.ts';
import { log } from '../../engine/log.ts';

/** What the API answered for one trigger delivery. */
export interface TriggerDelivery {
  flowId: string;
  /** The trigger's position in the flow's `triggers`. */
  index: number;
  /** HTTP status of the trigger route (201 started, 200 already started or ignored, 4xx refused). */
  status: number;
  executionId?: string;
  created?: boolean;
  /** Why nothing started (an error message or the route's `ignored`). */
  note?: string;
}

export interface LocalTriggersOptions {
  /** The dev API's base URL, ending in `/v1`. */
  apiUrl: string;
  /** The flows whose triggers are armed (read again on every `rearm`). */
  flows: () => FlowDefinition[];
  /** The local clock (tests pass a shifted one; default the system clock). */
  now?: () => Date;
  /** Arm the schedules (default true); storage events are delivered either way. */
  schedules?: boolean;
}

export interface LocalTriggers {
  /** Cancel the armed schedules and arm the next tick of every schedule of `flows()`. */
  rearm(): void;
  /** Post a finalized CloudEvent to every matching gcs trigger; resolves when each has answered. */
  storageEvent(event: CloudEventLike): Promise<TriggerDelivery[]>;
  /** The deliveries of a storage event posted earlier (by its CloudEvent id), once they settled. */
  deliveriesOf(eventId: string): Promise<TriggerDelivery[]> | undefined;
  /** The next armed tick per `flowId#index` (for `dev`'s banner and tests). */
  armed(): Map<string, string>;
  close(): void;
}

/** setTimeout takes at most 2^31-1 ms; a far tick is re-checked at least this often. */
const MAX_SLEEP_MS = 60 * 60 * 1000;
/** Storage events remembered for `deliveriesOf`. */
const REMEMBERED_EVENTS = 200;

/**
 * Start delivering a dev environment's triggers.
 *
 * @example
 * const triggers = startLocalTriggers({ apiUrl: info.apiUrl, flows: () => dev.flows().map((f) => f.definition) });
 * env.onStorageEvent((e) => void triggers.storageEvent(e));
 */
export function startLocalTriggers(opts: LocalTriggersOptions): LocalTriggers {
  const now = opts.now ?? (() => new Date());
  const api = opts.apiUrl.replace(/\/+$/, '');
  const timers = new Map<string, NodeJS.Timeout>();
  const next = new Map<string, string>();
  const events = new Map<string, Promise<TriggerDelivery[]>>();
  let closed = false;

  const post = async (
    flowId: string,
    index: number,
    kind: 'schedule' | 'gcs',
    headers: Record<string, string>,
    body: unknown,
  ): Promise<TriggerDelivery> => {
    const url = `${api}/flows/${encodeURIComponent(flowId)}/triggers/${index}:${kind}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const answer = (await res.json().catch(() => ({}))) as {
        executionId?: string;
        created?: boolean;
        ignored?: string;
        error?: { message?: string };
      };
      const delivery: TriggerDelivery = { flowId, index, status: res.status };
      if (answer.executionId !== undefined) delivery.executionId = answer.executionId;
      if (answer.created !== undefined) delivery.created = answer.created;
      const note = answer.ignored ?? answer.error?.message;
      if (note !== undefined) delivery.note = note;
      if (res.status >= 400) log.warn('dev: a trigger was refused', { url, status: res.status, note });
      return delivery;
    } catch (e) {
      log.warn('dev: a trigger could not be delivered', { url, error: (e as Error).message });
      return { flowId, index, status: 0, note: (e as Error).message };
    }
  };

  const arm = (def: FlowDefinition, index: number, after: Date): void => {
    const trigger = def.flow.triggers?.[index];
    if (closed || trigger === undefined || !('schedule' in trigger)) return;
    const key = `${def.id}#${index}`;
    const tick = nextTicks(trigger, after, 1)[0];
    if (tick === undefined) return;
    next.set(key, tick);
    const wait = (): void => {
      const left = Date.parse(tick) - now().getTime();
      if (left > 0) {
        timers.set(key, setTimeout(wait, Math.min(left, MAX_SLEEP_MS)).unref());
        return;
      }
      timers.delete(key);
      void post(def.id, index, 'schedule', { 'x-cloudscheduler-scheduletime': tick }, {}).then((d) =>
        log.info('dev: schedule fired', { flowId: def.id, index, tick, executionId: d.executionId }),
      );
      arm(def, index, new Date(tick));
    };
    wait();
  };

  const rearm = (): void => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    next.clear();
    if (opts.schedules === false) return;
    const at = now();
    for (const def of opts.flows()) for (const { index } of schedulesOf(def.flow)) arm(def, index, at);
  };

  const storageEvent = (event: CloudEventLike): Promise<TriggerDelivery[]> => {
    const bucket = String(event.data.bucket ?? '');
    const name = String(event.data.name ?? '');
    const targets = opts
      .flows()
      .flatMap((def) =>
        (def.flow.triggers ?? []).flatMap((trigger, index) =>
          'gcs' in trigger && gcsMatches(trigger, bucket, name) ? [{ def, index }] : [],
        ),
      );
    // Binary content mode, as Eventarc posts to a Cloud Run service.
    const headers: Record<string, string> = {
      'ce-specversion': event.specversion,
      'ce-id': event.id,
      'ce-type': event.type,
      'ce-source': event.source,
      'ce-time': event.time,
      ...(event.subject === undefined ? {} : { 'ce-subject': event.subject }),
    };
    const delivered = Promise.all(
      targets.map(({ def, index }) => post(def.id, index, 'gcs', headers, event.data)),
    );
    events.set(event.id, delivered);
    if (events.size > REMEMBERED_EVENTS) events.delete(events.keys().next().value as string);
    return delivered;
  };

  rearm();
  return {
    rearm,
    storageEvent,
    deliveriesOf: (eventId) => events.get(eventId),
    armed: () => new Map(next),
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
