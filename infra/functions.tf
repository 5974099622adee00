# The three firestep functions, gen2, built by Cloud Build from this repository (flows included: they
# live in flows/ and are deployed with the code; every execution is pinned to its definition hash, so
# redeploying a changed flow never disturbs executions already running).
#
#   <engine>       firestepEngine      CloudEvent: Dataflow job status changes from Eventarc
#   <engine>-push  firestepEnginePush  HTTP: raw Pub/Sub pushes from the signal topic (OIDC checked)
#   <api>          firestepApi         HTTP: /v1 executions, callbacks, timers (Cloud Tasks), sweep

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.source_dir
  output_path = "${path.module}/.build/firestep-source.zip"

  # Paths relative to source_dir (dist/functions by default; these matter when it is the repository).
  excludes = [
    ".git",
    ".firestep",
    "node_modules",
    "coverage",
    "bench",
    "test",
    "infra/.terraform",
    "infra/.build",
    "infra/terraform.tfstate",
    "infra/terraform.tfstate.backup",
    "infra/terraform.tfvars",
  ]
}

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = local.source_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_object" "source" {
  # Content-addressed name: a changed repository (code or flows) is a new object and a new build.
  name   = "firestep-source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

locals {
  function_environment = merge(
    {
      GOOGLE_CLOUD_PROJECT           = var.project_id
      FIRESTEP_REGION                = var.region
      FIRESTEP_API_URL               = local.api_url
      FIRESTEP_SIGNAL_TOPIC          = google_pubsub_topic.signals.id
      FIRESTEP_TASKS_QUEUE           = google_cloud_tasks_queue.tasks.id
      FIRESTEP_TASKS_SERVICE_ACCOUNT = google_service_account.tasks.email
      FIRESTEP_TRIGGERS_SERVICE_ACCOUNT = google_service_account.triggers.email
      FIRESTEP_ENGINE_FUNCTION       = local.engine_name
      FIRESTEP_API_FUNCTION          = local.api_name
      FIRESTEP_LAUNCH_MODE           = var.launch_mode
      FIRESTEP_FIRESTORE_DATABASE    = var.firestore_database_id
      FIRESTEP_AUTH                  = "enforce"
      FIRESTEP_PUSH_AUDIENCE         = local.push_audience
      FIRESTEP_PUSH_SERVICE_ACCOUNT  = google_service_account.pubsub_push.email
      FIRESTEP_LOG                   = var.log_level
    },
    # Left out when empty (compiled JavaScript needs no loader).
    { for k, v in { NODE_OPTIONS = var.node_options } : k => v if v != "" },
    # With TTL on, the engine stamps every document of a finished execution with expireAt.
    var.enable_ttl ? { FIRESTEP_RETENTION_DAYS = tostring(var.retention_days) } : {},
    var.extra_environment_variables,
  )

  function_source = {
    bucket = google_storage_bucket.source.name
    object = google_storage_bucket_object.source.name
  }
}

resource "google_cloudfunctions2_function" "engine" {
  project     = var.project_id
  location    = var.region
  name        = local.engine_name
  description = "firestep engine: Dataflow job status changes (Eventarc)"
  labels      = local.labels

  build_config {
    runtime         = "nodejs20"
    entry_point     = "firestepEngine"
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = local.function_source.bucket
        object = local.function_source.object
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.engine.email
    available_memory               = var.function_memory
    timeout_seconds                = var.engine_timeout_seconds
    max_instance_count             = var.engine_max_instances
    min_instance_count             = 0
    ingress_settings               = var.engine_ingress_settings
    all_traffic_on_latest_revision = true
    environment_variables          = local.function_environment

    secret_environment_variables {
      key        = "FIRESTEP_CALLBACK_SECRET"
      project_id = var.project_id
      secret     = google_secret_manager_secret.callback.secret_id
      version    = "latest"
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.dataflow.job.v1beta3.statusChanged"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.eventarc.email
  }

  depends_on = [
    google_project_service.enabled,
    google_project_iam_member.eventarc_receiver,
    google_secret_manager_secret_iam_member.dispatcher_reads_callback_secret,
    google_secret_manager_secret_version.callback,
  ]
}

resource "google_cloudfunctions2_function" "engine_push" {
  project     = var.project_id
  location    = var.region
  name        = local.engine_push_name
  description = "firestep engine: signals pushed by Pub/Sub (log sinks, SDK replies), OIDC-verified"
  labels      = local.labels

  build_config {
    runtime         = "nodejs20"
    entry_point     = "firestepEnginePush"
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = local.function_source.bucket
        object = local.function_source.object
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.engine_push.email
    available_memory               = var.function_memory
    timeout_seconds                = var.engine_timeout_seconds
    max_instance_count             = var.engine_max_instances
    min_instance_count             = 0
    ingress_settings               = var.engine_ingress_settings
    all_traffic_on_latest_revision = true
    environment_variables          = local.function_environment

    secret_environment_variables {
      key        = "FIRESTEP_CALLBACK_SECRET"
      project_id = var.project_id
      secret     = google_secret_manager_secret.callback.secret_id
      version    = "latest"
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_secret_manager_secret_iam_member.dispatcher_reads_callback_secret,
    google_secret_manager_secret_version.callback,
  ]
}

resource "google_cloudfunctions2_function" "api" {
  project     = var.project_id
  location    = var.region
  name        = local.api_name
  description = "firestep API: executions, callbacks, timers, sweep"
  labels      = local.labels

  build_config {
    runtime         = "nodejs20"
    entry_point     = "firestepApi"
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = local.function_source.bucket
        object = local.function_source.object
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.api.email
    available_memory               = var.function_memory
    timeout_seconds                = var.api_timeout_seconds
    max_instance_count             = var.api_max_instances
    min_instance_count             = 0
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    environment_variables          = local.function_environment

    secret_environment_variables {
      key        = "FIRESTEP_CALLBACK_SECRET"
      project_id = var.project_id
      secret     = google_secret_manager_secret.callback.secret_id
      version    = "latest"
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_secret_manager_secret_iam_member.dispatcher_reads_callback_secret,
    google_secret_manager_secret_version.callback,
  ]
}
