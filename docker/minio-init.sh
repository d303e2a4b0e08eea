#!/bin/sh
# One-shot set-up of the docker-compose stack's MinIO: creates the private bucket, its CORS
# rule for the PWA's origin and the lifecycle rule that expires unconfirmed uploads. Every
# step is safe to repeat, so the script runs on every `docker-compose up`.
# Reads MINIO_ROOT_USER, MINIO_ROOT_PASSWORD, S3_BUCKET and PUBLIC_ORIGIN.
set -eu

target="sidestep/${S3_BUCKET}"
mc alias set sidestep http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"

mc mb --ignore-existing "$target"
# Private: browsers reach objects only through presigned URLs.
mc anonymous set none "$target"

# Browsers PUT uploads and GET images from the PWA's origin. The PWA sends ngsw-bypass so that
# Angular's service worker leaves the upload alone, and x-amz-checksum-sha256 when a grant
# signs a hash.
cors_configuration="<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>${PUBLIC_ORIGIN}</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <AllowedHeader>x-amz-checksum-sha256</AllowedHeader>
    <AllowedHeader>ngsw-bypass</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>"
# The minio/mc image has a shell but few other tools, so mc reads its input from stdin.
if ! output=$(printf '%s\n' "$cors_configuration" | mc cors set "$target" - 2>&1); then
  case "$output" in
    *"not implemented"*)
      # Community MinIO releases have no per-bucket CORS API (AIStor has it). Their
      # server-wide MINIO_API_CORS_ALLOW_ORIGIN, set in docker-compose.yml, limits
      # browsers to the PWA's origin instead.
      echo "This MinIO has no per-bucket CORS API, so MINIO_API_CORS_ALLOW_ORIGIN=${PUBLIC_ORIGIN} applies instead."
      ;;
    *)
      echo "$output" >&2
      exit 1
      ;;
  esac
fi

# Backstop for the API's cleanup job: MinIO deletes unconfirmed uploads a day after they start.
mc ilm rule import "$target" <<JSON
{
  "Rules": [
    {
      "ID": "expire-unconfirmed-uploads",
      "Status": "Enabled",
      "Filter": { "Prefix": "incoming/" },
      "Expiration": { "Days": 1 }
    }
  ]
}
JSON

echo "Bucket ${S3_BUCKET} is ready for ${PUBLIC_ORIGIN}."
