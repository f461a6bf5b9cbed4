"""Organizer operations. Every change is written to the audit log with who and what."""

from __future__ import annotations

import hmac

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import Repository
from chalicelib.domain import identity, timing
from chalicelib.domain.ranking import UnitCounters
from chalicelib.errors import ContestError, validation_error
from chalicelib.settings import Settings
from chalicelib.validation import require_object

ADMIN_ACTOR = "admin"
MAX_EXCLUSIONS = 5000


def check_admin_token(settings: Settings, token: str | None) -> None:
    """Constant-time comparison; with no token configured (prod without a secret),
    every admin request is refused."""
    expected = settings.admin_token
    if not expected or not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ContestError("UNAUTHORIZED", 401)


class AdminService:
    def __init__(self, *, repository: Repository, catalog: Catalog, clock: Clock, settings: Settings) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._contest_id = settings.contest_id

    def update_round_times(self, round_id: str, body: object) -> dict:
        body = require_object(body)
        current = self._catalog.snapshot(fresh=True).round(round_id)
        reopening = current.state != "scheduled"
        if reopening and current.actual_prediction_value != 0:
            raise ContestError("ROUND_LOCKED", 409)
        values = {}
        for name in ("opens_at", "closes_at", "publish_at"):
            raw = body.get(name, timing.to_iso(getattr(current, name)))
            try:
                values[name] = timing.parse_iso(raw) if isinstance(raw, str) else None
            except ValueError:
                values[name] = None
            if values[name] is None:
                raise validation_error(
                    name, "cần thời điểm ISO 8601 có múi giờ, ví dụ 2021-12-19T16:30:00+07:00"
                )
        times = timing.RoundTimes(**values)
        if not times.is_valid():
            raise ContestError("INVALID_ROUND_TIMES", 400)
        now = self._clock.now_ms()
        move = self._repository.reopen_empty_round if reopening else self._repository.update_round_times
        if not move(self._contest_id, round_id, **values, now_ms=now):
            raise ContestError("ROUND_LOCKED", 409)
        self._repository.record_audit(
            self._contest_id,
            now,
            ADMIN_ACTOR,
            "round.reopen_empty" if reopening else "round.update_times",
            round_id,
            {
                "before": {n: timing.to_iso(getattr(current, n)) for n in values},
                "after": {n: timing.to_iso(v) for n, v in values.items()},
            },
        )
        self._catalog.forget()
        updated = self._catalog.snapshot().round(round_id)
        return {
            "id": round_id,
            "opens_at": timing.to_iso(updated.opens_at),
            "closes_at": timing.to_iso(updated.closes_at),
            "publish_at": timing.to_iso(updated.publish_at),
            "status": timing.round_status(
                timing.RoundTimes(updated.opens_at, updated.closes_at, updated.publish_at), updated.state, now
            ),
        }

    def list_questions(self) -> list[dict]:
        """Organizers see the bank as stored, with each option's id and the correct one."""
        questions = sorted(self._repository.list_questions(self._contest_id), key=lambda q: q.id)
        return [
            {
                "id": q.id,
                "document_id": q.document_id,
                "text": q.text,
                "options": [{"id": str(i), "text": text} for i, text in enumerate(q.options)],
                "correct_option_id": str(q.correct_index),
                "source": q.source,
            }
            for q in questions
        ]

    def set_exclusions(self, body: object) -> dict:
        body = require_object(body)
        ids = body.get("national_ids")
        if not isinstance(ids, list) or len(ids) > MAX_EXCLUSIONS or not all(isinstance(i, str) for i in ids):
            raise validation_error("national_ids", "cần danh sách số CCCD")
        if any(len(i) != 12 or not i.isdigit() for i in ids):
            raise ContestError("INVALID_NATIONAL_ID", 400, field="national_ids")
        now = self._clock.now_ms()
        before = self._repository.get_exclusions(self._contest_id)
        after = set(ids)
        self._repository.set_exclusions(self._contest_id, after, now)
        self._repository.record_audit(
            self._contest_id,
            now,
            ADMIN_ACTOR,
            "exclusions.set",
            "",
            {
                "added": sorted(identity.mask_national_id(i) for i in after - before),
                "removed": sorted(identity.mask_national_id(i) for i in before - after),
                "count": len(after),
            },
        )
        self._catalog.forget()
        return {"count": len(after)}

    def record(self, action: str, target: str, details: dict) -> None:
        self._repository.record_audit(
            self._contest_id, self._clock.now_ms(), ADMIN_ACTOR, action, target, details
        )

    def live_stats(self, round_id: str) -> dict:
        """Submitted attempts and people per unit, as counted by the stream handler."""
        snapshot = self._catalog.snapshot()
        snapshot.round(round_id)
        counters = self._repository.round_counters(round_id)
        units = [unit["id"] for unit in snapshot.contest["units"]]
        empty = UnitCounters()
        return {
            "round_id": round_id,
            "attempts": counters.attempts,
            "participants": counters.participants,
            "per_unit": {u: counters.units.get(u, empty).attempts for u in units},
            "participants_per_unit": {u: counters.units.get(u, empty).participants for u in units},
            "score_distribution": {str(k): v for k, v in counters.best_scores.items()},
        }

    def audit_log(self) -> list[dict]:
        return [
            {**event, "at": timing.to_iso(event["at"])}
            for event in self._repository.list_audit(self._contest_id)
        ]
