import { describe, expect, it } from 'vitest';
import { userCounters } from '../../adapters/dataflow/jobs-client.ts';

describe('Dataflow jobs.getMetrics → step output counters', () => {
  it('keeps committed user counters by name and drops tentative duplicates and system metrics', () => {
    expect(
      userCounters({
        metrics: [
          { name: { origin: 'user', name: 'rows_written', context: { step: 's2' } }, scalar: 42 },
          { name: { origin: 'user', name: 'rows_written', context: { tentative: 'true' } }, scalar: 40 },
          { name: { origin: 'dataflow/v1b3', name: 'ElementCount' }, scalar: 1000 },
          { name: { origin: 'user', name: 'bad_rows' }, scalar: '3' },
          { name: { origin: 'user', name: 'dist' }, distribution: { count: 2 } },
        ],
      }),
    ).toEqual({ rows_written: 42, bad_rows: 3 });
    expect(userCounters({})).toEqual({});
  });
});
