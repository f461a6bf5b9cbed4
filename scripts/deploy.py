"""Deploy a stage to AWS, in the steps of STEPS: the tables (infra/tables.json) and the
monitoring stack (infra/monitoring.json: alarms, dashboard, log groups, the stream's dead-letter
queue), the secrets in SSM Parameter Store, the seed, the Chalice app with one least-privilege
role per function, API Gateway's refusals in our shape, the HTTP API in front of the API's
function (infra/http_api.json, generated from the routes by scripts/http_api.py; --api rest keeps
the REST API as the CDN's origin), the stream's failure handling, then (prod, or --waf) the WAF
(infra/waf.json: on the CloudFront distribution with --api http, on the REST API's stage with
--api rest), the static site, and a smoke test that fails the deploy loudly.

Secrets never enter git, the deploy folder or a template: TOKEN_SECRET and ADMIN_TOKEN are
SecureString parameters /songcong/<stage>/token-secret and /songcong/<stage>/admin-token,
created (random, 48 bytes) when missing; the functions get only their names. An existing
TOKEN_SECRET is never changed without --rotate-token-secret (participant and option ids are
derived from it). Chalice's deployed-state files are copied back to ``.chalice/deployed/``.

    .venv/bin/python scripts/deploy.py --stage prod --region ap-southeast-1 --alarm-email ops@example.org
    .venv/bin/python scripts/deploy.py --stage prod --dry-run      # print the plan only
    .venv/bin/python scripts/deploy.py --stage dev --waf           # dev with the WAF (prod: --no-waf)
    .venv/bin/python scripts/deploy.py --stage dev --teardown      # the app stack; tables kept
    .venv/bin/python scripts/deploy.py --stage prod --api rest     # the CDN's /api/ to the REST API
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_urlsafe
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib import secrets  # noqa: E402
from chalicelib.messages import ERROR_MESSAGES  # noqa: E402

API_STAGE = "api"  # api_gateway_stage in .chalice/config.json
# API Gateway answers some requests before our code runs (an unknown path, throttling, a body
# too large, a Lambda error). These give them our {"error": {code, message}} shape:
# response type -> (status, our code); None keeps API Gateway's own status.
GATEWAY_RESPONSES: dict[str, tuple[str | None, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "NOT_FOUND"),
    "THROTTLED": ("429", "SERVICE_BUSY"),
    "REQUEST_TOO_LARGE": ("413", "REQUEST_TOO_LARGE"),
    "DEFAULT_4XX": (None, "BAD_REQUEST"),
    "DEFAULT_5XX": (None, "SERVICE_BUSY"),
}
PACKAGED = ("app.py", "chalicelib", "requirements.txt")
MIN_SECRET_LENGTH = 32
# Stages that get the WAF (infra/waf.json: per-IP rate limits) unless --no-waf; others only with --waf.
WAF_STAGES = frozenset({"prod"})
WAF_LIMIT_PARAMETERS = {"waf_rate_limit": "RateLimit", "waf_sign_in_rate_limit": "SignInRateLimit"}
# A CLOUDFRONT web ACL (the WAF of the distribution, --api http) must be made in us-east-1.
CLOUDFRONT_WAF_REGION = "us-east-1"


APP_NAME = "songcong-contest"
# Chalice's function names -> what each one touches (docs/deploy.md, "Least privilege").
API_FUNCTION = "api_handler"
STREAM_FUNCTION = "count-submissions"
SCHEDULES = ("close-and-rank-rounds", "publish-results")
EXPORT_FUNCTION = "build-export"  # Excel exports built in the background (issue 11)
ALL_TABLES = (
    "contest",
    "questions",
    "participants",
    "attempts",
    "stats",
    "audit",
    "limits",
    "organizers",
    "rosters",  # participation (issue 11)
)
ITEM_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
ITEM_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
FUNCTION_ACCESS: dict[str, dict[str, Any]] = {
    # The API: every table (organizers are listed with a Scan), SMS codes, both secrets.
    API_FUNCTION: {
        "tables": ALL_TABLES,
        "actions": [*ITEM_READ, *ITEM_WRITE, "dynamodb:Scan"],
        "secrets": ("TOKEN_SECRET", "ADMIN_TOKEN", "ORIGIN_SECRET"),
        "sms": True,
    },
    # Close, count and rank; publish: the round's tables, not audit, limits or organizers.
    **{
        name: {
            "tables": ("contest", "questions", "participants", "attempts", "stats"),
            "actions": [*ITEM_READ, *ITEM_WRITE, "dynamodb:BatchWriteItem"],
            "secrets": ("TOKEN_SECRET",),
        }
        for name in SCHEDULES
    },
    # The stream consumer: the attempts stream in, the stats table out, failures to the DLQ.
    STREAM_FUNCTION: {
        "tables": ("stats",),
        "actions": [*ITEM_READ, *ITEM_WRITE],
        "secrets": ("TOKEN_SECRET",),
        "stream": True,
        "dead_letter_queue": True,
    },
    # Excel exports too large for one response (issue 11): read what a file shows, write it to
    # the private exports bucket (infra/exports.json); the API starts it and links to the file.
    EXPORT_FUNCTION: {
        "tables": ("contest", "participants", "attempts", "stats", "audit", "rosters"),
        "actions": ITEM_READ,
        "secrets": ("TOKEN_SECRET",),
        "exports": ["s3:PutObject", "s3:GetObject"],
    },
}
# What the API itself needs of the exports (issue 11): files it builds, links, the status.
API_EXPORTS = ["s3:PutObject", "s3:GetObject"]


def lambda_name(stage: str, function: str) -> str:
    """The name Chalice gives a function: <app>-<stage> for the API, <app>-<stage>-<name> else."""
    return f"{APP_NAME}-{stage}" if function == API_FUNCTION else f"{APP_NAME}-{stage}-{function}"


def dead_letter_queue_name(table_prefix: str) -> str:
    return f"{table_prefix}-stream-dlq"  # infra/monitoring.json makes it


def function_policy(
    function: str, stage: str, table_prefix: str, region: str = "*", account: str = "*"
) -> dict[str, Any]:
    """The IAM policy of one function's role: only this stage's resources, only its actions."""
    access = FUNCTION_ACCESS[function]
    tables = [f"arn:aws:dynamodb:{region}:{account}:table/{table_prefix}-{t}" for t in access["tables"]]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Tables",
            "Effect": "Allow",
            "Action": access["actions"],
            "Resource": [*tables, *(f"{arn}/index/*" for arn in tables)],
        },
        {
            "Sid": "Secrets",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],
            "Resource": [
                f"arn:aws:ssm:{region}:{account}:parameter{secrets.parameter_name(stage, name)}"
                for name in access["secrets"]
            ],
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{lambda_name(stage, function)}:*",
        },
    ]
    if access.get("stream"):
        statements.append(
            {
                "Sid": "AttemptsStream",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                "Resource": f"arn:aws:dynamodb:{region}:{account}:table/{table_prefix}-attempts/stream/*",
            }
        )
    if access.get("dead_letter_queue"):
        statements.append(
            {
                "Sid": "StreamDeadLetterQueue",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": f"arn:aws:sqs:{region}:{account}:{dead_letter_queue_name(table_prefix)}",
            }
        )
    if access.get("sms"):
        statements.append(
            {
                "Sid": "PhoneCodes",
                "Effect": "Allow",
                "Action": ["sms-voice:SendTextMessage"],
                "Resource": "*",
            }
        )
    # Excel exports (issue 11): the stage's private bucket, and the API starting the builder.
    exports = API_EXPORTS if function == API_FUNCTION else access.get("exports")
    if exports:
        statements.append(
            {
                "Sid": "Exports",
                "Effect": "Allow",
                "Action": exports,
                "Resource": f"arn:aws:s3:::{exports_bucket_name(table_prefix, account)}/*",
            }
        )
    if function == API_FUNCTION:
        statements.append(
            {
                "Sid": "StartExport",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": f"arn:aws:lambda:{region}:{account}:function:{lambda_name(stage, EXPORT_FUNCTION)}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def exports_bucket_name(table_prefix: str, account: str = "*") -> str:
    return f"{table_prefix}-exports-{account}"  # infra/exports.json makes it


def policy_file(function: str) -> str:
    return f"policy-{function}.json"


def stage_config(
    config: dict[str, Any],
    stage: str,
    stream_arn: str,
    table_prefix: str,
    *,
    static_site: bool = True,
    public_base_url: str | None = None,
) -> dict[str, Any]:
    """The Chalice config of the build copy (pure, tested): the stream ARN, the secrets'
    parameter *names* (ADMIN_TOKEN's for the API only), one policy file per function."""
    if stage not in config.get("stages", {}):
        raise SystemExit(f"stage {stage!r} is not in .chalice/config.json")
    merged = copy.deepcopy(config)
    merged["autogen_policy"] = False
    stage_section = merged["stages"][stage]
    variables = stage_section.setdefault("environment_variables", {})
    variables["ATTEMPTS_STREAM_ARN"] = stream_arn
    variables["SERVE_PAGES"] = "off" if static_site else "on"  # the CDN serves them (deploy_static)
    if public_base_url:  # QR codes, share cards and certificates' verify links
        variables["PUBLIC_BASE_URL"] = public_base_url
    variables.setdefault("STAGE", stage)
    variables.setdefault("TABLE_PREFIX", table_prefix)
    functions = stage_section.setdefault("lambda_functions", {})
    for function, access in FUNCTION_ACCESS.items():
        section = functions.setdefault(function, {})
        section["autogen_policy"] = False
        section["iam_policy_file"] = policy_file(function)
        section.setdefault("environment_variables", {}).update(
            {
                name + secrets.PARAMETER_SUFFIX: secrets.parameter_name(stage, name)
                for name in access["secrets"]
            }
        )
    # Excel exports (issue 11): the API starts the builder by name (the bucket: see _chalice).
    variables["EXPORT_FUNCTION"] = lambda_name(stage, EXPORT_FUNCTION)
    return merged


def ensure_secrets(ssm: Any, stage: str, rotate: frozenset[str] = frozenset()) -> dict[str, str]:
    """Create each missing secret parameter (SecureString, 48 random bytes); change an existing
    one only when named in ``rotate``. TOKEN_SECRET in the environment is taken when its
    parameter is missing (moving an existing stage) and refused when it differs from an existing
    one without --rotate-token-secret. Returns secret -> what was done."""
    done = {}
    for name in secrets.SECRETS:
        parameter = secrets.parameter_name(stage, name)
        try:
            current = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            current = None
        given = os.environ.get(name) if name == "TOKEN_SECRET" else None
        if given is not None and len(given) < MIN_SECRET_LENGTH:
            raise SystemExit(f"{name} must have at least {MIN_SECRET_LENGTH} characters")
        if current is not None and name not in rotate:
            if given and given != current:
                raise SystemExit(
                    f"{name} in the environment differs from {parameter}: refusing to change it"
                    " during a contest (participant and option ids derive from it);"
                    " --rotate-token-secret changes it on purpose"
                )
            done[name] = "kept"
            continue
        value = given or token_urlsafe(48)
        ssm.put_parameter(
            Name=parameter, Value=value, Type="SecureString", Overwrite=current is not None, Tier="Standard"
        )
        done[name] = "created" if current is None else "rotated"
    return done


def gateway_response_requests(rest_api_id: str) -> list[dict[str, Any]]:
    """The put_gateway_response calls that give API Gateway's own refusals our error shape."""
    requests = []
    for response_type, (status, code) in GATEWAY_RESPONSES.items():
        body = {"error": {"code": code, "message": ERROR_MESSAGES[code]}}
        request: dict[str, Any] = {
            "restApiId": rest_api_id,
            "responseType": response_type,
            "responseParameters": {"gatewayresponse.header.Cache-Control": "'no-store'"},
            "responseTemplates": {"application/json": json.dumps(body)},
        }
        if status:
            request["statusCode"] = status
        requests.append(request)
    return requests


def apply_gateway_responses(apigateway: Any, rest_api_id: str) -> None:
    """Put the responses, then redeploy the stage: API Gateway serves them only after that.
    Runs after every ``chalice deploy``, whose API import replaces the definition."""
    for request in gateway_response_requests(rest_api_id):
        apigateway.put_gateway_response(**request)
    apigateway.create_deployment(restApiId=rest_api_id, stageName=API_STAGE)


def deployed_rest_api_id(deployed: dict[str, Any]) -> str:
    """The REST API id from Chalice's .chalice/deployed/<stage>.json."""
    for resource in deployed.get("resources", []):
        if resource.get("resource_type") == "rest_api":
            return resource["rest_api_id"]
    raise SystemExit("chalice deploy recorded no REST API")


def api_stage_arn(deployed: dict[str, Any], region: str) -> str:
    """The ARN of the API Gateway stage that chalice deploy made, which the WAF is associated
    with. Region and stage come from the URL Chalice recorded (https://<id>.execute-api.<region>
    .amazonaws.com/api/), where the API really is: Chalice takes its region from the AWS
    profile or AWS_DEFAULT_REGION, not from --region. Without a URL: ``region`` and API_STAGE."""
    rest_api_id = deployed_rest_api_id(deployed)
    rest_api = next(r for r in deployed["resources"] if r.get("resource_type") == "rest_api")
    url = urlsplit(rest_api.get("rest_api_url", ""))
    host = url.hostname or ""
    labels = host.split(".")
    stage = API_STAGE
    if len(labels) >= 4 and labels[:2] == [rest_api_id, "execute-api"]:
        region = labels[2]
        stage = url.path.strip("/").split("/")[0] or API_STAGE
    partition = "aws-cn" if host.endswith(".amazonaws.com.cn") else "aws"
    return f"arn:{partition}:apigateway:{region}::/restapis/{rest_api_id}/stages/{stage}"


def waf_enabled(stage: str, flag: bool | None) -> bool:
    """--waf / --no-waf when given, else on for the stages of WAF_STAGES."""
    return stage in WAF_STAGES if flag is None else flag


def waf_off_reason(stage: str, flag: bool | None) -> str:
    return "--no-waf" if flag is False else f"off for {stage}: --waf adds it"


def waf_limits() -> dict[str, int]:
    """The template's default limits (requests per 5 minutes per IP), for the plan."""
    template = json.loads((ROOT / "infra" / "waf.json").read_text(encoding="utf-8"))
    return {name: int(template["Parameters"][name]["Default"]) for name in WAF_LIMIT_PARAMETERS.values()}


def check_waf_limits(limits: dict[str, int | None]) -> None:
    """--waf-rate-limit and --waf-sign-in-rate-limit within what WAF accepts (10 now, 100 in
    older documentation, up to 2,000,000,000 per 5 minutes), before anything is deployed."""
    for option, value in limits.items():
        if value is not None and not 100 <= value <= 2_000_000_000:
            raise SystemExit(f"--{option.replace('_', '-')} must be from 100 to 2000000000")


def waf_parameters(name_prefix: str, stage_arn: str, limits: dict[str, int | None]) -> dict[str, str]:
    """The WAF stack's parameters; a limit not given (None) takes the template's default."""
    check_waf_limits(limits)
    parameters = {"NamePrefix": name_prefix, "ApiStageArn": stage_arn}
    for option, name in WAF_LIMIT_PARAMETERS.items():
        if limits.get(option) is not None:
            parameters[name] = str(limits[option])
    return parameters


def deploy_stack(
    cloudformation: Any, stack: str, template_name: str, parameters: dict[str, str]
) -> dict[str, str]:
    """Create or update a CloudFormation stack from infra/<template_name>; its outputs."""
    # Compact: CloudFormation takes at most 51,200 bytes of TemplateBody (infra/monitoring.json
    # is larger as the repository keeps it, for people to read).
    template = json.dumps(
        json.loads((ROOT / "infra" / template_name).read_text(encoding="utf-8")),
        separators=(",", ":"),
        ensure_ascii=False,
    )
    stack_parameters = [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()]
    try:
        cloudformation.describe_stacks(StackName=stack)
        exists = True
    except cloudformation.exceptions.ClientError:
        exists = False
    if exists:
        try:
            cloudformation.update_stack(StackName=stack, TemplateBody=template, Parameters=stack_parameters)
            cloudformation.get_waiter("stack_update_complete").wait(StackName=stack)
        except cloudformation.exceptions.ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
    else:
        cloudformation.create_stack(StackName=stack, TemplateBody=template, Parameters=stack_parameters)
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack)
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def deploy_waf(
    name_prefix: str, stage_arn: str, limits: dict[str, int | None], origin_secret: str | None = None
) -> str:
    """The WAF stack <prefix>-waf, in the API's region (a REGIONAL web ACL must be); its ARN.
    Behind the CDN (``origin_secret``) it counts per viewer address (X-Viewer-Ip) and blocks
    requests that did not come through the distribution."""
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=stage_arn.split(":")[3])
    parameters = waf_parameters(name_prefix, stage_arn, limits)
    if origin_secret:
        parameters.update({"BehindCdn": "true", "OriginSecret": origin_secret})
    return deploy_stack(cloudformation, f"{name_prefix}-waf", "waf.json", parameters)["WebAclArn"]


