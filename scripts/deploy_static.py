"""The static site of a stage: ``infra/static.json`` (S3 behind CloudFront), then exactly the
files the local server serves (``chalicelib.routes.web.cdn_bundle``) uploaded with their
content types and cache lifetimes, then the pages invalidated at the edge.

Called by ``scripts/deploy.py`` (step "static site"); the functions are pure where they can be,
so tests check the bundle, the parameters and the upload calls without AWS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from chalicelib.routes.web import BundleFile, Site, cdn_bundle, console_headers, page_headers

# The API Gateway stage Chalice deploys to: the CDN's /api/* goes there, so the pages call "api/…".
API_BASE = "api/"
PAGE_PATHS = ["/", "/index.html", "/embed.html", "/admin", "/admin.html", "/share.png"]


def stack_parameters(name_prefix: str, rest_api_url: str, origin_secret: str) -> dict[str, str]:
    """infra/static.json's parameters: the API's host, the two CSPs the API itself sends (read
    from this process's settings, as the Lambda would) and the origin secret (secrets.py)."""
    return {
        "NamePrefix": name_prefix,
        "OriginSecret": origin_secret,
        "ApiDomain": urlparse(rest_api_url).hostname or "",
        "SiteCsp": page_headers()["Content-Security-Policy"],
        "ConsoleCsp": console_headers()["Content-Security-Policy"],
    }


def upload_requests(bucket: str, files: list[BundleFile]) -> list[dict[str, Any]]:
    """One ``put_object`` per file; pages first is irrelevant (they are invalidated last)."""
    return [
        {
            "Bucket": bucket,
            "Key": f.key,
            "Body": f.body,
            "ContentType": f.content_type,
            "CacheControl": f.cache_control,
        }
        for f in files
    ]


def publish(
    s3: Any,
    cloudfront: Any,
    bucket: str,
    distribution_id: str,
    site: Site,
    reference: str,
    public_url: str | None = None,
) -> int:
    """Upload the bundle and invalidate the pages; assets are versioned by their hash, so old
    ones stay for pages still cached in browsers. Returns the number of files uploaded."""
    public_base = public_url.rstrip("/") + "/" if public_url else None
    requests = upload_requests(bucket, cdn_bundle(site, API_BASE, public_base))
    for request in requests:
        s3.put_object(**request)
    cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(PAGE_PATHS), "Items": PAGE_PATHS},
            "CallerReference": reference,
        },
    )
    return len(requests)


def delete_bucket_stack(cloudformation: Any, s3: Any, stack: str, bucket_output: str) -> None:
    """Teardown of a stack that holds a bucket (the site's, the exports'): the bucket must be
    empty before CloudFormation can delete it."""
    try:
        outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except cloudformation.exceptions.ClientError:
        return  # never deployed (--no-static)
    bucket = next((o["OutputValue"] for o in outputs if o["OutputKey"] == bucket_output), None)
    if bucket:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    cloudformation.delete_stack(StackName=stack)
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack)
