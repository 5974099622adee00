# firestep infrastructure: one `terraform apply` deploys the engine, the API and everything they use.
# See docs/readme/deploy.md (the README's "Deploy" section) for the commands and a map of resources.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.30, < 8.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

# APIs the module uses. Left enabled on destroy: other workloads in the project may rely on them.
resource "google_project_service" "enabled" {
  for_each = var.enable_apis ? toset(local.required_apis) : toset([])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
