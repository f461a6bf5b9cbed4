"""Limits on fake accounts and guessing (issue 14), over moto: the sign-in lock, the
per-client windows, the registration challenge and the phone code."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
from chalice.local import LambdaEventConverter

from tests.api.conftest import ADMIN
from tests.api.people import registration


def _sign_in(api, body, phone):
    return api.post("/sessions", {"national_id": body["national_id"], "phone": phone})


def test_five_wrong_phones_lock_the_cccd_for_fifteen_minutes_even_for_the_right_phone(api):
    body = registration(phone="0912000001")
    api.post("/participants", body)
    for _ in range(4):
        assert _sign_in(api, body, "0912999999").status_code == 401
    fifth = _sign_in(api, body, "0912999999")
    assert fifth.status_code == 429 and fifth.json_body["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert "thử lại" in fifth.json_body["error"]["message"]
    assert _sign_in(api, body, "0912000001").status_code == 429
    api.clock.advance(seconds=15 * 60 - 1)
    assert _sign_in(api, body, "0912000001").status_code == 429
    api.clock.advance(seconds=2)
    assert _sign_in(api, body, "0912000001").status_code == 200
    audit = api.get("/admin/audit", headers=ADMIN).json_body["events"]
    assert any(e["action"] == "participant.signin_locked" for e in audit)


def test_a_right_sign_in_clears_the_wrong_tries(api):
    body = registration(phone="0912000002")
    api.post("/participants", body)
    for _ in range(4):
        _sign_in(api, body, "0912999999")
    assert _sign_in(api, body, "0912000002").status_code == 200
    for _ in range(4):
        assert _sign_in(api, body, "0912999999").status_code == 401


def test_a_malformed_sign_in_cccd_is_a_401_and_never_reaches_storage(api):
    for national_id in ("\ud800" * 12, "０１２３４５６７８９０１", "12345", 12, None):
        response = api.post("/sessions", {"national_id": national_id, "phone": "0912000003"})
        assert response.status_code == 401 and response.json_body["error"]["code"] == "INVALID_CREDENTIALS"


def _limits(api, **changes):
    api.with_settings(limits=replace(api.services.settings.limits, **changes))


def test_a_client_gets_a_few_registrations_a_window_and_another_client_is_counted_apart(api, monkeypatch):
    _limits(api, client_registrations=3)
    for _ in range(3):
        assert api.post("/participants", registration()).status_code == 201
    refused = api.post("/participants", registration())
    assert refused.status_code == 429 and refused.json_body["error"]["code"] == "TOO_MANY_ATTEMPTS"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.9")
    assert api.post("/participants", registration()).status_code == 201
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "127.0.0.1")
    api.clock.advance(seconds=600)
    assert api.post("/participants", registration()).status_code == 201


def test_a_client_gets_a_limited_number_of_sign_ins_a_window(api):
    _limits(api, client_signins=3)
    body = registration(phone="0912000004")
    api.post("/participants", body)
    assert [_sign_in(api, body, "0912000004").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_rate_limits_off_lets_a_load_test_through(api):
    api.with_settings(rate_limits=False, limits=replace(api.services.settings.limits, client_registrations=1))
    assert all(api.post("/participants", registration()).status_code == 201 for _ in range(3))


def test_registration_without_a_solved_challenge_is_refused(api):
    # missing, not a string, garbage, and a wrong number for a real challenge
    challenge = api.get("/challenge").json_body
    wrong = base64.b64encode(
        json.dumps(
            {**{k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}, "number": -1}
        ).encode()
    ).decode()
    for value in (None, 12, "", "bm90IGpzb24=", wrong):
        body = {**registration(), "altcha": value}
        response = api.post("/participants", body)
        assert response.status_code == 400, value
        assert response.json_body["error"]["code"] == "CHALLENGE_REQUIRED"
        assert response.json_body["error"]["field"] == "altcha"


def test_a_solution_registers_once_and_expires_with_its_challenge(api):
    solved = api.solved_challenge()
    assert api.post("/participants", {**registration(), "altcha": solved}).status_code == 201
    replay = api.post("/participants", {**registration(), "altcha": solved})
    assert replay.status_code == 400 and replay.json_body["error"]["code"] == "CHALLENGE_REQUIRED"
    late = api.solved_challenge()
    api.clock.advance(seconds=api.services.settings.limits.challenge_ttl_seconds + 1)
    expired = api.post("/participants", {**registration(), "altcha": late})
    assert expired.status_code == 400 and expired.json_body["error"]["code"] == "CHALLENGE_REQUIRED"


def test_a_field_error_does_not_spend_the_solution(api):
    solved = api.solved_challenge()
    typo = api.post("/participants", {**registration(phone="12"), "altcha": solved})
    assert typo.json_body["error"]["code"] == "INVALID_PHONE"
    assert api.post("/participants", {**registration(), "altcha": solved}).status_code == 201


def test_the_challenge_costs_more_for_a_client_that_registers_many(api):
    base = api.get("/challenge").json_body["maxNumber"]
    step = api.services.settings.limits.challenge_step_registrations
    for _ in range(step):
        api.post("/participants", registration())
    assert api.get("/challenge").json_body["maxNumber"] == 2 * base
    api.clock.advance(seconds=600)
    assert api.get("/challenge").json_body["maxNumber"] == base


def test_registration_challenge_off_needs_no_solution(api):
    api.with_settings(registration_challenge=False)
    assert api.post("/participants", {**registration(), "altcha": None}).status_code == 201


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_code(self) -> str:
        return next(word for word in self.sent[-1][1].split() if word.rstrip(".").isdigit()).rstrip(".")


@pytest.fixture
def sms(api):
    outbox = Outbox()
    api.with_settings(sms=outbox)
    api.set_rules(phone_verification="at_registration")
    return outbox


def _ask_code(api, phone):
    return api.post("/phone-codes", {"phone": phone, "altcha": api.solved_challenge()})


def test_a_phone_code_is_required_and_registers_once(api, sms):
    body = registration(phone="0912000005")
    without = api.post("/participants", body)
    assert without.status_code == 400 and without.json_body["error"]["code"] == "PHONE_CODE_REQUIRED"
    sent = _ask_code(api, "0912000005")
    assert sent.status_code == 202 and sms.sent[-1][0] == "0912000005"
    code = sms.last_code()
    assert len(code) == 6
    assert api.post("/participants", {**body, "phone_code": code}).status_code == 201
    again = api.post("/participants", {**registration(phone="0912000005"), "phone_code": code})
    assert again.status_code == 400 and again.json_body["error"]["code"] == "PHONE_CODE_INVALID"


def test_a_phone_code_has_five_tries_and_ten_minutes(api, sms):
    body = registration(phone="0912000006")
    _ask_code(api, "0912000006")
    code = sms.last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert api.post("/participants", {**body, "phone_code": wrong}).json_body["error"]["code"] == (
            "PHONE_CODE_INVALID"
        )
    assert api.post("/participants", {**body, "phone_code": code}).status_code == 400  # no try left
    _ask_code(api, "0912000006")
    fresh = sms.last_code()
    api.clock.advance(seconds=10 * 60 + 1)
    assert api.post("/participants", {**body, "phone_code": fresh}).status_code == 400  # expired


def test_a_phone_gets_at_most_three_codes_an_hour(api, sms):
    assert [_ask_code(api, "0912000007").status_code for _ in range(4)] == [202, 202, 202, 429]
    api.clock.advance(seconds=3600)
    assert _ask_code(api, "0912000007").status_code == 202


def test_phone_codes_are_refused_while_the_contest_does_not_use_them(api):
    response = api.post("/phone-codes", {"phone": "0912000008", "altcha": api.solved_challenge()})
    assert response.status_code == 409 and response.json_body["error"]["code"] == "PHONE_VERIFICATION_OFF"
