"""An isolated copy of the whole local stack for integration and e2e tests.

``scripts/local_stack.py`` runs in a child process (DynamoDB Local ``-inMemory`` and
``chalice local`` on free ports, tables from infra/, the seed, and the event driver that calls
the ``@app.schedule`` and ``@app.on_dynamodb_record`` handlers). The child keeps the tests'
process free of its boto3 clients and PynamoDB connections, which moto-based tests patch.

    def test_something(local_stack):
        status, body = local_stack.get("/contest")
        local_stack.patch("/admin/rounds/r1", {...}, token=local_stack.admin_token)
        local_stack.tick()          # run every schedule handler now
        local_stack.sync_streams()  # every write so far has reached the stream handlers
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from scripts.dynamodb_local import die_with_parent, free_port  # noqa: E402
from scripts.local_stack import READY_MARKER  # noqa: E402
from tests.altcha_solver import solve  # noqa: E402

T = TypeVar("T")
TEST_TABLE_PREFIX = "songcong-it"
TEST_ADMIN_TOKEN = "it-admin-token"


class StackFailed(RuntimeError):
    """The local stack did not start or stopped on its own; the message ends with its log."""


@dataclass
class LocalStack:
    """A running stack: where it listens, how to call it, and how to drive its event sources."""

    base_url: str
    admin_token: str
    ddb_endpoint: str
    table_prefix: str
    region: str
    tick_seconds: float
    log_path: Path
    status_path: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(repr=False)

    # ---- HTTP ----------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, Any]:
        """One JSON request; returns (status, decoded body or text). Never raises on 4xx/5xx."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url(path), data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read())

    def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: object = None, **kwargs: Any) -> tuple[int, Any]:
        if path == "/participants" and isinstance(body, dict) and "altcha" not in body:
            # What the page's widget does; a test of the challenge itself sets the field.
            body = {**body, "altcha": solve(self.get("/challenge")[1])}
        return self.request("POST", path, {} if body is None else body, **kwargs)

    def put(self, path: str, body: object = None, **kwargs: Any) -> tuple[int, Any]:
        return self.request("PUT", path, {} if body is None else body, **kwargs)

    def patch(self, path: str, body: object = None, **kwargs: Any) -> tuple[int, Any]:
        return self.request("PATCH", path, {} if body is None else body, **kwargs)

    def admin(self, method: str, path: str, body: object = None) -> Any:
        """An admin call that must succeed; returns the decoded body."""
        status, payload = self.request(method, path, body, token=self.admin_token)
        assert status < 300, f"{method} {path}: {status} {payload}"
        return payload

    # ---- event sources -------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Counters of the event driver: ticks, stream_polls, stream_records, handler_errors."""
        try:
            return json.loads(self.status_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"ticks": 0, "stream_polls": 0, "stream_records": 0, "handler_errors": []}

    def handler_errors(self) -> list[dict[str, str]]:
        return list(self.status().get("handler_errors", []))

    def tick(self, timeout: float = 60) -> None:
        """Run every ``@app.schedule`` handler now and wait until they have returned."""
        started = self.status().get("ticks_started", 0)  # a tick under way may predate this call
        self.process.send_signal(signal.SIGUSR1)
        self.wait_until(lambda: self.status()["ticks"] > started, timeout, "a scheduler tick")

    def sync_streams(self, timeout: float = 30) -> None:
        """Wait until every write made so far has been handed to the stream handlers: two
        complete polls after this call, the second of which began after it."""
        before = self.status()["stream_polls"]
        self.wait_until(lambda: self.status()["stream_polls"] >= before + 2, timeout, "two stream polls")

    def wait_until(self, condition: Callable[[], T], timeout: float = 30, what: str = "condition") -> T:
        """Poll ``condition`` until it is truthy (returned); fail with the stack's log tail."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{self.log_tail()}")
            time.sleep(0.1)

    # ---- data, logs, life ------------------------------------------------------------------
    def dynamodb_client(self) -> Any:
        """A boto3 client on this stack's DynamoDB Local (fake credentials, explicit endpoint)."""
        import boto3

        return boto3.client(
            "dynamodb",
            endpoint_url=self.ddb_endpoint,
            region_name=self.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def table_name(self, logical_name: str) -> str:
        return f"{self.table_prefix}-{logical_name}"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "--- local stack log (tail) ---\n" + "\n".join(self.log_text().splitlines()[-lines:])

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise StackFailed(f"the local stack exited with {self.process.returncode}\n{self.log_tail()}")

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM: the stack stops chalice local and DynamoDB Local itself."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def start_stack(
    *,
    name: str = "stack",
    tick_seconds: float = 0,
    log_dir: Path = ARTIFACTS,
    extra_env: Mapping[str, str] | None = None,
    startup_timeout: float = 180,
) -> LocalStack:
    """Start ``scripts/local_stack.py --in-memory`` on free ports and wait until it serves.

    ``tick_seconds`` 0 (the default) runs the schedules only when a test calls ``tick()``: the
    seeded rounds lie in the past, so a running clock would close them before a test could
    move them.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    port, ddb_port = free_port(), free_port()
    while ddb_port == port:
        ddb_port = free_port()
    log_path = log_dir / f"local-stack-{name}.log"
    status_path = log_dir / f"local-stack-{name}.status.json"
    status_path.unlink(missing_ok=True)
    env = dict(os.environ)
    for variable in ("DYNAMODB_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(variable, None)
    env.update(
        {
            "STAGE": "dev",
            "TABLE_PREFIX": TEST_TABLE_PREFIX,
            "ADMIN_TOKEN": TEST_ADMIN_TOKEN,
            "AWS_REGION": "ap-southeast-1",
            "AWS_DEFAULT_REGION": "ap-southeast-1",
            "PYTHONUNBUFFERED": "1",
            "SMS_LOG_PATH": str(log_dir / f"sms-{name}.log"),
        }
    )
    env.update(extra_env or {})
    command = [
        sys.executable,
        str(REPO_ROOT / "scripts" / "local_stack.py"),
        "--in-memory",
        "--port",
        str(port),
        "--ddb-port",
        str(ddb_port),
        "--tick-seconds",
        str(tick_seconds),
        "--stream-poll-seconds",
        "0.2",
        "--log-dir",
        str(log_dir / f"local-stack-{name}"),
        "--status-file",
        str(status_path),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,  # a killed test run leaves no stack behind
        )
    stack = LocalStack(
        base_url=f"http://127.0.0.1:{port}",
        admin_token=env["ADMIN_TOKEN"],
        ddb_endpoint=f"http://127.0.0.1:{ddb_port}",
        table_prefix=env["TABLE_PREFIX"],
        region=env["AWS_REGION"],
        tick_seconds=tick_seconds,
        log_path=log_path,
        status_path=status_path,
        process=process,
        env=env,
    )
    try:
        stack.wait_until(lambda: READY_MARKER in stack.log_text(), startup_timeout, "the stack to be ready")
    except BaseException:
        stack.stop()
        raise
    return stack


@contextlib.contextmanager
def running_stack(**kwargs: Any) -> Iterator[LocalStack]:
    """``with running_stack() as stack:`` — started on entry, stopped on exit."""
    stack = start_stack(**kwargs)
    try:
        yield stack
    finally:
        stack.stop()
