"""The rules a question bank must keep, checked by machine.

Two levels. Row rules hold for every question wherever it comes from (the bank's JSON files,
an organizer's form, the committee's Excel import): fields, kind, four distinct options with
one key, a source that names an article or the plan, a stem that does not give its key away.
They come back as :class:`RowError` (row, column, Vietnamese message), the import contract.
Bank rules hold for the bank as a whole (size, per-document minimums, share of metadata,
length bias of the key, "tất cả các ý trên" options): the repository's bank must meet them,
an import of a few questions need not.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.quiz import Question

KINDS = ("content", "metadata")
OPTION_COLUMNS = ("option_a", "option_b", "option_c", "option_d")
LETTERS = "ABCD"
# The import's columns, in the template's order.
COLUMNS = ("id", "document_id", "kind", "text", *OPTION_COLUMNS, "correct", "source", "exclusion_group")
MAX_TEXT = 1000
MAX_OPTION = 400
MAX_SOURCE = 300
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# A source says where in its document: a numbered article, clause or section, a named part of
# a resolution or programme (its goals, tasks, solutions, signature), or the contest's plan.
_SOURCE = re.compile(
    r"\b(điều|khoản|điểm|mục|phần|chương)\s+[0-9ivxlc]+\b|\bphần\s+\w+|mục tiêu|nhiệm vụ|giải pháp|kế hoạch",
    re.IGNORECASE,
)
# "Tất cả các ý trên", "Cả A, B và C", "Cả ba phương án trên đều đúng"...
_ALL_OF_ABOVE = re.compile(
    r"^(tất cả|cả)\b.*((ý|phương án|đáp án|câu trả lời)( nêu)? trên|đều đúng|\b[a-d]\b\s*(,|và))",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w/.-]+", re.UNICODE)
_REFUSED_CATEGORIES = frozenset({"Cs", "Cc", "Cf"})
# Words of the key that no distractor has, repeated in this number in a row by the stem, give
# the key away (fewer would catch ordinary words such as "cấp xã").
_RUN_LENGTH = 3


@dataclass(frozen=True)
class RowError:
    row: int  # the row's number in its file: 1-based in JSON, the sheet's row in a spreadsheet
    column: str  # one of COLUMNS ("" for the row as a whole)
    message: str  # Vietnamese, for the person who fixes the file
    question_id: str = ""


class InvalidBank(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the question bank")
        self.errors = errors


@dataclass(frozen=True)
class Draft:
    """A question as read from a row, before its rules are checked (fields may be wrong)."""

    id: str = ""
    document_id: str = ""
    kind: str = ""
    text: str = ""
    options: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()  # indexes marked correct
    source: str = ""
    exclusion_group: str | None = None
    related_document_ids: tuple[str, ...] = ()
    shape_errors: tuple[tuple[str, str], ...] = ()  # (column, message) found while reading

    def question(self) -> Question:
        return Question(
            id=self.id,
            document_id=self.document_id,
            text=self.text,
            options=self.options,
            correct_index=self.correct[0],
            source=self.source,
            kind=self.kind,
            exclusion_group=self.exclusion_group,
            related_document_ids=self.related_document_ids,
        )


def _text(value: object) -> str | None:
    """NFC text with whitespace runs collapsed; None when it is not text or holds characters
    that could break a reply or disguise what it says."""
    if not isinstance(value, str):
        return None
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES and not c.isspace() for c in value):
        return None
    return unicodedata.normalize("NFC", " ".join(value.split()))


def draft_from_json(raw: object) -> Draft:
    """A question of the bank's JSON files: {id, document_id, kind, text, options: [{text,
    correct}], source, exclusion_group, related_document_ids}."""
    if not isinstance(raw, dict):
        return Draft(shape_errors=(("", "dòng phải là một đối tượng JSON"),))
    errors: list[tuple[str, str]] = []
    values = {}
    for name in ("id", "document_id", "kind", "text", "source"):
        value = _text(raw.get(name, ""))
        if value is None:
            errors.append((name, "phải là chuỗi ký tự hợp lệ (không có ký tự điều khiển, vô hình)"))
        values[name] = value or ""
    group = raw.get("exclusion_group")
    group_text = None if group is None else _text(group)
    if group is not None and group_text is None:
        errors.append(("exclusion_group", "phải là chuỗi ký tự hoặc null"))
    related = raw.get("related_document_ids", [])
    if not isinstance(related, list) or not all(isinstance(d, str) for d in related):
        errors.append(("document_id", "related_document_ids phải là danh sách mã văn bản"))
        related = []
    options = raw.get("options")
    texts: list[str] = []
    correct: list[int] = []
    if not isinstance(options, list):
        errors.append(("option_a", "cần danh sách 4 phương án"))
    else:
        for index, option in enumerate(options):
            column = OPTION_COLUMNS[index] if index < len(OPTION_COLUMNS) else "option_d"
            if not isinstance(option, dict):
                errors.append((column, "phương án phải là đối tượng {text, correct}"))
                continue
            texts.append(_text(option.get("text")) or "")
            if not isinstance(option.get("correct"), bool):
                errors.append(("correct", f"phương án {LETTERS[min(index, 3)]}: correct phải là true/false"))
            elif option["correct"]:
                correct.append(index)
    return Draft(
        id=values["id"],
        document_id=values["document_id"],
        kind=values["kind"],
        text=values["text"],
        options=tuple(texts),
        correct=tuple(correct),
        source=values["source"],
        exclusion_group=group_text or None,
        related_document_ids=tuple(related),
        shape_errors=tuple(errors),
    )


def draft_from_cells(cells: Mapping[str, str]) -> Draft:
    """A question of an import's sheet: the template's columns as text (``correct`` is A–D)."""
    errors: list[tuple[str, str]] = []
    values = {}
    for name in COLUMNS:
        value = _text(cells.get(name, ""))
        if value is None:
            errors.append((name, "có ký tự không được phép (ký tự điều khiển hoặc vô hình)"))
        values[name] = value or ""
    letter = values["correct"].upper()
    if len(letter) == 1 and letter in LETTERS:
        correct = (LETTERS.index(letter),)
    else:
        errors.append(("correct", "phải là một chữ cái A, B, C hoặc D"))
        correct = (0,)  # reported above; a placeholder keeps "exactly one key" from repeating it
    return Draft(
        id=values["id"],
        document_id=values["document_id"],
        kind=values["kind"].lower(),
        text=values["text"],
        options=tuple(values[c] for c in OPTION_COLUMNS),
        correct=correct,
        source=values["source"],
        exclusion_group=values["exclusion_group"] or None,
        shape_errors=tuple(errors),
    )


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?()\"'“”").casefold() for w in _WORD.findall(text)]


def stem_gives_key_away(text: str, options: Sequence[str], correct_index: int) -> bool:
    """The stem holds the key's distinctive text: the whole key, a number or code that only
    the key has (a date, a document's number), or a run of three words only the key has."""
    key = options[correct_index]
    stem = " ".join(_words(text))
    stem_words = set(stem.split())
    if len(key) >= 4 and " ".join(_words(key)) in stem:
        return True
    others = {w for i, o in enumerate(options) if i != correct_index for w in _words(o)}
    key_words = [w for w in _words(key) if w]
    if any(any(c.isdigit() for c in w) and w not in others and w in stem_words for w in key_words):
        return True
    run: list[str] = []
    for word in [*key_words, ""]:
        if word and word not in others:
            run.append(word)
            continue
        for start in range(len(run) - _RUN_LENGTH + 1):
            if " " + " ".join(run[start : start + _RUN_LENGTH]) + " " in f" {stem} ":
                return True
        run = []
    return False


def is_all_of_above(option: str) -> bool:
    return bool(_ALL_OF_ABOVE.match(option.strip()))


def row_problems(draft: Draft, document_ids: set[str]) -> list[tuple[str, str]]:
    """(column, Vietnamese message) for each row rule this question breaks."""
    problems = list(draft.shape_errors)
    unreadable = {column for column, _message in draft.shape_errors}
    if "id" not in unreadable and not draft.id:
        problems.append(("id", "không được để trống"))
    elif draft.id and not _ID.match(draft.id):
        problems.append(("id", "chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64)"))
    if "document_id" not in unreadable and draft.document_id not in document_ids:
        problems.append(("document_id", f"không có văn bản mã “{draft.document_id}” trong cuộc thi"))
    unknown = [d for d in draft.related_document_ids if d not in document_ids]
    if unknown:
        problems.append(("document_id", f"văn bản liên quan không có trong cuộc thi: {', '.join(unknown)}"))
    if "kind" not in unreadable and draft.kind not in KINDS:
        problems.append(("kind", "phải là content (nội dung) hoặc metadata (số hiệu, ngày, cơ quan, tên)"))
    if "text" not in unreadable and not draft.text:
        problems.append(("text", "không được để trống"))
    elif len(draft.text) > MAX_TEXT:
        problems.append(("text", f"tối đa {MAX_TEXT} ký tự"))
    if len(draft.options) != 4:
        problems.append(("option_a", f"cần đúng 4 phương án (có {len(draft.options)})"))
    seen: dict[str, str] = {}
    for column, option in zip(OPTION_COLUMNS, draft.options, strict=False):
        if not option:
            problems.append((column, "phương án không được để trống"))
        elif len(option) > MAX_OPTION:
            problems.append((column, f"tối đa {MAX_OPTION} ký tự"))
        elif option.casefold() in seen:
            problems.append((column, f"trùng với {seen[option.casefold()]}"))
        else:
            seen[option.casefold()] = column
    if len(draft.correct) != 1:
        problems.append(("correct", f"cần đúng 1 phương án đúng (có {len(draft.correct)})"))
    if "source" not in unreadable and not draft.source:
        problems.append(("source", "cần ghi nguồn: văn bản, điều, khoản"))
    elif len(draft.source) > MAX_SOURCE:
        problems.append(("source", f"tối đa {MAX_SOURCE} ký tự"))
    elif draft.source and not _SOURCE.search(draft.source):
        problems.append(
            ("source", "nguồn phải nêu điều, khoản, mục hoặc phần của văn bản (hoặc Kế hoạch cuộc thi)")
        )
    if draft.exclusion_group is not None and not _ID.match(draft.exclusion_group):
        problems.append(("exclusion_group", "chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới"))
    well_formed = len(draft.options) == 4 and all(draft.options) and len(draft.correct) == 1
    if well_formed and draft.text and stem_gives_key_away(draft.text, draft.options, draft.correct[0]):
        problems.append(("text", "câu hỏi chứa sẵn đáp án (nội dung riêng của phương án đúng)"))
    return problems


def check_rows(drafts: Sequence[Draft], document_ids: set[str], *, first_row: int = 1) -> list[RowError]:
    """Every row rule of every row, and the rules across rows (an id or a question text used
    twice). Row numbers start at ``first_row`` (2 for a sheet under its header)."""
    errors: list[RowError] = []
    ids = Counter(d.id for d in drafts if d.id)
    stems = Counter(d.text.casefold() for d in drafts if d.text)
    for offset, draft in enumerate(drafts):
        row = first_row + offset
        problems = row_problems(draft, document_ids)
        if draft.id and ids[draft.id] > 1:
            problems.append(("id", "mã câu hỏi bị trùng trong tệp"))
        if draft.text and stems[draft.text.casefold()] > 1:
            problems.append(("text", "câu hỏi trùng nguyên văn với câu khác trong tệp"))
        errors.extend(RowError(row, column, message, draft.id) for column, message in problems)
    return errors


def validate_bank(rows: object, document_ids: set[str]) -> list[Question]:
    """The questions of a bank's JSON rows, or :class:`InvalidBank` listing every row error."""
    if not isinstance(rows, list):
        raise InvalidBank([RowError(0, "", "ngân hàng câu hỏi phải là một mảng JSON")])
    drafts = [draft_from_json(row) for row in rows]
    errors = check_rows(drafts, document_ids)
    if errors:
        raise InvalidBank(errors)
    return [d.question() for d in drafts]


# --- the bank as a whole ------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentLimits:
    minimum: int = 0
    maximum: int | None = None
    kinds: tuple[str, ...] = KINDS  # the kinds allowed for this document's questions


@dataclass(frozen=True)
class BankPolicy:
    """What the contest's own bank must meet (``bank_rules`` of question_data/contest.json)."""

    min_questions: int = 0
    min_content_share: float = 0.0
    max_longest_key_share: float = 1.0
    max_all_of_above: int = 0
    documents: Mapping[str, DocumentLimits] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: Mapping) -> BankPolicy:
        return cls(
            min_questions=int(rules.get("min_questions", 0)),
            min_content_share=float(rules.get("min_content_share", 0.0)),
            max_longest_key_share=float(rules.get("max_longest_key_share", 1.0)),
            max_all_of_above=int(rules.get("max_all_of_above", 0)),
            documents={
                doc: DocumentLimits(
                    minimum=int(limits.get("min", 0)),
                    maximum=limits.get("max"),
                    kinds=tuple(limits.get("kinds", KINDS)),
                )
                for doc, limits in rules.get("documents", {}).items()
            },
        )


