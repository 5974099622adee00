/**
 * firebase.json: `firebase emulators:start` gets fixed ports, and the Firestore rules and indexes it
 * loads are the same files Terraform deploys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(resolve(ROOT, 'firebase.json'), 'utf8'));

describe('firebase.json', () => {
  it('given the Firestore section, then rules and indexes point at the files in infra/', () => {
    expect(config.firestore).toEqual({
      rules: 'infra/firestore.rules',
      indexes: 'infra/firestore.indexes.json',
    });
    expect(existsSync(resolve(ROOT, config.firestore.rules))).toBe(true);
    expect(existsSync(resolve(ROOT, config.firestore.indexes))).toBe(true);
  });

  it('given the emulators section, then Firestore, Pub/Sub and functions have distinct fixed ports on loopback', () => {
    const ports = ['firestore', 'pubsub', 'functions', 'hub', 'logging'].map((name) => {
      const emulator = config.emulators[name];
      expect(emulator, name).toBeDefined();
      expect(emulator.host).toBe('127.0.0.1');
      expect(Number.isInteger(emulator.port), name).toBe(true);
      return emulator.port as number;
    });
    expect(new Set(ports).size).toBe(ports.length);
    expect(config.emulators.firestore.port).toBe(8080);
    expect(config.emulators.pubsub.port).toBe(8085);
  });
});
