"""Rosters and participation, as pure rules: which rows of a staff list are valid, and how
many people of each organization registered and took part.

A roster never holds a CCCD in clear: each person is the keyed hash that is also their
registration id (``tokens.participant_id_for``) plus the last four digits for display.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.identity import PROVINCE_CODES, normalize_phone
from chalicelib.domain.tokens import generation_id
from chalicelib.errors import ContestError

ROSTER_COLUMNS = ("full_name", "national_id", "phone", "department")
MAX_NAME = 100
MAX_DEPARTMENT = 120
MAX_ORGANIZATION_NAME = 200
_DIGITS_12 = re.compile(r"[0-9]{12}")
_ROSTER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")
_REFUSED_CATEGORIES = frozenset({"Cs", "Cc", "Cf"})


@dataclass(frozen=True)
class RosterPerson:
    """One person of a roster as stored: ``person_key`` is the registration id the CCCD
    hashes to; ``row`` the line of the uploaded file (for messages)."""

    person_key: str
    last4: str
    full_name: str
    department: str
    phone: str
    row: int


@dataclass
class RowErrors:
    row: int
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})


@dataclass
class RosterCheck:
    """The outcome of reading a roster file: the valid people and, per bad row, its errors."""

    people: list[RosterPerson]
    rows: list[RowErrors]

    @property
    def valid(self) -> bool:
        return not self.rows and bool(self.people)

    def refuse(self, person: RosterPerson, column: str, message: str) -> None:
        """Mark a person's row bad after a check that needs storage (on another roster)."""
        found = next((r for r in self.rows if r.row == person.row), None)
        if found is None:
            found = RowErrors(person.row)
            self.rows.append(found)
            self.rows.sort(key=lambda r: r.row)
        found.add(column, message)
        self.people = [p for p in self.people if p.row != person.row]

    def view(self) -> dict:
        return {
            "valid": self.valid,
            "people": len(self.people),
            "rows": [{"row": r.row, "errors": r.errors} for r in self.rows],
        }


def roster_id_field(value: str) -> str:
    """A roster id chosen by the organizer (``ubnd-phuong``): short, lower-case, URL-safe."""
    if not isinstance(value, str) or not _ROSTER_ID.fullmatch(value):
        raise ContestError("INVALID_ROSTER_ID", 400, field="roster_id")
    return value


def organization_name(value: str | None) -> str:
    text = _clean(value or "")
    if text is None or not text or len(text) > MAX_ORGANIZATION_NAME:
        raise ContestError("INVALID_ROSTER_NAME", 400, field="name")
    return text


def national_id_problem(value: str) -> str | None:
    """Why a roster's CCCD cannot be right, or None. Without birth date and gender only the
    shape and the province code can be checked."""
    if not _DIGITS_12.fullmatch(value):
        return "CCCD cần đúng 12 chữ số"
    if value[:3] not in PROVINCE_CODES:
        return "mã tỉnh (3 chữ số đầu) không tồn tại"
    return None


def _clean(value: str) -> str | None:
    """NFC text with whitespace collapsed; None when it hides control or invisible characters."""
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES and not c.isspace() for c in value):
        return None
    return unicodedata.normalize("NFC", " ".join(value.split()))


