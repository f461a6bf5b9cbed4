"""In-memory caches of what every request reads but organizers rarely change: the
contest, its rounds, the exclusion list and the question bank.

A warm Lambda serves most requests without reading these again; an organizer's change
is seen within ``config_cache_seconds`` (rounds) or ``bank_cache_seconds`` (questions).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from chalicelib.clock import Clock
from chalicelib.data import capacity
from chalicelib.data.bank_store import QuestionStore
from chalicelib.data.repository import Repository, RoundRecord
from chalicelib.domain import quiz
from chalicelib.domain.integrity import effective_rules
from chalicelib.domain.quiz import Question
from chalicelib.errors import ContestError

BANK_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ContestSnapshot:
    contest: dict
    rounds: dict[str, RoundRecord]
    excluded_national_ids: frozenset[str]
    released_participant_ids: frozenset[str] = frozenset()

    def round(self, round_id: str) -> RoundRecord:
        found = self.rounds.get(round_id)
        if found is None:
            raise ContestError("ROUND_NOT_FOUND", 404)
        return found

    @cached_property
    def rules(self) -> dict:
        """The contest's rules, integrity defaults filled in (``domain.integrity``)."""
        return effective_rules(self.contest["rules"])

    @property
    def contest_ends_at(self) -> int:
        """When the last round's results come out (epoch ms): what is kept only for the
        contest's duration expires after it."""
        return max((r.publish_at for r in self.rounds.values()), default=0)

    @property
    def unit_ids(self) -> set[str]:
        return {unit["id"] for unit in self.contest["units"]}


@dataclass(frozen=True)
class QuestionBank:
    """The bank as one manifest revision saw it: every version an attempt may have shown."""

    versions: dict[tuple[str, int], Question]
    revision: int = 0

    @classmethod
    def of(cls, questions: list[Question], revision: int = 0) -> QuestionBank:
        return cls({(q.id, q.version): q for q in questions}, revision)

    @cached_property
    def by_id(self) -> dict[str, Question]:
        """Every question at its current (latest) version, retired ones included."""
        current: dict[str, Question] = {}
        for question in self.versions.values():
            if question.id not in current or current[question.id].version < question.version:
                current[question.id] = question
        return current

    @cached_property
    def active(self) -> list[Question]:
        """What a new attempt may draw."""
        return [q for q in self.by_id.values() if q.state == "active"]

    def version(self, question_id: str, version: int) -> Question | None:
        return self.versions.get((question_id, version))

    def shown_questions(self, layout: quiz.Layout) -> dict[str, Question]:
        """{question_id: the version this layout showed}: what scoring, review and item
        statistics read (a question missing from the bank is left out)."""
        return {
            question_id: self.versions[(question_id, version)]
            for question_id, _order, version in layout
            if (question_id, version) in self.versions
        }


class Catalog:
    def __init__(
        self,
        *,
        repository: Repository,
        clock: Clock,
        contest_id: str,
        ttl_seconds: float,
        questions: QuestionStore | None = None,
    ) -> None:
        self._repository = repository
        self._questions = questions or QuestionStore()
        self._clock = clock
        self._contest_id = contest_id
        self._ttl_ms = int(ttl_seconds * 1000)
        self._snapshot: tuple[int, ContestSnapshot] | None = None
        self._bank: tuple[int, QuestionBank] | None = None
        # A Lambda serves one request at a time; a threaded server (chalice local) many: one
        # refresh at a time, so that 64 requests arriving together do not load the bank 64 times.
        self._refreshing = threading.RLock()

    def snapshot(self, *, fresh: bool = False) -> ContestSnapshot:
        if fresh or self._stale(self._snapshot, self._ttl_ms):
            with self._refreshing:
                if fresh or self._stale(self._snapshot, self._ttl_ms):
                    self._snapshot = (self._clock.now_ms(), self._read_snapshot())
        return self._snapshot[1]

    def _stale(self, cached: tuple[int, object] | None, ttl_ms: int) -> bool:
        return cached is None or self._clock.now_ms() - cached[0] > ttl_ms

    def _read_snapshot(self) -> ContestSnapshot:
        with capacity.shared("contest snapshot"):
            contest = self._repository.get_contest(self._contest_id)
            if contest is None:
                raise RuntimeError(f"contest {self._contest_id} is not seeded")
            rounds = {r.round_id: r for r in self._repository.list_rounds(self._contest_id)}
            excluded, released = self._repository.get_ineligible(self._contest_id)
        return ContestSnapshot(contest, rounds, frozenset(excluded), frozenset(released))

    def bank(self) -> QuestionBank:
        """The bank, read again after ``BANK_CACHE_SECONDS``: the manifest first (one small
        GetItem), and the questions only when its revision moved, so an organizer's change
        is seen within the cache time and an import is seen whole or not at all."""
        ttl_ms = BANK_CACHE_SECONDS * 1000
        if self._stale(self._bank, ttl_ms):
            with self._refreshing, capacity.shared("question bank"):
                if self._stale(self._bank, ttl_ms):
                    now = self._clock.now_ms()
                    manifest = self._questions.manifest(self._contest_id)
                    if (
                        self._bank is None
                        or not manifest.revision
                        or manifest.revision != self._bank[1].revision
                    ):
                        manifest, questions = self._questions.load(self._contest_id, manifest)
                        self._bank = (now, QuestionBank.of(questions, manifest.revision))
                    else:
                        self._bank = (now, self._bank[1])
        return self._bank[1]

    def forget(self) -> None:
        """Drop the caches after an organizer's change made through this process."""
        self._snapshot = None
        self._bank = None
