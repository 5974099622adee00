output "api_url" {
  description = "Base URL of the firestep API (routes under /v1). Callers need roles/run.invoker (see api_invokers)."
  value       = google_cloudfunctions2_function.api.url
}

output "engine_url" {
  description = "URL of the engine's CloudEvent function (Eventarc delivers Dataflow status changes here)."
  value       = google_cloudfunctions2_function.engine.url
}

output "engine_push_url" {
  description = "URL of the engine's Pub/Sub push function."
  value       = google_cloudfunctions2_function.engine_push.url
}

output "engine_push_audience" {
  description = "OIDC audience of push requests (FIRESTEP_PUSH_AUDIENCE)."
  value       = local.push_audience
}

output "signal_topic" {
  description = "Topic the log sinks publish to; also where the SDK sends replies."
  value       = google_pubsub_topic.signals.id
}

output "dead_letter_topic" {
  description = "Signals the engine could not take after max_delivery_attempts."
  value       = google_pubsub_topic.signals_dead_letter.id
}

output "dead_letter_subscription" {
  description = "Pull subscription holding dead-lettered signals for 7 days."
  value       = google_pubsub_subscription.signals_dead_letter.id
}

output "push_subscription" {
  description = "Push subscription from the signal topic to the engine."
  value       = google_pubsub_subscription.engine_push.id
}

output "tasks_queue" {
  description = "Cloud Tasks queue for timers and task-mode launches (FIRESTEP_TASKS_QUEUE)."
  value       = google_cloud_tasks_queue.tasks.id
}

output "callback_secret" {
  description = "Secret Manager secret holding the callback HMAC key."
  value       = google_secret_manager_secret.callback.id
}

output "service_accounts" {
  description = "Service accounts created by the module, by job."
  value = {
    engine      = google_service_account.engine.email
    engine_push = google_service_account.engine_push.email
    api         = google_service_account.api.email
    pubsub_push = google_service_account.pubsub_push.email
    tasks       = google_service_account.tasks.email
    eventarc    = google_service_account.eventarc.email
    scheduler   = google_service_account.scheduler.email
  }
}

output "push_service_account" {
  description = "Identity in the push OIDC tokens (FIRESTEP_PUSH_SERVICE_ACCOUNT)."
  value       = google_service_account.pubsub_push.email
}

output "log_sink_writer_identities" {
  description = "Identities the log sinks write as (each may publish to the signal topic)."
  value = {
    gen1_functions = google_logging_project_sink.gen1_functions.writer_identity
    gen2_requests  = google_logging_project_sink.gen2_requests.writer_identity
    dataflow_jobs  = google_logging_project_sink.dataflow_jobs.writer_identity
  }
}

output "log_sink_filters" {
  description = "The generated sink filters (each excludes firestep's own functions)."
  value       = local.sink_filters
}
