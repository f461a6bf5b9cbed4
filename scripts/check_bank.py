"""Check the question bank of question_data/ and print its measures.

Prints the counts per document and kind, the length bias of the keys, the "tất cả các ý trên"
options, the exclusion groups and the keys' positions; then every row error (file, row,
column, message) and every bank rule broken (``bank_rules`` of contest.json). Exits 1 when
there is any. Run by ``make test`` before the tests.

Usage: python scripts/check_bank.py [question_data directory]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.bank import BankPolicy, bank_problems, check_rows, draft_from_json, measure
from chalicelib.domain.quiz import DrawRules, blueprint_problems
from chalicelib.seeding import QUESTION_DATA, load_bank_files, load_source


def main(directory: Path) -> int:
    contest, _rows = load_source(directory)
    document_ids = {d["id"] for d in contest["documents"]}
    row_errors = []
    questions = []
    for name, rows in load_bank_files(directory):
        drafts = [draft_from_json(row) for row in rows]
        errors = check_rows(drafts, document_ids)
        row_errors.extend((name, e) for e in errors)
        broken = {e.row for e in errors}
        questions.extend(d.question() for row, d in enumerate(drafts, start=1) if row not in broken)
    ids = [q.id for q in questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    m = measure(questions)
    print(f"questions: {m.total}  (content {m.per_kind['content']}, metadata {m.per_kind['metadata']})")
    print(f"content share: {m.content_share:.1%}")
    print(f"uniquely longest option is the key: {m.longest_is_key} ({m.longest_key_share:.1%})")
    print(f"“tất cả các ý trên” options: {m.all_of_above} (the key in {m.all_of_above_keys})")
    print("key positions: " + ", ".join(f"{k} {m.key_positions[k]}" for k in "ABCD"))
    print(f"{'document':<16}{'content':>9}{'metadata':>10}{'total':>7}")
    for document in contest["documents"]:
        kinds = m.per_document.get(document["id"], {})
        content, metadata = kinds.get("content", 0), kinds.get("metadata", 0)
        print(f"{document['id']:<16}{content:>9}{metadata:>10}{content + metadata:>7}")
    sizes = sorted(len(members) for members in m.exclusion_groups.values())
    print(f"exclusion groups: {len(sizes)} holding {sum(sizes)} questions (largest {max(sizes, default=0)})")
    problems = bank_problems(questions, BankPolicy.of(contest.get("bank_rules", {})))
    problems += blueprint_problems(questions, DrawRules.of(contest["rules"]))
    problems += [f"mã câu hỏi {i} dùng ở nhiều tệp" for i in duplicates]
    for name, error in row_errors:
        print(f"ERROR {name} row {error.row} ({error.question_id}) {error.column}: {error.message}")
    for problem in problems:
        print(f"ERROR bank: {problem}")
    if row_errors or problems:
        print(f"bank refused: {len(row_errors)} row error(s), {len(problems)} bank rule(s) broken")
        return 1
    print("bank ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else QUESTION_DATA))