def cdn_waf_parameters(name_prefix: str, limits: dict[str, int | None]) -> dict[str, str]:
    """The parameters of infra/waf.json for the distribution (--api http): Scope CLOUDFRONT,
    counting the viewer's own address (no X-Viewer-Ip, no origin-secret rule), no API stage."""
    return {**waf_parameters(name_prefix, "", limits), "Scope": "CLOUDFRONT"}


def deploy_cdn_waf(name_prefix: str, limits: dict[str, int | None]) -> str:
    """The WAF stack <prefix>-cdn-waf in us-east-1 (a CLOUDFRONT web ACL must be made there);
    its ARN, which the static step sets on the distribution (infra/static.json WebAclArn)."""
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=CLOUDFRONT_WAF_REGION)
    parameters = cdn_waf_parameters(name_prefix, limits)
    return deploy_stack(cloudformation, f"{name_prefix}-cdn-waf", "waf.json", parameters)["WebAclArn"]


def deployed_function_arn(deployed: dict[str, Any], function: str = API_FUNCTION) -> str:
    """A function's ARN from Chalice's .chalice/deployed/<stage>.json: the lambda_function
    resource of that name (the API's is api_handler), its lambda_arn."""
    for resource in deployed.get("resources", []):
        if resource.get("resource_type") == "lambda_function" and resource.get("name") == function:
            return resource["lambda_arn"]
    raise SystemExit(f"chalice deploy recorded no Lambda function {function}")


