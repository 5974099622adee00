/** `run --local` refusing a bad fault flag before it starts anything (no emulator reached). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { runLocal } from '../../cli/local/run-local.ts';
import { bufferedIo } from '../e2e/support.ts';

const recordDir = mkdtempSync(join(tmpdir(), 'firestep-run-local-'));
afterAll(() => rmSync(recordDir, { recursive: true, force: true }));

describe('run --local', () => {
  it('given an unknown step in --fail, when run, then it refuses before starting anything', async () => {
    const sample = await loadFlowFile('examples/sample-dag.json');
    await expect(
      runLocal({
        definition: sample,
        input: {},
        io: bufferedIo(),
        recordDir,
        projectId: 'unused',
        fail: ['Stepp1'],
      }),
    ).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('no Task step named "Stepp1"'),
    });
  });
});
