import { describe, expect, it } from 'vitest';
import { resolveProjectId } from '../../runtime/local/project.ts';
import { openWriterStore } from '../../runtime/local/writer.ts';

describe('which project and which dispatcher the CLI uses', () => {
  it('given --project or GOOGLE_CLOUD_PROJECT, when resolved, then the flag wins; with neither, CONFIG says how to give one', () => {
    expect(resolveProjectId({ project: 'flag' }, { GOOGLE_CLOUD_PROJECT: 'env' })).toBe('flag');
    expect(resolveProjectId({}, { GOOGLE_CLOUD_PROJECT: 'env' })).toBe('env');
    expect(() => resolveProjectId({}, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining('--project') }),
    );
  });

  it('given a real project without the engine configuration, when start/redrive open a store, then CONFIG names the variables', async () => {
    await expect(openWriterStore({ project: 'prod' }, { needsLaunch: true }, {})).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('FIRESTEP_CALLBACK_SECRET'),
    });
  });

  it('given an incomplete engine configuration, when a writer store opens, then the configuration error lists what is missing', async () => {
    const env = {
      FIRESTEP_CALLBACK_SECRET: 'x'.repeat(20),
      FIRESTEP_SIGNAL_TOPIC: 't',
      FIRESTEP_TASKS_QUEUE: 'q',
    };
    await expect(openWriterStore({ project: 'prod' }, { needsLaunch: true }, env)).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('FIRESTEP_REGION'),
    });
  });
});
