"""Contest integrity rules, pure: when scores and correct answers may be shown, which
attempts are too fast to win, and which prize candidates the committee should look at.

Nothing here reads storage or the clock; the services pass what they know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

SCORE_VISIBILITY = ("after_close", "at_submit")
REVIEW_VISIBILITY = ("after_close", "after_contest")
PHONE_VERIFICATION = ("off", "at_registration")
STATES_AFTER_CLOSE = frozenset({"closed", "ranked", "published"})

DEFAULT_RULES: dict[str, Any] = {
    "score_visibility": "after_close",
    "review_visibility": "after_contest",
    "min_seconds_per_question": 3,
    "phone_verification": "off",
}

# Review flags: a registration burst of this many from one client in one window, or this
# many accounts on one phone, is worth a look (a family may share a phone: 3 is not yet).
BURST_FLAG_AT = 10
SHARED_PHONE_FLAG_AT = 4
# Two attempts "answer alike" when they share at least this many questions, chose the same
# option on every one of them and gave the same prediction.
SAME_ANSWERS_MIN_SHARED = 5


def effective_rules(rules: Mapping[str, Any]) -> dict[str, Any]:
    """The contest's rules with the integrity defaults filled in (a contest seeded before
    these rules existed gets the safe ones), checked so that a typo fails loudly."""
    merged = {**DEFAULT_RULES, **rules}
    for name, allowed in (
        ("score_visibility", SCORE_VISIBILITY),
        ("review_visibility", REVIEW_VISIBILITY),
        ("phone_verification", PHONE_VERIFICATION),
    ):
        if merged[name] not in allowed:
            raise ValueError(f"rules.{name} must be one of {allowed}, got {merged[name]!r}")
    minimum = merged["min_seconds_per_question"]
    if isinstance(minimum, bool) or not isinstance(minimum, int | float) or minimum < 0:
        raise ValueError("rules.min_seconds_per_question must be a number ≥ 0")
    return merged


def score_visible(rules: Mapping[str, Any], round_state: str) -> bool:
    """Whether a participant may see a score of this round now. With ``after_close`` the
    score waits for the stored close (every open attempt submitted), not for the clock."""
    return rules["score_visibility"] == "at_submit" or round_state in STATES_AFTER_CLOSE


def review_visible(rules: Mapping[str, Any], round_state: str, contest_round_states: Iterable[str]) -> bool:
    """Whether the correct options of this round's questions may be shown. ``after_contest``
    waits until every round is closed: later rounds draw from the same bank."""
    if rules["review_visibility"] == "after_close":
        return round_state in STATES_AFTER_CLOSE
    return all(state in STATES_AFTER_CLOSE for state in contest_round_states)


def too_fast(duration_ms: int, answered: int, min_seconds_per_question: float) -> bool:
    """An attempt that answered faster than a person can read: it is kept and counted, but
    it never wins a prize."""
    return answered > 0 and duration_ms < min_seconds_per_question * 1000 * answered


@dataclass(frozen=True)
class CandidateEvidence:
    """What the committee's review needs to know of one prize candidate's attempt.

    ``choices`` maps question id → source option index chosen (comparable across attempts,
    unlike the per-attempt option ids); the counts come from the registration counters."""

    participant_id: str
    attempt_id: str
    too_fast: bool
    choices: Mapping[str, int]
    prediction: int | None
    registrations_from_client: int
    accounts_on_phone: int


def _answer_alike(a: CandidateEvidence, b: CandidateEvidence) -> bool:
    shared = set(a.choices) & set(b.choices)
    return (
        a.participant_id != b.participant_id
        and a.prediction == b.prediction
        and len(shared) >= SAME_ANSWERS_MIN_SHARED
        and all(a.choices[q] == b.choices[q] for q in shared)
    )


def review_flags(candidates: Sequence[CandidateEvidence]) -> dict[str, list[dict[str, Any]]]:
    """Flags per attempt id, for the committee to review before publishing. A flag never
    changes the ranking by itself: disqualifying is a person's decision (audited)."""
    flags: dict[str, list[dict[str, Any]]] = {c.attempt_id: [] for c in candidates}
    for candidate in candidates:
        found = flags[candidate.attempt_id]
        if candidate.too_fast:
            found.append({"code": "too_fast"})
        if candidate.registrations_from_client >= BURST_FLAG_AT:
            found.append({"code": "registration_burst", "count": candidate.registrations_from_client})
        if candidate.accounts_on_phone >= SHARED_PHONE_FLAG_AT:
            found.append({"code": "shared_phone", "count": candidate.accounts_on_phone})
    for a, b in combinations(candidates, 2):
        if _answer_alike(a, b):
            flags[a.attempt_id].append({"code": "same_answers", "attempt_id": b.attempt_id})
            flags[b.attempt_id].append({"code": "same_answers", "attempt_id": a.attempt_id})
    return flags


def challenge_max_number(base: int, registrations_from_client: int, step: int, max_factor: int) -> int:
    """The proof-of-work cost for a client: the base for the first ``step`` registrations of
    a window, then doubling every ``step`` more, up to ``max_factor`` times the base."""
    factor = min(2 ** (max(registrations_from_client, 0) // max(step, 1)), max_factor)
    return base * factor


def signin_locked(locked_until_ms: int | None, now_ms: int) -> bool:
    return locked_until_ms is not None and now_ms < locked_until_ms