def http_api_parameters(name_prefix: str, function_arn: str) -> dict[str, str]:
    """infra/http_api.json's parameters; throttling and access logs keep the template's defaults."""
    return {"NamePrefix": name_prefix, "FunctionArn": function_arn}


def deploy_http_api(name_prefix: str, function_arn: str) -> dict[str, str]:
    """The stack <prefix>-http-api in the function's region (an integration reaches a function of
    its own region; Chalice's region may differ from --region); its outputs."""
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=function_arn.split(":")[3])
    return deploy_stack(
        cloudformation,
        f"{name_prefix}-http-api",
        "http_api.json",
        http_api_parameters(name_prefix, function_arn),
    )


# The stream consumer's event source mapping: Chalice does not expose these, so this step sets them.
STREAM_FAILURE_HANDLING = {
    "BisectBatchOnFunctionError": True,  # a bad record is isolated, not retried with 99 good ones
    "MaximumRetryAttempts": 5,
    "MaximumRecordAgeInSeconds": 6 * 3600,  # a record older than this goes to the DLQ
}
# Issue 12 (counters without a hot partition): how the consumer keeps up at a deadline. Only
# newly submitted attempts reach it (saves and starts never invoke it); up to 4 batches per
# stream shard at once (one person's records stay in order in one of them); a batch waits up to
# a second to fill, so that a batch's counter updates serve up to 100 attempts
# (docs/design.md, "Counters without a hot partition").
STREAM_SCALING = {
    "ParallelizationFactor": 4,
    "MaximumBatchingWindowInSeconds": 1,
    "FilterCriteria": {
        "Filters": [{"Pattern": json.dumps({"dynamodb": {"NewImage": {"status": {"S": ["submitted"]}}}})}]
    },
}


