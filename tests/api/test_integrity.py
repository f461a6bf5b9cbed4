"""Contest integrity (issue 14), over moto: no answer oracle before the close, no prize for
a script, the committee's flags and disqualifications, and the release of a CCCD."""

from __future__ import annotations

from chalicelib.domain import quiz
from tests.api.conftest import ADMIN
from tests.api.people import registration
from tests.api.test_round_lifecycle import CLOSES, PUBLISH, _answers, _fire

VOLATILE = {
    "attempt_id",
    "receipt",
    "submitted_at",
    "started_at",
    "deadline_at",
    "saved_at",
    "participant_id",
    "national_id_masked",
    "phone",
}


def _without_ids_and_times(value):
    """A reply with what differs between any two accounts anyway taken out."""
    if isinstance(value, dict):
        return {k: _without_ids_and_times(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_ids_and_times(v) for v in value]
    return value


def _person(api, **overrides):
    token = api.post("/participants", registration(**overrides)).json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    return token, attempt


def _option_ids_by_source_index(api, attempt):
    """{source option index: option id} of the attempt's first question."""
    question = attempt["questions"][0]
    secret = api.services.settings.token_secret
    return question["id"], {
        index: quiz.option_id(secret, attempt["attempt_id"], question["id"], index) for index in range(4)
    }


def test_fresh_accounts_guessing_one_question_learn_nothing_until_the_round_closes(api):
    # GIVEN four fresh accounts, each answering only its first question, each with another option
    replies = []
    guesses = []
    for index in range(4):
        token, attempt = _person(api, phone=f"09123400{index:02d}")
        question_id, options = _option_ids_by_source_index(api, attempt)
        # the first account picks the right option, the others each a different wrong one
        right = api.services.catalog.bank().by_id[question_id].correct_index
        guess = (right + index) % 4
        api.clock.advance(seconds=90)
        save = api.put(
            f"/attempts/{attempt['attempt_id']}/answers", {"answers": {question_id: options[guess]}}, token
        )
        submit = api.post(f"/attempts/{attempt['attempt_id']}/submit", {"prediction": 100}, token)
        me = api.get("/me", token)
        assert save.status_code == submit.status_code == me.status_code == 200
        replies.append([_without_ids_and_times(r.json_body) for r in (save, submit, me)])
        guesses.append((token, guess == right))
        api.clock.advance(seconds=-90)
    # THEN every reply is the same, apart from ids and times: right and wrong look alike
    assert all(reply == replies[0] for reply in replies)
    assert "correct" not in replies[0][1] and replies[0][1]["score_visible"] is False
    assert replies[0][1]["answered"] == 1
    assert "correct" not in replies[0][2]["attempts"][0] and "review" not in replies[0][2]["attempts"][0]
    assert api.get("/rounds/r1/results").status_code == 404  # no public figure either
    # WHEN the round closes THEN each sees the score of what it answered
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    for token, was_right in guesses:
        history = api.get("/me", token).json_body["attempts"][0]
        assert history["score_visible"] is True and history["correct"] == (1 if was_right else 0)
    assert sum(was_right for _, was_right in guesses) == 1


def test_a_practice_contest_shows_the_score_at_submit(api):
    api.set_rules(score_visibility="at_submit")
    token, attempt = _person(api)
    api.clock.advance(seconds=120)
    body = {"answers": _answers(api, attempt, 7), "prediction": 1}
    reply = api.post(f"/attempts/{attempt['attempt_id']}/submit", body, token).json_body
    assert reply["correct"] == 7 and reply["score_visible"] is True and reply["score_visible_from"] is None


def _submit(api, token, attempt, correct, prediction, seconds):
    api.clock.advance(seconds=seconds)
    body = {"answers": _answers(api, attempt, correct), "prediction": prediction}
    reply = api.post(f"/attempts/{attempt['attempt_id']}/submit", body, token)
    assert reply.status_code == 200, reply.body
    api.clock.advance(seconds=-seconds)


def _close_and_rank(api):
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    _fire(api, "close-and-rank-rounds")


def test_a_scripted_attempt_with_the_full_key_wins_nothing_and_is_marked(api):
    # GIVEN a script with the whole key, the exact prediction (5 attempts) and a 1-second attempt
    script_token, script_attempt = _person(api, phone="0900000001")
    _submit(api, script_token, script_attempt, 20, 5, 1)
    # AND four people who read the questions
    for index, correct in enumerate((18, 17, 16, 15)):
        token, attempt = _person(api, phone=f"09111111{index:02d}")
        _submit(api, token, attempt, correct, 40, 400)
    _close_and_rank(api)
    preview = api.get("/admin/rounds/r1/ranking", headers=ADMIN).json_body
    top = preview["entries"][0]
    # THEN the script keeps its place, marked, with no prize; the prizes go to the people
    assert top["correct"] == 20 and top["too_fast"] is True and top["prize"] is None
    assert {"code": "too_fast"} in top["flags"]
    assert [e["prize"] for e in preview["entries"][1:4]] == ["first", "second", "third"]
    assert sum(u["flagged_participants"] for u in preview["units"]) == 1
    api.clock.set(PUBLISH)
    _fire(api, "publish-results")
    results = api.get("/rounds/r1/results").json_body
    assert [w["correct"] for w in results["individual"]][:3] == [18, 17, 16]


def test_the_committee_disqualifies_a_flagged_winner_and_the_ranking_and_its_hash_change(api):
    # GIVEN a winner with four accounts on one phone (flagged), and two honest people
    national_ids = []
    for index in range(4):
        body = registration(phone="0988777666")
        national_ids.append(body["national_id"])
        token = api.post("/participants", body).json_body["token"]
        attempt = api.post("/rounds/r1/attempts", {}, token).json_body
        _submit(api, token, attempt, 19 - index, 50, 500)
    for index, correct in enumerate((14, 13)):
        token, attempt = _person(api, phone=f"09222222{index:02d}")
        _submit(api, token, attempt, correct, 50, 500)
    _close_and_rank(api)
    preview = api.get("/admin/rounds/r1/ranking", headers=ADMIN).json_body
    winner = preview["entries"][0]
    assert winner["prize"] == "first" and {"code": "shared_phone", "count": 4} in winner["flags"]
    before = api.client.http.post("/admin/rounds/r1/close", body="{}", headers=ADMIN).json_body["sha256"]
    # WHEN an admin disqualifies the flagged winner
    decision = api.post(
        "/admin/rounds/r1/disqualifications",
        {"national_id": national_ids[0], "reason": "Nhiều tài khoản dùng chung số điện thoại"},
        headers=ADMIN,
    )
    # THEN the ranking is computed again without them, with another sha256, and the audit names the admin
    assert decision.status_code == 200, decision.body
    ranking = decision.json_body["ranking"]
    assert ranking["sha256"] != before and [w["correct"] for w in ranking["individual"]][:2] == [18, 17]
    after = api.get("/admin/rounds/r1/ranking", headers=ADMIN).json_body["entries"][0]
    assert after["prize"] is None and after["disqualified"]["reason"].startswith("Nhiều tài khoản")
    audit = api.get("/admin/audit", headers=ADMIN).json_body["events"]
    assert any(e["action"] == "round.disqualify" and e["actor"] == "operator" for e in audit)
    # AND undoing it gives back exactly the first ranking (deterministic)
    undo = api.delete(f"/admin/rounds/r1/disqualifications/{national_ids[0]}", headers=ADMIN)
    assert undo.status_code == 200 and undo.json_body["ranking"]["sha256"] == before
    # AND after publication nothing can change
    api.clock.set(PUBLISH)
    _fire(api, "publish-results")
    late = api.post(
        "/admin/rounds/r1/disqualifications",
        {"national_id": national_ids[0], "reason": "muộn"},
        headers=ADMIN,
    )
    assert late.status_code == 409 and late.json_body["error"]["code"] == "ROUND_PUBLISHED"


def test_a_released_cccd_goes_back_to_its_owner_and_the_impostors_attempts_never_win(api):
    # GIVEN someone who registered another person's CCCD and scored 20/20
    body = registration(full_name="Kẻ Mạo Danh", phone="0977000111")
    impostor = api.post("/participants", body).json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, impostor).json_body
    _submit(api, impostor, attempt, 20, 5, 600)
    honest_token, honest_attempt = _person(api, phone="0977000222")
    _submit(api, honest_token, honest_attempt, 12, 5, 600)
    again = api.post("/participants", {**body, "full_name": "Chủ Thật", "phone": "0977000333"})
    assert again.status_code == 409
    # WHEN an organizer releases the registration after checking the owner's card
    response = api.delete(
        f"/admin/participants/{body['national_id']}",
        {"reason": "Đã kiểm tra CCCD bản gốc của chủ thẻ"},
        headers=ADMIN,
    )
    assert response.status_code == 200 and response.json_body["national_id_masked"].endswith(
        body["national_id"][-4:]
    )
    # THEN the impostor's token stops working and the owner registers and gets 3 attempts of their own
    assert api.get("/me", impostor).status_code == 401
    owner = api.post("/participants", {**body, "full_name": "Chủ Thật", "phone": "0977000333"})
    assert owner.status_code == 201
    owner_token = owner.json_body["token"]
    me = api.get("/me", owner_token).json_body
    assert me["participant"]["full_name"] == "Chủ Thật" and me["attempts"] == []
    assert api.post("/rounds/r1/attempts", {}, owner_token).status_code == 201
    # AND the impostor's 20/20 wins nothing; the audit names who released it
    _close_and_rank(api)
    preview = api.get("/admin/rounds/r1/ranking", headers=ADMIN).json_body["entries"]
    assert preview[0]["correct"] == 20 and preview[0]["excluded"] is True and preview[0]["prize"] is None
    assert preview[1]["correct"] == 12 and preview[1]["prize"] == "first"
    audit = api.get("/admin/audit", headers=ADMIN).json_body["events"]
    assert any(e["action"] == "participant.release" and e["actor"] == "operator" for e in audit)
    # AND a CCCD that is not registered is a 404
    missing = api.delete("/admin/participants/019085999999", {"reason": "x"}, headers=ADMIN)
    assert missing.status_code == 404 and missing.json_body["error"]["code"] == "PARTICIPANT_NOT_FOUND"


def test_admin_integrity_routes_require_the_admin_token(api):
    for method, path in (
        ("post", "/admin/rounds/r1/disqualifications"),
        ("delete", "/admin/rounds/r1/disqualifications/019085100000"),
        ("delete", "/admin/participants/019085100000"),
    ):
        response = getattr(api.client.http, method)(
            path, body="{}", headers={"Content-Type": "application/json", "Authorization": "Bearer wrong"}
        )
        assert response.status_code == 401 and response.json_body["error"]["code"] == "UNAUTHORIZED"
