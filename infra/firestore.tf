# The event store. Composite indexes mirror firestore.indexes.json (the same file `firebase deploy`
# reads); test/infra/terraform.unit.spec.ts fails when the two disagree.

resource "google_firestore_database" "this" {
  count = var.create_firestore_database ? 1 : 0

  project                     = var.project_id
  name                        = var.firestore_database_id
  location_id                 = var.firestore_location
  type                        = "FIRESTORE_NATIVE"
  concurrency_mode            = "PESSIMISTIC"
  app_engine_integration_mode = "DISABLED"
  delete_protection_state     = "DELETE_PROTECTION_ENABLED"
  deletion_policy             = "ABANDON" # `terraform destroy` never deletes execution history

  depends_on = [google_project_service.enabled]
}

# Security rules (firestore.rules): clients get nothing, except read-only access for users with the
# custom claim firestepViewer == true. The functions use IAM and are not subject to rules.
resource "google_firebaserules_ruleset" "firestore" {
  count = var.deploy_firestore_rules ? 1 : 0

  project = var.project_id

  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/firestore.rules")
    }
  }

  depends_on = [google_project_service.enabled, google_firestore_database.this]
}

resource "google_firebaserules_release" "firestore" {
  count = var.deploy_firestore_rules ? 1 : 0

  project      = var.project_id
  name         = var.firestore_database_id == "(default)" ? "cloud.firestore" : "cloud.firestore/${var.firestore_database_id}"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore[0].name}"

  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}

# Executions of one flow, newest first (firestep status --flow, consoles).
resource "google_firestore_index" "executions_by_flow" {
  project     = var.project_id
  database    = var.firestore_database_id
  collection  = "executions"
  query_scope = "COLLECTION"

  fields {
    field_path = "flowId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "startedAt"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_database.this]
}

# Executions in one status, newest first (e.g. every RUNNING execution).
resource "google_firestore_index" "executions_by_status" {
  project     = var.project_id
  database    = var.firestore_database_id
  collection  = "executions"
  query_scope = "COLLECTION"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "startedAt"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_database.this]
}

# Executions of one flow in one status, newest first.
resource "google_firestore_index" "executions_by_flow_and_status" {
  project     = var.project_id
  database    = var.firestore_database_id
  collection  = "executions"
  query_scope = "COLLECTION"

  fields {
    field_path = "flowId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "startedAt"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_database.this]
}

# The sweep: outbox commands of every execution still PENDING and due.
resource "google_firestore_index" "pending_commands" {
  project     = var.project_id
  database    = var.firestore_database_id
  collection  = "commands"
  query_scope = "COLLECTION_GROUP"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "nextAttemptAt"
    order      = "ASCENDING"
  }

  depends_on = [google_firestore_database.this]
}

# Optional retention: Firestore deletes documents whose expireAt timestamp has passed (typically within
# 24 hours). Documents without expireAt are never deleted. TTL does not cascade to subcollections, which
# is why each collection group is listed on its own.
resource "google_firestore_field" "ttl" {
  for_each = var.enable_ttl ? toset(var.ttl_collection_groups) : toset([])

  project    = var.project_id
  database   = var.firestore_database_id
  collection = each.value
  field      = "expireAt"

  ttl_config {}

  # No single-field index on the TTL timestamp: it is never queried, and indexing a monotonically
  # increasing timestamp creates write hot spots.
  index_config {}

  depends_on = [google_firestore_database.this]
}

# The sweep finds stranded fan-in inboxes with a collection-group query ordered by `sortKey`
# (engine/store/pump.ts), which needs the collection-group single-field index.
resource "google_firestore_field" "inbox_sort_key" {
  project    = var.project_id
  database   = var.firestore_database_id
  collection = "inbox"
  field      = "sortKey"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION"
    }
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }

  depends_on = [google_firestore_database.this]
}

# Large maps that are never queried: no single-field indexes (cheaper writes, no index-entry limits
# on wide step tables, outputs and snapshots).
resource "google_firestore_field" "unindexed" {
  for_each = {
    steps  = { collection = "executions", field = "steps" }
    output = { collection = "events", field = "output" }
    state  = { collection = "snapshots", field = "state" }
  }

  project    = var.project_id
  database   = var.firestore_database_id
  collection = each.value.collection
  field      = each.value.field

  index_config {}

  depends_on = [google_firestore_database.this]
}
