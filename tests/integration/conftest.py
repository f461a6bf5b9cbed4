"""Integration tests run against the real local stack (DynamoDB Local, ``chalice local`` and the
event driver), started once per test session; see tests/stack.py for what the fixture offers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import LocalStack, running_stack

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration is marked ``integration`` without repeating it."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The whole platform, isolated: in-memory tables, free ports, schedules on ``tick()``."""
    with running_stack(name="integration") as stack:
        yield stack
