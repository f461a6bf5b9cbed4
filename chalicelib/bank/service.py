"""Organizers' management of the question bank: list, view, create, edit, retire, import,
template and export. Every change is a new manifest revision (``data.bank_store``): an edit
makes a new version, attempts keep the version they showed; every change is audited.

Methods take parsed input (JSON bodies, rows of a file) and return response bodies or bytes;
refusals are ``ContestError``.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from chalicelib.catalog import Catalog, QuestionBank
from chalicelib.clock import Clock
from chalicelib.data.bank_store import ACTIVE, RETIRED, Manifest, QuestionStore, version_key
from chalicelib.data.repository import Repository
from chalicelib.domain import bank as rules
from chalicelib.domain.quiz import Question
from chalicelib.errors import ContestError
from chalicelib.files import Sheet, build_xlsx
from chalicelib.organizers.policy import Actor
from chalicelib.settings import Settings
from chalicelib.validation import require_object

CHANGE_TRIES = 3
FILTERS = ("document", "kind", "state", "q")
# What makes two versions different (an edit that changes none of these makes no version).
_CONTENT_FIELDS = ("document_id", "kind", "text", "options", "correct_index", "source", "exclusion_group")
TEMPLATE_HEADERS = rules.COLUMNS
EXPORT_HEADERS = (*rules.COLUMNS, "version", "state")
EXAMPLE_ROW = (
    "mau-01",
    "nd-61-2018",
    "content",
    "Theo Nghị định 61/2018/NĐ-CP, hồ sơ tiếp nhận sau 15 giờ hằng ngày được xử lý thế nào?",
    "Được chuyển xử lý ngay trong ngày",
    "Được cập nhật, xử lý vào ngày làm việc tiếp theo",
    "Bị trả lại cho người nộp",
    "Chỉ được tiếp nhận qua bưu chính",
    "B",
    "Nghị định 61/2018/NĐ-CP, Điều 18 khoản 2",
    "",
)
GUIDE = (
    ("id", "Mã câu hỏi: chữ không dấu, số, dấu chấm, gạch ngang (mã đã có: sửa câu đó)"),
    ("document_id", "Mã văn bản, ví dụ nd-63-2010"),
    ("kind", "content: hỏi nội dung; metadata: hỏi số hiệu, ngày, cơ quan ban hành, tên văn bản"),
    ("text", "Câu hỏi; không được chứa sẵn đáp án"),
    ("option_a … option_d", "Bốn phương án khác nhau"),
    ("correct", "Chữ cái của phương án đúng: A, B, C hoặc D"),
    ("source", "Nguồn: văn bản, điều, khoản (hoặc Kế hoạch cuộc thi)"),
    ("exclusion_group", "Tùy chọn: các câu cùng nhóm không xuất hiện cùng một lượt thi"),
)


@dataclass(frozen=True)
class ImportPlan:
    """What a file would do: per row its errors and action ("add", "change", "same")."""

    rows: list[dict]
    added: list[Question]
    changed: list[Question]

    @property
    def valid(self) -> bool:
        return not any(row["errors"] for row in self.rows)

    def body(self) -> dict:
        return {
            "valid": self.valid,
            "added": len(self.added),
            "changed": len(self.changed),
            "rows": self.rows,
        }


def _folded(text: str) -> str:
    """Lower case without accents (đ as d): a search typed without diacritics still finds."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _same_content(a: Question, b: Question) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in _CONTENT_FIELDS)


def question_view(question: Question) -> dict:
    """A question as organizers see it: the shape of GET /admin/questions (option ids are the
    source positions "0"–"3"), with kind, version, state and exclusion group."""
    return {
        "id": question.id,
        "document_id": question.document_id,
        "text": question.text,
        "options": [{"id": str(i), "text": text} for i, text in enumerate(question.options)],
        "correct_option_id": str(question.correct_index),
        "source": question.source,
        "kind": question.kind,
        "version": question.version,
        "state": question.state,
        "exclusion_group": question.exclusion_group,
    }


def _sheet_row(question: Question) -> list:
    return [
        question.id,
        question.document_id,
        question.kind,
        question.text,
        *question.options,
        rules.LETTERS[question.correct_index],
        question.source,
        question.exclusion_group or "",
    ]


