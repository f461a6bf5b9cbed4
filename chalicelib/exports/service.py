"""Excel exports for organizers: what each file holds, who may have it, and how it reaches them.

A file small enough for one API response is built in the request and returned; a larger one
(judged before building from the number of rows, or found after) is built in the background
(the ``build-export`` function in AWS, a thread locally) into private storage and fetched
with a short-lived link. Every export is audited; a unit organizer gets its own unit's rows
only, and nobody but the committee (role ``admin``) a full CCCD.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from chalice import Response

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import Repository
from chalicelib.data.rosters import RosterStore
from chalicelib.domain import ranking, tokens
from chalicelib.errors import ContestError
from chalicelib.exports import sheets
from chalicelib.exports.storage import ExportStorage, FolderStorage, S3Storage, default_folder
from chalicelib.files import MAX_INLINE_BYTES, XLSX_TYPE, build_xlsx, file_response
from chalicelib.http import respond
from chalicelib.organizers import policy
from chalicelib.organizers.policy import Actor
from chalicelib.participation.service import ParticipationService
from chalicelib.settings import Settings

logger = Logger(service="songcong-contest")

KINDS = ("ranking", "collective", "units", "participants", "participation", "audit")
# Measured by benchmarks/export_ranking.py (docs/participation.md): a ranking row takes 87 bytes
# in the .xlsx (120 leaves room for long names), and building costs about 0.2 ms of CPU per
# attempt on a full core; the API's function (512 MB, about a third of a core) must finish in
# its 20 s timeout with the reads, so time, not size, sets the bound. A round with more
# attempts than this is built in the background.
BYTES_PER_ROW = 120
ROWS_WITHIN_TIMEOUT = 10_000
INLINE_ROWS = min(MAX_INLINE_BYTES // BYTES_PER_ROW, ROWS_WITHIN_TIMEOUT)
AUDIT_PAGE = 1000
ADMIN_ROLE = "admin"
_EXPORT_ID = re.compile(r"[a-f0-9]{32}")


@dataclass(frozen=True)
class ExportSpec:
    """One export asked for, complete enough to be built by another function."""

    kind: str
    username: str
    role: str
    actor_unit_id: str | None = None
    round_id: str | None = None
    unit_id: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(username=self.username, role=self.role, unit_id=self.actor_unit_id)

    @classmethod
    def of(cls, kind: str, actor: Actor, **target: str | None) -> ExportSpec:
        return cls(kind, actor.username, actor.role, actor.unit_id, **target)


def storage_for(settings: Settings, clock: Clock) -> ExportStorage:
    """The private bucket when one is configured (AWS), else a folder (local stack, tests)."""
    if settings.export_bucket:
        return S3Storage(settings.export_bucket, settings.region)
    folder = Path(settings.export_dir) if settings.export_dir else default_folder()
    return FolderStorage(folder, settings.token_secret, clock)


class ExportService:
    def __init__(
        self,
        *,
        repository: Repository,
        catalog: Catalog,
        clock: Clock,
        settings: Settings,
        storage: ExportStorage | None = None,
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._settings = settings
        self._contest_id = settings.contest_id
        self._storage = storage or storage_for(settings, clock)
        self._rosters = RosterStore(person_shards=settings.stats_person_shards)

    @property
    def storage(self) -> ExportStorage:
        return self._storage

    # --- requests ---------------------------------------------------------------------------------

    def request(self, spec: ExportSpec) -> Response:
        """The file (200), or 202 ``{export_id, status, url?}`` when it goes through storage."""
        self._authorize(spec)
        if self._estimated_rows(spec) > INLINE_ROWS:
            export_id = secrets.token_hex(16)
            self._audit(spec, {"delivery": "background", "export_id": export_id})
            self._start_background({"export_id": export_id, "spec": asdict(spec)})
            return respond(self._status_view(spec.actor, export_id), 202)
        filename, data = self.build(spec)
        if len(data) <= MAX_INLINE_BYTES:
            self._audit(spec, {"delivery": "inline", "bytes": len(data)})
            return file_response(data, XLSX_TYPE, filename)
        export_id = secrets.token_hex(16)
        self._storage.put(self._name(spec.actor, export_id), data, filename)
        self._audit(spec, {"delivery": "storage", "bytes": len(data), "export_id": export_id})
        return respond(self._status_view(spec.actor, export_id, filename), 202)

    def status(self, actor: Actor, export_id: str) -> dict:
        """Whether a background export is ready, with its link when it is. Only its owner sees it."""
        if not isinstance(export_id, str) or not _EXPORT_ID.fullmatch(export_id):
            raise ContestError("EXPORT_NOT_FOUND", 404)
        return self._status_view(actor, export_id)

    def run(self, event: dict) -> None:
        """The background build: the file into storage, or a ``.failed`` mark the status shows
        (until a retry succeeds: a file found wins over the mark)."""
        spec = ExportSpec(**event["spec"])
        name = self._name(spec.actor, event["export_id"])
        try:
            filename, data = self.build(spec)
            self._storage.put(name + ".meta", json.dumps({"filename": filename}).encode(), "meta.json")
            self._storage.put(name, data, filename)
        except Exception:
            logger.exception("export failed", extra={"kind": spec.kind})
            self._storage.put(name + ".failed", b"", "failed")
            raise  # the function's error alarm, and Lambda's own retries of an asynchronous call

    def _status_view(self, actor: Actor, export_id: str, filename: str | None = None) -> dict:
        name = self._name(actor, export_id)
        if filename is None and self._storage.exists(name):
            filename = self._filename_of(name)
        if filename is not None:
            return {"export_id": export_id, "status": "ready", "url": self._storage.link(name, filename)}
        if self._storage.exists(name + ".failed"):
            return {"export_id": export_id, "status": "failed"}
        return {"export_id": export_id, "status": "pending"}

    def _filename_of(self, name: str) -> str:
        try:
            return json.loads(self._storage.read(name + ".meta") or b"{}")["filename"]
        except (ValueError, KeyError):
            return "xuat-du-lieu.xlsx"

    def _name(self, actor: Actor, export_id: str) -> str:
        owner = tokens.keyed_hash(self._settings.token_secret, "export-owner", actor.username, 16)
        return f"{owner}.{export_id}"

    def _start_background(self, event: dict) -> None:
        """AWS: invoke the ``build-export`` function asynchronously; locally: a thread."""
        if self._settings.export_function:
            import boto3

            boto3.client("lambda", region_name=self._settings.region).invoke(
                FunctionName=self._settings.export_function,
                InvocationType="Event",
                Payload=json.dumps(event).encode(),
            )
            return
        threading.Thread(target=self.run, args=(event,), daemon=True).start()

    # --- who may have what ------------------------------------------------------------------------

    def _authorize(self, spec: ExportSpec) -> None:
        actor = spec.actor
        if spec.kind == "audit":
            policy.scope(actor, "audit.read")
            return
        policy.scope(actor, "exports.read")
        snapshot = self._catalog.snapshot()
        if spec.round_id is not None:
            snapshot.round(spec.round_id)
        if spec.unit_id is not None:
            policy.authorize(actor, "exports.read", spec.unit_id)
            if spec.unit_id not in snapshot.unit_ids:
                raise ContestError("UNKNOWN_UNIT", 404, field="unit_id")

    def _visible_units(self, actor: Actor) -> set[str]:
        units = [u["id"] for u in self._catalog.snapshot().contest["units"]]
        return set(policy.visible_units(actor, "exports.read", units))

    def _estimated_rows(self, spec: ExportSpec) -> int:
        """Rows the file will have, from what is known without building it."""
        if spec.kind == "ranking":
            record = self._catalog.snapshot().round(spec.round_id)
            return int(record.actual_prediction_value or 0)  # the round's submitted attempts
        return 0

    # --- building -----------------------------------------------------------------------------------

    def build(self, spec: ExportSpec) -> tuple[str, bytes]:
        """(file name, .xlsx bytes) of an export."""
        self._authorize(spec)
        builder = getattr(self, f"_build_{spec.kind}")
        filename, sheet_list = builder(spec)
        return filename, build_xlsx(sheet_list)

    def _unit_names(self) -> dict[str, str]:
        return {u["id"]: u["name"] for u in self._catalog.snapshot().contest["units"]}

    def _prize_names(self, kind: str) -> dict[str, str]:
        return {p["prize"]: p["name"] for p in self._catalog.snapshot().contest["prizes"][kind]}

    def _stored_ranking(self, round_id: str) -> tuple[Any, dict]:
        record = self._catalog.snapshot().round(round_id)
        stored = None
        if record.closed_at is not None and record.state in ("ranked", "published"):
            stored = self._repository.get_ranking(self._contest_id, round_id, record.closed_at)
        if stored is None:
            raise ContestError("ROUND_NOT_RANKED", 409)
        return record, stored

    def _build_ranking(self, spec: ExportSpec):
        """Every person's best attempt in ranking order; the prizes exactly as the stored
        ranking gives them (so the file agrees with what the committee decided)."""
        snapshot = self._catalog.snapshot()
        record, stored = self._stored_ranking(spec.round_id)
        actual = int(record.actual_prediction_value or 0)
        excluded = {
            tokens.participant_id_for(self._settings.token_secret, n) for n in snapshot.excluded_national_ids
        } | set(snapshot.released_participant_ids)
        excluded |= {
            d.participant_id for d in self._repository.list_disqualifications(self._contest_id, spec.round_id)
        }
        attempts = self._repository.read_whole_board(
            ranking.board_shards(spec.round_id, self._settings.attempt_shards)
        )
        entries = ranking.rank_individuals(
            attempts,
            actual,
            excluded,
            prizes=snapshot.contest["prizes"]["individual"],
            min_seconds_per_question=snapshot.rules["min_seconds_per_question"],
        )
        awarded = {e["attempt_id"]: (e["prize"], e["amount"]) for e in stored.get("_entries", [])}
        units = self._visible_units(spec.actor)
        visible = []
        for entry in entries:
            if entry.unit_id in units:
                prize, amount = awarded.get(entry.attempt_id, (None, 0))
                visible.append(replace(entry, prize=prize, amount=amount))
        people = self._repository.get_participants(e.participant_id for e in visible)
        sheet = sheets.ranking_sheet(
            visible,
            people,
            self._unit_names(),
            self._prize_names("individual"),
            full_national_id=spec.role == ADMIN_ROLE,
        )
        return f"xep-hang-{spec.round_id}.xlsx", [sheet]

    def _build_collective(self, spec: ExportSpec):
        snapshot = self._catalog.snapshot()
        _, stored = self._stored_ranking(spec.round_id)
        units = self._visible_units(spec.actor)
        criteria, populations = ranking.collective_rules(snapshot.contest)
        entries = [e for e in stored.get("collective", []) if e["unit_id"] in units]
        sheet = sheets.collective_sheet(
            entries, criteria, populations, self._unit_names(), self._prize_names("collective")
        )
        return f"xep-hang-tap-the-{spec.round_id}.xlsx", [sheet]

    def _build_units(self, spec: ExportSpec):
        units = self._visible_units(spec.actor)
        names = {u: n for u, n in self._unit_names().items() if u in units}
        counters = self._repository.round_counters(spec.round_id).units
        sheet = sheets.units_sheet(counters, self._repository.contest_participants(), names)
        return f"thong-ke-don-vi-{spec.round_id}.xlsx", [sheet]

    def _build_participants(self, spec: ExportSpec):
        registrants = self._rosters.unit_registrants(spec.unit_id)
        found = self._repository.get_participants(
            tokens.generation_id(k, r.generation) for k, r in registrants.items()
        )
        records = sorted(found.values(), key=lambda r: (r.created_at, r.full_name, r.participant_id))
        sheet = sheets.participants_sheet(
            records, self._unit_names()[spec.unit_id], full_national_id=spec.role == ADMIN_ROLE
        )
        return f"nguoi-du-thi-{spec.unit_id}.xlsx", [sheet]

    def _build_participation(self, spec: ExportSpec):
        service = ParticipationService(
            repository=self._repository, catalog=self._catalog, clock=self._clock, settings=self._settings
        )
        report = service.report(spec.actor, spec.unit_id, spec.round_id)
        period = self._catalog.snapshot().round(spec.round_id).name if spec.round_id else "cả cuộc thi"
        sheet_list = sheets.participation_sheets(report, self._unit_names()[spec.unit_id], period)
        suffix = spec.round_id or "ca-cuoc-thi"
        return f"tham-gia-{spec.unit_id}-{suffix}.xlsx", sheet_list

    def _build_audit(self, spec: ExportSpec):
        def events():
            cursor = None
            while True:
                page, cursor = self._repository.list_audit(self._contest_id, AUDIT_PAGE, before=cursor)
                yield from page
                if cursor is None:
                    return

        return "nhat-ky.xlsx", [sheets.audit_sheet(events())]

    def _audit(self, spec: ExportSpec, details: dict) -> None:
        target = spec.round_id or spec.unit_id or ""
        if spec.round_id and spec.unit_id:
            target = f"{spec.unit_id}/{spec.round_id}"
        self._repository.record_audit(
            self._contest_id,
            self._clock.now_ms(),
            spec.username,
            f"export.{spec.kind}",
            target,
            details,
            role=spec.role,
        )
