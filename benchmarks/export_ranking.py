"""Size and time of the round-ranking EXCEL EXPORT of N submitted attempts, on DynamoDB Local.

Usage (from the repository root; needs java and `make venv node-deps`):

    .venv/bin/python benchmarks/export_ranking.py                     # N = 100,000
    .venv/bin/python benchmarks/export_ranking.py --attempts 10000 100000

For each N, DynamoDB Local in memory on a free port, a unique TABLE_PREFIX and the tables of
infra/; ~N/1.5 participants (names, workplaces, phones, CCCDs as in production) over the 11
units, 1-3 submitted attempts each with the leaderboard keys the app writes, round r1 marked
ranked with its count of attempts and a stored ranking. Then it times the export as the
background function builds it (``ExportService.build``: the whole leaderboard read, the full
ranking, the registrations of everyone ranked, the .xlsx in openpyxl's write-only mode) for
the committee (every unit, full CCCD), and prints the file's size, bytes per row, the
DynamoDB calls and read units (DynamoDB Local's ``ConsumedCapacity``), the time of each step
and the memory the process grew by. ``exports.service.BYTES_PER_ROW`` and
``ROWS_WITHIN_TIMEOUT`` (which decide what goes through the background path) come from the
bytes per row and the CPU time printed here.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
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
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Thanh", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hoa", "Lan", "Linh", "Mai", "Nam", "Phúc", "Yến"]
WORKPLACES = [
    "",
    "UBND phường Bách Quang",
    "Trường THCS Mỏ Chè",
    "Trạm y tế xã Bá Xuyên",
    "Công ty CP Phụ tùng",
]


class Meter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rcu = 0.0
        self.lock = threading.Lock()


METER: Meter | None = None


def install_meter() -> None:
    from pynamodb.connection.base import Connection

    original = Connection.dispatch

    def metered(self, operation_name, operation_kwargs):
        reading = operation_name in ("Query", "GetItem", "BatchGetItem", "Scan")
        if reading:
            operation_kwargs["ReturnConsumedCapacity"] = "TOTAL"
        data = original(self, operation_name, operation_kwargs)
        if METER is not None and reading:
            capacity = data.get("ConsumedCapacity")
            units = sum(
                float(c.get("CapacityUnits", 0) or 0)
                for c in (capacity if isinstance(capacity, list) else [capacity] if capacity else [])
            )
            with METER.lock:
                METER.calls[operation_name] += 1
                METER.rcu += units
        return data

    Connection.dispatch = metered


def load(n: int, seed: int) -> int:
    """Participants and N submitted attempts of round r1; round r1 marked ranked. Returns the
    number of people."""
    from chalicelib.data.models import AttemptModel, ParticipantModel, RoundModel
    from chalicelib.data.repository import Repository
    from chalicelib.domain import ranking, tokens
    from chalicelib.domain.timing import parse_iso
    from chalicelib.settings import get_settings

    settings = get_settings()
    rng = random.Random(seed)
    units = [
        "bach-quang", "cai-dan", "chau-son", "luong-son", "mo-che", "pho-co",
        "thang-loi", "ba-xuyen", "binh-son", "tan-quang", "vinh-son",
    ]  # fmt: skip
    opens = parse_iso("2021-12-13T08:30:00+07:00")
    people, attempts = [], []
    made = 0
    while made < n:
        serial = len(people)
        nid = f"019085{serial:06d}"
        pid = tokens.participant_id_for(settings.token_secret, nid)
        unit = rng.choice(units)
        people.append(
            ParticipantModel(
                pid,
                national_id=nid,
                full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                date_of_birth="1985-05-10",
                gender="male",
                phone=f"09{rng.randint(0, 99_999_999):08d}",
                unit_id=unit,
                workplace=rng.choice(WORKPLACES),
                consent_at=opens,
                created_at=opens,
            )
        )
        for number in range(1, min(rng.choice((1, 1, 2, 3)), n - made) + 1):
            attempt_id = f"{pid}.r1.{number}"
            correct = rng.choices(range(21), weights=[1.2**k for k in range(21)])[0]
            prediction = None if rng.random() < 0.05 else rng.randint(n // 2, n * 2)
            duration = rng.randint(60_000, 900_000)
            submitted = opens + rng.randint(0, 5 * 86400_000)
            attempts.append(
                AttemptModel(
                    pid,
                    f"r1#{number}",
                    attempt_id=attempt_id,
                    round_id="r1",
                    number=number,
                    unit_id=unit,
                    status="submitted",
                    started_at=submitted - duration,
                    deadline_at=submitted - duration + 1_200_000,
                    layout=[],
                    correct=correct,
                    total=20,
                    answered=20,
                    prediction=prediction,
                    duration_ms=duration,
                    submitted_at=submitted,
                    board_shard=ranking.board_shard("r1", attempt_id, settings.attempt_shards),
                    board_key=ranking.board_key(correct, prediction, duration, submitted, attempt_id),
                )
            )
            made += 1

    def write(chunk):
        with chunk[0].__class__.batch_write() as batch:
            for item in chunk:
                batch.save(item)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, [people[i : i + 500] for i in range(0, len(people), 500)]))
        list(pool.map(write, [attempts[i : i + 500] for i in range(0, len(attempts), 500)]))
    closed_at = parse_iso("2021-12-19T16:31:00+07:00")
    RoundModel(settings.contest_id, "ROUND#r1").update(
        actions=[
            RoundModel.state.set("ranked"),
            RoundModel.closed_at.set(closed_at),
            RoundModel.actual_prediction_value.set(n),
        ]
    )
    Repository().put_ranking(
        settings.contest_id, "r1", closed_at, {"_entries": [], "collective": []}, "0" * 64, 0
    )
    return len(people)


def run_one(n: int, seed: int) -> None:
    import boto3

    from chalicelib.catalog import Catalog
    from chalicelib.clock import SystemClock
    from chalicelib.data.repository import Repository, RoundRecord
    from chalicelib.domain.timing import parse_iso
    from chalicelib.exports import service as export_service
    from chalicelib.exports.service import ExportService, ExportSpec
    from chalicelib.files import MAX_INLINE_BYTES
    from chalicelib.organizers.policy import OPERATOR
    from chalicelib.seeding import load_source
    from chalicelib.settings import get_settings
    from infra.table_specs import create_tables

    global METER
    settings = get_settings()
    create_tables(
        boto3.client("dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=REGION),
        settings.table_prefix,
    )
    repository = Repository()
    contest, _ = load_source()
    body = {k: v for k, v in contest.items() if k not in ("rounds", "bank_rules")}
    repository.put_contest_if_absent(contest["id"], body, 0)
    for r in contest["rounds"]:
        times = {name: parse_iso(r[name]) for name in ("opens_at", "closes_at", "publish_at")}
        repository.put_round_if_absent(
            contest["id"], RoundRecord(round_id=r["id"], name=r["name"], **times), 0
        )
    print(f"loading {n:,} attempts…", file=sys.stderr, flush=True)
    people = load(n, seed)
    install_meter()
    clock = SystemClock()
    catalog = Catalog(repository=repository, clock=clock, contest_id=settings.contest_id, ttl_seconds=600)
    service = ExportService(repository=repository, catalog=catalog, clock=clock, settings=settings)
    catalog.snapshot()

    # Each step alone, then the whole build as the background function runs it.
    from chalicelib.domain import ranking

    steps = {}
    started = time.perf_counter()
    board = list(repository.read_whole_board(ranking.board_shards("r1", settings.attempt_shards)))
    steps["read leaderboard"] = time.perf_counter() - started
    started = time.perf_counter()
    entries = ranking.rank_individuals(board, n, set(), prizes=contest["prizes"]["individual"])
    steps["rank"] = time.perf_counter() - started
    started = time.perf_counter()
    repository.get_participants(e.participant_id for e in entries)
    steps["read registrations"] = time.perf_counter() - started

    METER = Meter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    filename, data = service.build(ExportSpec.of("ranking", OPERATOR, round_id="r1"))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    meter, METER = METER, None
    rows = len(entries)
    print(
        f"\nN = {n:,} attempts, {people:,} people, {rows:,} rows (each person's best)\n"
        f"  {filename}: {len(data):,} bytes ({len(data) / 2**20:.2f} MB, {len(data) / rows:.0f} bytes/row; "
        f"base64 in a response: {len(data) * 4 / 3 / 2**20:.2f} MB)\n"
        f"  build: {seconds:.1f} s wall, {cpu:.1f} s CPU; {dict(meter.calls)}, {meter.rcu:,.0f} RCU; "
        f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (before {rss_before / 1024:.0f} MB)\n"
        f"  steps alone: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()) + "\n"
        f"  inline limit: {export_service.INLINE_ROWS:,} attempts (the smaller of {MAX_INLINE_BYTES:,} bytes at "
        f"{export_service.BYTES_PER_ROW} bytes/row and {export_service.ROWS_WITHIN_TIMEOUT:,} for the API's timeout), "
        f"{n / max(cpu, 1e-9) / 1000:.1f}k attempts per CPU second: this file goes "
        f"{'through the background path' if n > export_service.INLINE_ROWS else 'inline'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if len(args.attempts) > 1:  # one child per size: settings and models are read once per process
        for n in args.attempts:
            os.spawnv(
                os.P_WAIT,
                sys.executable,
                [sys.executable, __file__, "--attempts", str(n), "--seed", str(args.seed)],
            )
        return 0
    n = args.attempts[0]
    with DynamoDBLocal(port=free_port(), in_memory=True) as ddb:
        os.environ.update(
            {
                "DYNAMODB_ENDPOINT": ddb.endpoint,
                "TABLE_PREFIX": f"bench-export-{os.getpid()}",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "STAGE": "bench",
            }
        )
        run_one(n, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
