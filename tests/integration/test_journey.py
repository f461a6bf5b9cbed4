"""The participant journey over HTTP against DynamoDB Local and ``chalice local``."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.stack import LocalStack, running_stack

VIETNAM = dt.timezone(dt.timedelta(hours=7))
PERSON = {
    "national_id": "019185000111",
    "full_name": "Trần Thị Bình",
    "date_of_birth": "1985-03-08",
    "gender": "female",
    "phone": "0987654321",
    "unit_id": "cai-dan",
    "workplace": "Trường THCS Cải Đan",
    "consent": True,
}


def _now() -> dt.datetime:
    return dt.datetime.now(VIETNAM).replace(microsecond=0)


def _open_round(
    stack: LocalStack, round_id: str, *, closes_in: dt.timedelta, publish_after: dt.timedelta
) -> None:
    now = _now()
    stack.admin(
        "PATCH",
        f"/admin/rounds/{round_id}",
        {
            "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "closes_at": (now + closes_in).isoformat(),
            "publish_at": (now + closes_in + publish_after).isoformat(),
        },
    )


def test_register_take_resume_and_submit_an_attempt(local_stack: LocalStack) -> None:
    # GIVEN round 1 open now
    _open_round(local_stack, "r1", closes_in=dt.timedelta(hours=1), publish_after=dt.timedelta(hours=1))
    # WHEN a person registers and starts an attempt
    status, session = local_stack.post("/participants", PERSON)
    assert status == 201, session
    token = session["token"]
    status, attempt = local_stack.post("/rounds/r1/attempts", {}, token=token)
    assert status == 201, attempt
    assert len(attempt["questions"]) == 20
    # AND autosaves two answers, then reloads
    chosen = {q["id"]: q["options"][1]["id"] for q in attempt["questions"][:2]}
    status, saved = local_stack.put(
        f"/attempts/{attempt['attempt_id']}/answers", {"answers": chosen, "prediction": 42}, token=token
    )
    assert status == 200 and saved["saved"] is True
    status, resumed = local_stack.post("/rounds/r1/attempts", {}, token=token)
    # THEN the same attempt comes back with its answers
    assert status == 200 and resumed["attempt_id"] == attempt["attempt_id"]
    assert resumed["answers"] == chosen and resumed["prediction_value"] == 42
    # WHEN submitted twice
    status, result = local_stack.post(f"/attempts/{attempt['attempt_id']}/submit", {}, token=token)
    assert status == 200 and result["total"] == 20 and result["receipt"].startswith("SC-")
    assert local_stack.post(f"/attempts/{attempt['attempt_id']}/submit", {}, token=token) == (200, result)
    # THEN the history shows one submitted attempt, and a sign-in works with +84
    status, me = local_stack.get("/me", token=token)
    assert [a["status"] for a in me["attempts"]] == ["submitted"]
    assert me["participant"]["national_id_masked"] == "********0111"
    status, again = local_stack.post(
        "/sessions", {"national_id": PERSON["national_id"], "phone": "+84987654321"}
    )
    assert status == 200 and again["participant_id"] == session["participant_id"]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/participants", {**PERSON, "national_id": "123"}, (400, "INVALID_NATIONAL_ID")),
        ("POST", "/participants", {**PERSON, "phone": "abc"}, (400, "INVALID_PHONE")),
        ("POST", "/participants", {**PERSON, "unit_id": "x"}, (400, "UNKNOWN_UNIT")),
        ("POST", "/participants", {**PERSON, "consent": False}, (400, "CONSENT_REQUIRED")),
        ("POST", "/participants", [1, 2], (400, "VALIDATION_ERROR")),
        (
            "POST",
            "/sessions",
            {"national_id": "019185000999", "phone": "0987654321"},
            (401, "INVALID_CREDENTIALS"),
        ),
        ("POST", "/rounds/r1/attempts", {}, (401, "UNAUTHORIZED")),
        ("GET", "/me", None, (401, "UNAUTHORIZED")),
        ("GET", "/rounds/zz/results", None, (404, "ROUND_NOT_FOUND")),
        ("GET", "/admin/questions", None, (401, "UNAUTHORIZED")),
        ("PUT", "/admin/exclusions", {"national_ids": []}, (401, "UNAUTHORIZED")),
    ],
)
def test_refusals_over_http_are_4xx_with_stable_codes(
    local_stack: LocalStack, method, path, body, expected
) -> None:
    status, payload = local_stack.request(method, path, body)
    assert (status, payload["error"]["code"]) == expected
    assert payload["error"]["message"]


def test_a_body_that_is_not_json_is_a_400(local_stack: LocalStack) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        local_stack.url("/participants"),
        data=b"{not json",
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400


def test_a_round_closes_ranks_and_publishes_by_itself() -> None:
    """A stack whose schedules tick every second on their own: nothing manual after the
    round's times are moved to the next seconds."""
    with running_stack(name="lifecycle", tick_seconds=1) as stack:
        # GIVEN round 2 closing in a few seconds, and a person with saved answers who never submits
        _open_round(stack, "r2", closes_in=dt.timedelta(seconds=8), publish_after=dt.timedelta(seconds=2))
        _open_round(stack, "r1", closes_in=dt.timedelta(hours=5), publish_after=dt.timedelta(hours=1))
        _, session = stack.post("/participants", {**PERSON, "national_id": "019185000222"})
        token = session["token"]
        status, attempt = stack.post("/rounds/r2/attempts", {}, token=token)
        assert status == 201, attempt
        first = attempt["questions"][0]
        stack.put(
            f"/attempts/{attempt['attempt_id']}/answers",
            {"answers": {first["id"]: first["options"][0]["id"]}, "prediction": 1},
            token=token,
        )
        # WHEN time passes (closing + 30 s grace + publication)
        started = time.monotonic()
        results = stack.wait_until(
            lambda: (lambda r: r[1] if r[0] == 200 else None)(stack.get("/rounds/r2/results")),
            timeout=120,
            what="round 2 results",
        )
        # THEN the round was closed with the saved answers, ranked and published
        assert results["actual_prediction_value"] == 1
        assert results["individual"][0]["full_name"] == PERSON["full_name"]
        assert results["individual"][0]["prize"] == "first"
        assert len(results["sha256"]) == 64
        # AND (once the app's 5-second cache of the rounds has expired) the person sees the score,
        # but not yet the correct options: round 1, drawn from the same bank, is still open
        entry = stack.wait_until(
            lambda: (lambda e: e if "correct" in e else None)(
                stack.get("/me", token=token)[1]["attempts"][0]
            ),
            timeout=30,
            what="score",
        )
        assert entry["score_visible"] is True and "review" not in entry
        # AND the stream handler counted the submission for the unit
        stack.sync_streams()
        stats = stack.admin("GET", "/admin/rounds/r2/stats")
        assert stats["per_unit"]["cai-dan"] == 1
        # AND running the jobs again changes nothing
        stack.tick()
        assert stack.get("/rounds/r2/results") == (200, results)
        assert stack.handler_errors() == []
        print(f"published {time.monotonic() - started:.1f} s after the attempt was saved")
