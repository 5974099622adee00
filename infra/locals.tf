locals {
  engine_name      = var.engine_function_name
  engine_push_name = "${var.engine_function_name}-push"
  api_name         = var.api_function_name

  # Gen2 functions answer on https://REGION-PROJECT.cloudfunctions.net/NAME. Known before they exist,
  # so a function can be told its own (or its sibling's) URL without a dependency cycle.
  functions_base_url = "https://${var.region}-${var.project_id}.cloudfunctions.net"
  api_url            = "${local.functions_base_url}/${local.api_name}"
  engine_push_url    = "${local.functions_base_url}/${local.engine_push_name}"
  push_audience      = coalesce(var.push_audience, local.engine_push_url)

  source_dir    = coalesce(var.source_dir, abspath("${path.module}/../dist/functions"))
  source_bucket = coalesce(var.source_bucket_name, "${var.project_id}-${var.name_prefix}-source")

  labels = merge({ app = "firestep" }, var.labels)

  required_apis = concat(
    [
      "artifactregistry.googleapis.com",
      "cloudbuild.googleapis.com",
      "cloudfunctions.googleapis.com",
      "cloudscheduler.googleapis.com",
      "cloudtasks.googleapis.com",
      "dataflow.googleapis.com",
      "eventarc.googleapis.com",
      "firebaserules.googleapis.com",
      "firestore.googleapis.com",
      "iam.googleapis.com",
      "logging.googleapis.com",
      "pubsub.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "storage.googleapis.com",
    ],
    var.enable_dataproc ? ["dataproc.googleapis.com"] : [],
    length(var.bigquery_datasets) > 0 ? ["bigquery.googleapis.com"] : [],
  )

  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