def configure_stream_failures(
    lambda_client: Any, function_name: str, dead_letter_queue_arn: str
) -> list[str]:
    """Bisect, retries, record age, the SQS on-failure destination and the scaling settings on
    every event source mapping of the stream consumer; the mappings' UUIDs."""
    mappings = lambda_client.list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"]
    if not mappings:
        raise SystemExit(f"{function_name} has no event source mapping: is the stream consumer deployed?")
    for mapping in mappings:
        lambda_client.update_event_source_mapping(
            UUID=mapping["UUID"],
            **STREAM_FAILURE_HANDLING,
            **STREAM_SCALING,
            DestinationConfig={"OnFailure": {"Destination": dead_letter_queue_arn}},
        )
    return [m["UUID"] for m in mappings]


def smoke_test(
    base_url: str,
    admin_token: str,
    http_get: Any,
    schedule_ran: Any,
    site_url: str | None = None,
) -> list[str]:
    """What a working stage answers: GET /contest (JSON), the page, an admin call with the
    operator credential, a route with a path parameter (our 404 in JSON: through the HTTP API
    it proves the route's path reaches Chalice as its resource path), and each schedule ran in
    the last 15 minutes. The failures; [] is good.
    ``http_get(url, headers) -> (status, content_type, body)``; ``schedule_ran(name) -> bool``."""
    failures = []
    base = base_url.rstrip("/")
    site = (site_url or base_url).rstrip("/")  # behind the CDN the pages are not the API's
    checks = [
        ("GET /contest", f"{base}/contest", {}, "application/json", 200),
        ("the page", f"{site}/", {}, "text/html", 200),
        (
            "admin GET /admin/organizers",
            f"{base}/admin/organizers",
            {"Authorization": f"Bearer {admin_token}"},
            "json",
            200,
        ),
        ("GET /certificates/{code} (a path parameter)", f"{base}/certificates/SMOKE-TEST", {}, "json", 404),
    ]
    if site_url:
        checks.append(
            ("GET /api/contest through the CDN", f"{site}/api/contest", {}, "application/json", 200)
        )
    for label, url, headers, kind, expected in checks:
        try:
            status, content_type, _ = http_get(url, headers)
        except Exception as error:
            failures.append(f"{label}: {error}")
            continue
        if status != expected or kind not in (content_type or ""):
            failures.append(f"{label}: {status} {content_type}")
    for name in SCHEDULES:
        if not schedule_ran(name):
            failures.append(f"schedule {name}: no run in the last 15 minutes")
    return failures


