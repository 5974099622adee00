/**
 * Protocol-level fakes of the Google services firestep drives, for tests, `run --local` and the demo.
 * Each is a loopback HTTP server speaking the service's real REST protocol, so the real client
 * libraries talk to it; none writes to the console.
 */

export {
  type BigQueryBehavior,
  type FakeBigQuery,
  type FakeBigQueryJob,
  type FakeBigQueryOptions,
  startFakeBigQuery,
} from './bigquery.ts';
export {
  type CloudRunJobBehavior,
  type FakeCloudRunJobs,
  type FakeCloudRunJobsOptions,
  type FakeRunExecution,
  startFakeCloudRunJobs,
} from './cloud-run-jobs.ts';
export {
  type FakeCloudTasks,
  type FakeCloudTasksOptions,
  type FakeTask,
  startFakeCloudTasks,
} from './cloud-tasks.ts';
export {
  type DataflowBehavior,
  type DataflowJobJson,
  type DataflowJobState,
  type FakeDataflow,
  type FakeDataflowJob,
  type FakeDataflowOptions,
  type ScriptedLaunchError,
  startFakeDataflow,
} from './dataflow.ts';
export {
  type DataprocBehavior,
  type DataprocOperationJson,
  type FakeDataproc,
  type FakeDataprocOptions,
  type FakeDataprocWorkflow,
  startFakeDataproc,
} from './dataproc.ts';
export {
  type FakeFunctionHost,
  type FunctionBehavior,
  type FunctionHostOptions,
  type Invocation,
  startFakeFunctionHost,
} from './function-host.ts';
export {
  type EndpointBehavior,
  type EndpointCall,
  EndpointError,
  type EndpointRequest,
  type FakeHttpEndpoint,
  type FakeHttpEndpointOptions,
  fakeEndpointUrl,
  startFakeHttpEndpoint,
} from './http-endpoint.ts';
export {
  type CloudEventLike,
  type CloudEventSink,
  DATAFLOW_MESSAGES,
  type LogEntry,
  type LogSink,
} from './log-entries.ts';
export {
  type FakeStorage,
  type FakeStorageObject,
  type FakeStorageOptions,
  finalizedEvent,
  startFakeStorage,
} from './storage.ts';
