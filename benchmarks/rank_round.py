"""Time and DynamoDB reads to CLOSE and RANK a round of N submitted attempts, on DynamoDB Local.

Usage (from the repository root; needs java and `make venv node-deps`):

    .venv/bin/python benchmarks/rank_round.py                        # N = 10,000 and 100,000 (~7 min)
    .venv/bin/python benchmarks/rank_round.py --attempts 10000        # one size (~1 min)
    .venv/bin/python benchmarks/rank_round.py --attempts 10000 100000 --shards 16 --open 300 --seed 7

Each N runs in a fresh child process of this script (settings are read once at import):
DynamoDB Local in memory on a free port, a unique TABLE_PREFIX, the tables of infra/, the seed.
The child bulk-loads round r1 with PynamoDB batch writes, exactly as the app would have left it:

- ~N/1.5 participants (ParticipantModel) over the 11 units, 1-3 submitted attempts each, with
  the attributes start + autosave + submit write (layout from ``quiz.draw_layout`` with the
  seeded bank, answers whose score is ``correct``, receipt, ``board_shard``/``board_key``);
  ``correct`` is skewed towards 20 (a quarter of the attempts tie at the top), predictions
  spread around N with many round numbers (exact ties), ~5% without a prediction;
- ``--open`` attempts still open at closing time (``open_shard`` set, saved answers), some
  abandoned during the week, some started in the last 20 minutes, some by people with no
  other attempt;
- two excluded people (exclusion list) holding the very best attempts, so that the prize
  walk must skip them.

Then, with a FixedClock past r1's closing time + grace, it times ``lifecycle.close("r1")`` and
``lifecycle.rank("r1")``, and apart from them the top-k read (``iter_ranked`` +
``top_individuals``), a full read + sort (``read_whole_board`` + ``rank_individuals``) and the
round's item statistics (``ItemStatisticsService.compute``: every attempt's layout and answers). Every
DynamoDB call goes through ``pynamodb.connection.base.Connection.dispatch``, which is wrapped
to count calls per operation and to sum the ``ConsumedCapacity`` that DynamoDB Local returns
(``ReturnConsumedCapacity=TOTAL``). The script asserts that the top-k read, the full sort and
the stored ranking give the same prize winners, then prints one table row per N, and below it
each step's calls per table/index, the Python CPU time it used (what a Lambda would spend,
DynamoDB Local's own work aside), and the COUNT of closing measured alone.

RCU are what DynamoDB Local reports (its arithmetic follows DynamoDB's: 4 KB units, halved
for eventually consistent reads); times are this machine's, with DynamoDB Local sharing its
CPUs, so they compare operations with each other rather than predict Lambda latency.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.dynamodb_local import DynamoDBLocal, free_port  # noqa: E402  (imports no chalicelib)

ROUND_ID = "r1"
REGION = "ap-southeast-1"
RESULT_MARKER = "RESULT "
READ_OPS = frozenset({"Query", "GetItem", "BatchGetItem", "Scan"})
WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


def log(message: str) -> None:
    print(f"[rank_round {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- measuring


class Meter:
    """DynamoDB calls per operation, capacity read and written, items returned."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rcu = 0.0
        self.wcu = 0.0
        self.detail: Counter[str] = Counter()
        self.items = 0
        self._lock = threading.Lock()

    def record(self, operation: str, kwargs: dict, data: dict | None) -> None:
        data = data or {}
        capacity = data.get("ConsumedCapacity")
        units = 0.0
        for entry in capacity if isinstance(capacity, list) else [capacity] if capacity else []:
            units += float(entry.get("CapacityUnits", 0) or 0)
        if operation in ("Query", "Scan"):
            items = len(data.get("Items", ()))
        elif operation == "GetItem":
            items = 1 if data.get("Item") else 0
        elif operation == "BatchGetItem":
            items = sum(len(found) for found in data.get("Responses", {}).values())
        else:
            items = 0
        with self._lock:
            self.calls[operation] += 1
            self.detail[_call_label(operation, kwargs)] += 1
            self.items += items
            if operation in READ_OPS:
                self.rcu += units
            elif operation in WRITE_OPS:
                self.wcu += units

    def summary(self, seconds: float) -> dict:
        return {
            "s": round(seconds, 3),
            "calls": sum(self.calls.values()),
            "by_op": dict(sorted(self.calls.items())),
            "detail": dict(sorted(self.detail.items())),
            "rcu": round(self.rcu, 1),
            "wcu": round(self.wcu, 1),
            "items": self.items,
        }


