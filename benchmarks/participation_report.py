"""Time and DynamoDB reads of the PARTICIPATION REPORT at a city's size, on DynamoDB Local.

Usage (from the repository root; needs java and `make venv node-deps`):

    .venv/bin/python benchmarks/participation_report.py                  # 50,000 on rosters, 100,000 attempts
    .venv/bin/python benchmarks/participation_report.py --roster 5000 --attempts 10000   # a quick run

DynamoDB Local runs in memory on a free port with a unique TABLE_PREFIX and the tables of
infra/. The script loads, spread over the contest's 11 units:

- ``--roster`` people on rosters (organizations of 50 to 1,000 people), written through the
  app's own ``RosterStore.replace_roster`` (the import path, timed per roster);
- registrations: 70% of the roster people, plus as many people on no roster;
- ``--attempts`` submitted attempts of round r1 by about 80% of the registered people (1 to 3
  each), as the stream handler leaves them for the report: one item
  per person with ``best:r1`` in its person partition (``data/counters.py`` layout).

Then it runs ``ParticipationService.report`` for every unit, for round r1 and for the whole
contest, counting every DynamoDB call PynamoDB makes and the ``ConsumedCapacity`` DynamoDB
Local returns (its arithmetic is DynamoDB's: 4 KB units, halved for eventually consistent
reads), and prints one line per unit and the city's total, plus a dry run and an import of a
1,000-person roster. Times are this machine's with DynamoDB Local on the same CPUs.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.dynamodb_local import DynamoDBLocal, free_port  # noqa: E402  (imports no chalicelib)

REGION = "ap-southeast-1"
READ_OPS = frozenset({"Query", "GetItem", "BatchGetItem", "Scan"})


class Meter:
    """Calls per operation and table, read and write units."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rcu = 0.0
        self.wcu = 0.0
        self.lock = threading.Lock()

    def record(self, operation: str, kwargs: dict, data: dict | None) -> None:
        capacity = (data or {}).get("ConsumedCapacity")
        units = sum(
            float(c.get("CapacityUnits", 0) or 0)
            for c in (capacity if isinstance(capacity, list) else [capacity] if capacity else [])
        )
        prefix = os.environ["TABLE_PREFIX"] + "-"
        tables = [kwargs["TableName"]] if "TableName" in kwargs else sorted(kwargs.get("RequestItems", {}))
        label = f"{operation} {','.join(t.removeprefix(prefix) for t in tables)}" + (
            "/" + kwargs["IndexName"] if "IndexName" in kwargs else ""
        )
        with self.lock:
            self.calls[label] += 1
            if operation in READ_OPS:
                self.rcu += units
            else:
                self.wcu += units


METER: Meter | None = None


def install_meter() -> None:
    from pynamodb.connection.base import Connection

    original = Connection.dispatch

    def metered(self, operation_name, operation_kwargs):
        if operation_name not in ("DescribeTable", "CreateTable", "ListTables"):
            operation_kwargs["ReturnConsumedCapacity"] = "TOTAL"
        data = original(self, operation_name, operation_kwargs)
        if METER is not None and operation_name not in ("DescribeTable",):
            METER.record(operation_name, operation_kwargs, data)
        return data

    Connection.dispatch = metered


def measured(action):
    global METER
    METER = Meter()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    meter, METER = METER, None
    return result, seconds, meter


def national_id(serial: int) -> str:
    return f"019085{serial:06d}"


