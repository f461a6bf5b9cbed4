"""The registration proof of work: a solved challenge passes once per challenge (the caller
stores the returned key), everything else is refused with None and never an exception."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from altcha import ChallengeOptionsV1, create_challenge_v1
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.integrity.pow import MAX_PAYLOAD_CHARS, issue_challenge, verify_solution

KEY = "unit-test-hmac-key-of-32-characters"
NOW = 1_639_540_000  # a fixed clock: nothing here depends on today's date
TTL = 600
MAX_NUMBER = 1_000  # small, so brute force in Python takes milliseconds


def solve(challenge: dict[str, Any]) -> int:
    """What the widget does: find the number whose SHA-256 with the salt is the challenge."""
    for number in range(challenge["maxNumber"] + 1):
        if hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest() == challenge["challenge"]:
            return number
    raise AssertionError("no solution up to maxNumber")


def encode(fields: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(fields).encode()).decode()


def payload_for(challenge: dict[str, Any], **changes: Any) -> str:
    """The widget's payload (base64 JSON, with its timing field ``took``) for a challenge."""
    fields = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solve(challenge),
        "salt": challenge["salt"],
        "signature": challenge["signature"],
        "took": 812,
    }
    return encode({**fields, **changes})


CHALLENGE = issue_challenge(hmac_key=KEY, max_number=MAX_NUMBER, now_s=NOW, ttl_s=TTL)
PAYLOAD = payload_for(CHALLENGE)


def test_the_challenge_is_the_json_the_widget_fetches() -> None:
    assert set(CHALLENGE) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert CHALLENGE["algorithm"] == "SHA-256"
    assert CHALLENGE["maxNumber"] == MAX_NUMBER
    assert CHALLENGE["salt"].endswith(f"?expires={NOW + TTL}&")
    assert len(CHALLENGE["challenge"]) == len(CHALLENGE["signature"]) == 64
    json.dumps(CHALLENGE)  # plain JSON types only


def test_every_challenge_is_new() -> None:
    other = issue_challenge(hmac_key=KEY, max_number=MAX_NUMBER, now_s=NOW, ttl_s=TTL)
    assert other["salt"] != CHALLENGE["salt"]
    assert other["signature"] != CHALLENGE["signature"]


def test_a_solved_challenge_is_accepted_and_named_by_its_signature() -> None:
    assert verify_solution(PAYLOAD, hmac_key=KEY, now_s=NOW) == CHALLENGE["signature"]
    # Stable: the same solution always gives the same replay key.
    assert verify_solution(PAYLOAD, hmac_key=KEY, now_s=NOW + 1) == CHALLENGE["signature"]


def test_the_replay_key_names_the_challenge_not_the_string() -> None:
    # Another encoding of the same solution (key order, spacing, timing) gets the
    # same key, so the caller's store-once check still catches the replay.
    fields = json.loads(base64.b64decode(PAYLOAD))
    reordered = base64.b64encode(json.dumps(dict(reversed(fields.items())), indent=1).encode()).decode()
    for variant in (reordered, payload_for(CHALLENGE, took=1)):
        assert verify_solution(variant, hmac_key=KEY, now_s=NOW) == CHALLENGE["signature"]


def test_the_widget_timing_field_is_optional() -> None:
    without_took = json.loads(base64.b64decode(PAYLOAD))
    del without_took["took"]
    assert verify_solution(encode(without_took), hmac_key=KEY, now_s=NOW) == CHALLENGE["signature"]


def test_a_challenge_is_valid_up_to_its_expiry_by_the_injected_clock_and_refused_after() -> None:
    assert verify_solution(PAYLOAD, hmac_key=KEY, now_s=NOW + TTL) == CHALLENGE["signature"]
    assert verify_solution(PAYLOAD, hmac_key=KEY, now_s=NOW + TTL + 1) is None


def test_the_expiry_does_not_follow_the_wall_clock() -> None:
    # Issued and checked in 2001 by the injected clock: the library must not compare with now.
    old = issue_challenge(hmac_key=KEY, max_number=MAX_NUMBER, now_s=1_000_000_000, ttl_s=TTL)
    assert verify_solution(payload_for(old), hmac_key=KEY, now_s=1_000_000_000) == old["signature"]
    # Issued far in the future and checked before it expires.
    future = issue_challenge(hmac_key=KEY, max_number=MAX_NUMBER, now_s=4_000_000_000, ttl_s=TTL)
    assert verify_solution(payload_for(future), hmac_key=KEY, now_s=4_000_000_000) == future["signature"]


def test_a_wrong_number_is_refused() -> None:
    number = solve(CHALLENGE)
    for wrong in (number + 1, number - 1 if number else MAX_NUMBER + 1):
        assert verify_solution(payload_for(CHALLENGE, number=wrong), hmac_key=KEY, now_s=NOW) is None


