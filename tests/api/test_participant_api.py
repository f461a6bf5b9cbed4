"""The participant contract of docs/api.md, over moto."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from chalicelib.domain import quiz
from chalicelib.domain.timing import parse_iso
from tests.api.conftest import ADMIN
from tests.api.people import registration


def _register(api, **overrides):
    body = registration(**overrides)
    response = api.post("/participants", body)
    assert response.status_code == 201, response.body
    return body, response.json_body["token"]


def _start(api, token, round_id="r1"):
    return api.post(f"/rounds/{round_id}/attempts", {}, token)


def _correct_answers(api, attempt):
    """What a perfect participant would answer, computed server-side for the test."""
    bank = api.services.catalog.bank().by_id
    layout = [(q["id"], [], 1) for q in attempt["questions"]]
    return quiz.correct_option_ids(
        layout, bank, secret=api.services.settings.token_secret, attempt_id=attempt["attempt_id"]
    )


def test_contest_describes_the_plan(api):
    body = api.get("/contest").json_body
    assert body["timezone"] == "Asia/Ho_Chi_Minh"
    assert [r["id"] for r in body["rounds"]] == ["r1", "r2"]
    assert body["rounds"][0]["opens_at"] == "2021-12-13T08:30:00+07:00"
    assert body["rounds"][0]["closes_at"] == "2021-12-19T16:30:00+07:00"
    assert body["rounds"][0]["publish_at"] == "2021-12-20T08:00:00+07:00"
    assert [r["status"] for r in body["rounds"]] == ["open", "scheduled"]
    assert len(body["units"]) == 11 and len(body["documents"]) == 11
    assert body["rules"]["questions_per_attempt"] == 20
    assert body["rules"]["time_limit_seconds"] == 1200
    assert body["rules"]["max_attempts_per_round"] == 3
    assert body["prizes"]["collective_criteria"] == ["participations", "average_best_score", "prizes_won"]
    assert body["prizes"]["collective_per_thousand_inhabitants"] is False
    assert body["prizes"]["individual"][0]["amount"] == 1_000_000


def test_registration_returns_a_token_and_refuses_a_second_registration(api):
    body, token = _register(api)
    assert token
    again = api.post("/participants", body)
    assert again.status_code == 409
    assert again.json_body["error"]["code"] == "ALREADY_REGISTERED"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"national_id": "01908512345"}, 400, "INVALID_NATIONAL_ID"),
        ({"national_id": "999085123456"}, 400, "INVALID_NATIONAL_ID"),
        ({"national_id": "019185123456"}, 400, "INVALID_NATIONAL_ID"),  # female digit for a man
        ({"national_id": "019090123456"}, 400, "INVALID_NATIONAL_ID"),  # year 90 vs 1985
        ({"phone": "12345"}, 400, "INVALID_PHONE"),
        ({"phone": "+8412345"}, 400, "INVALID_PHONE"),
        ({"unit_id": "ha-noi"}, 400, "UNKNOWN_UNIT"),
        ({"consent": False}, 400, "CONSENT_REQUIRED"),
        ({"consent": "yes"}, 400, "CONSENT_REQUIRED"),
        ({"full_name": ""}, 400, "VALIDATION_ERROR"),
        ({"full_name": 42}, 400, "VALIDATION_ERROR"),
        ({"gender": "other"}, 400, "VALIDATION_ERROR"),
        ({"date_of_birth": "1985-02-30"}, 400, "VALIDATION_ERROR"),
    ],
)
def test_registration_refusals_have_stable_codes_and_vietnamese_messages(api, overrides, status, code):
    response = api.post("/participants", registration(**overrides))
    assert response.status_code == status
    error = response.json_body["error"]
    assert error["code"] == code
    assert error["message"] and not error["message"].isascii()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "{", "null"])
def test_a_body_that_is_not_a_json_object_is_a_validation_error(api, raw):
    response = api.post("/participants", raw=raw)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "VALIDATION_ERROR"


def test_excluded_person_cannot_register(api):
    body = registration()
    assert (
        api._send(
            "put", "/admin/exclusions", {"national_ids": [body["national_id"]]}, None, None, ADMIN
        ).status_code
        == 200
    )
    response = api.post("/participants", body)
    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "NOT_ELIGIBLE"


def test_sign_in_with_national_id_and_phone_in_any_format(api):
    body, _ = _register(api, phone="0912345678")
    ok = api.post("/sessions", {"national_id": body["national_id"], "phone": "+84 912 345 678"})
    assert ok.status_code == 200 and ok.json_body["token"]
    wrong = api.post("/sessions", {"national_id": body["national_id"], "phone": "0987654321"})
    assert wrong.status_code == 401
    assert wrong.json_body["error"]["code"] == "INVALID_CREDENTIALS"
    unknown = api.post("/sessions", {"national_id": "019085999999", "phone": "0912345678"})
    assert unknown.json_body["error"]["code"] == "INVALID_CREDENTIALS"


def test_attempt_has_twenty_questions_by_the_blueprint_and_hides_the_answers(api):
    _, token = _register(api)
    response = _start(api, token)
    assert response.status_code == 201
    attempt = response.json_body
    assert len(attempt["questions"]) == 20
    assert len({q["id"] for q in attempt["questions"]}) == 20
    documents = Counter(api.services.catalog.bank().by_id[q["id"]].document_id for q in attempt["questions"])
    assert documents["nd-63-2010"] == 4  # question bank (issue 10): the contest's blueprint
    assert sum(documents[d] for d in ("qd-402-2021", "ctr-10-2021", "kh-178-2021", "da-2173-2021")) == 1
    raw = json.dumps(attempt)
    assert "correct" not in raw
    assert attempt["deadline_at"] == "2021-12-15T10:20:00+07:00"
    assert attempt["prediction"]["question"].startswith("Dự đoán")
    for question in attempt["questions"]:
        assert len(question["options"]) == 4
        assert all(len(o["id"]) == 10 for o in question["options"])


def test_option_ids_differ_between_attempts(api):
    _, token_a = _register(api)
    _, token_b = _register(api)
    a = _start(api, token_a).json_body
    b = _start(api, token_b).json_body
    ids_a = {o["id"] for q in a["questions"] for o in q["options"]}
    ids_b = {o["id"] for q in b["questions"] for o in q["options"]}
    assert not ids_a & ids_b


def test_unfinished_attempt_is_resumed_with_its_saved_answers(api):
    _, token = _register(api)
    attempt = _start(api, token).json_body
    first = attempt["questions"][0]
    saved = api.put(
        f"/attempts/{attempt['attempt_id']}/answers",
        {"answers": {first["id"]: first["options"][2]["id"]}, "prediction": 1234},
        token,
    )
    assert saved.status_code == 200 and saved.json_body["saved"] is True
    api.clock.advance(seconds=60)
    resumed = _start(api, token)
    assert resumed.status_code == 200
    assert resumed.json_body["attempt_id"] == attempt["attempt_id"]
    assert resumed.json_body["answers"] == {first["id"]: first["options"][2]["id"]}
    assert resumed.json_body["prediction_value"] == 1234
    assert resumed.json_body["questions"] == attempt["questions"]


def test_perfect_submit_scores_twenty_and_repeating_it_returns_the_same_body(api):
    api.set_rules(score_visibility="at_submit")  # a practice contest shows the score at once
    _, token = _register(api)
    attempt = _start(api, token).json_body
    answers = _correct_answers(api, attempt)
    api.clock.advance(seconds=300)
    first = api.post(
        f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers, "prediction": 500}, token
    )
    assert first.status_code == 200
    assert first.json_body["correct"] == 20 and first.json_body["total"] == 20
    assert first.json_body["score_visible"] is True and first.json_body["answered"] == 20
    assert first.json_body["duration_ms"] == 300_000
    assert first.json_body["receipt"].startswith("SC-")
    api.clock.advance(seconds=5)
    again = api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": {}}, token)
    assert again.status_code == 200
    assert again.json_body == first.json_body


def test_submit_uses_saved_answers_when_the_body_has_none(api):
    api.set_rules(score_visibility="at_submit")
    _, token = _register(api)
    attempt = _start(api, token).json_body
    answers = _correct_answers(api, attempt)
    half = dict(list(answers.items())[:10])
    api.put(f"/attempts/{attempt['attempt_id']}/answers", {"answers": half, "prediction": 7}, token)
    result = api.post(f"/attempts/{attempt['attempt_id']}/submit", {}, token)
    assert result.json_body["correct"] == 10 and result.json_body["answered"] == 10


def test_submit_after_deadline_is_refused_and_saved_answers_count(api):
    api.set_rules(score_visibility="at_submit")
    _, token = _register(api)
    attempt = _start(api, token).json_body
    answers = _correct_answers(api, attempt)
    api.put(f"/attempts/{attempt['attempt_id']}/answers", {"answers": answers, "prediction": 3}, token)
    api.clock.advance(seconds=1200 + 29)
    within_grace = api.put(f"/attempts/{attempt['attempt_id']}/answers", {"answers": answers}, token)
    assert within_grace.status_code == 200
    api.clock.advance(seconds=2)
    late = api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": {}}, token)
    assert late.status_code == 409
    assert late.json_body["error"]["code"] == "ATTEMPT_CLOSED"
    late_save = api.put(f"/attempts/{attempt['attempt_id']}/answers", {"answers": {}}, token)
    assert late_save.json_body["error"]["code"] == "ATTEMPT_CLOSED"
    # Starting again closes the expired attempt with what was saved, and opens attempt 2.
    second = _start(api, token)
    assert second.status_code == 201 and second.json_body["attempt_id"].endswith(".2")
    history = api.get("/me", token).json_body["attempts"]
    assert history[0]["status"] == "submitted" and history[0]["correct"] == 20
    assert history[0]["duration_ms"] == 1_200_000


def test_grace_submit_counts_the_full_time(api):
    _, token = _register(api)
    attempt = _start(api, token).json_body
    api.clock.advance(seconds=1200 + 10)
    result = api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": {}}, token)
    assert result.status_code == 200
    assert result.json_body["duration_ms"] == 1_200_000


def test_deadline_is_the_round_close_when_it_comes_first(api):
    api.clock.set(parse_iso("2021-12-19T16:25:00+07:00"))
    _, token = _register(api)
    attempt = _start(api, token).json_body
    assert attempt["deadline_at"] == "2021-12-19T16:30:00+07:00"


def test_at_most_three_attempts_a_round(api):
    _, token = _register(api)
    for _ in range(3):
        attempt = _start(api, token).json_body
        api.post(f"/attempts/{attempt['attempt_id']}/submit", {}, token)
    fourth = _start(api, token)
    assert fourth.status_code == 409
    assert fourth.json_body["error"]["code"] == "ATTEMPT_LIMIT_REACHED"


def test_round_not_open_and_round_not_found(api):
    _, token = _register(api)
    assert _start(api, token, "r2").json_body["error"]["code"] == "ROUND_NOT_OPEN"
    missing = _start(api, token, "r9")
    assert missing.status_code == 404 and missing.json_body["error"]["code"] == "ROUND_NOT_FOUND"
    api.clock.set(parse_iso("2021-12-19T16:30:00+07:00"))
    assert _start(api, token, "r1").json_body["error"]["code"] == "ROUND_NOT_OPEN"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer p1.2.3"])
def test_attempt_routes_require_a_valid_token(api, header):
    headers = {"Authorization": header} if header else {}
    assert api.client.http.post("/rounds/r1/attempts", body="{}", headers=headers).status_code == 401
    assert api.get("/me", headers=headers).status_code == 401


def test_someone_elses_attempt_is_forbidden(api):
    _, owner = _register(api)
    _, other = _register(api)
    attempt = _start(api, owner).json_body
    response = api.put(f"/attempts/{attempt['attempt_id']}/answers", {"answers": {}}, other)
    assert response.status_code == 403 and response.json_body["error"]["code"] == "FORBIDDEN"
    submit = api.post(f"/attempts/{attempt['attempt_id']}/submit", {}, other)
    assert submit.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{"answers": "x"}, {"answers": {"q": 5}}, {"prediction": -1}, {"prediction": "12"}, {"prediction": True}],
)
def test_malformed_answers_are_refused_without_losing_saved_ones(api, body):
    _, token = _register(api)
    attempt = _start(api, token).json_body
    first = attempt["questions"][0]
    api.put(
        f"/attempts/{attempt['attempt_id']}/answers",
        {"answers": {first["id"]: first["options"][0]["id"]}},
        token,
    )
    response = api.put(f"/attempts/{attempt['attempt_id']}/answers", body, token)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "VALIDATION_ERROR"
    assert _start(api, token).json_body["answers"] == {first["id"]: first["options"][0]["id"]}


def test_unknown_attempt_id_is_not_found(api):
    _, token = _register(api)
    response = api.put("/attempts/garbage/answers", {"answers": {}}, token)
    assert response.status_code == 404


def test_me_masks_the_national_id(api):
    body, token = _register(api)
    me = api.get("/me", token).json_body
    assert me["participant"]["national_id_masked"] == "********" + body["national_id"][-4:]
    assert body["national_id"] not in json.dumps(me)


def test_results_are_not_published_before_publication(api):
    response = api.get("/rounds/r1/results")
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "RESULTS_NOT_PUBLISHED"


@pytest.mark.parametrize(
    ("method", "path"), [("delete", "/participants"), ("get", "/sessions"), ("put", "/contest")]
)
def test_a_method_a_path_does_not_serve_is_a_405_in_our_shape(api, method, path):
    response = getattr(api.client.http, method)(path, headers={"Content-Type": "application/json"}, body="{}")
    assert response.status_code == 405
    assert response.json_body["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_a_body_that_is_not_json_is_a_415_in_our_shape(api, content_type):
    # A form on another site can send these without the browser asking: never read them.
    body = json.dumps(registration())
    for path in ("/participants", "/sessions"):
        response = api.client.http.post(path, headers={"Content-Type": content_type}, body=body)
        assert response.status_code == 415
        assert response.json_body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