@dataclass(frozen=True)
class BankMeasures:
    total: int
    per_document: dict[str, Counter]  # document → Counter of kinds
    per_kind: Counter
    longest_is_key: int  # questions whose uniquely longest option is the key
    all_of_above: int  # questions with a "tất cả các ý trên" option
    all_of_above_keys: int  # ... where it is the key
    exclusion_groups: dict[str, list[str]]  # group → question ids
    key_positions: Counter  # A–D

    @property
    def content_share(self) -> float:
        return self.per_kind["content"] / self.total if self.total else 0.0

    @property
    def longest_key_share(self) -> float:
        return self.longest_is_key / self.total if self.total else 0.0


def uniquely_longest_is_key(question: Question) -> bool:
    lengths = [len(o) for o in question.options]
    longest = max(lengths)
    return lengths.count(longest) == 1 and lengths.index(longest) == question.correct_index


def measure(questions: Iterable[Question]) -> BankMeasures:
    questions = list(questions)
    per_document: dict[str, Counter] = defaultdict(Counter)
    groups: dict[str, list[str]] = defaultdict(list)
    all_of_above = all_of_above_keys = 0
    for q in questions:
        per_document[q.document_id][q.kind] += 1
        if q.exclusion_group:
            groups[q.exclusion_group].append(q.id)
        flagged = [i for i, o in enumerate(q.options) if is_all_of_above(o)]
        all_of_above += bool(flagged)
        all_of_above_keys += q.correct_index in flagged
    return BankMeasures(
        total=len(questions),
        per_document=dict(per_document),
        per_kind=Counter(q.kind for q in questions),
        longest_is_key=sum(uniquely_longest_is_key(q) for q in questions),
        all_of_above=all_of_above,
        all_of_above_keys=all_of_above_keys,
        exclusion_groups=dict(groups),
        key_positions=Counter(LETTERS[q.correct_index] for q in questions),
    )


