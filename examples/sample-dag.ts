/**
 * The reference sample DAG (examples/sample-dag.json) in the TypeScript builder: Init → Step1 →
 * Parallel[Branch1 Dataflow flex, Branch2 Cloud Function] → End. It has the same definition hash
 * as the JSON file.
 */
import { branch, cloudFunction, dataflowFlex, defineFlow, parallel, task } from '../engine/flow/index.ts';

const project = { project_id: 'my-orchestration-test', region: 'europe-west1' } as const;

export default defineFlow({
  id: 'sample-dag',
  start: 'Init',
  steps: {
    Init: task(cloudFunction('orch-test-1', project), { next: 'Step1' }),
    Step1: task(cloudFunction('orch-test-2', project), { next: 'Step2' }),
    Step2: parallel({
      branches: [
        branch({
          start: 'Branch1',
          steps: {
            Branch1: task(
              dataflowFlex('word-count-demo', {
                project_id: 'my-orchestration-test',
                region: 'europe-west4',
                container_gcs_path: 'gs://my-flex-templates/python_command_spec.json',
              }),
              {
                parameters: {
                  input: 'gs://dataflow-samples/shakespeare/kinglear.txt',
                  output: 'gs://wordcount_output/output/out',
                  temp_location: 'gs://wordcount_output/temp/output',
                  subnetwork:
                    'https://www.googleapis.com/compute/v1/projects/shared-vpc-x/regions/europe-west4/subnetworks/my-sub-network',
                  setup_file: '/dataflow/template/setup.py',
                },
                end: true,
              },
            ),
          },
        }),
        branch({
          start: 'Branch2',
          steps: { Branch2: task(cloudFunction('orch-test-3', project), { end: true }) },
        }),
      ],
      next: 'End',
    }),
    End: task(cloudFunction('orch-test-4', project), { end: true }),
  },
});