def test_a_number_that_is_not_an_integer_is_refused() -> None:
    number = solve(CHALLENGE)
    for wrong in (str(number), float(number), True, None, [number]):
        assert verify_solution(payload_for(CHALLENGE, number=wrong), hmac_key=KEY, now_s=NOW) is None


def test_a_tampered_signature_is_refused() -> None:
    signature = CHALLENGE["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for forged in (flipped, signature.upper(), signature[:-1], "", 0):
        assert verify_solution(payload_for(CHALLENGE, signature=forged), hmac_key=KEY, now_s=NOW) is None


def test_a_challenge_signed_with_another_key_is_refused() -> None:
    foreign = issue_challenge(hmac_key="another-key", max_number=MAX_NUMBER, now_s=NOW, ttl_s=TTL)
    assert verify_solution(payload_for(foreign), hmac_key=KEY, now_s=NOW) is None
    assert verify_solution(PAYLOAD, hmac_key="another-key", now_s=NOW) is None
    assert verify_solution(PAYLOAD, hmac_key="", now_s=NOW) is None


def test_extending_the_expiry_in_the_salt_breaks_the_challenge() -> None:
    later = CHALLENGE["salt"].replace(f"expires={NOW + TTL}", f"expires={NOW + 365 * 86400}")
    fields = json.loads(base64.b64decode(PAYLOAD))
    assert verify_solution(encode({**fields, "salt": later}), hmac_key=KEY, now_s=NOW + TTL + 1) is None


def test_a_challenge_without_expiry_is_refused() -> None:
    # Solvable and correctly signed, but it would stay valid for ever: not one of ours.
    challenge = create_challenge_v1(ChallengeOptionsV1(max_number=MAX_NUMBER, hmac_key=KEY)).to_dict()
    assert verify_solution(payload_for(challenge), hmac_key=KEY, now_s=NOW) is None


def test_another_algorithm_is_refused_even_when_correctly_signed() -> None:
    options = ChallengeOptionsV1(algorithm="SHA-1", max_number=MAX_NUMBER, hmac_key=KEY)
    challenge = create_challenge_v1(options).to_dict()
    number = next(
        n
        for n in range(MAX_NUMBER + 1)
        if hashlib.sha1(f"{challenge['salt']}{n}".encode()).hexdigest() == challenge["challenge"]
    )
    fields = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    assert verify_solution(encode({**fields, "number": number}), hmac_key=KEY, now_s=NOW) is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        0,
        1.5,
        True,
        b"",
        PAYLOAD.encode(),
        [PAYLOAD],
        {"altcha": PAYLOAD},
        json.loads(base64.b64decode(PAYLOAD)),  # the JSON itself, not its base64
        "",
        " ",
        "not base64 at all",
        PAYLOAD[:-4],
        " " + PAYLOAD,
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"\xff\xfe\xfd").decode(),
        encode([]),
        encode("a string"),
        encode(None),
        encode({}),
        base64.b64encode(b"[" * 1500).decode(),
        "A" * (MAX_PAYLOAD_CHARS + 4),
        "A" * 10_000_000,
        "\ud800",
        "é" * 100,
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else f"str{len(value)}",
)
def test_garbage_is_refused(payload: object) -> None:
    assert verify_solution(payload, hmac_key=KEY, now_s=NOW) is None


def test_issuing_needs_a_key_and_positive_bounds() -> None:
    with pytest.raises(ValueError):
        issue_challenge(hmac_key="", max_number=MAX_NUMBER, now_s=NOW, ttl_s=TTL)
    with pytest.raises(ValueError):
        issue_challenge(hmac_key=KEY, max_number=0, now_s=NOW, ttl_s=TTL)
    with pytest.raises(ValueError):
        issue_challenge(hmac_key=KEY, max_number=MAX_NUMBER, now_s=NOW, ttl_s=0)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)
field_values = json_values | st.sampled_from(list(CHALLENGE.values()))
field_names = st.sampled_from(["algorithm", "challenge", "number", "salt", "signature", "took"])


@given(json_values | st.binary() | st.text())
def test_any_payload_is_refused_without_raising(payload: object) -> None:
    assert verify_solution(payload, hmac_key=KEY, now_s=NOW) is None


@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_any_base64_is_refused_without_raising(raw: bytes) -> None:
    assert verify_solution(base64.b64encode(raw).decode(), hmac_key=KEY, now_s=NOW) is None


@given(st.dictionaries(field_names, field_values, min_size=1, max_size=6))
def test_any_change_to_a_solution_is_refused_without_raising(changes: dict[str, Any]) -> None:
    fields = json.loads(base64.b64decode(PAYLOAD))
    changed = {**fields, **changes}
    result = verify_solution(encode(changed), hmac_key=KEY, now_s=NOW)
    if all(
        changed[key] == fields[key] and type(changed[key]) is type(fields[key])
        for key in fields
        if key != "took"
    ):
        assert result == CHALLENGE["signature"]
    else:
        assert result is None