def http_get(url: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def schedule_ran_recently(cloudwatch: Any, lambda_client: Any, stage: str, minutes: int = 15) -> Any:
    """schedule name -> whether its Lambda was invoked in the last ``minutes`` (CloudWatch
    ``Invocations``) or, on a stage too new for that, runs without error when invoked now (the
    schedules act on the stored round times, so an extra run changes nothing early)."""
    import datetime as dt

    def ran(name: str) -> bool:
        end = dt.datetime.now(dt.UTC)
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": lambda_name(stage, name)}],
            StartTime=end - dt.timedelta(minutes=minutes),
            EndTime=end,
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        if sum(p["Sum"] for p in points) > 0:
            return True
        reply = lambda_client.invoke(FunctionName=lambda_name(stage, name), Payload=b"{}")
        return "FunctionError" not in reply

    return ran


def teardown(cloudformation: Any, stage: str, table_prefix: str, tables: int) -> list[str]:
    """Delete the monitoring stack (after the caller deleted the WAF and ran ``chalice
    delete``); the tables stack only when --teardown was given twice, and
    then its tables stay (DeletionPolicy Retain) unless deleted by hand. The stacks deleted."""
    stacks = [f"{table_prefix}-monitoring"]
    if tables >= 2:
        stacks.append(f"{table_prefix}-tables")
    for stack in stacks:
        cloudformation.delete_stack(StackName=stack)
        cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack)
    return stacks


def build_dir(stage: str, config: dict[str, Any], table_prefix: str) -> Path:
    """.deploy/<stage>: the packaged sources (never tests, benchmarks or data files) and the
    stage's config and policies. No secret value is written here."""
    target = ROOT / ".deploy" / stage
    if target.exists():
        shutil.rmtree(target)
    (target / ".chalice").mkdir(parents=True)
    for name in PACKAGED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    for function in FUNCTION_ACCESS:
        policy = function_policy(function, stage, table_prefix)
        (target / ".chalice" / policy_file(function)).write_text(
            json.dumps(policy, indent=2), encoding="utf-8"
        )
    shutil.copy2(ROOT / ".chalice" / "policy.json", target / ".chalice" / "policy.json")
    if (ROOT / ".chalice" / "deployed").is_dir():
        shutil.copytree(ROOT / ".chalice" / "deployed", target / ".chalice" / "deployed")
    (target / ".chalice" / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return target


@dataclass
class Deploy:
    """What the steps share: the options, then what earlier steps found out."""

    args: argparse.Namespace
    config: dict[str, Any]
    table_prefix: str
    outputs: dict[str, str] = field(default_factory=dict)
    deployed: dict[str, Any] = field(default_factory=dict)
    api_public_url: str | None = None  # PUBLIC_BASE_URL the API was deployed with

    @property
    def stage(self) -> str:
        return self.args.stage

    def client(self, service: str, region: str | None = None) -> Any:
        import boto3

        return boto3.client(service, region_name=region or self.args.region)


@dataclass
class Step:
    """One deploy step: its line of the plan (--dry-run) and what it does."""

    plan: Callable[[Deploy], str]
    run: Callable[[Deploy], None]


def _tables(d: Deploy) -> None:
    d.outputs.update(
        deploy_stack(
            d.client("cloudformation"),
            f"{d.table_prefix}-tables",
            "tables.json",
            {"TablePrefix": d.table_prefix},
        )
    )
    _exports(d)  # stateful too (issue 11)


def _monitoring(d: Deploy) -> None:
    parameters = {"Stage": d.stage, "TablePrefix": d.table_prefix, "AlarmEmail": d.args.alarm_email or ""}
    d.outputs.update(
        deploy_stack(
            d.client("cloudformation"), f"{d.table_prefix}-monitoring", "monitoring.json", parameters
        )
    )


def _secrets(d: Deploy) -> None:
    rotate = frozenset(
        name
        for name, flag in (
            ("TOKEN_SECRET", d.args.rotate_token_secret),
            ("ADMIN_TOKEN", d.args.rotate_admin_token),
        )
        if flag
    )
    for name, done in ensure_secrets(d.client("ssm"), d.stage, rotate).items():
        print(f"{name} ({secrets.parameter_name(d.stage, name)}): {done}")


def _env(d: Deploy) -> dict[str, str]:
    env = {**os.environ, "STAGE": d.stage, "TABLE_PREFIX": d.table_prefix, "AWS_REGION": d.args.region}
    env.pop("DYNAMODB_ENDPOINT", None)
    for name in secrets.SECRETS:  # the seed and chalice need no secret value
        env.pop(name, None)
        env[name + secrets.PARAMETER_SUFFIX] = secrets.parameter_name(d.stage, name)
    return env


def _chalice_env(d: Deploy, stream_arn: str) -> dict[str, str]:
    """Chalice imports app.py here to read its routes, which reads the settings: a placeholder
    secret satisfies prod's check without reading SSM (a value in the environment wins over
    its parameter). It is never packaged: Chalice ships the config's environment variables,
    which hold parameter names only."""
    env = {**os.environ, "STAGE": d.stage, "TABLE_PREFIX": d.table_prefix, "AWS_REGION": d.args.region}
    for name in (
        "DYNAMODB_ENDPOINT",
        *secrets.SECRETS,
        *(n + secrets.PARAMETER_SUFFIX for n in secrets.SECRETS),
    ):
        env.pop(name, None)
    for name in secrets.SECRETS:
        env[name] = "placeholder-read-by-chalice-locally-never-deployed"
    env["ATTEMPTS_STREAM_ARN"] = stream_arn  # Chalice reads it when it imports app.py
    return env


def _exports(d: Deploy) -> None:
    """The private bucket of large Excel exports (issue 11)."""
    d.outputs.update(
        deploy_stack(
            d.client("cloudformation"),
            f"{d.table_prefix}-exports",
            "exports.json",
            {"TablePrefix": d.table_prefix},
        )
    )


def _seed(d: Deploy) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "seed.py")], env=_env(d), check=True)


