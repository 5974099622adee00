/** Runs in every test worker: point the Google client libraries at the run's emulators. */
import { inject } from 'vitest';

process.env.FIRESTORE_EMULATOR_HOST = inject('firestoreHost');
process.env.PUBSUB_EMULATOR_HOST = inject('pubsubHost');
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCLOUD_PROJECT ??= 'firestep-test';
