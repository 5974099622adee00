import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig } from '../../runtime/config.ts';

const VALID = {
  GOOGLE_CLOUD_PROJECT: 'my-project',
  FIRESTEP_REGION: 'europe-west1',
  FIRESTEP_CALLBACK_SECRET: 'a-secret-of-24-characters',
  FIRESTEP_API_URL: 'https://firestep-api-xyz.run.app/',
  FIRESTEP_SIGNAL_TOPIC: 'projects/my-project/topics/firestep-signals',
  FIRESTEP_TASKS_QUEUE: 'projects/my-project/locations/europe-west1/queues/firestep',
};

describe('loadRuntimeConfig', () => {
  it('given the required variables, when loaded, then defaults fill the rest', () => {
    const config = loadRuntimeConfig(VALID, { cwd: '/workspace' });
    expect(config).toEqual({
      mode: 'cloud',
      projectId: 'my-project',
      region: 'europe-west1',
      callbackSecret: 'a-secret-of-24-characters',
      apiUrl: 'https://firestep-api-xyz.run.app',
      signalTopic: 'projects/my-project/topics/firestep-signals',
      tasksQueue: 'projects/my-project/locations/europe-west1/queues/firestep',
      engineFunction: 'firestep-engine',
      apiFunction: 'firestep-api',
      launchMode: 'task',
      flowsDir: '/workspace/flows',
      requestBudgetMs: 20_000,
    });
  });

  it('given FIRESTEP_REQUEST_BUDGET_MS, when loaded, then it is the request budget; a value below 100 ms or not whole is a CONFIG error naming it', () => {
    expect(loadRuntimeConfig({ ...VALID, FIRESTEP_REQUEST_BUDGET_MS: '1500' }).requestBudgetMs).toBe(1500);
    for (const bad of ['50', '1.5', 'soon']) {
      expect(() => loadRuntimeConfig({ ...VALID, FIRESTEP_REQUEST_BUDGET_MS: bad })).toThrow(
        /FIRESTEP_REQUEST_BUDGET_MS: must be a whole number of milliseconds/,
      );
    }
  });

  it('given optional variables, when loaded, then they are typed (number, enum) and empty strings count as unset', () => {
    const config = loadRuntimeConfig({
      ...VALID,
      FIRESTEP_LAUNCH_MODE: 'direct',
      FIRESTEP_SNAPSHOT_EVERY: '50',
      FIRESTEP_FLOWS_DIR: '/srv/flows',
      FIRESTEP_ENGINE_FUNCTION: '',
      FIRESTEP_TASKS_SERVICE_ACCOUNT: 'tasks@my-project.iam.gserviceaccount.com',
    });
    expect(config).toMatchObject({
      launchMode: 'direct',
      snapshotEvery: 50,
      flowsDir: '/srv/flows',
      engineFunction: 'firestep-engine',
      tasksServiceAccount: 'tasks@my-project.iam.gserviceaccount.com',
    });
  });

  it('given an empty environment, when loaded, then one CONFIG error names every missing variable', () => {
    let error: unknown;
    try {
      loadRuntimeConfig({});
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG' });
    const message = (error as Error).message;
    for (const name of Object.keys(VALID)) expect(message).toContain(`${name}: `);
    expect((error as { details: { variables: string[] } }).details.variables).toHaveLength(6);
  });

  it.each([
    ['FIRESTEP_API_URL', 'not a url', 'https URL of the API function'],
    ['FIRESTEP_CALLBACK_SECRET', 'short', 'at least 16 characters'],
    ['FIRESTEP_LAUNCH_MODE', 'sometimes', '"task" (default) or "direct"'],
    ['FIRESTEP_SNAPSHOT_EVERY', '0', 'positive integer'],
    ['FIRESTEP_SNAPSHOT_EVERY', 'many', 'positive integer'],
  ])('given %s=%j, when loaded, then the error names the variable and the rule', (name, value, rule) => {
    expect(() => loadRuntimeConfig({ ...VALID, [name]: value })).toThrow(`${name}: `);
    expect(() => loadRuntimeConfig({ ...VALID, [name]: value })).toThrow(rule);
  });
});
