variable "name" {
  description = "Repository name."
  type        = string
}

variable "keep_images" {
  description = "Tagged images kept by the lifecycle policy."
  type        = number
}

variable "force_delete" {
  description = "Delete the repository with its images on destroy (dev)."
  type        = bool
}

variable "kms_key_arn" {
  description = "KMS key of the repository."
  type        = string
}