def load(args) -> dict:
    """Rosters, registrations and per-person items at the size asked; returns what was made."""
    import boto3

    from chalicelib.data.counters import person_partition
    from chalicelib.data.models import ParticipantModel
    from chalicelib.data.rosters import RosterStore
    from chalicelib.domain import tokens
    from chalicelib.domain.participation import RosterPerson
    from chalicelib.seeding import load_source
    from chalicelib.settings import get_settings

    settings = get_settings()
    rng = random.Random(args.seed)
    contest, _ = load_source()
    units = [u["id"] for u in contest["units"]]
    store = RosterStore(person_shards=settings.stats_person_shards)
    secret = settings.token_secret
    serial = 0
    rosters = []  # (unit, roster id, [people])
    remaining = args.roster
    while remaining > 0:
        size = min(remaining, rng.choice((50, 80, 120, 200, 300, 500, 1000)))
        unit = units[len(rosters) % len(units)]
        people = []
        for _ in range(size):
            serial += 1
            people.append(
                RosterPerson(
                    tokens.participant_id_for(secret, national_id(serial)),
                    national_id(serial)[-4:],
                    f"Người thứ {serial}",
                    rng.choice(("Văn phòng", "Tư pháp", "Địa chính", "Tổ Toán", "")),
                    f"09{serial:08d}" if rng.random() < 0.5 else "",
                    len(people) + 2,
                )
            )
        rosters.append((unit, f"co-quan-{len(rosters)}", people))
        remaining -= size
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda r: store.replace_roster(r[0], r[1], f"Cơ quan {r[1]}", r[2], actor="bench", now_ms=0),
                rosters,
            )
        )
    roster_seconds = time.perf_counter() - started

    registered = []  # (registration id, unit)
    for unit, _, people in rosters:
        registered += [(p.person_key, unit) for p in people if rng.random() < 0.7]
    for _ in range(len(registered)):
        serial += 1
        registered.append((tokens.participant_id_for(secret, national_id(serial)), rng.choice(units)))

    def write_participants(chunk):
        with ParticipantModel.batch_write() as batch:
            for pid, unit in chunk:
                batch.save(
                    ParticipantModel(
                        pid,
                        national_id="019085000000",
                        full_name="Người dự thi",
                        date_of_birth="1985-01-01",
                        gender="male",
                        phone="0912345678",
                        unit_id=unit,
                        workplace="",
                        consent_at=0,
                        created_at=0,
                    )
                )

    takers, attempts = [], 0
    for pid, unit in registered:
        if attempts < args.attempts and rng.random() < 0.8:
            takers.append((pid, unit))
            attempts += rng.choice((1, 1, 2, 3))
    attempts = max(attempts, args.attempts)  # more attempts by the same people add no item

    client = boto3.client("dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=REGION)

    def write_people(chunk):
        """The stream handler's per-person items (data/counters.py): one a person for the
        contest, with ``best:r1`` for the round taken part in."""
        for start in range(0, len(chunk), 25):
            requests = [
                {
                    "PutRequest": {
                        "Item": {
                            "pk": {"S": person_partition(pid, settings.stats_person_shards)},
                            "sk": {"S": "PERSON#" + pid},
                            "unit_id": {"S": unit},
                            "best:r1": {"N": str(rng.randint(0, 20))},
                            "version": {"N": "1"},
                        }
                    }
                }
                for pid, unit in chunk[start : start + 25]
            ]
            while requests:
                answer = client.batch_write_item(RequestItems={settings.table_name("stats"): requests})
                requests = answer.get("UnprocessedItems", {}).get(settings.table_name("stats"), [])

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write_participants, [registered[i : i + 500] for i in range(0, len(registered), 500)]))
        list(pool.map(write_people, [takers[i : i + 500] for i in range(0, len(takers), 500)]))
    other_seconds = time.perf_counter() - started
    return {
        "rosters": len(rosters),
        "roster_people": args.roster,
        "roster_load_s": round(roster_seconds, 1),
        "registered": len(registered),
        "took_part": len(takers),
        "attempts": attempts,
        "other_load_s": round(other_seconds, 1),
        "units": units,
        "serial": serial,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roster", type=int, default=50_000, help="people on rosters, city-wide")
    parser.add_argument("--attempts", type=int, default=100_000, help="submitted attempts of round r1")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    port = free_port()
    with DynamoDBLocal(port=port, in_memory=True) as ddb:
        os.environ.update(
            {
                "DYNAMODB_ENDPOINT": ddb.endpoint,
                "TABLE_PREFIX": f"bench-participation-{os.getpid()}",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "STAGE": "bench",
            }
        )
        return run(args)


def run(args) -> int:
    import boto3

    from chalicelib.catalog import Catalog
    from chalicelib.clock import SystemClock
    from chalicelib.data.repository import Repository, RoundRecord
    from chalicelib.domain.timing import parse_iso
    from chalicelib.organizers.policy import OPERATOR
    from chalicelib.participation.service import ParticipationService
    from chalicelib.seeding import load_source
    from chalicelib.settings import get_settings
    from infra.table_specs import create_tables

    settings = get_settings()
    client = boto3.client("dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=REGION)
    create_tables(client, settings.table_prefix)
    repository = Repository()
    contest, _ = load_source()  # the contest and its rounds; the report needs no question
    body = {k: v for k, v in contest.items() if k not in ("rounds", "bank_rules")}
    repository.put_contest_if_absent(contest["id"], body, 0)
    for r in contest["rounds"]:
        times = {name: parse_iso(r[name]) for name in ("opens_at", "closes_at", "publish_at")}
        repository.put_round_if_absent(
            contest["id"], RoundRecord(round_id=r["id"], name=r["name"], **times), 0
        )
    print(
        f"loading {args.roster:,} roster people and {args.attempts:,} attempts…", file=sys.stderr, flush=True
    )
    made = load(args)
    install_meter()
    clock = SystemClock()
    catalog = Catalog(repository=repository, clock=clock, contest_id=settings.contest_id, ttl_seconds=60)
    service = ParticipationService(repository=repository, catalog=catalog, clock=clock, settings=settings)
    catalog.snapshot()

    print(
        f"\nCity: {made['rosters']} rosters, {made['roster_people']:,} people on them, "
        f"{made['registered']:,} registered, {made['took_part']:,} took part with {made['attempts']:,} attempts "
        f"(rosters loaded through replace_roster in {made['roster_load_s']} s, 8 threads)"
    )
    print(
        f"\n{'unit':<12} {'period':<8} {'on roster':>9} {'took part':>9} {'time s':>7} {'RCU':>8} {'calls':>6}"
    )
    totals = Counter()
    for period in ("r1", None):
        for unit in made["units"]:
            report, seconds, meter = measured(lambda u=unit, p=period: service.report(OPERATOR, u, p))
            on_roster = sum(o["on_roster"] for o in report["organizations"])
            took = sum(o["took_part"] for o in report["organizations"])
            calls = sum(meter.calls.values())
            print(
                f"{unit:<12} {period or 'contest':<8} {on_roster:>9,} {took:>9,} {seconds:>7.2f} {meter.rcu:>8.1f} {calls:>6}"
            )
            totals[f"{period}_s"] += seconds
            totals[f"{period}_rcu"] += meter.rcu
            totals[f"{period}_calls"] += calls
            if unit == made["units"][0] and period == "r1":
                detail = dict(meter.calls)
    for period in ("r1", None):
        print(
            f"{'CITY':<12} {period or 'contest':<8} {made['roster_people']:>9,} {'':>9} "
            f"{totals[f'{period}_s']:>7.2f} {totals[f'{period}_rcu']:>8.1f} {totals[f'{period}_calls']:>6}"
        )
    print(f"\ncalls of one unit's report (round r1): {detail}")

    # The import path: a dry run and the import of a 1,000-person roster.
    rows = [
        {
            "full_name": f"Cán bộ {i}",
            "national_id": national_id(made["serial"] + 1 + i),
            "phone": "",
            "department": "Văn phòng",
        }
        for i in range(1000)
    ]
    checked, seconds, meter = measured(
        lambda: service.import_roster(OPERATOR, "mo-che", "bench-1000", "Cơ quan 1000", rows, dry_run=True)
    )
    print(
        f"\ndry run of 1,000 rows: {seconds:.2f} s, {meter.rcu:.1f} RCU, {dict(meter.calls)}; valid={checked['valid']}"
    )
    _, seconds, meter = measured(
        lambda: service.import_roster(OPERATOR, "mo-che", "bench-1000", "Cơ quan 1000", rows, dry_run=False)
    )
    print(
        f"import of 1,000 rows: {seconds:.2f} s, {meter.rcu:.1f} RCU, {meter.wcu:.1f} WCU, {dict(meter.calls)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
