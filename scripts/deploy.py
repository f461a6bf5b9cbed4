"""Deploy a stage to AWS: the tables (infra/tables.json, a stack of their own), the seed,
then the Chalice app with the stage's secrets, then (prod, or --waf) the WAF in front of its API
(infra/waf.json, a stack of its own).

Secrets never enter git: ADMIN_TOKEN and TOKEN_SECRET come from the operator's environment
and are written only into a build copy of ``.chalice/config.json`` under ``.deploy/<stage>``
(git-ignored), from which ``chalice deploy`` runs. Chalice's deployed-state files are copied
back to ``.chalice/deployed/`` so that the next deploy updates rather than recreates.

    export ADMIN_TOKEN=... TOKEN_SECRET=...        # 32+ characters each
    .venv/bin/python scripts/deploy.py --stage prod --region ap-southeast-1
    .venv/bin/python scripts/deploy.py --stage prod --dry-run   # print the plan only
    .venv/bin/python scripts/deploy.py --stage dev --waf        # dev with the WAF (prod: --no-waf)
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def stage_config(
    config: dict[str, Any], stage: str, secrets: dict[str, str], stream_arn: str
) -> dict[str, Any]:
    """The Chalice config with this stage's secrets and stream ARN added (pure, tested)."""
    if stage not in config.get("stages", {}):
        raise SystemExit(f"stage {stage!r} is not in .chalice/config.json")
    for name, value in secrets.items():
        if len(value) < MIN_SECRET_LENGTH:
            raise SystemExit(f"{name} must have at least {MIN_SECRET_LENGTH} characters")
    merged = copy.deepcopy(config)
    variables = merged["stages"][stage].setdefault("environment_variables", {})
    variables.update(secrets)
    variables["ATTEMPTS_STREAM_ARN"] = stream_arn
    return merged


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
    template = (ROOT / "infra" / template_name).read_text(encoding="utf-8")
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


def deploy_tables(stage: str, region: str, table_prefix: str) -> dict[str, str]:
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=region)
    return deploy_stack(
        cloudformation, f"{table_prefix}-tables", "tables.json", {"TablePrefix": table_prefix}
    )


def deploy_waf(name_prefix: str, stage_arn: str, limits: dict[str, int | None]) -> str:
    """The WAF stack <prefix>-waf, in the API's region (a REGIONAL web ACL must be); its ARN."""
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=stage_arn.split(":")[3])
    parameters = waf_parameters(name_prefix, stage_arn, limits)
    return deploy_stack(cloudformation, f"{name_prefix}-waf", "waf.json", parameters)["WebAclArn"]


def build_dir(stage: str, config: dict[str, Any]) -> Path:
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
    shutil.copy2(ROOT / ".chalice" / "policy.json", target / ".chalice" / "policy.json")
    if (ROOT / ".chalice" / "deployed").is_dir():
        shutil.copytree(ROOT / ".chalice" / "deployed", target / ".chalice" / "deployed")
    (target / ".chalice" / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "ap-southeast-1"))
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument(
        "--waf",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"the WAF stack after chalice deploy (default: on for {', '.join(sorted(WAF_STAGES))})",
    )
    parser.add_argument(
        "--waf-rate-limit", type=int, metavar="N", help="requests/5 min/IP, all paths (infra/waf.json)"
    )
    parser.add_argument(
        "--waf-sign-in-rate-limit", type=int, metavar="N", help="requests/5 min/IP, sign-in paths"
    )
    args = parser.parse_args(argv)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables = config["stages"].get(args.stage, {}).get("environment_variables", {})
    table_prefix = variables.get("TABLE_PREFIX", f"songcong-{args.stage}")
    secrets = {name: os.environ.get(name, "") for name in ("ADMIN_TOKEN", "TOKEN_SECRET")}
    waf = waf_enabled(args.stage, args.waf)
    limits = {option: getattr(args, option) for option in WAF_LIMIT_PARAMETERS}
    check_waf_limits(limits)
    if args.dry_run:
        stage_config(config, args.stage, secrets, "arn:aws:dynamodb:<region>:<account>:table/x/stream/y")
        print(f"1. CloudFormation stack {table_prefix}-tables from infra/tables.json in {args.region}")
        print(f"2. seed the contest into {table_prefix}-* (scripts/seed.py, idempotent)")
        print(f"3. chalice deploy --stage {args.stage} from .deploy/{args.stage} with the secrets")
        print(f"4. API Gateway's own refusals get our error shape: {', '.join(GATEWAY_RESPONSES)}")
        if waf:
            stage_arn = f"arn:aws:apigateway:<region>::/restapis/<api-id>/stages/{API_STAGE}"
            shown = {**waf_limits(), **waf_parameters(table_prefix, stage_arn, limits)}
            print(
                f"5. CloudFormation stack {table_prefix}-waf from infra/waf.json: WAF web ACL on {stage_arn}"
                f" (API id and region from chalice's deployed state); per IP and 5 minutes at most"
                f" {shown['RateLimit']} requests, {shown['SignInRateLimit']} to sign-in and registration"
            )
        else:
            print(
                f"5. no WAF ({waf_off_reason(args.stage, args.waf)}); {table_prefix}-waf, if made before, stays"
            )
        return 0
    outputs = deploy_tables(args.stage, args.region, table_prefix)
    stream_arn = outputs["AttemptsStreamArn"]
    env = {**os.environ, "STAGE": args.stage, "TABLE_PREFIX": table_prefix, "AWS_REGION": args.region}
    env.pop("DYNAMODB_ENDPOINT", None)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "seed.py")], env=env, check=True)
    target = build_dir(args.stage, stage_config(config, args.stage, secrets, stream_arn))
    env["ATTEMPTS_STREAM_ARN"] = stream_arn  # Chalice reads the stream ARN when it imports app.py
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "deploy", "--stage", args.stage], cwd=target, env=env, check=True)
    shutil.copytree(target / ".chalice" / "deployed", ROOT / ".chalice" / "deployed", dirs_exist_ok=True)
    deployed = json.loads((target / ".chalice" / "deployed" / f"{args.stage}.json").read_text())
    import boto3

    apply_gateway_responses(
        boto3.client("apigateway", region_name=args.region), deployed_rest_api_id(deployed)
    )
    if waf:
        web_acl_arn = deploy_waf(table_prefix, api_stage_arn(deployed, args.region), limits)
        print(f"WAF web ACL {web_acl_arn}")
    else:
        print(f"no WAF ({waf_off_reason(args.stage, args.waf)}); {table_prefix}-waf, if made before, stays")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
