# One service account per job, each with only what that job needs. No primitive roles anywhere
# (test/infra/terraform.unit.spec.ts fails the build if roles/owner, roles/editor or roles/viewer appear).

# --- Runtime identities of the three functions ------------------------------------------------------

resource "google_service_account" "engine" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-engine"
  display_name = "firestep engine (Eventarc entry point)"
}

resource "google_service_account" "engine_push" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-engine-push"
  display_name = "firestep engine (Pub/Sub push entry point)"
}

resource "google_service_account" "api" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-api"
  display_name = "firestep API"
}

# --- Identities that call the functions ---------------------------------------------------------------

resource "google_service_account" "pubsub_push" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-pubsub-push"
  display_name = "firestep: Pub/Sub push to the engine (OIDC)"
}

resource "google_service_account" "tasks" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-tasks"
  display_name = "firestep: Cloud Tasks calls (timers, task-mode launches)"
}

resource "google_service_account" "eventarc" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-eventarc"
  display_name = "firestep: Eventarc delivery of Dataflow status changes"
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "firestep: Cloud Scheduler sweep"
}

locals {
  # All three functions apply signals and dispatch the outbox (the API does on start, timers, sweep
  # and callbacks), so all three carry the dispatcher permissions. Each keeps its own account so that
  # audit logs say which entry point acted.
  dispatchers = {
    engine      = "serviceAccount:${google_service_account.engine.email}"
    engine_push = "serviceAccount:${google_service_account.engine_push.email}"
    api         = "serviceAccount:${google_service_account.api.email}"
  }

  dispatcher_project_roles = concat(
    [
      "roles/datastore.user",     # Firestore: the event store
      "roles/dataflow.developer", # launch and get Dataflow jobs
    ],
    var.enable_dataproc ? ["roles/dataproc.editor"] : [],
  )

  dispatcher_project_grants = {
    for pair in setproduct(keys(local.dispatchers), local.dispatcher_project_roles) :
    "${pair[0]} ${pair[1]}" => { member = local.dispatchers[pair[0]], role = pair[1] }
  }

  # Who calls target functions: the dispatchers directly, Cloud Tasks in task mode.
  target_invokers = merge(local.dispatchers, { tasks = "serviceAccount:${google_service_account.tasks.email}" })

  targets = {
    for t in var.target_functions :
    "${t.generation}/${coalesce(t.project, var.project_id)}/${coalesce(t.region, var.region)}/${t.name}" => {
      name       = t.name
      generation = t.generation
      region     = coalesce(t.region, var.region)
      project    = coalesce(t.project, var.project_id)
    }
  }

  target_grants = {
    for pair in setproduct(keys(local.targets), keys(local.target_invokers)) :
    "${pair[0]} ${pair[1]}" => { target = local.targets[pair[0]], member = local.target_invokers[pair[1]] }
  }

  target_topic_grants = {
    for pair in setproduct(var.target_topics, keys(local.dispatchers)) :
    "${pair[0]} ${pair[1]}" => { topic = pair[0], member = local.dispatchers[pair[1]] }
  }
}

# --- Dispatchers: project-level roles (Firestore and Dataflow have no finer-grained resource IAM) -----

resource "google_project_iam_member" "dispatcher" {
  for_each = local.dispatcher_project_grants

  project = var.project_id
  role    = each.value.role
  member  = each.value.member
}

# Act as the Dataflow worker account only (never the Compute Engine default account).
resource "google_service_account_iam_member" "dispatcher_acts_as_dataflow_worker" {
  for_each = { for k, v in local.dispatchers : k => v if var.dataflow_worker_service_account != null }

  service_account_id = "projects/${var.project_id}/serviceAccounts/${var.dataflow_worker_service_account}"
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

resource "google_service_account_iam_member" "dispatcher_acts_as_dataproc" {
  for_each = { for k, v in local.dispatchers : k => v if var.enable_dataproc && var.dataproc_service_account != null }

  service_account_id = "projects/${var.project_id}/serviceAccounts/${var.dataproc_service_account}"
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

# Create Cloud Tasks whose OIDC token is signed as the tasks account.
resource "google_service_account_iam_member" "dispatcher_acts_as_tasks" {
  for_each = local.dispatchers

  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

# --- Targets --------------------------------------------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "target_invoker" {
  for_each = { for k, v in local.target_grants : k => v if v.target.generation == "gen2" }

  project  = each.value.target.project
  location = each.value.target.region
  name     = each.value.target.name
  role     = "roles/run.invoker"
  member   = each.value.member
}

resource "google_cloudfunctions_function_iam_member" "target_invoker_gen1" {
  for_each = { for k, v in local.target_grants : k => v if v.target.generation == "gen1" }

  project        = each.value.target.project
  region         = each.value.target.region
  cloud_function = each.value.target.name
  role           = "roles/cloudfunctions.invoker"
  member         = each.value.member
}

resource "google_pubsub_topic_iam_member" "target_topic_publisher" {
  for_each = local.target_topic_grants

  topic  = each.value.topic
  role   = "roles/pubsub.publisher"
  member = each.value.member
}

# --- Who may call firestep's own functions ------------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "push_invokes_engine_push" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.engine_push.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.pubsub_push.email}"
}

resource "google_cloud_run_v2_service_iam_member" "eventarc_invokes_engine" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.engine.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.eventarc.email}"
}

# Eventarc requires its trigger identity to hold eventReceiver (project-level only).
resource "google_project_iam_member" "eventarc_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.eventarc.email}"
}

resource "google_cloud_run_v2_service_iam_member" "api_invoker" {
  for_each = merge(
    {
      tasks     = "serviceAccount:${google_service_account.tasks.email}"     # POST /v1/timers
      scheduler = "serviceAccount:${google_service_account.scheduler.email}" # POST /v1/sweep
    },
    { for m in var.api_invokers : m => m },
  )

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = each.value
}