def bank_problems(questions: Sequence[Question], policy: BankPolicy) -> list[str]:
    """Vietnamese sentences, one per bank rule broken (empty when the bank is fit)."""
    m = measure(questions)
    problems = []
    if m.total < policy.min_questions:
        problems.append(f"ngân hàng có {m.total} câu, cần ít nhất {policy.min_questions}")
    for doc, limits in sorted(policy.documents.items()):
        kinds = m.per_document.get(doc, Counter())
        count = sum(kinds.values())
        if count < limits.minimum:
            problems.append(f"{doc}: có {count} câu, cần ít nhất {limits.minimum}")
        if limits.maximum is not None and count > limits.maximum:
            problems.append(f"{doc}: có {count} câu, tối đa {limits.maximum}")
        wrong = sorted(k for k in kinds if k not in limits.kinds)
        if wrong:
            problems.append(f"{doc}: chỉ được có câu loại {', '.join(limits.kinds)} (có {', '.join(wrong)})")
    if m.total and m.content_share < policy.min_content_share:
        problems.append(
            f"câu nội dung chiếm {m.content_share:.0%}, cần ít nhất {policy.min_content_share:.0%}"
        )
    if m.total and m.longest_key_share > policy.max_longest_key_share:
        problems.append(
            f"phương án dài nhất là đáp án ở {m.longest_key_share:.0%} số câu, "
            f"tối đa {policy.max_longest_key_share:.0%}"
        )
    if m.all_of_above > policy.max_all_of_above:
        problems.append(
            f"{m.all_of_above} câu có phương án “tất cả các ý trên”, tối đa {policy.max_all_of_above}"
        )
    if m.all_of_above and m.all_of_above_keys == m.all_of_above:
        problems.append("phương án “tất cả các ý trên” lần nào cũng là đáp án")
    for group, members in sorted(m.exclusion_groups.items()):
        if len(members) < 2:
            problems.append(f"nhóm loại trừ {group} chỉ có một câu ({members[0]})")
    return problems
