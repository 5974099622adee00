/**
 * Cloud Storage wire formats: the `Object` resource (JSON API v1, `objects.get`) and the Eventarc
 * `google.cloud.storage.object.v1.finalized` CloudEvent, whose `data` is the object
 * (`StorageObjectData`: the JSON API's field names, int64 values as strings).
 *
 * References:
 * - Object: https://cloud.google.com/storage/docs/json_api/v1/objects#resource
 * - event: https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/storage/v1/data.proto
 */
import { z } from 'zod';

/** Eventarc event type: an object was created (or overwritten) and is readable. */
export const STORAGE_OBJECT_FINALIZED = 'google.cloud.storage.object.v1.finalized';

export const StorageObjectSchema = z.object({
  /** Bucket name. */
  bucket: z.string().min(1),
  /** Object name (path inside the bucket, not URL-encoded). */
  name: z.string().min(1),
  /** Content generation (int64 as string): a new one per overwrite. */
  generation: z.union([z.string(), z.number()]).optional(),
  metageneration: z.union([z.string(), z.number()]).optional(),
  /** Bytes (uint64 as string). */
  size: z.union([z.string(), z.number()]).optional(),
  contentType: z.string().optional(),
  md5Hash: z.string().optional(),
  crc32c: z.string().optional(),
  timeCreated: z.string().optional(),
  updated: z.string().optional(),
  storageClass: z.string().optional(),
});
export type StorageObject = z.infer<typeof StorageObjectSchema>;

/**
 * Bucket and object of a `gs://bucket/path` URI.
 *
 * @example parseGsUri('gs://b/path/_SUCCESS') // { bucket: 'b', name: 'path/_SUCCESS' }
 */
export function parseGsUri(uri: string): { bucket: string; name: string } | undefined {
  const m = /^gs:\/\/([a-z0-9][-a-z0-9_.]{1,220}[a-z0-9])\/(.+)$/.exec(uri);
  if (!m) return undefined;
  return { bucket: m[1] as string, name: m[2] as string };
}

/** The correlation value of an object: `bucket/name`. */
export function objectKey(bucket: string, name: string): string {
  return `${bucket}/${name}`;
}

/**
 * The output of a for_object Wait: the object as the API describes it (sizes as numbers).
 *
 * @example objectOutput({ bucket: 'b', name: 'x', size: '12' }).size === 12
 */
export function objectOutput(o: StorageObject): { [k: string]: string | number | null } {
  const num = (v: string | number | undefined) => {
    if (v === undefined) return null;
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : String(v);
  };
  return {
    bucket: o.bucket,
    name: o.name,
    uri: `gs://${o.bucket}/${o.name}`,
    generation: o.generation === undefined ? null : String(o.generation),
    size: num(o.size),
    contentType: o.contentType ?? null,
    timeCreated: o.timeCreated ?? null,
    updated: o.updated ?? o.timeCreated ?? null,
  };
}
