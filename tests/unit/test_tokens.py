"""Participant bearer tokens and the participant id derived from the CCCD."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.tokens import issue_token, participant_id_for, verify_token

SECRET = "unit-test-secret-of-32-characters!"
NOW = 1_639_540_000_000
DAY = 24 * 3600 * 1000
PARTICIPANT = participant_id_for(SECRET, "001090123456")
TOKEN = issue_token(SECRET, PARTICIPANT, NOW + DAY)

national_ids = st.text("0123456789", min_size=12, max_size=12)
# Printable ASCII: what an Authorization header can carry.
header_characters = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


def test_a_token_names_the_participant_it_was_issued_to() -> None:
    assert verify_token(SECRET, TOKEN, NOW) == PARTICIPANT


def test_a_token_is_valid_up_to_its_expiry_and_refused_after() -> None:
    assert verify_token(SECRET, TOKEN, NOW + DAY) == PARTICIPANT
    assert verify_token(SECRET, TOKEN, NOW + DAY + 1) is None


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = issue_token("another-secret", PARTICIPANT, NOW + DAY)
    assert verify_token(SECRET, forged, NOW) is None


def test_extending_the_expiry_breaks_the_signature() -> None:
    participant, _expires, signature = TOKEN.split(".")
    assert verify_token(SECRET, f"{participant}.{NOW + 365 * DAY}.{signature}", NOW) is None


def test_swapping_the_participant_breaks_the_signature() -> None:
    _participant, expires, signature = TOKEN.split(".")
    someone_else = participant_id_for(SECRET, "001090654321")
    assert verify_token(SECRET, f"{someone_else}.{expires}.{signature}", NOW) is None


@pytest.mark.parametrize(
    "malformed",
    ["", "garbage", f"{PARTICIPANT}.{NOW}", f"{TOKEN}.extra", f"{PARTICIPANT}.soon.sig", "..", f".{NOW}."],
)
def test_malformed_tokens_are_refused(malformed: str) -> None:
    assert verify_token(SECRET, malformed, NOW) is None


@given(position=st.integers(0, len(TOKEN) - 1), replacement=header_characters)
def test_any_single_character_change_is_refused(position: int, replacement: str) -> None:
    # GIVEN a valid token
    if TOKEN[position] == replacement:
        return
    # WHEN one character of it is changed
    tampered = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    # THEN it is refused
    assert verify_token(SECRET, tampered, NOW) is None


@given(st.integers(0, len(TOKEN) - 1))
def test_removing_any_character_is_refused(position: int) -> None:
    assert verify_token(SECRET, TOKEN[:position] + TOKEN[position + 1 :], NOW) is None


def test_a_signature_with_a_non_ascii_character_is_refused_not_raised() -> None:
    tampered = TOKEN[:-1] + "é"
    assert verify_token(SECRET, tampered, NOW) is None


@given(national_ids)
def test_participant_id_is_stable_for_a_cccd(national_id: str) -> None:
    first = participant_id_for(SECRET, national_id)
    assert first == participant_id_for(SECRET, national_id)
    assert len(first) == 24
    assert first.startswith("p")
    assert national_id not in first


@given(st.lists(national_ids, min_size=2, max_size=2, unique=True))
def test_different_cccds_have_different_participant_ids(pair: list[str]) -> None:
    first, second = pair
    assert participant_id_for(SECRET, first) != participant_id_for(SECRET, second)


def test_participant_id_depends_on_the_secret() -> None:
    assert participant_id_for(SECRET, "001090123456") != participant_id_for("other", "001090123456")
