"""Drawing an attempt's questions, naming its options and scoring it.

Option ids are keyed hashes of (attempt, question, option): opaque, different in every
attempt, and computable only by the server, so nothing sent before the round closes
tells which option is correct.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    id: str
    document_id: str
    text: str
    options: tuple[str, ...]
    correct_index: int
    source: str = ""


Layout = list[tuple[str, list[int]]]  # [(question_id, [source option index in shown order])]


def _seeded_rng(secret: str, attempt_id: str) -> random.Random:
    digest = hmac.new(secret.encode(), f"draw:{attempt_id}".encode(), hashlib.sha256).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw_layout(
    questions_by_document: Mapping[str, Sequence[Question]],
    count: int,
    *,
    secret: str,
    attempt_id: str,
) -> Layout:
    """Pick ``count`` questions spread as evenly as the bank allows over the documents,
    in random order, each with shuffled options; reproducible from the attempt id."""
    rng = _seeded_rng(secret, attempt_id)
    pools = {doc: list(qs) for doc, qs in sorted(questions_by_document.items()) if qs}
    for pool in pools.values():
        rng.shuffle(pool)
    documents = list(pools)
    rng.shuffle(documents)
    picked: list[Question] = []
    while len(picked) < count and any(pools.values()):
        for doc in documents:
            if pools[doc] and len(picked) < count:
                picked.append(pools[doc].pop())
    rng.shuffle(picked)
    layout: Layout = []
    for question in picked:
        order = list(range(len(question.options)))
        rng.shuffle(order)
        layout.append((question.id, order))
    return layout


def option_id(secret: str, attempt_id: str, question_id: str, source_index: int) -> str:
    message = f"opt:{attempt_id}:{question_id}:{source_index}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:10]


def present_questions(
    layout: Layout, bank: Mapping[str, Question], *, secret: str, attempt_id: str
) -> list[dict]:
    """The questions as a participant sees them: texts and opaque option ids only."""
    shown = []
    for question_id, order in layout:
        question = bank[question_id]
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
    layout: Layout, bank: Mapping[str, Question], *, secret: str, attempt_id: str
) -> dict[str, str]:
    """{question_id: correct option id}; only for organizers or after publication."""
    return {
        question_id: option_id(secret, attempt_id, question_id, bank[question_id].correct_index)
        for question_id, _order in layout
        if question_id in bank
    }


def chosen_source_indexes(
    layout: Layout, answers: Mapping[str, str], *, secret: str, attempt_id: str
) -> dict[str, int]:
    """{question_id: source option index chosen}: answers made comparable across attempts,
    whose option ids differ (the committee's "same answers" review flag)."""
    chosen = {}
    for question_id, order in layout:
        picked = answers.get(question_id)
        for index in order:
            if picked is not None and option_id(secret, attempt_id, question_id, index) == picked:
                chosen[question_id] = index
    return chosen


def score(
    layout: Layout,
    answers: Mapping[str, str],
    bank: Mapping[str, Question],
    *,
    secret: str,
    attempt_id: str,
) -> int:
    """Number of questions whose chosen option is the correct one; unknown ids score 0."""
    correct = correct_option_ids(layout, bank, secret=secret, attempt_id=attempt_id)
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
