"""Certificates as pure rules: who gets one from a results snapshot, and the verification code."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.certificates import (
    ALPHABET,
    CODE_LENGTH,
    certificate_code,
    certificates_of,
    normalize_code,
    place_of,
)

CONTEST = json.loads(
    (Path(__file__).resolve().parents[2] / "question_data" / "contest.json").read_text("utf-8")
)
SHA = "a" * 64
IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789#", min_size=1, max_size=30)


def _results(*, final: bool) -> dict:
    return {
        "round_id": "r2",
        "sha256": SHA,
        "published_at": "2021-12-27T08:00:00+07:00",
        "collective_final": final,
        "individual": [
            {"rank": 1, "prize": "first", "unit_id": "bach-quang", "full_name": "N*** V** A"},
            {"rank": 2, "prize": "second", "unit_id": "pho-co", "full_name": "T*** T** B"},
        ],
        "collective": [
            {"rank": 1, "prize": "first", "unit_id": "pho-co"},
            {"rank": 2, "prize": None, "unit_id": "mo-che"},
        ],
    }


def test_each_winner_gets_a_certificate_with_the_registered_name_and_prize_names():
    found = certificates_of(
        _results(final=False),
        ["p-an", "p-binh"],
        {"p-an": "Nguyễn Văn An"},
        CONTEST,
        round_name="Tuần thứ Hai",
        secret="s",
    )
    assert [(c.kind, c.name, c.unit_name, c.prize_name) for c in found] == [
        ("individual", "Nguyễn Văn An", "Phường Bách Quang", "Giải Nhất"),
        # a name the registrations no longer hold: the snapshot's stands
        ("individual", "T*** T** B", "Phường Phố Cò", "Giải Nhì"),
    ]


def test_units_get_a_giay_khen_only_once_the_collective_ranking_is_final_and_only_with_a_prize():
    found = certificates_of(
        _results(final=True), ["p-an", "p-binh"], {}, CONTEST, round_name="Tuần thứ Hai", secret="s"
    )
    collective = [c for c in found if c.kind == "collective"]
    assert [(c.winner_id, c.name, c.prize_name) for c in collective] == [
        ("pho-co", "Phường Phố Cò", "Giải Nhất")
    ]


def test_the_code_changes_with_the_round_the_kind_the_winner_and_the_snapshot():
    base = certificate_code("s", "r1", "individual", "p-an", SHA)
    others = {
        certificate_code("s", "r2", "individual", "p-an", SHA),
        certificate_code("s", "r1", "collective", "p-an", SHA),
        certificate_code("s", "r1", "individual", "p-binh", SHA),
        certificate_code("s", "r1", "individual", "p-an", "b" * 64),
        certificate_code("other secret", "r1", "individual", "p-an", SHA),
    }
    assert base not in others and len(others) == 5
    assert base == certificate_code("s", "r1", "individual", "p-an", SHA)


@given(round_id=IDS, winner=IDS, secret=st.text(min_size=1, max_size=40))
def test_a_code_reads_back_however_it_is_typed(round_id, winner, secret):
    code = certificate_code(secret, round_id, "individual", winner, SHA)
    compact = code.replace("-", "")
    assert len(compact) == CODE_LENGTH and set(compact) <= set(ALPHABET)
    assert normalize_code(code) == code
    assert normalize_code(compact.lower()) == code
    assert normalize_code(" " + " ".join(code.split("-")) + " ") == code
    assert normalize_code(code.replace("0", "O").replace("1", "I")) == code


@given(code=st.text(max_size=50))
def test_any_text_is_either_refused_or_read_as_a_well_formed_code(code):
    normalized = normalize_code(code)
    if normalized is not None:
        assert normalize_code(normalized) == normalized
        assert len(normalized) == CODE_LENGTH + 2 and set(normalized.replace("-", "")) <= set(ALPHABET)


def test_codes_with_letters_outside_the_alphabet_or_the_wrong_length_are_refused():
    for text in ("ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "", "ABCD/EFGH/JKMN", None):
        assert normalize_code(text) is None


def test_the_place_of_the_date_line_comes_from_the_organizer():
    assert place_of("Ủy ban nhân dân thành phố Sông Công") == "Sông Công"
    assert place_of("UBND huyện Phú Bình") == "Phú Bình"
    assert place_of("Hội Luật gia tỉnh") == "Hội Luật gia tỉnh"
