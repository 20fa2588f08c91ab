output "repository_url" {
  description = "Image repository (docker push / the chart's image.repository)."
  value       = aws_ecr_repository.this.repository_url
}
