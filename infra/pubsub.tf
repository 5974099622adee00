# Signals reach the engine through one topic: the log sinks publish to it, the SDK's reply topic is
# the same topic, and a push subscription delivers every message to the engine's push function with a
# Google-signed OIDC token. Messages the engine cannot take after max_delivery_attempts go to the
# dead-letter topic (kept 7 days by its pull subscription) instead of being retried forever.

resource "google_pubsub_topic" "signals" {
  project = var.project_id
  name    = "${var.name_prefix}-signals"
  labels  = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "signals_dead_letter" {
  project = var.project_id
  name    = "${var.name_prefix}-signals-dead-letter"
  labels  = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "engine_push" {
  project = var.project_id
  name    = "${var.name_prefix}-signals-to-engine"
  topic   = google_pubsub_topic.signals.id
  labels  = local.labels

  ack_deadline_seconds       = var.push_ack_deadline_seconds
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = google_cloudfunctions2_function.engine_push.url

    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = local.push_audience
    }
  }

  # A refused push (the engine throws on transient faults) is redelivered with exponential backoff.
  retry_policy {
    minimum_backoff = var.push_minimum_backoff
    maximum_backoff = var.push_maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.signals_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = "" # never expire for inactivity
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invokes_engine_push,
    google_service_account_iam_member.pubsub_agent_mints_push_tokens,
  ]
}

# Keeps dead-lettered signals for inspection and `firestep redrive` (a topic alone stores nothing).
resource "google_pubsub_subscription" "signals_dead_letter" {
  project = var.project_id
  name    = "${var.name_prefix}-signals-dead-letter"
  topic   = google_pubsub_topic.signals_dead_letter.id
  labels  = local.labels

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

# --- The Pub/Sub service agent: dead-lettering and OIDC tokens ------------------------------------------

# Forwarding to the dead-letter topic is done by the Pub/Sub service agent, which must be allowed to
# publish there and to acknowledge the message on the source subscription.
resource "google_pubsub_topic_iam_member" "pubsub_agent_publishes_dead_letters" {
  project = var.project_id
  topic   = google_pubsub_topic.signals_dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks_dead_letters" {
  project      = var.project_id
  subscription = google_pubsub_subscription.engine_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# The service agent mints the push OIDC token as the push account (granted on that account only).
resource "google_service_account_iam_member" "pubsub_agent_mints_push_tokens" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# --- Who may publish signals ---------------------------------------------------------------------------

# The functions publish to the signal topic (re-queued signals, SDK replies routed through the engine).
resource "google_pubsub_topic_iam_member" "dispatcher_publishes_signals" {
  for_each = local.dispatchers

  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}

# Functions wrapped with the SDK may reply through the topic.
resource "google_pubsub_topic_iam_member" "signal_publishers" {
  for_each = toset(var.signal_publishers)

  project = var.project_id
  topic   = google_pubsub_topic.signals.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}

# Eventarc delivers through Pub/Sub too: the service agent mints the Eventarc trigger's OIDC token
# (needed explicitly in projects created before April 2021; harmless elsewhere).
resource "google_service_account_iam_member" "pubsub_agent_mints_eventarc_tokens" {
  service_account_id = google_service_account.eventarc.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}