def _chalice(d: Deploy) -> None:
    stream_arn = d.outputs["AttemptsStreamArn"]
    d.api_public_url = _public_url(d)
    config = stage_config(
        d.config,
        d.stage,
        stream_arn,
        d.table_prefix,
        static_site=d.args.static,
        public_base_url=d.api_public_url,
    )
    variables = config["stages"][d.stage]["environment_variables"]
    variables["EXPORT_BUCKET"] = d.outputs["ExportsBucketName"]  # Excel exports (issue 11)
    target = build_dir(d.stage, config, d.table_prefix)
    env = _chalice_env(d, stream_arn)
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "deploy", "--stage", d.stage], cwd=target, env=env, check=True)
    shutil.copytree(target / ".chalice" / "deployed", ROOT / ".chalice" / "deployed", dirs_exist_ok=True)
    d.deployed = json.loads((target / ".chalice" / "deployed" / f"{d.stage}.json").read_text())


def _gateway(d: Deploy) -> None:
    apply_gateway_responses(d.client("apigateway"), deployed_rest_api_id(d.deployed))


def http_origin(args: argparse.Namespace) -> bool:
    """Whether the CDN's /api/ goes to the HTTP API: --api http (the default) behind the CDN.
    Without the static site there is no distribution to send it there: the REST API, as before."""
    return bool(args.static) and args.api == "http"


def _api_gateway(d: Deploy) -> None:
    """The REST API's refusals in our shape (it stays, --api rest may use it), then the HTTP API."""
    _gateway(d)
    _http_api(d)


def _http_api(d: Deploy) -> None:
    if not http_origin(d.args):
        print(_http_api_plan(d))
        return
    d.outputs.update(deploy_http_api(d.table_prefix, deployed_function_arn(d.deployed)))
    print(f"HTTP API {d.outputs['HttpApiUrl']}")


def _http_api_plan(d: Deploy) -> str:
    if not d.args.static:
        return "no HTTP API (--no-static: no distribution to send /api/ to it; the REST API serves)"
    if d.args.api == "rest":
        return f"no HTTP API (--api rest: the CDN's /api/ goes to the REST API; {d.table_prefix}-http-api, if made before, stays)"
    return (
        f"CloudFormation stack {d.table_prefix}-http-api from infra/http_api.json: an HTTP API (payload 1.0,"
        f" stage {API_STAGE}) in front of {lambda_name(d.stage, API_FUNCTION)}, the CDN's origin for /api/"
    )


def _api_url(d: Deploy) -> str:
    """The API's address the CDN and the smoke test use: the HTTP API's or the REST API's."""
    if http_origin(d.args):
        return d.outputs["HttpApiUrl"]
    return next(r for r in d.deployed["resources"] if r.get("resource_type") == "rest_api")["rest_api_url"]


def _stream(d: Deploy) -> None:
    configure_stream_failures(
        d.client("lambda"), lambda_name(d.stage, STREAM_FUNCTION), d.outputs["DeadLetterQueueArn"]
    )


def _waf(d: Deploy) -> None:
    limits = {option: getattr(d.args, option) for option in WAF_LIMIT_PARAMETERS}
    if waf_enabled(d.stage, d.args.waf) and http_origin(d.args):
        d.outputs["CdnWebAclArn"] = deploy_cdn_waf(d.table_prefix, limits)  # static sets it on the CDN
        print(f"WAF web ACL {d.outputs['CdnWebAclArn']} (CLOUDFRONT, for the distribution)")
    elif waf_enabled(d.stage, d.args.waf):
        stage_arn = api_stage_arn(d.deployed, d.args.region)
        origin_secret = _origin_secret(d) if d.args.static else None
        print(f"WAF web ACL {deploy_waf(d.table_prefix, stage_arn, limits, origin_secret)}")
    else:
        print(f"no WAF ({waf_off_reason(d.stage, d.args.waf)}); {d.table_prefix}-waf, if made before, stays")


def _waf_plan(d: Deploy) -> str:
    limits = {option: getattr(d.args, option) for option in WAF_LIMIT_PARAMETERS}
    if not waf_enabled(d.stage, d.args.waf):
        stack = f"{d.table_prefix}-cdn-waf" if http_origin(d.args) else f"{d.table_prefix}-waf"
        return f"no WAF ({waf_off_reason(d.stage, d.args.waf)}); {stack}, if made before, stays"
    if http_origin(d.args):
        shown = {**waf_limits(), **cdn_waf_parameters(d.table_prefix, limits)}
        return (
            f"CloudFormation stack {d.table_prefix}-cdn-waf from infra/waf.json in {CLOUDFRONT_WAF_REGION}:"
            f" WAF web ACL (Scope CLOUDFRONT) for the distribution of {d.table_prefix}-static (an HTTP API"
            f" takes none); per viewer IP and 5 minutes at most {shown['RateLimit']} requests,"
            f" {shown['SignInRateLimit']} to sign-in and registration"
        )
    stage_arn = f"arn:aws:apigateway:<region>::/restapis/<api-id>/stages/{API_STAGE}"
    shown = {**waf_limits(), **waf_parameters(d.table_prefix, stage_arn, limits)}
    return (
        f"CloudFormation stack {d.table_prefix}-waf from infra/waf.json: WAF web ACL on {stage_arn}"
        f" (API id and region from chalice's deployed state); per IP and 5 minutes at most"
        f" {shown['RateLimit']} requests, {shown['SignInRateLimit']} to sign-in and registration"
    )