def check_roster(rows: Sequence[Mapping[str, str]], person_key: Callable[[str], str]) -> RosterCheck:
    """Read the rows of a roster file (as ``files.read_rows`` gives them, row n+2 of the file
    at index n): every problem of a row is reported with its column, a CCCD twice in the file
    on both rows. ``person_key`` hashes a CCCD (the caller holds the secret)."""
    people: list[RosterPerson] = []
    bad: dict[int, RowErrors] = {}
    first_row_of: dict[str, int] = {}
    first = next((r for r in rows if r), None)
    header = RowErrors(1)
    if first is None:
        header.add("full_name", "tệp không có người nào")
    else:
        for column in ("full_name", "national_id"):
            if column not in first:
                header.add(column, "thiếu cột này ở dòng tiêu đề")
    if header.errors:
        return RosterCheck([], [header])
    for index, raw in enumerate(rows):
        if not raw:
            continue
        row = index + 2
        errors = RowErrors(row)
        name = _clean(raw.get("full_name", ""))
        if not name:
            errors.add("full_name", "cần họ và tên" if name == "" else "có ký tự không được phép")
        elif len(name) > MAX_NAME:
            errors.add("full_name", f"tối đa {MAX_NAME} ký tự")
        national_id = raw.get("national_id", "").replace(" ", "")
        problem = national_id_problem(national_id)
        if problem:
            errors.add("national_id", problem)
        elif national_id in first_row_of:
            errors.add("national_id", f"trùng với dòng {first_row_of[national_id]}")
            bad.setdefault(first_row_of[national_id], RowErrors(first_row_of[national_id])).add(
                "national_id", f"trùng với dòng {row}"
            )
        else:
            first_row_of[national_id] = row
        phone = raw.get("phone", "").strip()
        if phone:
            try:
                phone = normalize_phone(phone)
            except ContestError:
                errors.add("phone", "số điện thoại không đúng định dạng")
        department = _clean(raw.get("department", ""))
        if department is None:
            errors.add("department", "có ký tự không được phép")
        elif len(department) > MAX_DEPARTMENT:
            errors.add("department", f"tối đa {MAX_DEPARTMENT} ký tự")
        if errors.errors:
            bad.setdefault(row, RowErrors(row)).errors.extend(errors.errors)
            continue
        people.append(
            RosterPerson(
                person_key=person_key(national_id),
                last4=national_id[-4:],
                full_name=name,
                department=department or "",
                phone=phone,
                row=row,
            )
        )
    people = [p for p in people if p.row not in bad]
    return RosterCheck(people, sorted(bad.values(), key=lambda r: r.row))


# ------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Registration:
    """What the report needs of a registration: its generation (whose attempts count) and
    the unit the person registered in."""

    generation: int
    unit_id: str


@dataclass(frozen=True)
class Roster:
    roster_id: str
    name: str
    people: tuple[RosterPerson, ...]


def share_percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in %, one decimal; 0 for an empty roster."""
    return round(100 * part / whole, 1) if whole else 0.0


def mask_last4(last4: str) -> str:
    return "*" * 8 + last4


def participation_report(
    rosters: Iterable[Roster],
    registrations: Mapping[str, Registration],
    took_part: set[str],
    unit_registrants: Iterable[str],
) -> dict:
    """The report of one unit. ``registrations``: active registrations by registration id
    (those of the roster people found, wherever they registered); ``took_part``: participant
    ids with at least one submitted attempt in the period; ``unit_registrants``: registration
    ids of the people registered in this unit (for those who match no roster of it)."""
    organizations, not_taken_part, on_rosters = [], [], set()
    for roster in rosters:
        registered = took = 0
        for person in roster.people:
            on_rosters.add(person.person_key)
            found = registrations.get(person.person_key)
            if found is not None:
                registered += 1
                if generation_id(person.person_key, found.generation) in took_part:
                    took += 1
                    continue
            not_taken_part.append(
                {
                    "roster_id": roster.roster_id,
                    "full_name": person.full_name,
                    "department": person.department,
                    "national_id_masked": mask_last4(person.last4),
                    "phone": person.phone,
                    "registered": found is not None,
                }
            )
        organizations.append(
            {
                "roster_id": roster.roster_id,
                "name": roster.name,
                "on_roster": len(roster.people),
                "registered": registered,
                "took_part": took,
                "share": share_percent(took, len(roster.people)),
            }
        )
    unmatched = len(set(unit_registrants) - on_rosters)
    return {
        "organizations": organizations,
        "not_taken_part": not_taken_part,
        "unmatched_participants": unmatched,
    }
