# ---------------------------------------------------------------------------------------------------
# Where
# ---------------------------------------------------------------------------------------------------

variable "project_id" {
  description = "Google Cloud project that runs firestep (Firestore, functions, Pub/Sub, Cloud Tasks)."
  type        = string
}

variable "region" {
  description = "Region of the functions, the Cloud Tasks queue, the scheduler job and the Eventarc trigger (Dataflow status events are observed in this region)."
  type        = string
  default     = "europe-west1"
}

variable "enable_apis" {
  description = "Enable the Google APIs this module needs. Set false if your organisation enables APIs elsewhere."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------

variable "name_prefix" {
  description = "Prefix of the names of topics, sinks, the queue, the secret and the service accounts."
  type        = string
  default     = "firestep"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,13}$", var.name_prefix))
    error_message = "name_prefix must be 2-14 characters of lowercase letters, digits and hyphens, starting with a letter (service account ids are limited to 30 characters)."
  }
}

variable "engine_function_name" {
  description = "Name of the engine function (Eventarc / CloudEvent entry point). The Pub/Sub push entry point is deployed as \"<name>-push\"."
  type        = string
  default     = "firestep-engine"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,56}[a-z0-9]$", var.engine_function_name))
    error_message = "engine_function_name must be lowercase letters, digits and hyphens (at most 58 characters, room for the \"-push\" suffix)."
  }
}

variable "api_function_name" {
  description = "Name of the API function (HTTP: executions, callbacks, timers, sweep)."
  type        = string
  default     = "firestep-api"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.api_function_name))
    error_message = "api_function_name must be lowercase letters, digits and hyphens (at most 63 characters)."
  }
}

variable "source_bucket_name" {
  description = "Bucket for the zipped function source. Default: \"<project_id>-<name_prefix>-source\"."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------
# Function source and runtime
# ---------------------------------------------------------------------------------------------------

variable "source_dir" {
  description = "Directory zipped as the function source: the bundle `npm run build:functions` writes (engine, API and your flows from flows/). Default: dist/functions of the repository this module lives in."
  type        = string
  default     = null
}

variable "build_service_account" {
  description = "Service account Cloud Build uses to build the functions, as projects/PROJECT/serviceAccounts/EMAIL. Default: the project's Cloud Build default."
  type        = string
  default     = null
}

variable "engine_max_instances" {
  description = "Maximum instances of each engine function."
  type        = number
  default     = 100
}

variable "api_max_instances" {
  description = "Maximum instances of the API function."
  type        = number
  default     = 20
}

variable "function_memory" {
  description = "Memory of each firestep function."
  type        = string
  default     = "512Mi"
}

variable "engine_timeout_seconds" {
  description = "Request timeout of the engine functions. Keep it below the push subscription's ack deadline x retries budget."
  type        = number
  default     = 300
}

variable "api_timeout_seconds" {
  description = "Request timeout of the API function."
  type        = number
  default     = 120
}

variable "engine_ingress_settings" {
  description = "Ingress of the engine functions: ALLOW_ALL (IAM and firestep's OIDC check protect them) or ALLOW_INTERNAL_ONLY (Pub/Sub and Eventarc in the same project still reach them)."
  type        = string
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.engine_ingress_settings)
    error_message = "engine_ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "launch_mode" {
  description = "How the engine calls Cloud Functions: \"task\" (through the Cloud Tasks queue, for long-running functions) or \"direct\"."
  type        = string
  default     = "task"

  validation {
    condition     = contains(["task", "direct"], var.launch_mode)
    error_message = "launch_mode must be \"task\" or \"direct\"."
  }
}

variable "node_options" {
  description = "NODE_OPTIONS of the functions. Empty for the bundled JavaScript of `npm run build:functions` (the default source); set \"--import=tsx\" if you point source_dir at the TypeScript sources instead."
  type        = string
  default     = ""
}

variable "log_level" {
  description = "FIRESTEP_LOG of the functions: debug, info, warning or error."
  type        = string
  default     = "info"
}

variable "extra_environment_variables" {
  description = "More environment variables for the three firestep functions (e.g. FIRESTEP_SNAPSHOT_EVERY)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# What firestep orchestrates
# ---------------------------------------------------------------------------------------------------

variable "target_functions" {
  description = <<-EOT
    Existing Cloud Functions / Cloud Run services that flows call. The engine, the API and the Cloud Tasks
    invoker get permission to invoke each one (gen2 and Cloud Run: roles/run.invoker on the service;
    gen1: roles/cloudfunctions.invoker on the function). region and project default to this module's.
  EOT
  type = list(object({
    name       = string
    generation = optional(string, "gen2")
    region     = optional(string)
    project    = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for t in var.target_functions : contains(["gen1", "gen2"], t.generation)])
    error_message = "target_functions[*].generation must be \"gen1\" or \"gen2\" (gen2 also covers plain Cloud Run services)."
  }
}

variable "target_topics" {
  description = "Pub/Sub topics that PubSub steps (and Pub/Sub-triggered function steps) publish to, as topic ids or projects/P/topics/T."
  type        = list(string)
  default     = []
}

variable "request_log_scope" {
  description = "Logging condition ANDed into the gen2 request-log sink, to narrow it in busy projects, e.g. resource.labels.service_name=(\"ingest-orders\" OR \"load-orders\"). The default matches every Cloud Run request log; the engine acknowledges the ones that are not firestep's."
  type        = string
  default     = "resource.type=\"cloud_run_revision\""

  validation {
    condition     = trimspace(var.request_log_scope) != ""
    error_message = "request_log_scope must be a Logging condition; use resource.type=\"cloud_run_revision\" to match every request log."
  }
}

variable "dataflow_worker_service_account" {
  description = "Email of the service account Dataflow workers run as (in this project); name it in your Dataflow steps' parameters as service_account_email. firestep may act as this account only; null disables the grant (launches then fail with an actAs error)."
  type        = string
  default     = null
}

variable "enable_dataproc" {
  description = "Grant roles/dataproc.editor so that Dataproc steps can instantiate inline workflow templates."
  type        = bool
  default     = false
}

variable "dataproc_service_account" {
  description = "Email of the service account Dataproc clusters run as (in this project); firestep may act as it. Only with enable_dataproc."
  type        = string
  default     = null
}

variable "api_invokers" {
  description = "Members allowed to call the API (start executions, send callbacks), e.g. \"group:data-eng@example.com\" or the runtime service accounts of functions wrapped with withFirestep."
  type        = list(string)
  default     = []
}

variable "signal_publishers" {
  description = "Members allowed to publish to the signal topic: the runtime service accounts of functions wrapped with withFirestep that reply through the topic (the SDK's fallback when the API URL cannot be reached)."
  type        = list(string)
  default     = []
}

# ---------------------------------------------------------------------------------------------------
# Signals: Pub/Sub
# ---------------------------------------------------------------------------------------------------

variable "max_delivery_attempts" {
  description = "Deliveries of a signal to the engine before it goes to the dead-letter topic (Pub/Sub allows 5-100)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (a Pub/Sub limit)."
  }
}