# --- static site (issue 15: static content off the API) ---------------------------------------


def _public_url(d: Deploy) -> str | None:
    """The site's public address: --public-url (the city's domain), else behind the CDN its
    address from an earlier deploy; None on a first deploy without the option."""
    if d.args.public_url or not d.args.static:
        return d.args.public_url
    try:
        stack = d.client("cloudformation").describe_stacks(StackName=f"{d.table_prefix}-static")["Stacks"][0]
    except Exception:  # no static stack yet (ClientError), or no AWS at hand
        return None
    return next((o["OutputValue"] for o in stack.get("Outputs", []) if o["OutputKey"] == "SiteUrl"), None)


def _origin_secret(d: Deploy) -> str:
    """The value CloudFront sends as X-Origin-Verify (made by the secrets step)."""
    name = secrets.parameter_name(d.stage, "ORIGIN_SECRET")
    return d.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def _static(d: Deploy) -> None:
    import uuid

    from chalicelib.routes.web import get_site
    from scripts import deploy_static

    if not d.args.static:
        print("no static site (--no-static): the API serves the pages itself")
        return
    parameters = deploy_static.stack_parameters(d.table_prefix, _api_url(d), _origin_secret(d))
    # the WAF of the distribution (--api http), made by the WAF step; empty: none
    parameters["WebAclArn"] = d.outputs.get("CdnWebAclArn", "")
    d.outputs.update(
        deploy_stack(d.client("cloudformation"), f"{d.table_prefix}-static", "static.json", parameters)
    )
    public_url = d.args.public_url or d.outputs["SiteUrl"]
    uploaded = deploy_static.publish(
        d.client("s3"),
        d.client("cloudfront"),
        d.outputs["SiteBucketName"],
        d.outputs["DistributionId"],
        get_site(),
        uuid.uuid4().hex,
        public_url,
    )
    print(f"{uploaded} files in s3://{d.outputs['SiteBucketName']}; the site: {public_url}")
    if d.api_public_url is None:
        print(
            "note: the API learns the site's address (PUBLIC_BASE_URL) on the next deploy, or pass --public-url"
        )


def _smoke(d: Deploy) -> None:
    if d.args.no_smoke_test:
        print("smoke test skipped (--no-smoke-test)")
        return
    ssm = d.client("ssm")
    admin_token = ssm.get_parameter(Name=secrets.parameter_name(d.stage, "ADMIN_TOKEN"), WithDecryption=True)[
        "Parameter"
    ]["Value"]
    failures = smoke_test(
        _api_url(d),  # the CDN's origin: the HTTP API, or with --api rest the REST API
        admin_token,
        http_get,
        schedule_ran_recently(d.client("cloudwatch"), d.client("lambda"), d.stage),
        site_url=d.outputs.get("SiteUrl") if d.args.static else None,
    )
    if failures:
        raise SystemExit("SMOKE TEST FAILED, the stage is not working:\n  " + "\n  ".join(failures))
    print("smoke test passed")


# The deploy, in order. Another step is one more Step(...) in this list.
STEPS: list[Step] = [
    Step(
        lambda d: (
            f"CloudFormation stack {d.table_prefix}-tables from infra/tables.json in {d.args.region},"
            f" and {d.table_prefix}-exports from infra/exports.json (private bucket of large Excel exports)"
        ),
        _tables,
    ),
    Step(
        lambda d: (
            f"CloudFormation stack {d.table_prefix}-monitoring from infra/monitoring.json: alarms to"
            f" {d.args.alarm_email or '(no e-mail: --alarm-email)'}, dashboard, log groups, the stream's DLQ"
        ),
        _monitoring,
    ),
    Step(
        lambda d: (
            f"SecureString parameters /songcong/{d.stage}/token-secret and admin-token: created when"
            " missing, an existing TOKEN_SECRET kept (--rotate-token-secret changes it)"
        ),
        _secrets,
    ),
    Step(lambda d: f"seed the contest into {d.table_prefix}-* (scripts/seed.py, idempotent)", _seed),
    Step(
        lambda d: (
            f"chalice deploy --stage {d.stage} from .deploy/{d.stage}: one role per function,"
            " this stage's resources only; the secrets' parameter names, not their values"
        ),
        _chalice,
    ),
    Step(
        lambda d: (
            f"API Gateway's own refusals get our error shape: {', '.join(GATEWAY_RESPONSES)}; then "
            + _http_api_plan(d)
        ),
        _api_gateway,
    ),
    Step(
        lambda d: (
            f"stream consumer {lambda_name(d.stage, STREAM_FUNCTION)}: bisect on error,"
            f" {STREAM_FAILURE_HANDLING['MaximumRetryAttempts']} retries, records up to"
            f" {STREAM_FAILURE_HANDLING['MaximumRecordAgeInSeconds']} s old, failures to"
            f" {dead_letter_queue_name(d.table_prefix)}; submitted attempts only,"
            f" {STREAM_SCALING['ParallelizationFactor']} batches a shard at once"
        ),
        _stream,
    ),
    Step(_waf_plan, _waf),
    Step(
        lambda d: (
            f"CloudFormation stack {d.table_prefix}-static from infra/static.json: the pages and their files"
            " (exactly what the local server serves) in a private S3 bucket behind CloudFront, /api/ to"
            f" {'the HTTP API' if http_origin(d.args) else 'the REST API'}, GET /api/contest cached 60 s;"
            f" pages invalidated{'; the WAF on the distribution' if http_origin(d.args) and waf_enabled(d.stage, d.args.waf) else ''}"
            if d.args.static
            else "no static site (--no-static): the API serves the pages itself"
        ),
        _static,
    ),
    Step(
        lambda d: (
            "smoke test: GET /contest, the page, an admin call with the operator credential, a route with"
            " a path parameter (our 404), each schedule ran in the last 15 minutes; a failure fails the deploy"
        ),
        _smoke,
    ),
]


