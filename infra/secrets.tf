# HMAC secret that signs callback tokens (the SDK's withFirestep sends them back to POST /v1/callbacks).
# Generated once; the value lives in Secret Manager and in Terraform state (keep the state private).
# To rotate: terraform apply -replace=random_password.callback (tokens of running steps become invalid).

resource "google_secret_manager_secret" "callback" {
  project   = var.project_id
  secret_id = "${var.name_prefix}-callback-secret"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "random_password" "callback" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret_version" "callback" {
  secret      = google_secret_manager_secret.callback.id
  secret_data = random_password.callback.result
}

resource "google_secret_manager_secret_iam_member" "dispatcher_reads_callback_secret" {
  for_each = local.dispatchers

  project   = var.project_id
  secret_id = google_secret_manager_secret.callback.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value
}