variable "push_ack_deadline_seconds" {
  description = "How long Pub/Sub waits for the engine to answer a push before redelivering."
  type        = number
  default     = 120
}

variable "push_minimum_backoff" {
  description = "Minimum delay before Pub/Sub redelivers a signal the engine refused (a transient fault)."
  type        = string
  default     = "5s"
}

variable "push_maximum_backoff" {
  description = "Maximum delay between redeliveries (Pub/Sub allows up to 600s)."
  type        = string
  default     = "300s"
}

variable "push_audience" {
  description = "OIDC audience of push requests. Default: the engine push function's URL."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------
# Firestore
# ---------------------------------------------------------------------------------------------------

variable "create_firestore_database" {
  description = "Create the Firestore database (native mode). Set false when the project already has it."
  type        = bool
  default     = true
}

variable "firestore_database_id" {
  description = "Firestore database id firestep uses."
  type        = string
  default     = "(default)"
}

variable "firestore_location" {
  description = "Location of a new Firestore database: a multi-region (eur3, nam5) or a region."
  type        = string
  default     = "eur3"
}

variable "deploy_firestore_rules" {
  description = "Release infra/firestore.rules to the database (set false if you deploy rules with the Firebase CLI)."
  type        = bool
  default     = true
}

variable "enable_ttl" {
  description = "Turn on Firestore TTL on the expireAt field: documents whose expireAt has passed are deleted (about a day later). Documents without expireAt are kept."
  type        = bool
  default     = false
}

variable "retention_days" {
  description = "With enable_ttl: days a finished execution is kept (every document of it gets expireAt = finish time + this; FIRESTEP_RETENTION_DAYS)."
  type        = number
  default     = 30
}

variable "ttl_collection_groups" {
  description = "Collection groups that get the expireAt TTL policy when enable_ttl is true. TTL does not delete subcollections, so every per-execution collection is listed, and the top-level ones holding an execution's documents (correlations, its own chunks, dead letters): the engine stamps each of their documents with the head's expireAt (engine/store/retention.ts TTL_COLLECTION_GROUPS). Dead letters also carry a fixed 30-day expiry of their own."
  type        = list(string)
  default     = ["executions", "events", "signals", "commands", "snapshots", "inbox", "rejected", "correlations", "chunks", "deadletters"]
}

# ---------------------------------------------------------------------------------------------------
# Timers and sweep
# ---------------------------------------------------------------------------------------------------

variable "tasks_max_dispatches_per_second" {
  description = "Rate limit of the Cloud Tasks queue (timers and task-mode launches)."
  type        = number
  default     = 100
}

variable "tasks_max_concurrent_dispatches" {
  description = "Concurrent dispatches of the Cloud Tasks queue."
  type        = number
  default     = 500
}

variable "tasks_max_attempts" {
  description = "Attempts per task (a timer delivery or a launch) before Cloud Tasks gives up; -1 for unlimited."
  type        = number
  default     = 10
}

variable "enable_sweep_schedule" {
  description = "Create a Cloud Scheduler job that calls POST /v1/sweep on the API (re-dispatches commands left pending by a crash)."
  type        = bool
  default     = true
}

variable "sweep_schedule" {
  description = "Cron schedule (UTC) of the sweep job."
  type        = string
  default     = "*/5 * * * *"
}

variable "labels" {
  description = "Labels added to the resources that take labels."
  type        = map(string)
  default     = {}
}

variable "bigquery_datasets" {
  description = "Datasets (in project_id) BigQuery steps read and write: the dispatchers get roles/bigquery.dataEditor on each, and roles/bigquery.jobUser on the project when the list is not empty."
  type        = list(string)
  default     = []
}

variable "target_run_jobs" {
  description = "Cloud Run jobs CloudRunJob steps run (region defaults to var.region): the dispatchers get roles/run.jobsExecutorWithOverrides on each, nothing else in Cloud Run."
  type = list(object({
    name   = string
    region = optional(string)
  }))
  default = []
}

variable "watched_buckets" {
  description = "Buckets whose objects Wait steps with for_object wait for: an Eventarc trigger of object finalized events to the engine per bucket, and roles/storage.objectViewer on it for the dispatchers."
  type        = list(string)
  default     = []
}
