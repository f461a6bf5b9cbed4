"""Storage of rosters and the reads of the participation report (docs/participation.md).

Everything the report reads goes through this module; ``took_part`` is the one reader of the
stream handler's per-person items, so a change of those items changes one function.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from chalicelib.data.counters import CONTEST_SCOPE, PEOPLE_PREFIX, person_partition
from chalicelib.data.models import ParticipantModel, RosterModel, StatsModel
from chalicelib.domain.participation import Registration, RosterPerson

UNIT_PREFIX = "UNIT#"
ROSTER_PREFIX = "ROSTER#"
ENTRY_PREFIX = "ENTRY#"
PERSON_PREFIX = "PERSON#"
MEMBER_SK = "MEMBER"
# The stream handler's per-person items (data/counters.py): one per person counted.
STATS_PERSON_PREFIX = "PERSON#"
BATCH_GET = 100
# BatchGetItem calls of one report run side by side: a unit's 50-odd calls wait for each other
# in latency, not in capacity (I/O in threads; botocore clients are thread-safe).
PARALLEL_READS = 8

T = TypeVar("T")


def _chunks(values: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _batch_get(model: type, keys: list, **options) -> list:
    """Every item found for ``keys`` (100 a call, ``PARALLEL_READS`` calls at a time)."""
    chunks = list(_chunks(keys, BATCH_GET))
    if len(chunks) <= 1:
        return [item for chunk in chunks for item in model.batch_get(chunk, **options)]
    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        found = pool.map(lambda chunk: list(model.batch_get(chunk, **options)), chunks)
        return [item for items in found for item in items]


def _entry_sk(roster_id: str, person_key: str = "") -> str:
    return f"{ENTRY_PREFIX}{roster_id}#{person_key}"


def _person(item: RosterModel) -> RosterPerson:
    return RosterPerson(
        person_key=item.sk.rsplit("#", 1)[1],
        last4=item.last4 or "",
        full_name=item.full_name or "",
        department=item.department or "",
        phone=item.phone or "",
        row=int(item.row or 0),
    )


class RosterStore:
    """Rosters in their own table: a unit's rosters and people in the unit's partition, and one
    ``PERSON#<key>`` item per person saying which roster holds them."""

    def __init__(self, *, person_shards: int) -> None:
        self._person_shards = person_shards  # STATS_PERSON_SHARDS of the stream handler

    # --- rosters ----------------------------------------------------------------------------

    def list_rosters(self, unit_id: str) -> list[dict]:
        """The unit's rosters (one Query over the small roster items)."""
        return [
            {
                "roster_id": item.sk[len(ROSTER_PREFIX) :],
                "name": item.name,
                "people": int(item.people or 0),
                "updated_at": int(item.updated_at or 0),
                "updated_by": item.updated_by,
            }
            for item in RosterModel.query(UNIT_PREFIX + unit_id, RosterModel.sk.startswith(ROSTER_PREFIX))
        ]

    def roster_people(self, unit_id: str, roster_id: str | None = None) -> dict[str, list[RosterPerson]]:
        """{roster id: people} of one roster or of every roster of the unit, in file order."""
        prefix = _entry_sk(roster_id) if roster_id else ENTRY_PREFIX
        found: dict[str, list[RosterPerson]] = {}
        for item in RosterModel.query(UNIT_PREFIX + unit_id, RosterModel.sk.startswith(prefix)):
            found.setdefault(item.sk[len(ENTRY_PREFIX) :].split("#", 1)[0], []).append(_person(item))
        for people in found.values():
            people.sort(key=lambda p: p.row)
        return found

    def memberships(self, person_keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """{person key: (unit id, roster id)} for the people already on a roster."""
        keys = [(PERSON_PREFIX + k, MEMBER_SK) for k in sorted(set(person_keys))]
        return {
            item.pk[len(PERSON_PREFIX) :]: (item.unit_id, item.roster_id)
            for item in _batch_get(RosterModel, keys)
        }

    def replace_roster(
        self,
        unit_id: str,
        roster_id: str,
        name: str,
        people: list[RosterPerson],
        *,
        actor: str,
        now_ms: int,
    ) -> int:
        """Write the roster as given, removing who is no longer on it; returns the number of
        people removed. Batch writes (25 items a call): the caller checked beforehand that no
        new person is on another roster (two uploads of the same person in the same second
        could both pass; docs/participation.md)."""
        previous = {p.person_key for p in self.roster_people(unit_id, roster_id).get(roster_id, [])}
        kept = {p.person_key for p in people}
        gone = previous - kept
        with RosterModel.batch_write() as batch:
            batch.save(
                RosterModel(
                    UNIT_PREFIX + unit_id,
                    ROSTER_PREFIX + roster_id,
                    name=name,
                    people=len(people),
                    updated_at=now_ms,
                    updated_by=actor,
                )
            )
            for person in people:
                batch.save(
                    RosterModel(
                        UNIT_PREFIX + unit_id,
                        _entry_sk(roster_id, person.person_key),
                        full_name=person.full_name,
                        department=person.department or None,
                        phone=person.phone or None,
                        last4=person.last4,
                        row=person.row,
                    )
                )
                if person.person_key not in previous:
                    batch.save(
                        RosterModel(
                            PERSON_PREFIX + person.person_key, MEMBER_SK, unit_id=unit_id, roster_id=roster_id
                        )
                    )
            for key in gone:
                batch.delete(RosterModel(UNIT_PREFIX + unit_id, _entry_sk(roster_id, key)))
                batch.delete(RosterModel(PERSON_PREFIX + key, MEMBER_SK))
        return len(gone)

    def delete_roster(self, unit_id: str, roster_id: str) -> int | None:
        """Remove a roster, its people and their membership; None when there is no such roster."""
        try:
            RosterModel.get(UNIT_PREFIX + unit_id, ROSTER_PREFIX + roster_id)
        except RosterModel.DoesNotExist:
            return None
        people = self.roster_people(unit_id, roster_id).get(roster_id, [])
        with RosterModel.batch_write() as batch:
            for person in people:
                batch.delete(RosterModel(UNIT_PREFIX + unit_id, _entry_sk(roster_id, person.person_key)))
                batch.delete(RosterModel(PERSON_PREFIX + person.person_key, MEMBER_SK))
            batch.delete(RosterModel(UNIT_PREFIX + unit_id, ROSTER_PREFIX + roster_id))
        return len(people)

    # --- registrations ------------------------------------------------------------------------

    def unit_registrants(self, unit_id: str) -> dict[str, Registration]:
        """Active registrations of the unit, from the participants' ``by_unit`` index (keys,
        generation and state: about 100 bytes each). Archived copies of released registrations
        (``<id>#released#<n>``) carry the unit too and are left out."""
        found = {}
        for item in ParticipantModel.by_unit.query(unit_id):
            if item.state == "active" and "#" not in item.participant_id:
                found[item.participant_id] = Registration(int(item.generation or 0), unit_id)
        return found

    def registrations(self, registration_ids: Iterable[str]) -> dict[str, Registration]:
        """Active registrations by registration id (BatchGetItem, 100 keys a call)."""
        found = _batch_get(
            ParticipantModel,
            sorted(set(registration_ids)),
            attributes_to_get=["participant_id", "generation", "state", "unit_id"],
        )
        return {
            item.participant_id: Registration(int(item.generation or 0), item.unit_id)
            for item in found
            if item.state == "active"
        }

    # --- who took part (the stream handler's items) ----------------------------------------------

    def took_part(self, round_id: str | None, participant_ids: Iterable[str]) -> set[str]:
        """The participant ids among ``participant_ids`` with at least one submitted attempt in
        the round (``round_id``) or in the whole contest (None).

        Relies on exactly this of the stream handler (``data/counters.py``): one item a person
        it counted, ``pk = person_partition(<participant id>, STATS_PERSON_SHARDS)``, ``sk =
        PERSON#<participant id>``, holding an attribute ``best:<round id>`` for each round the
        person took part in; or, for what was counted before that layout, an item ``pk =
        <round id>`` (or ``CONTEST``), ``sk = PERSON#<participant id>``. Two BatchGetItem keys a
        person, 100 keys a call, only the keys and that one attribute read."""
        mark = f"best:{round_id}" if round_id else None
        keys = []
        for pid in sorted(set(participant_ids)):
            keys.append((person_partition(pid, self._person_shards), STATS_PERSON_PREFIX + pid))
            keys.append((round_id or CONTEST_SCOPE, STATS_PERSON_PREFIX + pid))  # the earlier layout
        chunks = list(_chunks(keys, BATCH_GET))
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            found = [
                item for items in pool.map(lambda c: self._raw_batch_get(c, mark), chunks) for item in items
            ]
        return {
            item["sk"]["S"][len(STATS_PERSON_PREFIX) :]
            for item in found
            if not item["pk"]["S"].startswith(PEOPLE_PREFIX) or mark is None or mark in item
        }

    @staticmethod
    def _raw_batch_get(keys: list[tuple[str, str]], mark: str | None) -> list[dict]:
        """BatchGetItem through PynamoDB's connection: the per-round attribute has a name
        (``best:r1``) that no model declares."""
        connection = StatsModel._get_connection().connection
        table = StatsModel.Meta.table_name
        names = {"#pk": "pk", "#sk": "sk", **({"#mark": mark} if mark else {})}
        wanted: dict | None = {
            "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys],
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        found: list[dict] = []
        while wanted:
            answer = connection.dispatch("BatchGetItem", {"RequestItems": {table: wanted}})
            found += answer.get("Responses", {}).get(table, [])
            wanted = answer.get("UnprocessedKeys", {}).get(table)
        return found
