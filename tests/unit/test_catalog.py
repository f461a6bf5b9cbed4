"""The contest and bank caches of a process: a threaded server (chalice local) refreshes each
once however many requests arrive together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from chalicelib.catalog import Catalog
from chalicelib.clock import FixedClock
from chalicelib.data.bank_store import Manifest
from chalicelib.domain.timing import parse_iso


class SlowStore:
    """A bank store that takes 50 ms a read and counts the loads."""

    def __init__(self) -> None:
        self.loads = 0
        self._lock = threading.Lock()

    def manifest(self, contest_id: str) -> Manifest:
        time.sleep(0.05)
        return Manifest(1, {})

    def load(self, contest_id: str, manifest: Manifest | None = None) -> tuple[Manifest, list]:
        time.sleep(0.05)
        with self._lock:
            self.loads += 1
        return Manifest(1, {}), []


def test_sixty_four_requests_arriving_together_load_the_bank_once() -> None:
    store = SlowStore()
    catalog = Catalog(
        repository=None,
        clock=FixedClock(parse_iso("2021-12-15T10:00:00+07:00")),
        contest_id="c",
        ttl_seconds=5,
        questions=store,
    )
    with ThreadPoolExecutor(64) as pool:
        banks = list(pool.map(lambda _: catalog.bank(), range(64)))
    assert store.loads == 1
    assert all(bank is banks[0] for bank in banks)
