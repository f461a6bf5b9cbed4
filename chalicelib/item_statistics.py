"""Item statistics of a closed round for the question writers (question bank, item 5).

Computed once per round after it closes (no attempt can change then), in one pass over its
submitted attempts, and kept; the console and the Excel export read the kept report. Each
attempt is scored against the question versions it showed (``QuestionBank.shown_questions``).
"""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data import item_statistics as store
from chalicelib.domain import quiz, ranking, timing
from chalicelib.domain.item_statistics import Response, item_statistics
from chalicelib.errors import ContestError
from chalicelib.organizers import policy
from chalicelib.organizers.policy import Actor
from chalicelib.settings import Settings

OPEN_STATES = ("scheduled", "open")
FLAG_NAMES = {
    "too_easy": "Quá dễ (trên 95% trả lời đúng)",
    "too_hard": "Quá khó (dưới 20% trả lời đúng)",
    "low_discrimination": "Độ phân biệt thấp (dưới 0,1)",
    "unchosen_distractor": "Có phương án nhiễu không ai chọn",
}


class ItemStatisticsService:
    def __init__(self, *, catalog: Catalog, clock: Clock, settings: Settings) -> None:
        self._catalog = catalog
        self._clock = clock
        self._settings = settings

    def report(self, actor: Actor, round_id: str) -> dict:
        """The round's report: kept after its first computation (a round closed again after a
        change of its times is computed again)."""
        policy.scope(actor, "questions.read")
        round_record = self._catalog.snapshot(fresh=True).round(round_id)
        if round_record.state in OPEN_STATES:
            raise ContestError("ROUND_STILL_OPEN", 409)
        return self._kept_or_computed(round_record)[0]

    def _kept_or_computed(self, round_record) -> tuple[dict, bool]:
        """The kept report of a closed round, computed and kept first when it has none (or one
        from before the round was closed again); True when it was computed now."""
        kept = store.get_report(self._settings.contest_id, round_record.round_id)
        if kept is not None and kept.get("closed_at") == round_record.closed_at:
            return kept, False
        report = self.compute(round_record.round_id)
        report["closed_at"] = round_record.closed_at
        store.put_report(self._settings.contest_id, round_record.round_id, report, self._clock.now_ms())
        return report, True

    def keep_closed_rounds(self) -> list[str]:
        """Compute and keep the report of every closed round that has none yet (the schedule
        after closing and ranking: a round of 100,000 attempts takes longer than an API
        request may). The rounds computed."""
        rounds = self._catalog.snapshot(fresh=True).rounds.values()
        return [r.round_id for r in rounds if r.state not in OPEN_STATES and self._kept_or_computed(r)[1]]

    def compute(self, round_id: str) -> dict:
        bank = self._catalog.bank()
        counted = {"attempts": 0}

        def responses() -> Iterator[list[Response]]:
            shards = ranking.board_shards(round_id, self._settings.attempt_shards)
            for attempt in store.submitted_attempts(shards):
                layout = attempt.layout
                shown = bank.shown_questions(layout)
                chosen = (
                    quiz.chosen_from_picks(layout, attempt.picks)
                    if attempt.picks is not None
                    else quiz.chosen_source_indexes(
                        layout,
                        attempt.answers,
                        secret=self._settings.token_secret,
                        attempt_id=attempt.attempt_id,
                    )
                )
                counted["attempts"] += 1
                yield [
                    Response(
                        question_id,
                        version,
                        chosen.get(question_id),
                        shown[question_id].correct_index,
                        len(order),
                    )
                    for question_id, order, version in layout
                    if question_id in shown
                ]

        items = item_statistics(responses())
        return {
            "round_id": round_id,
            "computed_at": timing.to_iso(self._clock.now_ms()),
            "attempts": counted["attempts"],
            "items": [self._item_view(s, bank.version(s.question_id, s.version)) for s in items],
        }

    @staticmethod
    def _item_view(stats, question) -> dict:
        return {
            "question_id": stats.question_id,
            "version": stats.version,
            "document_id": question.document_id if question else None,
            "kind": question.kind if question else None,
            "text": question.text if question else "",
            "drawn": stats.drawn,
            "facility": None if stats.facility is None else round(stats.facility, 4),
            "discrimination": None if stats.discrimination is None else round(stats.discrimination, 4),
            "unanswered": stats.unanswered,
            "options": [
                {
                    "text": question.options[i] if question and i < len(question.options) else "",
                    "correct": i == stats.correct,
                    "chosen": count,
                }
                for i, count in enumerate(stats.chosen)
            ],
            "flags": list(stats.flags),
        }

    def report_xlsx(self, actor: Actor, round_id: str) -> bytes:
        from chalicelib.files import Sheet, build_xlsx

        report = self.report(actor, round_id)
        letters = "ABCDEFGH"
        rows = []
        for item in report["items"]:
            options = item["options"]
            rows.append(
                [
                    item["question_id"],
                    item["version"],
                    item["document_id"],
                    item["text"],
                    item["drawn"],
                    item["facility"],
                    item["discrimination"],
                    next((letters[i] for i, o in enumerate(options) if o["correct"]), ""),
                    *[o["chosen"] for o in options[:4]],
                    *([""] * (4 - min(4, len(options)))),
                    item["unanswered"],
                    "; ".join(FLAG_NAMES.get(f, f) for f in item["flags"]),
                ]
            )
        sheet = Sheet(
            title=f"Thống kê câu hỏi {round_id}",
            headers=[
                "Mã câu",
                "Phiên bản",
                "Văn bản",
                "Nội dung câu hỏi",
                "Số lần ra đề",
                "Tỉ lệ đúng",
                "Độ phân biệt",
                "Đáp án đúng",
                "Chọn A",
                "Chọn B",
                "Chọn C",
                "Chọn D",
                "Bỏ trống",
                "Cần xem lại",
            ],
            rows=rows,
            widths=[16, 9, 14, 60, 12, 10, 12, 10, 8, 8, 8, 8, 9, 40],
        )
        return build_xlsx([sheet])
