"""Rosters (upload with a dry run, replace, remove, list) and the participation report.

The service works on rows and records; ``routes.py`` turns requests into them. Every change
is audited with its actor; a unit organizer acts on its own unit only (``policy``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import Repository
from chalicelib.data.rosters import RosterStore
from chalicelib.domain import participation, tokens
from chalicelib.domain.participation import Roster, RosterCheck
from chalicelib.errors import ContestError
from chalicelib.organizers import policy
from chalicelib.organizers.policy import Actor
from chalicelib.settings import Settings


class ImportInvalid(ContestError):
    """A roster file with bad rows, refused whole: the error carries the rows and their errors."""

    def __init__(self, rows: list[dict]) -> None:
        super().__init__("IMPORT_INVALID", 400)
        self.rows = rows

    def to_body(self) -> dict:
        body = super().to_body()
        body["error"]["rows"] = self.rows
        return body


class ParticipationService:
    def __init__(
        self,
        *,
        repository: Repository,
        catalog: Catalog,
        clock: Clock,
        settings: Settings,
        store: RosterStore | None = None,
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._settings = settings
        self._store = store or RosterStore(person_shards=settings.stats_person_shards)

    def unit(self, actor: Actor, action: str, unit_id: str) -> str:
        """The unit asked for, refused (403) outside the actor's scope and (404) when unknown."""
        policy.authorize(actor, action, unit_id)
        if unit_id not in self._catalog.snapshot().unit_ids:
            raise ContestError("UNKNOWN_UNIT", 404, field="unit_id")
        return unit_id

    # --- rosters --------------------------------------------------------------------------------

    def check(self, unit_id: str, roster_id: str, rows: Sequence[Mapping[str, str]]) -> RosterCheck:
        """The file's rows checked, including that nobody is already on another roster (of
        this unit or another: the other unit's roster is not named)."""
        secret = self._settings.token_secret
        result = participation.check_roster(rows, lambda n: tokens.participant_id_for(secret, n))
        elsewhere = self._store.memberships(p.person_key for p in result.people)
        for person in list(result.people):
            owner = elsewhere.get(person.person_key)
            if owner is None or owner == (unit_id, roster_id):
                continue
            where = f"danh sách “{owner[1]}”" if owner[0] == unit_id else "danh sách của phường, xã khác"
            result.refuse(person, "national_id", f"người này đã có trong {where}")
        return result

    def import_roster(
        self,
        actor: Actor,
        unit_id: str,
        roster_id: str,
        name: str | None,
        rows: Sequence[Mapping[str, str]],
        *,
        dry_run: bool,
    ) -> dict:
        """Check a roster file; without ``dry_run`` replace the roster with it, or refuse the
        whole file (400 IMPORT_INVALID, with the same row errors) when a row is bad."""
        unit_id = self.unit(actor, "rosters.manage", unit_id)
        roster_id = participation.roster_id_field(roster_id)
        organization = participation.organization_name(name)
        result = self.check(unit_id, roster_id, rows)
        view = result.view()
        if dry_run:
            return {**view, "dry_run": True}
        if not result.valid:
            raise ImportInvalid(view["rows"])
        removed = self._store.replace_roster(
            unit_id, roster_id, organization, result.people, actor=actor.username, now_ms=self._clock.now_ms()
        )
        self._audit(
            actor,
            "roster.replace",
            f"{unit_id}/{roster_id}",
            {"name": organization, "people": len(result.people), "removed": removed},
        )
        return {**view, "dry_run": False, "roster_id": roster_id, "name": organization, "removed": removed}

    def delete_roster(self, actor: Actor, unit_id: str, roster_id: str) -> dict:
        unit_id = self.unit(actor, "rosters.manage", unit_id)
        roster_id = participation.roster_id_field(roster_id)
        removed = self._store.delete_roster(unit_id, roster_id)
        if removed is None:
            raise ContestError("ROSTER_NOT_FOUND", 404, field="roster_id")
        self._audit(actor, "roster.delete", f"{unit_id}/{roster_id}", {"people": removed})
        return {"roster_id": roster_id, "deleted": True, "people": removed}

    def list_rosters(self, actor: Actor, unit_id: str) -> dict:
        unit_id = self.unit(actor, "rosters.manage", unit_id)
        return {"unit_id": unit_id, "rosters": self._store.list_rosters(unit_id)}

    # --- report ----------------------------------------------------------------------------------

    def report(self, actor: Actor, unit_id: str, round_id: str | None) -> dict:
        """Per organization of the unit: on the roster, registered, took part, share; who has
        not taken part; registrations of the unit that match none of its rosters.

        Reads (docs/participation.md): the unit's roster people (one Query), its registrations
        (one Query of the ``by_unit`` index), the registrations of roster people registered
        elsewhere (BatchGetItem), and whether each registered roster person has a per-person
        item of the stream handler in the round or contest partition (BatchGetItem)."""
        unit_id = self.unit(actor, "participation.read", unit_id)
        if round_id is not None:
            self._catalog.snapshot().round(round_id)
        headers = self._store.list_rosters(unit_id)
        people = self._store.roster_people(unit_id)
        rosters = [Roster(h["roster_id"], h["name"], tuple(people.get(h["roster_id"], []))) for h in headers]
        keys = {p.person_key for roster in rosters for p in roster.people}
        registrants = self._store.unit_registrants(unit_id)
        registrations = {k: registrants[k] for k in keys if k in registrants}
        registrations.update(self._store.registrations(keys - registrations.keys()))
        took_part = self._store.took_part(
            round_id,
            (tokens.generation_id(key, found.generation) for key, found in registrations.items()),
        )
        body = participation.participation_report(rosters, registrations, took_part, registrants)
        return {"unit_id": unit_id, "round_id": round_id, **body}

    def _audit(self, actor: Actor, action: str, target: str, details: dict) -> None:
        self._repository.record_action(
            self._settings.contest_id, self._clock.now_ms(), actor, action, target, details
        )
