"""Capacity and cost model of a contest (docs/capacity.md): what 100,000 attempts cost, and for
three sizes (a city, a province, the nation) the AWS bill and which limit is met first.

Inputs are measured, not guessed: requests and DynamoDB units per attempt from
``make bench-attempt`` (``benchmarks/attempt_cost.py``), request durations from a single-client
run of ``benchmarks/load_deadline.py`` (this machine, ``chalice local`` over DynamoDB Local:
an upper bound of a warm Lambda's), the shard counts from the settings. Change any of them on
the command line; ``--json`` reads the figures ``attempt_cost.py --json`` wrote.

Usage: .venv/bin/python benchmarks/capacity_model.py [--requests 5] [--wru 12] [--rru 4] ...
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass

# List prices, USD, us-east-1 as published in 2025 (ap-southeast-1 is 5-15% higher): check
# aws.amazon.com/pricing before quoting a customer.
PRICES = {
    "api_gateway_rest_per_million": 3.50,
    "api_gateway_http_per_million": 1.00,
    "lambda_per_million": 0.20,
    "lambda_per_gb_second": 0.0000166667,
    "dynamodb_wru_per_million": 0.625,
    "dynamodb_rru_per_million": 0.125,
    "cloudfront_https_per_10k": 0.012,
}
PRICE_DATE = "list prices of 2025, us-east-1"
# benchmarks/counting_throughput.py: units of the stream's counting per attempt at a deadline
# (batches of 100), and the counter items a batch of one round touches (units, hours, scores).
COUNTING_WRU_PER_ATTEMPT = 2.12
COUNTER_ITEMS_PER_BATCH = 30

# Account and service limits (defaults of a new account; all but the partition are quotas
# that a support case raises).
LIMITS = {
    "api_gateway_rps": 10_000,  # per account and region, REST and HTTP APIs together
    "lambda_concurrency": 1_000,  # per account and region
    "reserved_api_concurrency": 400,  # .chalice/config.json, prod: our own cap
    "table_wru_per_second": 40_000,  # on-demand, per table
    "partition_wru_per_second": 1_000,  # a partition (and a GSI partition), not raisable
    "new_on_demand_wru_per_second": 4_000,  # what a new on-demand table takes before it scales
}


@dataclass(frozen=True)
class Attempt:
    """What one attempt costs (a person's further attempt: start, saves, submit, counting)."""

    requests: float
    wru: float
    rru: float
    api_ms: float
    submit_ms: float
    memory_mb: int
    stream_records_per_invocation: float
    static_requests: float
    api_price: str = "api_gateway_http_per_million"  # infra/http_api.json; --api rest: the REST API


@dataclass(frozen=True)
class Contest:
    name: str
    attempts_per_week: int
    weeks: int
    peak_submits_per_second: float


def cost_of(attempts: float, a: Attempt) -> dict[str, float]:
    """USD for ``attempts`` attempts, by service."""
    requests = attempts * a.requests
    invocations = requests + attempts / a.stream_records_per_invocation
    gb_seconds = requests * (a.api_ms / 1000) * (a.memory_mb / 1024)
    return {
        "API Gateway": requests / 1e6 * PRICES[a.api_price],
        "Lambda": invocations / 1e6 * PRICES["lambda_per_million"]
        + gb_seconds * PRICES["lambda_per_gb_second"],
        "DynamoDB": attempts
        * (a.wru * PRICES["dynamodb_wru_per_million"] + a.rru * PRICES["dynamodb_rru_per_million"])
        / 1e6,
        "CloudFront": attempts * a.static_requests / 1e4 * PRICES["cloudfront_https_per_10k"],
    }


def peak_load(
    c: Contest, a: Attempt, *, board_shards: int, counter_shards: int, person_shards: int, submit_wru: float
) -> list[tuple[str, float, float, str]]:
    """(limit, load at the peak, the limit, the setting that moves it), in the order a deadline
    meets them. At the peak every submit is accompanied by the saves and starts of the people
    still answering: requests per second = submits x requests per attempt / 2 (half of an
    attempt's requests fall in its last minutes)."""
    submits = c.peak_submits_per_second
    rps = submits * max(1.0, a.requests / 2)
    concurrency = submits * a.submit_ms / 1000 + (rps - submits) * a.api_ms / 1000
    table_wru = submits * submit_wru + (rps - submits) * 1.0
    board_shard_wru = submits / board_shards  # one small index entry per submit
    # The stream's counting (docs/design.md): per submitted attempt ~2.1 units on the stats
    # table, 2 of them the person's item, spread over STATS_PERSON_SHARDS partitions; the
    # counters take one ADD per touched item and batch, in one of STATS_COUNTER_SHARDS.
    stats_wru = submits * COUNTING_WRU_PER_ATTEMPT
    person_partition_wru = submits * 2 / person_shards
    counter_wru = submits / 100 * COUNTER_ITEMS_PER_BATCH * 2 / counter_shards
    return [
        (
            "API Gateway requests/s (account)",
            rps,
            LIMITS["api_gateway_rps"],
            "quota increase (Service Quotas: API Gateway throttle rate)",
        ),
        (
            "API Lambda concurrency (our reserved cap)",
            concurrency,
            LIMITS["reserved_api_concurrency"],
            "reserved_concurrency of api_handler in .chalice/config.json",
        ),
        (
            "Lambda concurrency (account)",
            concurrency,
            LIMITS["lambda_concurrency"],
            "quota increase (Lambda concurrent executions)",
        ),
        (
            "attempts table WRU/s, new on-demand table",
            table_wru,
            LIMITS["new_on_demand_wru_per_second"],
            "warm throughput (WarmThroughput.WriteUnitsPerSecond) set a day before",
        ),
        (
            "attempts table WRU/s (per-table quota)",
            table_wru,
            LIMITS["table_wru_per_second"],
            "quota increase, or provisioned capacity with auto scaling",
        ),
        (
            "leaderboard index partition WRU/s",
            board_shard_wru,
            LIMITS["partition_wru_per_second"],
            "ATTEMPT_SHARDS (index shards)",
        ),
        (
            "stats table WRU/s, new on-demand table",
            stats_wru,
            LIMITS["new_on_demand_wru_per_second"],
            "warm throughput on the stats table too",
        ),
        (
            "stats people partition WRU/s",
            person_partition_wru,
            LIMITS["partition_wru_per_second"],
            "STATS_PERSON_SHARDS",
        ),
        (
            "stats counter partition WRU/s",
            counter_wru,
            LIMITS["partition_wru_per_second"],
            "STATS_COUNTER_SHARDS",
        ),
    ]


def money(x: float) -> str:
    return f"${x:,.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=float, default=6, help="API requests of a further attempt")
    parser.add_argument("--first-visit-requests", type=float, default=9, help="API requests of a first visit")
    parser.add_argument("--wru", type=float, default=12.1, help="write units an attempt, counting included")
    parser.add_argument("--rru", type=float, default=3.5, help="read units an attempt")
    parser.add_argument(
        "--api", choices=("http", "rest"), default="http", help="API Gateway HTTP API (default) or REST API"
    )
    parser.add_argument("--api-ms", type=float, default=60, help="a warm API call, ms")
    parser.add_argument("--submit-ms", type=float, default=120, help="a submit, ms")
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument(
        "--submit-wru", type=float, default=4, help="write units of a submit (its indexes included)"
    )
    parser.add_argument("--board-shards", type=int, default=16)
    parser.add_argument("--counter-shards", type=int, default=16)
    parser.add_argument("--person-shards", type=int, default=64)
    parser.add_argument("--json", help="figures written by attempt_cost.py --json")
    args = parser.parse_args()
    if args.json:
        with open(args.json, encoding="utf-8") as f:
            measured = json.load(f)
        further = measured["further_attempt"]
        args.requests, args.wru, args.rru = further["api_requests"], further["wru"], further["rru"]
        args.first_visit_requests = measured["first_visit"]["api_requests"]
    api_price = f"api_gateway_{args.api}_per_million"
    further = Attempt(
        args.requests, args.wru, args.rru, args.api_ms, args.submit_ms, args.memory_mb, 10, 1, api_price
    )
    first = Attempt(
        args.first_visit_requests,
        args.wru + 5,
        args.rru + 2,
        args.api_ms,
        args.submit_ms,
        args.memory_mb,
        10,
        14,
        api_price,
    )
    print(
        f"Inputs: further attempt {args.requests:g} API requests, {args.wru:g} WRU, {args.rru:g} RRU; first visit "
        f"{args.first_visit_requests:g} requests; warm call {args.api_ms:g} ms, submit {args.submit_ms:g} ms at "
        f"{args.memory_mb} MB; API Gateway {args.api.upper()} API; prices: {PRICE_DATE}\n"
    )

    print("100,000 attempts")
    print(
        f"{'':<26}"
        + "".join(f"{k:>14}" for k in ("API Gateway", "Lambda", "DynamoDB", "CloudFront", "total"))
    )
    for label, a in (("first visits", first), ("further attempts", further)):
        cost = cost_of(100_000, a)
        print(
            f"{label:<26}"
            + "".join(f"{money(v):>14}" for v in cost.values())
            + f"{money(sum(cost.values())):>14}"
        )

    contests = [
        Contest("(a) city: 20,000 a week, 2 weeks", 20_000, 2, 20),
        Contest("(b) province: 200,000 a week, 4 weeks", 200_000, 4, 300),
        Contest("(c) national: 1,000,000 a week, 4 weeks", 1_000_000, 4, 10_000),
    ]
    for c in contests:
        attempts = c.attempts_per_week * c.weeks
        # a third of the attempts are a person's first visit (registration), as in the 2021 contest's rules of up to 3 a week
        cost = {
            k: cost_of(attempts * 2 / 3, further)[k] + cost_of(attempts / 3, first)[k]
            for k in cost_of(1, further)
        }
        print(f"\n{c.name}: {attempts:,} attempts, peak {c.peak_submits_per_second:,.0f} submits/s")
        print(
            "  cost: "
            + ", ".join(f"{k} {money(v)}" for k, v in cost.items())
            + f"; total {money(sum(cost.values()))}"
        )
        rows = peak_load(
            c,
            further,
            board_shards=args.board_shards,
            counter_shards=args.counter_shards,
            person_shards=args.person_shards,
            submit_wru=args.submit_wru,
        )
        for name, load, limit, _setting in rows:
            share = load / limit
            flag = "OVER" if share >= 1 else ("> 50%" if share > 0.5 else "ok")
            print(f"  {name:<44} {load:>10,.0f} of {limit:>7,}  {share:>6.0%}  {flag}")
        # Every load grows with the submit rate: the limit met first is the one met at the
        # lowest rate.
        thresholds = sorted(
            (c.peak_submits_per_second * limit / load, name, setting)
            for name, load, limit, setting in rows
            if load
        )
        rate, name, setting = thresholds[0]
        print(f"  met first, at {rate:,.0f} submits/s: {name} -> {setting}")
        if c.peak_submits_per_second >= 1000:
            shards_needed = math.ceil(c.peak_submits_per_second / (0.5 * LIMITS["partition_wru_per_second"]))
            print(f"  index shards for < 50% of a partition at the peak: ATTEMPT_SHARDS >= {shards_needed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