_METER: Meter | None = None


def _call_label(operation: str, kwargs: dict) -> str:
    """``Query attempts/leaderboard COUNT``: the operation, the table (without its prefix),
    the index and a COUNT select, for the per-call breakdown."""
    prefix = os.environ.get("TABLE_PREFIX", "") + "-"
    tables = [kwargs["TableName"]] if "TableName" in kwargs else sorted(kwargs.get("RequestItems", {}))
    label = f"{operation} {','.join(t.removeprefix(prefix) for t in tables)}"
    if "IndexName" in kwargs:
        label += "/" + kwargs["IndexName"]
    if kwargs.get("Select") == "COUNT":
        label += " COUNT"
    return label


def install_meter() -> None:
    from pynamodb.connection.base import Connection

    original = Connection.dispatch

    def metered_dispatch(self, operation_name, operation_kwargs):
        if operation_name in READ_OPS or operation_name in WRITE_OPS:
            operation_kwargs["ReturnConsumedCapacity"] = "TOTAL"
        data = original(self, operation_name, operation_kwargs)
        meter = _METER
        if meter is not None:
            meter.record(operation_name, operation_kwargs, data)
        return data

    Connection.dispatch = metered_dispatch


def rss_mb() -> float:
    """Resident memory of this process now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def stand_in_for_the_stream(repository, shards) -> None:
    """Write the counters the stream handler would have kept during the week (not measured):
    the counters of a full recount, straight into the stats table, so that ``rank`` takes its
    production path (counters that add up to the exact count) instead of its fallback."""
    from chalicelib.data.models import StatsModel
    from chalicelib.domain import ranking

    board = list(repository.read_whole_board(shards))
    counters = ranking.counters_from_attempts(board)
    people = Counter(unit for unit in {a.participant_id: a.unit_id for a in board}.values())
    with StatsModel.batch_write() as batch:
        for unit_id, unit in counters.units.items():
            batch.save(
                StatsModel(
                    ROUND_ID,
                    f"UNIT#{unit_id}",
                    attempts=unit.attempts,
                    participants=unit.participants,
                    best_sum=unit.best_sum,
                )
            )
        for score, count in counters.best_scores.items():
            batch.save(StatsModel(ROUND_ID, f"BEST#{score:03d}", people=count))
        for unit_id, count in people.items():
            batch.save(StatsModel("CONTEST", f"UNIT#{unit_id}", participants=count))


def measured(action):
    """Run ``action`` with a fresh meter: (its result, summary dict)."""
    global _METER
    _METER = Meter()
    rss_before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result = action()
    finally:
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        meter, _METER = _METER, None
    extra = {"cpu_s": round(cpu, 3), "rss_growth_mb": round(rss_mb() - rss_before)}
    return result, {**meter.summary(seconds), **extra}


# ----------------------------------------------------------------------------- the data

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thế", "Công", "Xuân"]
MIDDLE_F = ["Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Minh", "Phương", "Kim"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Sơn", "Tuấn"]
GIVEN_F = ["Anh", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Lan", "Linh", "Mai", "Ngân", "Thảo", "Yến"]
WORKPLACES = ["", "", "UBND phường", "Trường THCS", "Trạm y tế", "Công an phường", "Hợp tác xã"]


def correct_weights(questions: int) -> list[float]:
    """Skewed towards a perfect score: P(20) ~ 25%, P(19) ~ 19%, ... (open-book quiz)."""
    return [math.exp(-(questions - k) / 3.5) for k in range(questions + 1)]


def draw_prediction(rng: random.Random, n: int) -> int | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    guess = n * math.exp(rng.gauss(0, 0.35))
    if roll < 0.40:  # people like round numbers: exact ties on the prediction
        step = rng.choice((100, 500, 1000))
        guess = round(guess / step) * step
    return max(0, int(guess))


def answers_for(quiz, bank_by_id, secret, attempt_id, layout, correct, rng, unanswered=0.1) -> dict:
    """Answers to ``layout`` of which exactly ``correct`` are right (some others left blank)."""
    right = set(rng.sample(range(len(layout)), correct))
    answers = {}
    for position, (question_id, order, *_version) in enumerate(layout):
        good = bank_by_id[question_id].correct_index
        if position in right:
            chosen = good
        elif rng.random() < unanswered:
            continue
        else:
            chosen = rng.choice([i for i in order if i != good])
        answers[question_id] = quiz.option_id(secret, attempt_id, question_id, chosen)
    return answers


def national_id(serial: int, gender: str, year: int) -> str:
    """A well-formed 12-digit CCCD of Thái Nguyên (019), unique per serial."""
    century_gender = (0 if gender == "male" else 1) + (2 if year >= 2000 else 0)
    return f"019{century_gender}{year % 100:02d}{serial:06d}"


# ----------------------------------------------------------------------------- one run


def run_one(n: int, shards: int | None, n_open: int, seed: int, workers: int) -> dict:
    port = free_port()
    log(f"N={n}: DynamoDB Local (in memory) on port {port}")
    with DynamoDBLocal(port=port, in_memory=True) as ddb:
        os.environ.update(
            {
                "DYNAMODB_ENDPOINT": ddb.endpoint,
                "TABLE_PREFIX": f"bench-rank-{os.getpid()}-{n}",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "STAGE": "bench",
            }
        )
        if shards is not None:
            os.environ["ATTEMPT_SHARDS"] = str(shards)
        return _run_with_tables(n, n_open, seed, workers)


def _run_with_tables(n: int, n_open: int, seed: int, workers: int) -> dict:
    import boto3

    from chalicelib import container
    from chalicelib.catalog import QuestionBank
    from chalicelib.clock import FixedClock
    from chalicelib.data.bank_store import QuestionStore
    from chalicelib.data.models import AttemptModel, ParticipantModel
    from chalicelib.data.repository import AttemptRecord, Repository, attempt_model
    from chalicelib.domain import quiz, ranking, timing, tokens
    from chalicelib.seeding import load_source
    from chalicelib.seeding import seed as seed_contest
    from chalicelib.settings import get_settings
    from infra.table_specs import create_tables

    settings = get_settings()
    shards = settings.attempt_shards
    secret = settings.token_secret
    client = boto3.client(
        "dynamodb",
        endpoint_url=settings.dynamodb_endpoint,
        region_name=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    create_tables(client, settings.table_prefix)
    contest, questions = load_source()
    repository = Repository()
    seed_contest(repository, contest, questions, timing.parse_iso("2021-12-01T08:00:00+07:00"))
    install_meter()

    rules = contest["rules"]
    per_attempt = rules["questions_per_attempt"]
    limit_ms = rules["time_limit_seconds"] * 1000
    grace_ms = rules["grace_seconds"] * 1000
    round_source = next(r for r in contest["rounds"] if r["id"] == ROUND_ID)
    opens_at = timing.parse_iso(round_source["opens_at"])
    closes_at = timing.parse_iso(round_source["closes_at"])
    bank = QuestionBank.of(QuestionStore().load(contest["id"])[1])  # question bank (issue 10)
    units = [u["id"] for u in contest["units"]]
    rng = random.Random(seed)
    unit_weights = [rng.uniform(0.4, 2.5) for _ in units]  # wards bigger than communes
    weights = correct_weights(per_attempt)
    expected_actual = n + n_open  # closing submits every open attempt

    # --- who plays how often ----------------------------------------------------------------
    counts: list[int] = []
    while sum(counts) < n:
        counts.append(rng.choices((1, 2, 3), weights=(0.6, 0.3, 0.1))[0])
    counts[-1] -= sum(counts) - n
    if counts[-1] == 0:
        counts.pop()
    fresh_open = n_open // 5  # people whose only attempt is still open at closing
    eligible = [i for i, c in enumerate(counts) if c < 3 and i > 1]
    open_for = rng.sample(eligible, min(n_open - fresh_open, len(eligible)))
    fresh_open = n_open - len(open_for)
    open_for_set = set(open_for)
    people = len(counts) + fresh_open
    excluded_serials = (0, 1)  # their best attempts are the very best: the walk must skip them

    def person(serial: int) -> ParticipantModel:
        prng = random.Random(seed * 1_000_003 + serial)
        gender = prng.choice(("male", "female"))
        year = prng.randint(1960, 2005)
        nid = national_id(serial, gender, year)
        middle, given = (MIDDLE_M, GIVEN_M) if gender == "male" else (MIDDLE_F, GIVEN_F)
        created = opens_at - prng.randint(0, 10 * 86400_000)
        return ParticipantModel(
            tokens.participant_id_for(secret, nid),
            national_id=nid,
            full_name=f"{prng.choice(FAMILY)} {prng.choice(middle)} {prng.choice(given)}",
            date_of_birth=f"{year}-{prng.randint(1, 12):02d}-{prng.randint(1, 28):02d}",
            gender=gender,
            phone=f"09{prng.randint(0, 99_999_999):08d}",
            unit_id=rng.choices(units, weights=unit_weights)[0],
            workplace=prng.choice(WORKPLACES),
            consent_at=created,
            created_at=created,
        )

    def layout_of(attempt_id: str) -> list:
        drawn = quiz.draw_layout(bank.active, quiz.DrawRules.of(rules), secret=secret, attempt_id=attempt_id)
        return [list(entry) for entry in drawn]

    def submitted_attempts(p: ParticipantModel, serial: int, k: int) -> tuple[list[AttemptModel], int]:
        """k submitted attempts, one after the other within the round; returns them and when
        the last was submitted."""
        while True:
            starts = sorted(rng.randint(opens_at, closes_at - limit_ms) for _ in range(k))
            if all(b - a > limit_ms + 60_000 for a, b in itertools.pairwise(starts)):
                break
        made = []
        for number, started in enumerate(starts, start=1):
            attempt_id = f"{p.participant_id}.{ROUND_ID}.{number}"
            deadline = timing.attempt_deadline(started, rules["time_limit_seconds"], closes_at)
            duration = min(deadline - started, int(rng.lognormvariate(math.log(420_000), 0.5)))
            correct = rng.choices(range(per_attempt + 1), weights=weights)[0]
            prediction = draw_prediction(rng, n)
            if serial in excluded_serials and number == 1:
                correct, prediction, duration = per_attempt, expected_actual, 90_000 + serial
            submitted = started + duration
            layout = layout_of(attempt_id)
            answers = answers_for(quiz, bank.by_id, secret, attempt_id, layout, correct, rng)
            record = AttemptRecord(
                p.participant_id,
                ROUND_ID,
                number,
                p.unit_id,
                status="submitted",
                started_at=started,
                deadline_at=deadline,
                layout=layout,
                answers=answers,
                prediction=prediction,
                saved_at=submitted - rng.randint(1_000, 60_000),
                submitted_at=submitted,
                submitted_by="participant",
                duration_ms=duration,
                correct=correct,
                total=len(layout),
                receipt=quiz.receipt(secret, attempt_id, submitted, answers, prediction),
            )
            made.append(
                attempt_model(
                    record,
                    secret,
                    board_shard=ranking.board_shard(ROUND_ID, attempt_id, shards),
                    board_key=ranking.board_key(correct, prediction, duration, submitted, attempt_id),
                )
            )
        return made, submitted

    def open_attempt(p: ParticipantModel, number: int, after: int) -> AttemptModel:
        """Still open at closing: abandoned in the week, or started in the last 20 minutes."""
        if rng.random() < 0.5 and after + 60_000 < closes_at - 2 * limit_ms:
            started = rng.randint(after + 60_000, closes_at - 2 * limit_ms)
        else:
            started = rng.randint(closes_at - limit_ms, closes_at - 30_000)
            started = min(max(started, after + 60_000), closes_at - 1_000)
        attempt_id = f"{p.participant_id}.{ROUND_ID}.{number}"
        deadline = timing.attempt_deadline(started, rules["time_limit_seconds"], closes_at)
        layout = layout_of(attempt_id)
        if rng.random() < 0.1:
            answers, prediction, saved = {}, None, None
        else:
            answered = layout[: rng.randint(1, len(layout))]
            correct = rng.randint(0, len(answered))
            answers = answers_for(quiz, bank.by_id, secret, attempt_id, answered, correct, rng, unanswered=0)
            prediction = draw_prediction(rng, n)
            saved = rng.randint(started, deadline)
        record = AttemptRecord(
            p.participant_id,
            ROUND_ID,
            number,
            p.unit_id,
            status="open",
            started_at=started,
            deadline_at=deadline,
            layout=layout,
            answers=answers,
            prediction=prediction,
            saved_at=saved,
        )
        return attempt_model(record, secret, open_shard=ranking.board_shard(ROUND_ID, attempt_id, shards))

    # --- bulk load with batch writes from a few threads ---------------------------------------
    def write(model_class, chunk) -> None:
        with model_class.batch_write() as batch:
            for item in chunk:
                batch.save(item)

    log(f"N={n}: loading {n} submitted + {n_open} open attempts of {people} people ({shards} shards)")
    excluded_ids: list[str] = []
    loaded = Counter()
    started_load = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: set = set()
        attempts_chunk: list = []
        people_chunk: list = []

        def flush(force: bool = False) -> None:
            nonlocal attempts_chunk, people_chunk
            for model_class, chunk in ((AttemptModel, attempts_chunk), (ParticipantModel, people_chunk)):
                if chunk and (force or len(chunk) >= 500):
                    pending.add(pool.submit(write, model_class, chunk))
                    loaded[model_class.__name__] += len(chunk)
                    if model_class is AttemptModel:
                        attempts_chunk = []
                    else:
                        people_chunk = []
            while len(pending) > 2 * workers:  # bounded memory: wait for the writers
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()
                pending.difference_update(done)

        for serial in range(people):
            p = person(serial)
            people_chunk.append(p)
            if serial in excluded_serials:
                excluded_ids.append(p.national_id)
            if serial < len(counts):
                made, last = submitted_attempts(p, serial, counts[serial])
                attempts_chunk.extend(made)
                if serial in open_for_set:
                    attempts_chunk.append(open_attempt(p, counts[serial] + 1, last))
            else:
                attempts_chunk.append(open_attempt(p, 1, opens_at))
            flush()
            if serial and serial % 10_000 == 0:
                log(
                    f"N={n}: {loaded['AttemptModel']} attempts sent, {time.perf_counter() - started_load:.0f} s"
                )
        flush(force=True)
        for future in pending:
            future.result()
    repository.set_exclusions(contest["id"], excluded_ids, opens_at)
    load_s = time.perf_counter() - started_load
    assert loaded["AttemptModel"] == n + n_open, loaded
    log(f"N={n}: loaded {dict(loaded)} in {load_s:.1f} s")

    # --- close and rank, as the schedule would ---------------------------------------------
    clock = FixedClock(closes_at + grace_ms + 60_000)
    services = container.build_services(clock=clock)
    lifecycle = services.lifecycle
    log(f"N={n}: close")
    closed, close_m = measured(lambda: lifecycle.close(ROUND_ID))
    assert closed.state == "closed", closed
    assert closed.actual_prediction_value == expected_actual, (
        closed.actual_prediction_value,
        expected_actual,
    )
    log(f"N={n}: close {close_m}")
    stand_in_for_the_stream(services.repository, ranking.board_shards(ROUND_ID, shards))
    log(f"N={n}: rank")
    body, rank_m = measured(lambda: lifecycle.rank(ROUND_ID))
    assert services.repository.get_round(contest["id"], ROUND_ID).state == "ranked"
    assert body["stats"]["attempts"] == expected_actual, body["stats"]
    log(f"N={n}: rank {rank_m}")

    # --- the top-k read alone vs. a full read and sort -------------------------------------------
    snapshot = services.catalog.snapshot(fresh=True)
    excluded = {tokens.participant_id_for(secret, nid) for nid in snapshot.excluded_national_ids}
    prizes = snapshot.contest["prizes"]["individual"]
    actual = closed.actual_prediction_value
    board_shards = ranking.board_shards(ROUND_ID, shards)

    def top_k():
        ordered = ranking.iter_ranked(
            services.repository.read_board, shards=board_shards, actual=actual, max_correct=per_attempt
        )
        return ranking.top_individuals(ordered, actual, excluded, prizes=prizes)

    top, top_m = measured(top_k)
    log(f"N={n}: top-k alone {top_m}")
    board, read_m = measured(lambda: list(services.repository.read_whole_board(board_shards)))
    sort_started = time.perf_counter()
    full = ranking.rank_individuals(board, actual, excluded, prizes=prizes)
    sort_s = time.perf_counter() - sort_started
    log(f"N={n}: full read {read_m}, sort {sort_s:.2f} s")

    # The exact COUNT that closing does, alone: splits close's time between it and the
    # submits of the open attempts.
    counted, count_m = measured(lambda: services.repository.count_submitted(board_shards))
    assert counted == expected_actual, counted
    log(f"N={n}: COUNT alone {count_m}")

    # Item statistics (question bank): one pass over every submitted attempt's layout and
    # answers, read by key 100 at a time, scored against the versions shown.
    item_report, item_m = measured(lambda: services.item_statistics.compute(ROUND_ID))
    assert item_report["attempts"] == expected_actual, item_report["attempts"]
    assert sum(i["drawn"] for i in item_report["items"]) == expected_actual * per_attempt
    log(f"N={n}: item statistics {item_m}")

    def winners(entries) -> list[tuple[str, str]]:
        return [(e.attempt_id, e.prize) for e in entries if e.prize is not None]

    stored = [(e["attempt_id"], e["prize"]) for e in body["_entries"] if e["prize"] is not None]
    equal = winners(top) == winners(full) == stored and top == full[: len(top)]
    assert equal, {"top_k": winners(top), "full": winners(full), "stored": stored}
    assert len(board) == expected_actual and len(winners(full)) == sum(t["count"] for t in prizes)
    assert {e.participant_id for e in full[:2]} == excluded, "the excluded stars should head the order"

    return {
        "n": n,
        "open": n_open,
        "people": people,
        "shards": shards,
        "load_s": round(load_s, 1),
        "close": close_m,
        "rank": rank_m,
        "top_k": {**top_m, "entries": len(top)},
        "full_read": read_m,
        "count": count_m,
        "item_statistics": {**item_m, "questions": len(item_report["items"])},
        "full_sort_s": round(sort_s, 3),
        "winners_equal": equal,
        "winners": [
            {
                "rank": e.rank,
                "prize": e.prize,
                "correct": e.correct,
                "error": e.prediction_error,
                "duration_ms": e.duration_ms,
            }
            for e in top
            if e.prize is not None
        ],
        "top_level_attempts": sum(1 for a in board if a.correct == per_attempt),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


# ----------------------------------------------------------------------------- report


def print_table(results: list[dict]) -> None:
    header = (
        "N",
        "load s",
        "close s",
        "calls",
        "RCU",
        "rank s",
        "calls",
        "RCU",
        "top-k s",
        "items",
        "RCU",
        "full read s",
        "RCU",
        "sort s",
        "winners equal",
    )
    rows = [
        (
            f"{r['n']:,}",
            f"{r['load_s']:.1f}",
            f"{r['close']['s']:.2f}",
            str(r["close"]["calls"]),
            f"{r['close']['rcu']:.0f}",
            f"{r['rank']['s']:.2f}",
            str(r["rank"]["calls"]),
            f"{r['rank']['rcu']:.0f}",
            f"{r['top_k']['s']:.2f}",
            f"{r['top_k']['items']:,}",
            f"{r['top_k']['rcu']:.0f}",
            f"{r['full_read']['s']:.2f}",
            f"{r['full_read']['rcu']:.0f}",
            f"{r['full_sort_s']:.2f}",
            "yes" if r["winners_equal"] else "NO",
        )
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    groups = "".join(
        f"{label:^{sum(widths[a:b]) + 3 * (b - a - 1)}} | "
        for label, a, b in (
            ("", 0, 2),
            ("close", 2, 5),
            ("rank", 5, 8),
            ("top-k alone", 8, 11),
            ("full read + sort", 11, 14),
            ("", 14, 15),
        )
    )
    print(groups.rstrip(" |"))
    print(" | ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print()
    for r in results:
        print(
            f"N={r['n']:,}: {r['people']:,} people, {r['open']} open at closing, {r['shards']} shards, "
            f"{r['top_level_attempts']:,} attempts at {r['winners'][0]['correct']}/"
            f"{r['winners'][0]['correct']} correct; child max RSS {r['max_rss_mb']} MB"
        )
        for name in ("close", "count", "rank", "top_k", "full_read", "item_statistics"):
            m = r[name]
            print(
                f"  {name:<9} {m['s']:>7.2f} s ({m['cpu_s']:.2f} s Python CPU), {m['calls']:>5} calls, "
                f"{m['rcu']:.1f} RCU, {m['wcu']:.1f} WCU, {m['items']:,} items returned, "
                f"RSS +{m['rss_growth_mb']} MB"
            )
            print("            " + ", ".join(f"{count} {label}" for label, count in m["detail"].items()))
        print(
            "  winners: "
            + "; ".join(
                f"#{w['rank']} {w['prize']} {w['correct']} correct, error {w['error']}, {w['duration_ms']} ms"
                for w in r["winners"]
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--attempts",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="N: submitted attempts in the round (default: 10000 100000)",
    )
    parser.add_argument(
        "--shards",
        type=int,
        default=None,
        help="ATTEMPT_SHARDS (default: the settings', 16 unless the env says otherwise)",
    )
    parser.add_argument("--open", type=int, default=300, help="attempts still open at closing (default 300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the data (default 7)")
    parser.add_argument("--workers", type=int, default=4, help="threads writing batches (default 4)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one N, in this process
    args = parser.parse_args(argv)

    if args.child is not None:
        result = run_one(args.child, args.shards, args.open, args.seed, args.workers)
        print(RESULT_MARKER + json.dumps(result), flush=True)
        return 0

    if args.shards is None:
        from chalicelib.settings import load_settings  # reads the env only; imports no model

        args.shards = load_settings().attempt_shards
    results = []
    for n in args.attempts:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(n),
            "--shards",
            str(args.shards),
            "--open",
            str(args.open),
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
        ]
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
        if done.returncode != 0 or not lines:
            print(done.stdout, end="")
            print(f"N={n}: the child failed with exit code {done.returncode}", file=sys.stderr)
            return 1
        results.append(json.loads(lines[-1][len(RESULT_MARKER) :]))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
