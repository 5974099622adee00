# Cloud Tasks carries timers (retry backoff, Wait steps, step timeouts) to POST /v1/timers on the API,
# and, in task launch mode, long-running Cloud Function calls to their targets, so the engine never
# waits for a function to finish. Tasks carry an OIDC token signed as the tasks service account.

resource "google_cloud_tasks_queue" "tasks" {
  project  = var.project_id
  name     = "${var.name_prefix}-tasks"
  location = var.region

  rate_limits {
    max_dispatches_per_second = var.tasks_max_dispatches_per_second
    max_concurrent_dispatches = var.tasks_max_concurrent_dispatches
  }

  retry_config {
    max_attempts  = var.tasks_max_attempts
    min_backoff   = "1s"
    max_backoff   = "300s"
    max_doublings = 8
  }

  depends_on = [google_project_service.enabled]
}

locals {
  queue_grants = {
    for pair in setproduct(keys(local.dispatchers), ["roles/cloudtasks.enqueuer", "roles/cloudtasks.taskDeleter"]) :
    "${pair[0]} ${pair[1]}" => { member = local.dispatchers[pair[0]], role = pair[1] }
  }
}

# Enqueue timers and launches; delete a timer that is no longer needed (step finished first).
resource "google_cloud_tasks_queue_iam_member" "dispatcher" {
  for_each = local.queue_grants

  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.tasks.name
  role     = each.value.role
  member   = each.value.member
}

# Re-dispatches outbox commands left PENDING by a crash between commit and launch.
resource "google_cloud_scheduler_job" "sweep" {
  count = var.enable_sweep_schedule ? 1 : 0

  project          = var.project_id
  region           = var.region
  name             = "${var.name_prefix}-sweep"
  description      = "firestep: POST /v1/sweep on the API"
  schedule         = var.sweep_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "120s"

  retry_config {
    retry_count = 0 # the next run sweeps again
  }

  http_target {
    http_method = "POST"
    uri         = "${local.api_url}/v1/sweep"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = local.api_url
    }
  }

  depends_on = [google_project_service.enabled, google_cloud_run_v2_service_iam_member.api_invoker]
}
