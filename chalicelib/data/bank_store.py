"""Storage of the question bank: immutable version items and one manifest.

Every version of a question is its own item, never rewritten. The manifest item says, for
every question, its state and the keys of its versions in order (version n is the n-th key).
A change (an edit, a retirement, a whole import) writes its new version items first, where
no reader looks, then the manifest in one write conditioned on its revision: readers see the
bank before or after the change, never between. A bank seeded before the manifest existed
has none: each item at a plain question id is then version 1 and active.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pynamodb.exceptions import PutError

from chalicelib.data.models import BankManifestModel, QuestionModel
from chalicelib.domain.quiz import Question

MANIFEST_KEY = "!bank"  # sorts before every question id (they start with a letter or digit)
ACTIVE = "active"
RETIRED = "retired"


@dataclass(frozen=True)
class Manifest:
    revision: int  # 0: no manifest written yet
    entries: dict[str, dict]  # {question_id: {"state": str, "keys": [item key, ...]}}


def version_key(question_id: str, version: int) -> str:
    """A fresh item key for a new version: never the key of an item already written, so a
    change that lost a race leaves only an item nobody points to."""
    return f"{question_id}#v{version:04d}#{secrets.token_hex(4)}"


def _question(item: QuestionModel, question_id: str, version: int, state: str) -> Question:
    return Question(
        id=question_id,
        document_id=item.document_id,
        text=item.text,
        options=tuple(o["text"] for o in item.options),
        correct_index=next(i for i, o in enumerate(item.options) if o["correct"]),
        source=item.source or "",
        kind=item.kind or "content",
        exclusion_group=item.exclusion_group,
        related_document_ids=tuple(item.related_document_ids or ()),
        version=version,
        state=state,
    )


def _item(contest_id: str, key: str, question: Question, actor: str, now_ms: int) -> QuestionModel:
    return QuestionModel(
        contest_id,
        key,
        document_id=question.document_id,
        text=question.text,
        options=[{"text": t, "correct": i == question.correct_index} for i, t in enumerate(question.options)],
        source=question.source,
        kind=question.kind,
        exclusion_group=question.exclusion_group,
        related_document_ids=list(question.related_document_ids) or None,
        updated_at=now_ms,
        updated_by=actor,
    )


class QuestionStore:
    """The bank of one deployment's questions table."""

    def manifest(self, contest_id: str) -> Manifest:
        """One consistent GetItem (about 70 bytes a question: 4 read units for 200)."""
        try:
            item = BankManifestModel.get(contest_id, MANIFEST_KEY, consistent_read=True)
        except BankManifestModel.DoesNotExist:
            return Manifest(0, {})
        return Manifest(int(item.revision), dict(item.entries or {}))

    def load(self, contest_id: str, manifest: Manifest | None = None) -> tuple[Manifest, list[Question]]:
        """Every version the manifest points to: the manifest first, then one consistent Query
        of the contest's partition, which holds every item the manifest points to (they were
        written before it); items written after it are not pointed to."""
        manifest = manifest or self.manifest(contest_id)
        items = {
            item.question_id: item
            for item in QuestionModel.query(
                contest_id, QuestionModel.question_id > MANIFEST_KEY, consistent_read=True
            )
        }
        entries = manifest.entries if manifest.revision else self._legacy_entries(items)
        questions = []
        for question_id, entry in entries.items():
            for version, key in enumerate(entry["keys"], start=1):
                if key in items:
                    questions.append(_question(items[key], question_id, version, entry["state"]))
        return Manifest(manifest.revision, entries), questions

    @staticmethod
    def _legacy_entries(items: Iterable[str]) -> dict[str, dict]:
        return {key: {"state": ACTIVE, "keys": [key]} for key in items if "#" not in key}

    def put_version(self, contest_id: str, key: str, question: Question, actor: str, now_ms: int) -> bool:
        """Write one version item unless its key is taken; True when written."""
        try:
            _item(contest_id, key, question, actor, now_ms).save(
                condition=QuestionModel.question_id.does_not_exist()
            )
        except PutError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put_new_versions(
        self, contest_id: str, versions: Iterable[tuple[str, Question]], actor: str, now_ms: int
    ) -> None:
        """Write version items under fresh keys (``version_key``), 25 a call: no condition is
        needed, since no reader points to them until the manifest does."""
        with QuestionModel.batch_write() as batch:
            for key, question in versions:
                batch.save(_item(contest_id, key, question, actor, now_ms))

    def switch(
        self, contest_id: str, expected_revision: int, entries: Mapping[str, dict], actor: str, now_ms: int
    ) -> bool:
        """Make ``entries`` the bank, if nobody changed it since ``expected_revision``."""
        condition = (
            BankManifestModel.question_id.does_not_exist()
            if expected_revision == 0
            else BankManifestModel.revision == expected_revision
        )
        item = BankManifestModel(
            contest_id,
            MANIFEST_KEY,
            revision=expected_revision + 1,
            entries=dict(entries),
            updated_at=now_ms,
            updated_by=actor,
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def discard(self, contest_id: str, keys: Iterable[str]) -> None:
        """Remove version items a lost race wrote (nobody points to them)."""
        for key in keys:
            QuestionModel(contest_id, key).delete()
