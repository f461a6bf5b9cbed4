"""Who may do what: one table of role → action → scope, asked by every admin route.

Scope ``all`` covers every ward and commune; ``unit`` only the organizer's own. A new screen
adds its action here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.errors import ContestError

ROLES = ("admin", "unit_organizer", "editor", "viewer")
UNIT_ROLES = frozenset({"unit_organizer"})
ROLE_NAMES = {
    "admin": "Ban Tổ chức",
    "unit_organizer": "Văn phòng phường, xã",
    "editor": "Tổ biên soạn câu hỏi",
    "viewer": "Lãnh đạo (chỉ xem)",
}

ACTIONS = (
    "rounds.update",
    "rounds.close",
    "rounds.publish",
    "ranking.read",
    "ranking.decide",
    "stats.read",
    "questions.read",
    "questions.manage",  # question bank: create, edit, retire, import
    "exclusions.manage",
    "audit.read",
    "accounts.manage",
    "participants.release",
    # participation and exports (issue 11)
    "rosters.manage",
    "participation.read",
    "exports.read",
    # certificates (issue 11): the committee prints them
    "certificates.read",
)

POLICY: dict[str, dict[str, str]] = {
    "admin": {action: "all" for action in ACTIONS},
    "unit_organizer": {
        "stats.read": "unit",
        "participants.release": "unit",
        # participation and exports (issue 11): its own unit's rosters, report and files
        "rosters.manage": "unit",
        "participation.read": "unit",
        "exports.read": "unit",
    },
    "editor": {"questions.read": "all", "questions.manage": "all"},
    "viewer": {"stats.read": "all"},
}


@dataclass(frozen=True)
class Actor:
    """Who is calling: an organizer account, or the operators' machine credential."""

    username: str
    role: str
    unit_id: str | None = None


OPERATOR = Actor(username="operator", role="admin")


def scope(actor: Actor, action: str) -> str:
    """``all`` or ``unit``; 403 ``FORBIDDEN`` when the role may not do this at all."""
    found = POLICY.get(actor.role, {}).get(action)
    if found is None:
        raise ContestError("FORBIDDEN", 403)
    return found


def authorize(actor: Actor, action: str, unit_id: str | None = None) -> None:
    """Refuse unless ``actor`` may do ``action`` (on ``unit_id``, when it concerns a unit)."""
    if scope(actor, action) == "unit" and (unit_id is None or unit_id != actor.unit_id):
        raise ContestError("FORBIDDEN", 403)


def visible_units(actor: Actor, action: str, all_units: list[str]) -> list[str]:
    """The units whose data ``actor`` may see for ``action``."""
    if scope(actor, action) == "all":
        return list(all_units)
    return [u for u in all_units if u == actor.unit_id]


def permissions(role: str) -> list[str]:
    return sorted(POLICY.get(role, {}))
