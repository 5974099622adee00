# BigQuery jobs, Cloud Run jobs and Waits for Cloud Storage objects (issue 20), least privilege:
# - BigQuery: the dispatchers may create jobs in this project (roles/bigquery.jobUser, project-level:
#   jobs have no finer resource) and read/write only the datasets listed in bigquery_datasets.
# - Cloud Run jobs: per job in target_run_jobs, roles/run.jobsExecutorWithOverrides (run with args/env/
#   task-count/timeout overrides, get and cancel its executions) — nothing else in Cloud Run.
# - Cloud Storage: per bucket in watched_buckets, objects.get (roles/storage.objectViewer, for the
#   lookup when a Wait starts and the last look on timeout) and an Eventarc trigger of
#   google.cloud.storage.object.v1.finalized routed to the engine's CloudEvent entry point.
# Completions of BigQuery and Cloud Run jobs come through the log sinks in log-sinks.tf.

locals {
  bigquery_grants = {
    for pair in setproduct(var.bigquery_datasets, keys(local.dispatchers)) :
    "${pair[0]} ${pair[1]}" => { dataset = pair[0], member = local.dispatchers[pair[1]] }
  }

  run_job_grants = {
    for pair in setproduct(var.target_run_jobs, keys(local.dispatchers)) :
    "${coalesce(pair[0].region, var.region)}/${pair[0].name} ${pair[1]}" => {
      name   = pair[0].name
      region = coalesce(pair[0].region, var.region)
      member = local.dispatchers[pair[1]]
    }
  }

  bucket_grants = {
    for pair in setproduct(var.watched_buckets, keys(local.dispatchers)) :
    "${pair[0]} ${pair[1]}" => { bucket = pair[0], member = local.dispatchers[pair[1]] }
  }
}

resource "google_project_iam_member" "dispatcher_bigquery_job_user" {
  for_each = length(var.bigquery_datasets) > 0 ? local.dispatchers : {}

  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = each.value
}

resource "google_bigquery_dataset_iam_member" "dispatcher_edits_dataset" {
  for_each = local.bigquery_grants

  project    = var.project_id
  dataset_id = each.value.dataset
  role       = "roles/bigquery.dataEditor"
  member     = each.value.member
}

resource "google_cloud_run_v2_job_iam_member" "dispatcher_runs_job" {
  for_each = local.run_job_grants

  project  = var.project_id
  location = each.value.region
  name     = each.value.name
  role     = "roles/run.jobsExecutorWithOverrides"
  member   = each.value.member
}

resource "google_storage_bucket_iam_member" "dispatcher_reads_watched_bucket" {
  for_each = local.bucket_grants

  bucket = each.value.bucket
  role   = "roles/storage.objectViewer"
  member = each.value.member
}

# Cloud Storage publishes its events through Pub/Sub as its own service agent.
data "google_storage_project_service_account" "gcs_agent" {
  count   = length(var.watched_buckets) > 0 || length(local.gcs_triggers) > 0 ? 1 : 0
  project = var.project_id
}

resource "google_project_iam_member" "gcs_agent_publishes_events" {
  count   = length(var.watched_buckets) > 0 || length(local.gcs_triggers) > 0 ? 1 : 0
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs_agent[0].email_address}"
}

resource "google_eventarc_trigger" "object_finalized" {
  for_each = toset(var.watched_buckets)

  project         = var.project_id
  location        = var.region
  name            = "${var.name_prefix}-gcs-${substr(sha256(each.value), 0, 12)}"
  service_account = google_service_account.eventarc.email
  labels          = local.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = each.value
  }

  destination {
    cloud_run_service {
      service = google_cloudfunctions2_function.engine.service_config[0].service
      region  = var.region
    }
  }

  depends_on = [
    google_project_iam_member.eventarc_receiver,
    google_project_iam_member.gcs_agent_publishes_events,
  ]
}
