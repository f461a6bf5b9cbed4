"""Small question banks for tests, built from the contest's documents, so that no test
depends on the content of question_data/questions (which the editors keep changing)."""

from __future__ import annotations

LOCAL_KINDS = ("qd-402-2021", "ctr-10-2021", "kh-178-2021", "da-2173-2021")


def question_row(
    question_id: str,
    document_id: str = "nd-63-2010",
    *,
    kind: str = "content",
    correct: int = 1,
    group: str | None = None,
    text: str | None = None,
) -> dict:
    """A question that keeps every row rule: four distinct options, one key, a source."""
    return {
        "id": question_id,
        "document_id": document_id,
        "kind": kind,
        "text": text or f"Câu hỏi thử số {question_id} hỏi điều gì?",
        "options": [
            {"text": f"Phương án {letter} của {question_id}", "correct": index == correct}
            for index, letter in enumerate("ABCD")
        ],
        "source": "Điều 1 khoản 2",
        "exclusion_group": group,
    }


def synthetic_bank(contest: dict, per_document: int = 6) -> list[dict]:
    """``per_document`` content questions on each document (the local ones: two metadata
    questions each), keys spread over A–D: enough for every slot of the blueprint."""
    rows = []
    for document in contest["documents"]:
        doc = document["id"]
        local = doc in LOCAL_KINDS
        for n in range(1, (2 if local else per_document) + 1):
            rows.append(
                question_row(f"{doc}-t{n:02d}", doc, kind="metadata" if local else "content", correct=n % 4)
            )
    return rows