def package(d: Deploy, out: Path) -> Path:
    """``chalice package`` of the stage's build copy into ``out`` (no AWS needed): the SAM
    template ``make lint-infra`` lints and the zip whose size docs/deploy.md reports."""
    stream_arn = (
        f"arn:aws:dynamodb:{d.args.region}:123456789012:table/{d.table_prefix}-attempts/stream/package"
    )
    config = stage_config(d.config, d.stage, stream_arn, d.table_prefix, static_site=d.args.static)
    target = build_dir(d.stage, config, d.table_prefix)
    env = {**_chalice_env(d, stream_arn), "AWS_DEFAULT_REGION": d.args.region}
    chalice = Path(sys.executable).with_name("chalice")
    out = out.resolve()
    subprocess.run([str(chalice), "package", "--stage", d.stage, str(out)], cwd=target, env=env, check=True)
    return out


def _teardown(d: Deploy) -> int:
    tables = d.args.teardown
    if d.args.dry_run:
        print(
            f"empty and delete {d.table_prefix}-static and {d.table_prefix}-exports, delete {d.table_prefix}-waf,"
            f" chalice delete --stage {d.stage}, {d.table_prefix}-monitoring"
        )
        print(
            f"delete {d.table_prefix}-tables (the tables stay: DeletionPolicy Retain)"
            if tables >= 2
            else f"{d.table_prefix}-tables kept (--teardown twice removes its stack)"
        )
        print(
            f"and, before chalice delete: {d.table_prefix}-cdn-waf ({CLOUDFRONT_WAF_REGION}) and"
            f" {d.table_prefix}-http-api (the HTTP API)"
        )
        return 0
    cloudformation = d.client("cloudformation")
    from scripts import deploy_static

    deploy_static.delete_bucket_stack(
        cloudformation, d.client("s3"), f"{d.table_prefix}-static", "SiteBucketName"
    )
    deploy_static.delete_bucket_stack(
        cloudformation, d.client("s3"), f"{d.table_prefix}-exports", "ExportsBucketName"
    )
    # after the distribution (which used the CDN's WAF) and before the function (the HTTP API's)
    for client, stack in (
        (d.client("cloudformation", CLOUDFRONT_WAF_REGION), f"{d.table_prefix}-cdn-waf"),
        (cloudformation, f"{d.table_prefix}-waf"),
        (cloudformation, f"{d.table_prefix}-http-api"),
    ):
        client.delete_stack(StackName=stack)  # a stack that does not exist: nothing happens
        client.get_waiter("stack_delete_complete").wait(StackName=stack)
    target = build_dir(d.stage, stage_config(d.config, d.stage, "arn:unused", d.table_prefix), d.table_prefix)
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [str(chalice), "delete", "--stage", d.stage],
        cwd=target,
        env=_chalice_env(d, "arn:unused"),
        check=True,
    )
    print("deleted", ", ".join(teardown(cloudformation, d.stage, d.table_prefix, tables)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "ap-southeast-1"))
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--alarm-email", default=os.environ.get("ALARM_EMAIL"), help="where alarms are sent")
    parser.add_argument(
        "--rotate-token-secret",
        action="store_true",
        help="replace TOKEN_SECRET (every participant's id changes: never during a contest)",
    )
    parser.add_argument("--rotate-admin-token", action="store_true", help="replace the operator credential")
    parser.add_argument("--no-smoke-test", action="store_true")
    parser.add_argument("--package", type=Path, metavar="DIR", help="only chalice package the stage into DIR")
    parser.add_argument(
        "--teardown",
        action="count",
        default=0,
        help="remove the stage's app (WAF, Chalice app, monitoring); twice: the tables stack too",
    )
    parser.add_argument(
        "--waf",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"the WAF stack after chalice deploy (default: on for {', '.join(sorted(WAF_STAGES))})",
    )
    parser.add_argument(
        "--public-url",
        default=os.environ.get("PUBLIC_BASE_URL"),
        help="the site's public address (https://…/) for QR codes, share cards and verify links",
    )
    parser.add_argument(
        "--static",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pages from S3 behind CloudFront, the API JSON only (infra/static.json); --no-static: the API serves them",
    )
    parser.add_argument(
        "--api",
        choices=("http", "rest"),
        default="http",
        help="what the CDN's /api/ goes to: the HTTP API (infra/http_api.json, $1.00 a million requests;"
        " the WAF on the distribution) or the REST API chalice makes ($3.50; the WAF on its stage)",
    )
    parser.add_argument(
        "--waf-rate-limit", type=int, metavar="N", help="requests/5 min/IP, all paths (infra/waf.json)"
    )
    parser.add_argument(
        "--waf-sign-in-rate-limit", type=int, metavar="N", help="requests/5 min/IP, sign-in paths"
    )
    args = parser.parse_args(argv)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    if args.stage not in config.get("stages", {}):
        raise SystemExit(f"stage {args.stage!r} is not in .chalice/config.json")
    variables = config["stages"][args.stage].get("environment_variables", {})
    deploy = Deploy(args, config, variables.get("TABLE_PREFIX", f"songcong-{args.stage}"))
    check_waf_limits({option: getattr(args, option) for option in WAF_LIMIT_PARAMETERS})
    if args.package:
        print(f"packaged into {package(deploy, args.package)}")
        return 0
    if args.teardown:
        return _teardown(deploy)
    for number, step in enumerate(STEPS, 1):
        print(f"{number}. {step.plan(deploy)}", flush=True)
        if not args.dry_run:
            step.run(deploy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
