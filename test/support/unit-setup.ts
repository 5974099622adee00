/**
 * Runs in every unit-tier worker: no emulator exists in this tier, so no emulator address may leak
 * in from the shell (a unit test that reaches for Firestore or Pub/Sub must fail, not find one), and
 * the Google client libraries must not probe the metadata server.
 */
delete process.env.FIRESTORE_EMULATOR_HOST;
delete process.env.PUBSUB_EMULATOR_HOST;
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCLOUD_PROJECT ??= 'firestep-test';
