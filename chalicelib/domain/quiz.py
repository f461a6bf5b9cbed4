"""Drawing an attempt's questions, naming its options and scoring it.

Option ids are keyed hashes of (attempt, question, option): opaque, different in every
attempt, and computable only by the server, so nothing sent before the round closes
tells which option is correct.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """One version of a question. ``kind`` is "content" (what a text says) or "metadata" (a
    document's number, date, issuer or title); questions of one ``exclusion_group`` answer
    each other or test the same fact, so an attempt shows at most one of them. An attempt is
    scored against the version it showed; a retired question is never drawn again."""

    id: str
    document_id: str
    text: str
    options: tuple[str, ...]
    correct_index: int
    source: str = ""
    kind: str = "content"
    exclusion_group: str | None = None
    related_document_ids: tuple[str, ...] = ()
    version: int = 1
    state: str = "active"


# One entry per question shown: (question_id, source option indexes in shown order, version).
Layout = list[tuple[str, list[int], int]]


def parse_layout(stored: Sequence[Sequence]) -> Layout:
    """A layout as stored on an attempt; entries stored before versions existed (two items)
    showed version 1."""
    return [(str(e[0]), list(e[1] or []), int(e[2]) if len(e) > 2 else 1) for e in stored]


# How an attempt item stores its layout and answers in under 1 KB with the rest of the
# attempt (one write unit for the submit instead of two): entries "<question_id>/<source
# indexes in shown order>/<version>" joined by spaces, and one character a shown question for
# the source index of the option chosen ("-": none). Question ids never hold "/" or spaces.
NO_PICK = "-"


def pack_layout(layout: Layout) -> str:
    return " ".join(
        f"{question_id}/{''.join(map(str, order))}/{version}" for question_id, order, version in layout
    )


def unpack_layout(packed: str) -> Layout:
    entries = []
    for entry in packed.split():
        question_id, order, version = entry.split("/")
        entries.append((question_id, [int(i) for i in order], int(version)))
    return entries


def pack_picks(layout: Layout, answers: Mapping[str, str], *, secret: str, attempt_id: str) -> str:
    """The answers (opaque option ids of this attempt) as one source index a shown question;
    an id that is none of the question's options is not kept (callers refuse those first)."""
    chosen = chosen_source_indexes(layout, answers, secret=secret, attempt_id=attempt_id)
    return "".join(str(chosen[q]) if q in chosen else NO_PICK for q, _order, _version in layout)


def chosen_from_picks(layout: Layout, picks: str) -> dict[str, int]:
    """{question_id: source option index chosen}, as ``chosen_source_indexes`` gives it."""
    return {q: int(p) for (q, _order, _version), p in zip(layout, picks, strict=False) if p != NO_PICK}


def answers_from_picks(layout: Layout, picks: str, *, secret: str, attempt_id: str) -> dict[str, str]:
    """The answers as the participant sent them: {question_id: option id}."""
    return {
        question_id: option_id(secret, attempt_id, question_id, index)
        for question_id, index in chosen_from_picks(layout, picks).items()
    }


@dataclass(frozen=True)
class Slot:
    """A share of the blueprint: ``count`` questions from these documents."""

    documents: frozenset[str]
    count: int


@dataclass(frozen=True)
class DrawRules:
    """How an attempt is drawn: ``count`` questions, per-document counts from the blueprint
    (``rules.blueprint``: {"nd-63-2010": 4, "doc-a+doc-b": 1, ...}, documents joined by "+"
    share a slot) and at most ``max_metadata`` metadata questions."""

    count: int
    slots: tuple[Slot, ...] = ()
    max_metadata: int | None = None

    @classmethod
    def of(cls, rules: Mapping) -> DrawRules:
        return cls(
            count=int(rules["questions_per_attempt"]),
            slots=tuple(
                Slot(frozenset(key.split("+")), int(n)) for key, n in rules.get("blueprint", {}).items()
            ),
            max_metadata=rules.get("max_metadata_per_attempt"),
        )


def _seeded_rng(secret: str, attempt_id: str) -> random.Random:
    digest = hmac.new(secret.encode(), f"draw:{attempt_id}".encode(), hashlib.sha256).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _content_share(questions: Sequence[Question]) -> float:
    return sum(q.kind == "content" for q in questions) / len(questions) if questions else 1.0


def draw_layout(
    questions: Sequence[Question],
    rules: DrawRules,
    *,
    secret: str,
    attempt_id: str,
    seen: Collection[str] = frozenset(),
) -> Layout:
    """Pick ``rules.count`` active questions, in random order with shuffled options:
    per slot of the blueprint as many as it asks, at most one per exclusion group, at most
    ``max_metadata`` metadata ones, those not in ``seen`` (the person's earlier attempts)
    first. A slot whose pool is short is made up from the other documents. Reproducible from
    the attempt id for the same bank and ``seen``."""
    rng = _seeded_rng(secret, attempt_id)
    active = sorted((q for q in questions if q.state == "active"), key=lambda q: q.id)
    rng.shuffle(active)
    ranked = sorted(active, key=lambda q: q.id in seen)  # stable: unseen first, random within
    picked: list[Question] = []
    taken_ids: set[str] = set()
    taken_groups: set[str] = set()

    def take(candidates: list[Question], wanted: int) -> None:
        metadata = sum(q.kind == "metadata" for q in picked)
        for question in candidates:
            if wanted <= 0 or len(picked) >= rules.count:
                return
            if question.id in taken_ids or question.exclusion_group in taken_groups:
                continue
            if question.kind == "metadata" and rules.max_metadata is not None:
                if metadata >= rules.max_metadata:
                    continue
                metadata += 1
            picked.append(question)
            taken_ids.add(question.id)
            if question.exclusion_group:
                taken_groups.add(question.exclusion_group)
            wanted -= 1

    pools = [(slot, [q for q in ranked if q.document_id in slot.documents]) for slot in rules.slots]
    # Slots made of metadata (the local documents) first, so the metadata cap cannot starve them.
    for slot, pool in sorted(pools, key=lambda pair: _content_share(pair[1])):
        take(pool, slot.count)
    take(ranked, rules.count - len(picked))
    rng.shuffle(picked)
    layout: Layout = []
    for question in picked:
        order = list(range(len(question.options)))
        rng.shuffle(order)
        layout.append((question.id, order, question.version))
    return layout


def blueprint_problems(questions: Sequence[Question], rules: DrawRules) -> list[str]:
    """Why the bank cannot fill the blueprint (Vietnamese; empty when it can): the slots
    must add up to the attempt, and each slot's active questions must hold that many
    questions of distinct exclusion groups."""
    problems = []
    if rules.slots and sum(slot.count for slot in rules.slots) != rules.count:
        problems.append(
            f"ma trận đề có tổng {sum(s.count for s in rules.slots)} câu, mỗi lượt thi có {rules.count} câu"
        )
    for slot in rules.slots:
        pool = [q for q in questions if q.state == "active" and q.document_id in slot.documents]
        independent = len({q.exclusion_group or f"#{q.id}" for q in pool})
        if independent < slot.count:
            problems.append(
                f"{'+'.join(sorted(slot.documents))}: chỉ có {independent} câu khác nhóm loại trừ, "
                f"ma trận đề cần {slot.count}"
            )
    return problems


def option_id(secret: str, attempt_id: str, question_id: str, source_index: int) -> str:
    message = f"opt:{attempt_id}:{question_id}:{source_index}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:10]


def present_questions(
    layout: Layout, shown_questions: Mapping[str, Question], *, secret: str, attempt_id: str
) -> list[dict]:
    """The questions as a participant sees them: texts and opaque option ids only.
    ``shown_questions`` holds each question at the version the attempt showed."""
    shown = []
    for question_id, order, _version in layout:
        question = shown_questions[question_id]
        shown.append(
            {
                "id": question_id,
                "text": question.text,
                "options": [
                    {"id": option_id(secret, attempt_id, question_id, i), "text": question.options[i]}
                    for i in order
                ],
            }
        )
    return shown


def correct_option_ids(
    layout: Layout, shown_questions: Mapping[str, Question], *, secret: str, attempt_id: str
) -> dict[str, str]:
    """{question_id: correct option id} by the version each question had when shown; only
    for organizers or after publication."""
    return {
        question_id: option_id(secret, attempt_id, question_id, shown_questions[question_id].correct_index)
        for question_id, _order, _version in layout
        if question_id in shown_questions
    }


def chosen_source_indexes(
    layout: Layout, answers: Mapping[str, str], *, secret: str, attempt_id: str
) -> dict[str, int]:
    """{question_id: source option index chosen}: answers made comparable across attempts,
    whose option ids differ (the committee's "same answers" review flag)."""
    chosen = {}
    for question_id, order, _version in layout:
        picked = answers.get(question_id)
        for index in order:
            if picked is not None and option_id(secret, attempt_id, question_id, index) == picked:
                chosen[question_id] = index
    return chosen


def score(
    layout: Layout,
    answers: Mapping[str, str],
    shown_questions: Mapping[str, Question],
    *,
    secret: str,
    attempt_id: str,
) -> int:
    """Number of questions whose chosen option is the correct one, by the version shown;
    unknown ids score 0."""
    correct = correct_option_ids(layout, shown_questions, secret=secret, attempt_id=attempt_id)
    return sum(1 for question_id, option in answers.items() if correct.get(question_id) == option)


def receipt(
    secret: str, attempt_id: str, submitted_at: int, answers: Mapping[str, str], prediction: int | None
) -> str:
    """A short code a participant can quote; the organizers can recompute it to prove the
    stored answers are the ones submitted. It covers what was sent, not the score, so it
    says nothing about correctness before the round closes."""
    canonical = ";".join(f"{q}={a}" for q, a in sorted(answers.items()))
    message = f"receipt:{attempt_id}:{submitted_at}:{prediction}:{canonical}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest().upper()
    return f"SC-{digest[:4]}-{digest[4:8]}-{digest[8:12]}"
