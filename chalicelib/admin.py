"""Organizer operations. Every change is written to the audit log with who and what."""

from __future__ import annotations

import re

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import Repository
from chalicelib.domain import identity, timing
from chalicelib.domain.ranking import UnitCounters
from chalicelib.errors import ContestError, validation_error
from chalicelib.organizers import policy
from chalicelib.organizers.policy import Actor
from chalicelib.settings import Settings
from chalicelib.validation import national_id_field, require_object, text_field

_CURSOR = re.compile(r"^[0-9]{13}#[0-9a-f]{8}$")

MAX_EXCLUSIONS = 5000
AUDIT_PAGE = 50


class AdminService:
    def __init__(self, *, repository: Repository, catalog: Catalog, clock: Clock, settings: Settings) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._contest_id = settings.contest_id

    def update_round_times(self, actor: Actor, round_id: str, body: object) -> dict:
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
        self.record(
            actor,
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

    def set_exclusions(self, actor: Actor, body: object) -> dict:
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
        self.record(
            actor,
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

    def list_exclusions(self) -> dict:
        return {
            "entries": [
                {
                    "national_id": e.national_id,
                    "national_id_masked": identity.mask_national_id(e.national_id),
                    "reason": e.reason,
                    "automatic": e.organizer is not None,
                    "organizer": e.organizer,
                }
                for e in self._repository.list_exclusions(self._contest_id)
            ]
        }

    def add_exclusion(self, actor: Actor, body: object) -> dict:
        body = require_object(body)
        national_id = national_id_field(body.get("national_id"))
        reason = text_field(body, "reason", max_length=300)
        self._repository.add_exclusion(self._contest_id, national_id, reason, self._clock.now_ms())
        masked = identity.mask_national_id(national_id)
        self.record(actor, "exclusions.add", masked, {"reason": reason})
        self._catalog.forget()
        return {"national_id_masked": masked, "reason": reason}

    def remove_exclusion(self, actor: Actor, national_id: str) -> dict:
        national_id = national_id_field(national_id)
        entries = {e.national_id: e for e in self._repository.list_exclusions(self._contest_id)}
        if national_id in entries and entries[national_id].organizer is not None:
            raise ContestError("EXCLUSION_AUTOMATIC", 409)
        if not self._repository.remove_exclusion(self._contest_id, national_id, self._clock.now_ms()):
            raise ContestError("EXCLUSION_NOT_FOUND", 404)
        masked = identity.mask_national_id(national_id)
        self.record(actor, "exclusions.remove", masked, {})
        self._catalog.forget()
        return {"national_id_masked": masked, "removed": True}

    def record(self, actor: Actor, action: str, target: str, details: dict) -> None:
        self._repository.record_action(self._contest_id, self._clock.now_ms(), actor, action, target, details)

    def live_stats(self, actor: Actor, round_id: str) -> dict:
        """Submitted attempts, people and average best score per unit and attempts per hour,
        as counted by the stream handler; a unit organizer sees its own unit only."""
        snapshot = self._catalog.snapshot()
        snapshot.round(round_id)
        units = policy.visible_units(actor, "stats.read", [unit["id"] for unit in snapshot.contest["units"]])
        counters = self._repository.round_counters(round_id)
        seen = [counters.units.get(u, UnitCounters()) for u in units]
        whole_contest = len(units) == len(snapshot.contest["units"])
        return {
            "round_id": round_id,
            "units": units,
            "attempts": sum(c.attempts for c in seen),
            "participants": sum(c.participants for c in seen),
            "per_unit": {u: c.attempts for u, c in zip(units, seen, strict=True)},
            "participants_per_unit": {u: c.participants for u, c in zip(units, seen, strict=True)},
            "average_score_per_unit": {
                u: round(c.best_sum / c.participants, 2) if c.participants else None
                for u, c in zip(units, seen, strict=True)
            },
            "attempts_per_hour": [
                {"hour": timing.to_iso(hour * 3_600_000), "attempts": count}
                for hour, count in sorted(self._repository.attempts_per_hour(round_id, units).items())
            ],
            "score_distribution": {str(k): v for k, v in counters.best_scores.items()}
            if whole_contest
            else {},
        }

    def audit_log(self, params: dict) -> dict:
        """Newest first, 50 a page, filtered by actor, action (prefix) and time."""
        since = params.get("since")
        try:
            since_ms = timing.parse_iso(since) if since else None
        except ValueError:
            raise validation_error("since", "cần thời điểm ISO 8601 có múi giờ") from None
        before = params.get("before")
        if before is not None and not _CURSOR.match(before):
            raise validation_error("before", "con trỏ trang không hợp lệ")
        events, cursor = self._repository.list_audit(
            self._contest_id,
            AUDIT_PAGE,
            actor=params.get("actor") or None,
            action=params.get("action") or None,
            before=before,
            since_ms=since_ms,
        )
        return {"events": [{**e, "at": timing.to_iso(e["at"])} for e in events], "next": cursor}
