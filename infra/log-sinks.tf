# Completion signals from Cloud Logging. Each sink's filter is generated here and ends with a clause
# that excludes firestep's own functions: the engine writes log lines and answers requests while it
# works, and a sink that matched them would feed the engine its own output forever (the reference
# orchestrator's infinite loop). Gen1 functions are named by resource.labels.function_name, gen2
# functions (Cloud Run services) by resource.labels.service_name; both are excluded in every filter.
# test/infra/terraform.unit.spec.ts checks that every sink's filter carries all of these clauses as
# top-level AND terms.

locals {
  exclude_own_functions = <<-EOT
    NOT resource.labels.function_name="${local.engine_name}"
    AND NOT resource.labels.service_name="${local.engine_name}"
    AND NOT resource.labels.function_name="${local.engine_push_name}"
    AND NOT resource.labels.service_name="${local.engine_push_name}"
    AND NOT resource.labels.function_name="${local.api_name}"
    AND NOT resource.labels.service_name="${local.api_name}"
  EOT

  sink_filters = {
    # "Function execution took 1234 ms, finished with status code: 200" (or "status: 'crash'" …)
    gen1_functions = <<-EOT
      resource.type="cloud_function"
      AND textPayload:"Function execution took"
      AND ${local.exclude_own_functions}
    EOT

    # One request log entry per invocation of a gen2 function / Cloud Run service, with httpRequest.status
    # and the trace firestep injected. request_log_scope may narrow it (parenthesized: an OR inside it
    # cannot escape).
    gen2_requests = <<-EOT
      log_id("run.googleapis.com/requests")
      AND resource.type="cloud_run_revision"
      AND (${var.request_log_scope})
      AND ${local.exclude_own_functions}
    EOT

    # Dataflow job messages that end a job or report a launch failure.
    dataflow_jobs = <<-EOT
      resource.type="dataflow_step"
      AND (textPayload:"Worker pool stopped." OR textPayload:"Workflow failed" OR textPayload:"Error occurred in the launcher container")
      AND ${local.exclude_own_functions}
    EOT

    # BigQuery jobs firestep inserted (ids start with firestep_) reaching DONE: the current audit
    # format (jobChange) and the legacy one (jobservice.jobcompleted). Confirmed with jobs.get.
    bigquery_jobs = <<-EOT
      log_id("cloudaudit.googleapis.com/data_access")
      AND protoPayload.serviceName="bigquery.googleapis.com"
      AND ((protoPayload.methodName="google.cloud.bigquery.v2.JobService.InsertJob" AND protoPayload.metadata.jobChange.after="DONE" AND protoPayload.metadata.jobChange.job.jobName:"/jobs/firestep_") OR (protoPayload.methodName="jobservice.jobcompleted" AND protoPayload.serviceData.jobCompletedEvent.job.jobName.jobId:"firestep_"))
      AND ${local.exclude_own_functions}
    EOT

    # The last audit entry of a Cloud Run job run: written when the execution finished, with the
    # Execution (and firestep's FIRESTEP_RUN_KEY) as its response. Confirmed with executions.get.
    cloud_run_jobs = <<-EOT
      log_id("cloudaudit.googleapis.com/activity")
      AND protoPayload.serviceName="run.googleapis.com"
      AND (protoPayload.methodName="google.cloud.run.v2.Jobs.RunJob" OR protoPayload.methodName="google.cloud.run.v1.Jobs.RunJob")
      AND operation.last="true"
      AND ${local.exclude_own_functions}
    EOT
  }

  signal_topic_destination = "pubsub.googleapis.com/${google_pubsub_topic.signals.id}"
}

resource "google_logging_project_sink" "gen1_functions" {
  project                = var.project_id
  name                   = "${var.name_prefix}-gen1-functions"
  description            = "firestep: end-of-execution lines of gen1 Cloud Functions"
  destination            = local.signal_topic_destination
  filter                 = local.sink_filters.gen1_functions
  unique_writer_identity = true
}

resource "google_logging_project_sink" "gen2_requests" {
  project                = var.project_id
  name                   = "${var.name_prefix}-gen2-requests"
  description            = "firestep: request logs of gen2 Cloud Functions and Cloud Run services"
  destination            = local.signal_topic_destination
  filter                 = local.sink_filters.gen2_requests
  unique_writer_identity = true
}

resource "google_logging_project_sink" "dataflow_jobs" {
  project                = var.project_id
  name                   = "${var.name_prefix}-dataflow-jobs"
  description            = "firestep: Dataflow job completion and launcher failure messages"
  destination            = local.signal_topic_destination
  filter                 = local.sink_filters.dataflow_jobs
  unique_writer_identity = true
}

# Each sink writes as its own identity, which must be allowed to publish to the signal topic.
resource "google_pubsub_topic_iam_member" "sink_gen1_functions_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.gen1_functions.writer_identity
}

resource "google_pubsub_topic_iam_member" "sink_gen2_requests_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.gen2_requests.writer_identity
}

resource "google_pubsub_topic_iam_member" "sink_dataflow_jobs_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.dataflow_jobs.writer_identity
}

resource "google_logging_project_sink" "bigquery_jobs" {
  project                = var.project_id
  name                   = "${var.name_prefix}-bigquery-jobs"
  description            = "firestep: BigQuery jobs of firestep reaching DONE (audit log)"
  destination            = local.signal_topic_destination
  filter                 = local.sink_filters.bigquery_jobs
  unique_writer_identity = true
}

resource "google_logging_project_sink" "cloud_run_jobs" {
  project                = var.project_id
  name                   = "${var.name_prefix}-cloud-run-jobs"
  description            = "firestep: Cloud Run job executions that finished (RunJob audit log, last entry)"
  destination            = local.signal_topic_destination
  filter                 = local.sink_filters.cloud_run_jobs
  unique_writer_identity = true
}

resource "google_pubsub_topic_iam_member" "sink_bigquery_jobs_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.bigquery_jobs.writer_identity
}

resource "google_pubsub_topic_iam_member" "sink_cloud_run_jobs_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.cloud_run_jobs.writer_identity
}
