"""Capacity log for measurements: every DynamoDB call PynamoDB makes, with its consumed units.

Off unless ``DDB_CAPACITY_LOG`` names a file. Then ``Connection.dispatch`` asks for
``ReturnConsumedCapacity=INDEXES`` and appends one JSON line a call (time, process, operation,
table, read and write units as reported). A transaction is also counted by AWS's rule, since
DynamoDB Local reports 2 units for any transaction: 2 write units per item per KB (rounded up),
the size of a Put taken from its attributes, an Update or a ConditionCheck taken as 1 KB (the
counters the stream handler updates are far below 1 KB). A BatchGetItem is counted at least
by AWS's rule for items under 4 KB, found or not (DynamoDB Local reports only those found).
``benchmarks/attempt_cost.py`` and ``benchmarks/attempt_units.py`` read the file. Several
processes (``chalice local`` and the local event driver) may append to it.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

ENV_VARIABLE = "DDB_CAPACITY_LOG"
_NO_CAPACITY = {
    "DescribeTable",
    "ListTables",
    "UpdateTable",
    "UpdateTimeToLive",
    "DeleteTable",
    "CreateTable",
}
_installed = False
# Calls made to refresh a cache that a warm Lambda shares among everyone it serves: logged with
# this label, so a benchmark tells them from the request's own units.
_shared: ContextVar[str | None] = ContextVar("capacity_shared", default=None)


@contextmanager
def shared(label: str) -> Iterator[None]:
    """Mark the DynamoDB calls inside as a shared cache's refresh (``label``) in the log."""
    token = _shared.set(label)
    try:
        yield
    finally:
        _shared.reset(token)


def install_from_environment() -> bool:
    """Wrap PynamoDB's dispatch when ``DDB_CAPACITY_LOG`` is set; True when the log is on."""
    global _installed
    path = os.environ.get(ENV_VARIABLE, "")
    if not path or _installed:
        return _installed
    from pynamodb.connection.base import Connection

    original = Connection.dispatch

    def dispatch(self: Any, operation_name: str, operation_kwargs: dict) -> dict:
        if operation_name not in _NO_CAPACITY:
            operation_kwargs["ReturnConsumedCapacity"] = "INDEXES"
        data = original(self, operation_name, operation_kwargs)
        if operation_name not in _NO_CAPACITY:
            _append(path, entry(operation_name, operation_kwargs, data))
        return data

    Connection.dispatch = dispatch
    _installed = True
    return True


def entry(operation_name: str, operation_kwargs: dict, data: dict | None) -> dict:
    """One log line: what DynamoDB reported, plus AWS's units for a transaction."""
    consumed = (data or {}).get("ConsumedCapacity") or []
    if isinstance(consumed, dict):
        consumed = [consumed]
    read = sum(float(c.get("ReadCapacityUnits", 0) or 0) for c in consumed)
    write = sum(float(c.get("WriteCapacityUnits", 0) or 0) for c in consumed)
    total = sum(float(c.get("CapacityUnits", 0) or 0) for c in consumed)
    if not read and not write and total:
        # Only CapacityUnits: a read operation reports reads, a write operation writes.
        if operation_name in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"):
            read = total
        else:
            write = total
    line: dict[str, Any] = {
        "t": time.time(),
        "pid": os.getpid(),
        "process": os.path.basename(sys.argv[0]) if sys.argv else "",
        "op": operation_name,
        "table": operation_kwargs.get("TableName") or _transaction_tables(operation_kwargs),
        "rru": read,
        "wru": write,
        "reported": consumed,
    }
    if _shared.get():
        line["shared"] = _shared.get()
    if operation_name == "BatchGetItem":
        line["rru"] = max(read, _batch_get_units(operation_kwargs, data or {}))
    if operation_name == "TransactWriteItems":
        items = operation_kwargs.get("TransactItems", [])
        line["items"] = len(items)
        line["wru"] = float(sum(2 * _transaction_item_kb(item) for item in items))
        line["rru"] = 0.0
    return line


def _batch_get_units(operation_kwargs: dict, data: dict) -> float:
    """A BatchGetItem by AWS's rule: every key read costs at least 1 unit (0.5 eventually
    consistent), found or not; DynamoDB Local reports only the items it found."""
    unprocessed = data.get("UnprocessedKeys") or {}
    units = 0.0
    for table, request in (operation_kwargs.get("RequestItems") or {}).items():
        keys = len(request.get("Keys", [])) - len((unprocessed.get(table) or {}).get("Keys", []))
        units += keys * (1.0 if request.get("ConsistentRead") else 0.5)
    return units


def _transaction_tables(operation_kwargs: dict) -> str:
    names = set()
    for item in operation_kwargs.get("TransactItems", []) or []:
        for body in item.values():
            if isinstance(body, dict) and body.get("TableName"):
                names.add(body["TableName"])
    return ",".join(sorted(names))


def _transaction_item_kb(item: dict) -> int:
    put = item.get("Put")
    if put:
        return max(1, math.ceil(item_size(put.get("Item", {})) / 1024))
    return 1


def item_size(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values (wire format), in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict) -> int:
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(str(inner).lstrip("-").replace(".", "").lstrip("0")) // 2 + 1 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(len(str(n)) // 2 + 2 for n in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    return len(json.dumps(inner))


def _append(path: str, line: dict) -> None:
    data = (json.dumps(line, separators=(",", ":")) + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


def read_log(path: str) -> list[dict]:
    """The lines of a capacity log, in time order."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [json.loads(text) for text in handle if text.strip()]
    except FileNotFoundError:
        return []
    return sorted(lines, key=lambda line: line["t"])
