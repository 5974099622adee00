/**
 * A local Cloud Storage JSON API (objects only), for tests, `run --local` and the demo. Point the real
 * client at it: `storage({ version: 'v1', rootUrl: fake.url, auth })`.
 *
 * Routes: `objects.get` (GET `/storage/v1/b/{bucket}/o/{object}`, metadata only) and media upload
 * (POST `/upload/storage/v1/b/{bucket}/o?uploadType=media&name=…`, so `curl --data-binary` can land a
 * file). `land(uri)` is the way for a test or a local run to say "this object landed": it stores the
 * object and emits the `google.cloud.storage.object.v1.finalized` CloudEvent Eventarc would deliver.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, sendGoogleError, sendJson, TimerSet } from './http.ts';
import type { CloudEventLike, CloudEventSink } from './log-entries.ts';

/** An object as the JSON API describes it (int64 values as strings). */
export interface FakeStorageObject {
  kind: 'storage#object';
  id: string;
  selfLink: string;
  name: string;
  bucket: string;
  generation: string;
  metageneration: string;
  contentType: string;
  size: string;
  md5Hash: string;
  crc32c: string;
  etag: string;
  storageClass: 'STANDARD';
  timeCreated: string;
  updated: string;
}

export interface FakeStorageOptions {
  /** Receives `google.cloud.storage.object.v1.finalized` CloudEvents. */
  onCloudEvent?: CloudEventSink;
  now?: () => Date;
  port?: number;
}

export interface FakeStorage {
  url: string;
  objects: ReadonlyMap<string, FakeStorageObject>;
  /** `objects.get` requests served (found or not). */
  readonly getCount: number;
  /**
   * Land every object looked up and not found after `delayMs` (a local run's upstream producer),
   * except those `skip` refuses; `undefined` turns it off.
   */
  setAutoLand(policy: { delayMs: number; skip?: (uri: string) => boolean } | undefined): void;
  /**
   * Store `gs://bucket/name` (overwriting makes a new generation) and emit its finalized event
   * (`notify: false`: an object that was there before anyone listened).
   */
  land(
    uri: string,
    content?: string | Uint8Array,
    contentType?: string,
    opts?: { notify?: boolean },
  ): FakeStorageObject;
  close(): Promise<void>;
}

const GET = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/;
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;

/**
 * The finalized event of an object, as Eventarc delivers it.
 *
 * @example finalizedEvent(object).type === 'google.cloud.storage.object.v1.finalized'
 */
export function finalizedEvent(o: FakeStorageObject): CloudEventLike {
  return {
    specversion: '1.0',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    type: 'google.cloud.storage.object.v1.finalized',
    source: `//storage.googleapis.com/projects/_/buckets/${o.bucket}`,
    subject: `objects/${o.name}`,
    time: o.updated,
    datacontenttype: 'application/json',
    dataschema:
      'https://googleapis.github.io/google-cloudevents/jsonschema/google/events/cloud/storage/v1/StorageObjectData.json',
    data: { ...o },
  };
}

/**
 * Start the fake storage.
 *
 * @example
 * const gcs = await startFakeStorage({ onCloudEvent: (e) => bus.publish(e) });
 * gcs.land('gs://raw/2024-01-01/_SUCCESS');
 */
export async function startFakeStorage(opts: FakeStorageOptions = {}): Promise<FakeStorage> {
  const now = opts.now ?? (() => new Date());
  const objects = new Map<string, FakeStorageObject>();
  let gets = 0;
  let autoLand: { delayMs: number; skip?: (uri: string) => boolean } | undefined;
  const scheduled = new Set<string>();
  const timers = new TimerSet();
  let generation = 1_700_000_000_000_000;

  const land = (
    uri: string,
    content: string | Uint8Array = '',
    contentType = 'application/octet-stream',
    landOpts: { notify?: boolean } = {},
  ) => {
    const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw new Error(`fake storage: "${uri}" is not a gs://bucket/object URI`);
    const [, bucket = '', name = ''] = m;
    const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    const at = now().toISOString();
    generation += 1;
    const previous = objects.get(`${bucket}/${name}`);
    const o: FakeStorageObject = {
      kind: 'storage#object',
      id: `${bucket}/${name}/${generation}`,
      selfLink: `https://www.googleapis.com/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
      name,
      bucket,
      generation: String(generation),
      metageneration: '1',
      contentType,
      size: String(bytes.byteLength),
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      crc32c: 'AAAAAA==',
      etag: `C${generation.toString(36)}EAE=`,
      storageClass: 'STANDARD',
      timeCreated: previous?.timeCreated ?? at,
      updated: at,
    };
    objects.set(`${bucket}/${name}`, o);
    if (landOpts.notify !== false) opts.onCloudEvent?.(finalizedEvent(o));
    return o;
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const get = GET.exec(url.pathname);
    if (get && method === 'GET') {
      gets += 1;
      const bucket = decodeURIComponent(get[1] ?? '');
      const name = decodeURIComponent(get[2] ?? '');
      const o = objects.get(`${bucket}/${name}`);
      if (!o) {
        const uri = `gs://${bucket}/${name}`;
        if (autoLand && !scheduled.has(uri) && !autoLand.skip?.(uri)) {
          scheduled.add(uri);
          timers.after(autoLand.delayMs, () => {
            if (!objects.has(`${bucket}/${name}`)) land(uri, '', 'text/plain');
          });
        }
        return sendGoogleError(res, 404, `No such object: ${bucket}/${name}`);
      }
      return sendJson(res, 200, o);
    }
    const upload = UPLOAD.exec(url.pathname);
    if (upload && method === 'POST') {
      const name = url.searchParams.get('name');
      if (!name) return sendGoogleError(res, 400, 'Required parameter: name');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const type = req.headers['content-type'] ?? 'application/octet-stream';
      return sendJson(
        res,
        200,
        land(`gs://${decodeURIComponent(upload[1] ?? '')}/${name}`, Buffer.concat(chunks), type),
      );
    }
    return sendGoogleError(res, 404, `fake Cloud Storage: no route for ${method} ${url.pathname}`);
  }

  const server = await listen(route, opts.port);
  return {
    url: `${server.url}/`,
    objects,
    get getCount() {
      return gets;
    },
    setAutoLand: (policy) => {
      autoLand = policy;
    },
    land,
    close: async () => {
      timers.clear();
      await server.close();
    },
  };
}
