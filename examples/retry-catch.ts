/**
 * Retry, catch and timeouts: the export retries transient failures with backoff and gives up after
 * an hour; any failure left over goes to `Notify`, which reports and then fails the execution.
 */
import { cloudFunction, dataflowClassic, defineFlow, fail, http, task, wait } from '../engine/flow/index.ts';

export default defineFlow({
  id: 'retry-catch',
  start: 'Export',
  steps: {
    Export: task(
      dataflowClassic('nightly-export', {
        project_id: 'my-orchestration-test',
        region: 'europe-west4',
        template_path: 'gs://dataflow-templates/latest/Cloud_Bigtable_to_GCS_Avro',
      }),
      {
        parameters: { temp_location: 'gs://my-temp/export', outputDirectory: '$.input.output_dir' },
        retry: [
          { errors: ['States.Timeout'], max_attempts: 1 },
          { max_attempts: 3, interval_seconds: 30, backoff_rate: 2 },
        ],
        catch: [{ errors: ['States.ALL'], next: 'Notify' }],
        timeout_seconds: 3600,
        next: 'Settle',
      },
    ),
    Settle: wait(60, { next: 'Check' }),
    Check: task(cloudFunction('check-export', { region: 'europe-west1', gen: 2 }), {
      parameters: { job: '$.steps.Export.output.job_id' },
      retry: { max_attempts: 2 },
      catch: [{ next: 'Notify' }],
      end: true,
    }),
    Notify: task(
      http('https://hooks.example.com/firestep', {
        method: 'POST',
        auth: { type: 'bearer', secret_env: 'HOOK_TOKEN' },
      }),
      {
        next: 'Failed',
      },
    ),
    Failed: fail({ error: 'ExportFailed', cause: 'the nightly export did not complete' }),
  },
});