class BankService:
    def __init__(
        self,
        *,
        repository: Repository,
        catalog: Catalog,
        clock: Clock,
        settings: Settings,
        store: QuestionStore | None = None,
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._contest_id = settings.contest_id
        self._store = store or QuestionStore()

    # --- reading ---------------------------------------------------------------------------

    def _fresh(self) -> tuple[Manifest, QuestionBank]:
        manifest, questions = self._store.load(self._contest_id)
        return manifest, QuestionBank.of(questions, manifest.revision)

    def list(self, query: Mapping[str, str]) -> list[dict]:
        """The current version of every question, filtered by document, kind, state and a
        text (searched in the stem, options, id and source, with or without accents)."""
        _manifest, bank = self._fresh()
        wanted = {name: (query.get(name) or "").strip() for name in FILTERS}
        needle = _folded(wanted["q"])
        found = []
        for question in sorted(bank.by_id.values(), key=lambda q: q.id):
            if wanted["document"] and question.document_id != wanted["document"]:
                continue
            if wanted["kind"] and question.kind != wanted["kind"]:
                continue
            if wanted["state"] and question.state != wanted["state"]:
                continue
            haystack = " ".join((question.id, question.text, question.source, *question.options))
            if needle and needle not in _folded(haystack):
                continue
            found.append(question_view(question))
        return found

    def view(self, question_id: str) -> dict:
        """The question and all its versions, newest first."""
        _manifest, bank = self._fresh()
        current = bank.by_id.get(question_id)
        if current is None:
            raise ContestError("QUESTION_NOT_FOUND", 404)
        versions = [bank.version(question_id, v) for v in range(current.version, 0, -1)]
        return {**question_view(current), "versions": [question_view(v) for v in versions if v]}

    # --- changing --------------------------------------------------------------------------

    def _document_ids(self) -> set[str]:
        return {d["id"] for d in self._catalog.snapshot().contest["documents"]}

    def _draft(self, body: object, question_id: str | None = None) -> Question:
        """A question from a form's JSON body, refused on its first broken row rule."""
        body = require_object(body)
        if question_id is not None:
            body = {**body, "id": question_id}
        draft = rules.draft_from_json({"kind": "content", "exclusion_group": None, **body})
        problems = rules.row_problems(draft, self._document_ids())
        if problems:
            column, message = problems[0]
            raise ContestError("QUESTION_INVALID", 400, field=column, detail=message)
        return draft.question()

    def _change(
        self, actor: Actor, plan: Callable[[QuestionBank], dict[str, Question]]
    ) -> dict[str, Question]:
        """Apply ``plan`` (from the fresh bank: {question_id: its new current version, with
        the version number and state it gets}) as one new manifest revision; tried again from
        a fresh read when someone else changed the bank meanwhile."""
        for _ in range(CHANGE_TRIES):
            manifest, bank = self._fresh()
            changes = plan(bank)
            if not changes:
                return {}
            now = self._clock.now_ms()
            entries = {
                qid: {"state": e["state"], "keys": list(e["keys"])} for qid, e in manifest.entries.items()
            }
            written: list[tuple[str, Question]] = []
            for question_id, question in changes.items():
                entry = entries.setdefault(question_id, {"state": ACTIVE, "keys": []})
                entry["state"] = question.state
                if question.version > len(entry["keys"]):
                    written.append((version_key(question_id, question.version), question))
                    entry["keys"].append(written[-1][0])
            self._store.put_new_versions(self._contest_id, written, actor.username, now)
            if self._store.switch(self._contest_id, manifest.revision, entries, actor.username, now):
                self._catalog.forget()
                return changes
            self._store.discard(self._contest_id, [key for key, _question in written])
        raise ContestError("CONFLICT", 409)

    def _audit(self, actor: Actor, action: str, target: str, details: dict) -> None:
        self._repository.record_action(self._contest_id, self._clock.now_ms(), actor, action, target, details)

    def create(self, actor: Actor, body: object) -> dict:
        question = self._draft(body)

        def plan(bank: QuestionBank) -> dict[str, Question]:
            if question.id in bank.by_id:
                raise ContestError("QUESTION_EXISTS", 409, field="id")
            return {question.id: question}

        self._change(actor, plan)
        self._audit(actor, "question.create", question.id, {"version": 1})
        return question_view(question)

    def edit(self, actor: Actor, question_id: str, body: object) -> dict:
        """A new version when the content changed (none otherwise). ``version`` in the body,
        when given, must be the current one: an edit made on a stale copy is refused."""
        expected = require_object(body).get("version")
        edited = self._draft({k: v for k, v in body.items() if k not in ("version", "state")}, question_id)

        def plan(bank: QuestionBank) -> dict[str, Question]:
            current = self._current(bank, question_id)
            if expected is not None and expected != current.version:
                raise ContestError("CONFLICT", 409, field="version")
            if _same_content(current, edited):
                return {}
            related = (
                edited.related_document_ids
                if "related_document_ids" in body
                else current.related_document_ids
            )
            new = replace(edited, related_document_ids=related)
            return {question_id: replace(new, version=current.version + 1, state=current.state)}

        changes = self._change(actor, plan)
        if not changes:
            return self.view(question_id)
        version = changes[question_id].version
        self._audit(actor, "question.edit", question_id, {"version": version})
        return {**question_view(changes[question_id]), "versions": self.view(question_id)["versions"]}

    def retire(self, actor: Actor, question_id: str) -> dict:
        """Never drawn again; attempts that hold it keep being scored by their version."""

        def plan(bank: QuestionBank) -> dict[str, Question]:
            current = self._current(bank, question_id)
            return {} if current.state == RETIRED else {question_id: replace(current, state=RETIRED)}

        if self._change(actor, plan):
            self._audit(actor, "question.retire", question_id, {})
        return self.view(question_id)

    @staticmethod
    def _current(bank: QuestionBank, question_id: str) -> Question:
        current = bank.by_id.get(question_id)
        if current is None:
            raise ContestError("QUESTION_NOT_FOUND", 404)
        return current

    # --- files -----------------------------------------------------------------------------

    def plan_import(self, cells: list[dict[str, str]], bank: QuestionBank) -> ImportPlan:
        """Every row checked (row rules, ids and stems repeated in the file) and compared with
        the bank: a new id is added, a known id whose content differs gets a new version."""
        drafts = [rules.draft_from_cells(row) for row in cells]
        errors = rules.check_rows(drafts, self._document_ids(), first_row=2)
        by_row: dict[int, list[dict]] = {}
        for error in errors:
            by_row.setdefault(error.row, []).append({"column": error.column, "message": error.message})
        rows, added, changed = [], [], []
        for offset, draft in enumerate(drafts):
            row = offset + 2
            if not any(cells[offset].values()):
                continue  # an empty line of the sheet
            problems = by_row.get(row, [])
            action = "same"
            if not problems:
                question = draft.question()
                current = bank.by_id.get(question.id)
                if current is None:
                    action = "add"
                    added.append(question)
                elif not _same_content(current, question):
                    action = "change"
                    # a sheet has no column for the related documents: they stay as they were
                    kept = replace(question, related_document_ids=current.related_document_ids)
                    changed.append(replace(kept, version=current.version + 1, state=current.state))
            rows.append(
                {"row": row, "id": draft.id, "action": action if not problems else None, "errors": problems}
            )
        if not rows:
            rows.append(
                {
                    "row": 2,
                    "id": "",
                    "action": None,
                    "errors": [{"column": "", "message": "tệp không có câu hỏi nào"}],
                }
            )
        return ImportPlan(rows, added, changed)

    def import_rows(
        self, actor: Actor, cells: list[dict[str, str]], *, dry_run: bool, filename: str
    ) -> ImportPlan:
        """A dry run says what the file would do; otherwise a valid file is applied as one
        new revision of the bank (re-applying it changes nothing), an invalid one writes
        nothing (the caller answers 400 IMPORT_INVALID with the same rows)."""
        if dry_run:
            return self.plan_import(cells, self._fresh()[1])
        outcome: dict[str, ImportPlan] = {}

        def plan(bank: QuestionBank) -> dict[str, Question]:
            outcome["plan"] = found = self.plan_import(cells, bank)
            if not found.valid:
                return {}
            return {q.id: q for q in (*found.added, *found.changed)}

        self._change(actor, plan)
        result = outcome["plan"]
        if result.valid and (result.added or result.changed):
            self._audit(
                actor,
                "question.import",
                filename,
                {"added": [q.id for q in result.added], "changed": [q.id for q in result.changed]},
            )
        return result

    @staticmethod
    def template_csv() -> str:
        """Text, not bytes: CSV is not one of the binary types API Gateway passes as bytes."""
        out = io.StringIO()
        csv.writer(out).writerow(TEMPLATE_HEADERS)
        return "\ufeff" + out.getvalue()  # the BOM lets Excel read UTF-8

    @staticmethod
    def template_xlsx() -> bytes:
        return build_xlsx(
            [
                Sheet("Câu hỏi", TEMPLATE_HEADERS, [], widths=_widths()),
                Sheet("Hướng dẫn", ["Cột", "Cách điền"], GUIDE, widths=[22, 90]),
                Sheet("Ví dụ", TEMPLATE_HEADERS, [EXAMPLE_ROW], widths=_widths()),
            ]
        )

    def export_xlsx(self) -> bytes:
        """The bank at its current versions, in the import's columns (plus version and
        state): an exported file edited and imported again changes what was edited."""
        _manifest, bank = self._fresh()
        rows = [[*_sheet_row(q), q.version, q.state] for q in sorted(bank.by_id.values(), key=lambda q: q.id)]
        return build_xlsx([Sheet("Ngân hàng câu hỏi", EXPORT_HEADERS, rows, widths=[*_widths(), 8, 10])])


def _widths() -> list[int]:
    return [14, 14, 10, 60, 30, 30, 30, 30, 8, 36, 16]
