# Flow triggers (docs/guides/triggers.md): from the trigger manifest that `npm run build:functions`
# writes next to the deployed flows (triggers.json: one row per trigger of each flow), this file makes
#
#   a Cloud Scheduler job per schedule        → POST <api>/v1/flows/FLOW/triggers/I:schedule
#   an Eventarc trigger per storage trigger   → POST <api>/v1/flows/FLOW/triggers/I:gcs
#   a push subscription per Pub/Sub trigger   → POST <api>/v1/flows/FLOW/triggers/I:pubsub
#   publish rights for the engine on each Pub/Sub topic a flow's `notify` names
#
# all signed with an OIDC token of the triggers service account (audience: the API URL), which the API
# checks (FIRESTEP_TRIGGERS_SERVICE_ACCOUNT). The API names each execution after its event, so a retried
# scheduler call or a redelivered event starts nothing new.

locals {
  trigger_manifest_file = "${local.source_dir}/triggers.json"
  trigger_manifest      = fileexists(local.trigger_manifest_file) ? jsondecode(file(local.trigger_manifest_file)) : []
  schedule_triggers     = { for t in local.trigger_manifest : t.key => t if t.kind == "schedule" }
  gcs_triggers          = { for t in local.trigger_manifest : t.key => t if t.kind == "gcs" }
  pubsub_triggers       = { for t in local.trigger_manifest : t.key => t if t.kind == "pubsub" }
  # Topics that flow `notify` rules publish to (the topics themselves are the user's).
  notify_topics = toset([for t in local.trigger_manifest : t.topic if t.kind == "notify"])
  notify_publishers = {
    for pair in setproduct(local.notify_topics, keys(local.dispatchers)) :
    "${pair[0]} ${pair[1]}" => { topic = pair[0], member = local.dispatchers[pair[1]] }
  }
}

# The engine sends notifications from whichever function dispatches the outbox: each may publish to
# every topic a deployed flow's `notify` names.
resource "google_pubsub_topic_iam_member" "dispatchers_publish_notifications" {
  for_each = local.notify_publishers

  project = var.project_id
  topic   = each.value.topic
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

resource "google_service_account" "triggers" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-triggers"
  display_name = "firestep: flow triggers (Cloud Scheduler, Eventarc, Pub/Sub push) calling the API"
}

resource "google_cloud_run_v2_service_iam_member" "triggers_invoke_api" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.triggers.email}"
}

resource "google_project_iam_member" "triggers_event_receiver" {
  count   = length(local.gcs_triggers) > 0 ? 1 : 0
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.triggers.email}"
}

# The Pub/Sub service agent mints the push subscriptions' OIDC tokens for the triggers account.
resource "google_service_account_iam_member" "pubsub_agent_mints_trigger_tokens" {
  count              = length(local.pubsub_triggers) > 0 ? 1 : 0
  service_account_id = google_service_account.triggers.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

resource "google_cloud_scheduler_job" "flow_schedule" {
  for_each = local.schedule_triggers

  project          = var.project_id
  region           = var.region
  name             = "${var.name_prefix}-${each.key}"
  description      = "firestep: flow ${each.value.flow_id}, triggers[${each.value.index}] (${each.value.schedule} ${each.value.time_zone})"
  schedule         = each.value.schedule
  time_zone        = each.value.time_zone
  attempt_deadline = "60s"

  # A retried call carries the same X-CloudScheduler-ScheduleTime: the same execution answers.
  retry_config {
    retry_count          = 3
    min_backoff_duration = "10s"
  }

  http_target {
    http_method = "POST"
    uri         = "${local.api_url}/v1/flows/${each.value.flow_id}/triggers/${each.value.index}:schedule"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.triggers.email
      audience              = local.api_url
    }
  }

  depends_on = [google_project_service.enabled, google_cloud_run_v2_service_iam_member.triggers_invoke_api]
}

resource "google_eventarc_trigger" "flow_object_finalized" {
  for_each = local.gcs_triggers

  project         = var.project_id
  location        = var.region
  name            = "${var.name_prefix}-${each.key}"
  service_account = google_service_account.triggers.email
  labels          = local.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = each.value.bucket
  }

  destination {
    cloud_run_service {
      service = google_cloudfunctions2_function.api.service_config[0].service
      region  = var.region
      path    = "/v1/flows/${each.value.flow_id}/triggers/${each.value.index}:gcs"
    }
  }

  depends_on = [
    google_project_iam_member.triggers_event_receiver,
    google_project_iam_member.gcs_agent_publishes_events,
    google_cloud_run_v2_service_iam_member.triggers_invoke_api,
  ]
}

resource "google_pubsub_topic" "triggers_dead_letter" {
  count   = length(local.pubsub_triggers) > 0 ? 1 : 0
  project = var.project_id
  name    = "${var.name_prefix}-triggers-dead-letter"
  labels  = local.labels
}

resource "google_pubsub_subscription" "flow_trigger" {
  for_each = local.pubsub_triggers

  project = var.project_id
  name    = "${var.name_prefix}-${each.key}"
  topic   = "projects/${var.project_id}/topics/${each.value.topic}"
  labels  = local.labels

  ack_deadline_seconds = 60

  push_config {
    push_endpoint = "${local.api_url}/v1/flows/${each.value.flow_id}/triggers/${each.value.index}:pubsub"
    oidc_token {
      service_account_email = google_service_account.triggers.email
      audience              = local.api_url
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.triggers_dead_letter[0].id
    max_delivery_attempts = 10
  }

  depends_on = [google_service_account_iam_member.pubsub_agent_mints_trigger_tokens]
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_publishes_trigger_dead_letters" {
  count   = length(local.pubsub_triggers) > 0 ? 1 : 0
  project = var.project_id
  topic   = google_pubsub_topic.triggers_dead_letter[0].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks_flow_triggers" {
  for_each     = local.pubsub_triggers
  project      = var.project_id
  subscription = google_pubsub_subscription.flow_trigger[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
