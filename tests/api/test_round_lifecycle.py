"""Rounds close, rank and publish by themselves (issue 4), over moto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chalicelib.domain import quiz
from chalicelib.domain.ranking import counters_from_attempts
from chalicelib.domain.timing import parse_iso
from chalicelib.settings import get_settings
from tests.api.conftest import ADMIN
from tests.api.people import registration

CLOSES = parse_iso("2021-12-19T16:30:00+07:00")
PUBLISH = parse_iso("2021-12-20T08:00:00+07:00")


def _join(api, **overrides):
    body = registration(**overrides)
    token = api.post("/participants", body).json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    return body, token, attempt


def _answers(api, attempt, how_many_correct):
    bank = api.services.catalog.bank().by_id
    layout = [(q["id"], [], 1) for q in attempt["questions"]]
    correct = quiz.correct_option_ids(
        layout, bank, secret=api.services.settings.token_secret, attempt_id=attempt["attempt_id"]
    )
    answers = {}
    for index, question in enumerate(attempt["questions"]):
        if index < how_many_correct:
            answers[question["id"]] = correct[question["id"]]
        else:
            answers[question["id"]] = next(
                o["id"] for o in question["options"] if o["id"] != correct[question["id"]]
            )
    return answers


def _submit(api, token, attempt, correct, prediction, after_seconds):
    api.clock.advance(seconds=after_seconds)
    body = {"answers": _answers(api, attempt, correct), "prediction": prediction}
    response = api.post(f"/attempts/{attempt['attempt_id']}/submit", body, token)
    assert response.status_code == 200, response.body
    return response.json_body


def _move_round(api, **times):
    """PATCH round 1's times (ISO strings, by field name) as an organizer."""
    return api.patch("/admin/rounds/r1", times, headers=ADMIN)


def _fire(api, name):
    """One schedule tick, with the stream handler catching up before and after it (as the
    stream does, within seconds): closing then ranking may take two ticks."""
    event = api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[], region="ap-southeast-1"
    )
    api.drain_stream()
    api.client.lambda_.invoke(name, event)
    api.drain_stream()
    return api.client.lambda_.invoke(name, event)


def _stored_ranking(api):
    record = api.services.repository.get_round(api.services.settings.contest_id, "r1")
    return api.services.repository.get_ranking(api.services.settings.contest_id, "r1", record.closed_at)


def _play_round(api):
    """Five people, six attempts: ties on correct broken by prediction, then duration."""
    people = {}
    for label, unit in [("an", "bach-quang"), ("binh", "bach-quang"), ("chi", "cai-dan"), ("em", "pho-co")]:
        people[label] = _join(api, full_name=f"Người {label}", unit_id=unit)
    _submit(api, people["an"][1], people["an"][2], 20, 7, after_seconds=100)
    _submit(api, people["binh"][1], people["binh"][2], 20, 9, after_seconds=10)  # farther prediction
    _submit(api, people["chi"][1], people["chi"][2], 18, 7, after_seconds=10)
    second = api.post("/rounds/r1/attempts", {}, people["chi"][1]).json_body
    _submit(api, people["chi"][1], second, 20, 7, after_seconds=200)  # same as an, but slower
    people["dung"] = _join(api, full_name="Người dung", unit_id="mo-che")
    _submit(api, people["dung"][1], people["dung"][2], 20, 7, after_seconds=1)  # best of all, but excluded
    # em never submits: her saved answers count when the round closes.
    em_token, em_attempt = people["em"][1], people["em"][2]
    api.put(
        f"/attempts/{em_attempt['attempt_id']}/answers",
        {"answers": _answers(api, em_attempt, 5), "prediction": 1},
        em_token,
    )
    excluded = api.put(
        "/admin/exclusions", {"national_ids": [people["dung"][0]["national_id"]]}, headers=ADMIN
    )
    assert excluded.status_code == 200
    return people


def test_a_round_closes_ranks_and_publishes_by_itself(api):
    people = _play_round(api)
    # GIVEN the round is still open, WHEN the schedule fires, THEN nothing closes
    _fire(api, "close-and-rank-rounds")
    assert api.get("/contest").json_body["rounds"][0]["status"] == "open"
    # WHEN the closing time plus grace has passed
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    rounds = api.get("/contest").json_body["rounds"]
    assert rounds[0]["status"] == "ranked"
    # THEN em's open attempt was submitted with her saved answers and the full time
    em_history = api.get("/me", people["em"][1]).json_body["attempts"]
    assert em_history[0]["status"] == "submitted" and em_history[0]["correct"] == 5
    # AND results are not public before publish_at
    assert api.get("/rounds/r1/results").status_code == 404
    _fire(api, "publish-results")
    assert api.get("/rounds/r1/results").status_code == 404
    api.clock.set(PUBLISH)
    _fire(api, "publish-results")
    results = api.get("/rounds/r1/results").json_body
    assert results["actual_prediction_value"] == 6  # submitted attempts: 5 submits + em's, closed
    names = [(e["full_name"], e["prize"]) for e in results["individual"]]
    assert names == [
        ("Người an", "first"),
        ("Người chi", "second"),
        ("Người binh", "third"),
        ("Người em", "consolation"),
    ]
    assert all(e["full_name"] != "Người dung" for e in results["individual"])
    assert results["individual"][0]["national_id_masked"].endswith(people["an"][0]["national_id"][-4:])
    assert results["stats"]["attempts"] == 6 and results["stats"]["participants"] == 5
    assert len(results["sha256"]) == 64
    assert results["collective"][0]["unit_id"] == "bach-quang"
    # AND dung, who may not take part, counts in the week's figures but not for his commune
    assert results["stats"]["per_unit"]["mo-che"] == 1
    mo_che = next(u for u in results["collective"] if u["unit_id"] == "mo-che")
    assert (mo_che["attempts"], mo_che["participants"], mo_che["prize"]) == (0, 0, None)


def test_someone_excluded_after_a_round_leaves_the_units_contest_totals_from_then_on(api):
    # GIVEN round 1, in which Dung (Mỏ Chè) and Giang (Phố Cò) take part, ranked with both
    dung, dung_token, dung_attempt = _join(api, full_name="Người dung", unit_id="mo-che")
    _, giang_token, giang_attempt = _join(api, full_name="Người giang", unit_id="pho-co")
    _submit(api, dung_token, dung_attempt, 20, 2, after_seconds=60)
    _submit(api, giang_token, giang_attempt, 10, 2, after_seconds=60)
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    first = {u["unit_id"]: u for u in _stored_ranking(api)["collective"]}
    assert first["mo-che"]["attempts"] == 1 and first["mo-che"]["prize"] == "first"
    # WHEN Dung turns out to be a question writer, and round 2 is played and ranked
    api.put("/admin/exclusions", {"national_ids": [dung["national_id"]]}, headers=ADMIN)
    api.clock.set(parse_iso("2021-12-20T09:00:00+07:00"))
    second_attempt = api.post("/rounds/r2/attempts", {}, giang_token).json_body
    _submit(api, giang_token, second_attempt, 12, 2, after_seconds=60)
    api.clock.set(parse_iso("2021-12-26T16:30:31+07:00"))
    _fire(api, "close-and-rank-rounds")
    record = api.services.repository.get_round(api.services.settings.contest_id, "r2")
    ranking = api.services.repository.get_ranking(api.services.settings.contest_id, "r2", record.closed_at)
    # THEN the contest totals no longer hold his round-1 attempt, and Phố Cò leads
    totals = {u["unit_id"]: u for u in ranking["collective"]}
    assert (totals["mo-che"]["attempts"], totals["mo-che"]["participants"]) == (0, 0)
    assert totals["mo-che"]["prize"] is None
    assert (totals["pho-co"]["attempts"], totals["pho-co"]["participants"]) == (2, 1)
    assert totals["pho-co"]["average_score"] == 11 and totals["pho-co"]["prize"] == "first"
    assert ranking["collective_final"] is True


def test_jobs_fired_twice_late_or_concurrently_change_nothing_more(api):
    _play_round(api)
    api.clock.set(PUBLISH + 3 * 3600_000)  # the close trigger was missed: one late run catches up
    _fire(api, "publish-results")  # publish before ranking does nothing
    _fire(api, "close-and-rank-rounds")
    _fire(api, "publish-results")
    first = api.get("/rounds/r1/results").json_body
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda name: _fire(api, name), ["close-and-rank-rounds", "publish-results"] * 2))
    api.clock.advance(seconds=3600)
    _fire(api, "close-and-rank-rounds")
    _fire(api, "publish-results")
    assert api.get("/rounds/r1/results").json_body == first


def test_submit_after_close_is_refused_and_results_show_correct_answers_in_me(api):
    people = _play_round(api)
    token, attempt = people["em"][1], people["em"][2]
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    late = api.post(f"/attempts/{attempt['attempt_id']}/submit", {}, token)
    assert late.status_code == 409 and late.json_body["error"]["code"] == "ATTEMPT_CLOSED"
    history = api.get("/me", token).json_body["attempts"][0]
    assert history["correct"] == 5 and history["score_visible"] is True  # after the close
    assert "review" not in history and history["review_visible"] is False  # round 2 draws from the bank
    api.clock.set(PUBLISH)
    _fire(api, "publish-results")
    assert "review" not in api.get("/me", token).json_body["attempts"][0]
    api.set_rules(review_visibility="after_close")
    review = api.get("/me", token).json_body["attempts"][0]["review"]
    assert len(review) == 20
    assert sum(1 for q in review if q["chosen_option_id"] == q["correct_option_id"]) == 5


def test_admin_close_refuses_a_round_not_due_and_then_runs_the_schedule_code(api):
    _play_round(api)
    early = api.client.http.post("/admin/rounds/r1/close", body="{}", headers=ADMIN)
    assert early.status_code == 409 and early.json_body["error"]["code"] == "ROUND_NOT_DUE"
    api.clock.set(CLOSES + 31_000)
    api.drain_stream()
    pending = api.client.http.post("/admin/rounds/r1/close", body="{}", headers=ADMIN)
    assert pending.status_code == 409 and pending.json_body["error"]["code"] == "STATS_PENDING"
    assert api.get("/contest").json_body["rounds"][0]["status"] == "closed"  # em's attempt was submitted
    api.drain_stream()  # the stream delivers it
    closed = api.client.http.post("/admin/rounds/r1/close", body="{}", headers=ADMIN)
    assert closed.status_code == 200 and closed.json_body["actual_prediction_value"] == 6
    preview = api.get("/admin/rounds/r1/ranking", headers=ADMIN).json_body
    assert [e["full_name"] for e in preview["entries"][:2]] == ["Người dung", "Người an"]
    assert preview["entries"][0]["excluded"] is True and preview["entries"][0]["prize"] is None
    published = api.client.http.post("/admin/rounds/r1/publish", body="{}", headers=ADMIN)
    assert published.status_code == 200
    actions = [e["action"] for e in api.get("/admin/audit", headers=ADMIN).json_body["events"]]
    assert {"round.close", "round.publish", "exclusions.set"} <= set(actions)


def test_moving_a_round_is_audited_and_followed_by_the_schedule(api):
    response = _move_round(api, closes_at="2021-12-15T10:05:00+07:00", publish_at="2021-12-15T10:10:00+07:00")
    assert response.status_code == 200 and response.json_body["closes_at"] == "2021-12-15T10:05:00+07:00"
    _, token, attempt = _join(api)
    _submit(api, token, attempt, 3, 1, after_seconds=10)
    api.clock.set(parse_iso("2021-12-15T10:10:00+07:00"))
    _fire(api, "close-and-rank-rounds")
    _fire(api, "publish-results")
    assert api.get("/rounds/r1/results").status_code == 200
    locked = _move_round(api, closes_at="2021-12-19T16:30:00+07:00")
    assert locked.status_code == 409 and locked.json_body["error"]["code"] == "ROUND_LOCKED"


def test_stream_counters_equal_a_full_recount_and_repeated_records_count_once(api):
    _play_round(api)
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    # WHEN the whole stream is delivered again (a retried batch)
    api.drain_stream()
    # THEN nothing is counted twice, and the counters equal a recount of the leaderboard
    live = api.get("/admin/rounds/r1/stats", headers=ADMIN).json_body
    board = api.services.repository.read_whole_board(
        [f"r1#{n:02d}" for n in range(get_settings().attempt_shards)]
    )
    recount = counters_from_attempts(board)
    assert {u: c for u, c in live["per_unit"].items() if c} == {
        u: c.attempts for u, c in recount.units.items()
    }
    assert {u: c for u, c in live["participants_per_unit"].items() if c} == {
        u: c.participants for u, c in recount.units.items()
    }
    assert live["score_distribution"] == {str(k): v for k, v in recount.best_scores.items()}
    assert live["attempts"] == 6 and live["participants"] == 5
    assert api.services.repository.round_counters("r1") == recount
    results = _stored_ranking(api)
    assert results["stats"]["source"] == "stream"


def test_ranking_waits_for_the_stream_then_recounts_if_it_never_catches_up(api):
    _play_round(api)
    api.drain_stream()
    api.clock.set(CLOSES + 31_000)
    event = api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[], region="ap-southeast-1"
    )
    # GIVEN em's attempt submitted by closing, which the stream has not delivered yet
    api.client.lambda_.invoke("close-and-rank-rounds", event)
    assert api.get("/contest").json_body["rounds"][0]["status"] == "closed"
    # WHEN the stream stays silent for ten minutes
    api.clock.advance(seconds=600)
    api.client.lambda_.invoke("close-and-rank-rounds", event)
    # THEN the round is ranked from a full recount, with the same figures the stream would give
    ranking = _stored_ranking(api)
    assert ranking["stats"]["source"] == "full_read"
    assert ranking["stats"]["attempts"] == 6 and ranking["stats"]["participants"] == 5


def test_a_bad_stream_record_is_skipped_without_raising(api):
    response = api.client.lambda_.invoke(
        "count-submissions",
        {
            "Records": [
                {
                    "eventName": "MODIFY",
                    "eventSourceARN": "arn:x",
                    "dynamodb": {"NewImage": {"status": {"S": "submitted"}}},
                }
            ]
        },
    )
    assert response.payload is None


def test_closing_moved_before_an_attempts_deadline_still_counts_its_saved_answers(api):
    # GIVEN an attempt started at 10:00 (deadline 10:20) with saved answers
    _body, token, attempt = _join(api)
    api.put(
        f"/attempts/{attempt['attempt_id']}/answers",
        {"answers": _answers(api, attempt, 4), "prediction": 2},
        token,
    )
    # WHEN the organizers move the closing to 10:05
    moved = _move_round(api, closes_at="2021-12-15T10:05:00+07:00", publish_at="2021-12-15T10:10:00+07:00")
    assert moved.status_code == 200
    api.clock.set(parse_iso("2021-12-15T10:05:31+07:00"))
    # THEN saving after the new closing (plus grace) is refused
    late = api.put(f"/attempts/{attempt['attempt_id']}/answers", {"answers": {}}, token)
    assert late.status_code == 409 and late.json_body["error"]["code"] == "ATTEMPT_CLOSED"
    # AND closing submits the saved answers with the time the person really had
    _fire(api, "close-and-rank-rounds")
    history = api.get("/me", token).json_body["attempts"]
    assert history[0]["status"] == "submitted" and history[0]["correct"] == 4
    assert history[0]["duration_ms"] == 5 * 60 * 1000


def test_a_round_that_closed_with_no_attempt_can_be_rescheduled(api):
    # GIVEN round 1 closed, ranked and published with nobody taking part (the 2021 dates passed)
    api.clock.set(PUBLISH + 1000)
    _fire(api, "close-and-rank-rounds")
    _fire(api, "publish-results")
    assert api.get("/rounds/r1/results").json_body["actual_prediction_value"] == 0
    # WHEN the organizers move it to open now
    moved = _move_round(
        api,
        opens_at="2021-12-20T08:00:00+07:00",
        closes_at="2021-12-20T18:00:00+07:00",
        publish_at="2021-12-21T08:00:00+07:00",
    )
    # THEN it is open again, its empty results are gone, and the change is audited
    assert moved.status_code == 200 and moved.json_body["status"] == "open"
    assert api.get("/rounds/r1/results").json_body["error"]["code"] == "RESULTS_NOT_PUBLISHED"
    _, _token, attempt = _join(api)
    assert attempt["attempt_id"].endswith(".r1.1")
    actions = [e["action"] for e in api.get("/admin/audit", headers=ADMIN).json_body["events"]]
    assert "round.reopen_empty" in actions


def test_a_ranking_job_still_running_on_an_empty_close_cannot_leak_into_the_reopened_round(api):
    # GIVEN round 1 closed empty, and a ranking job that read it then and is still running
    api.clock.set(CLOSES + 31_000)
    lifecycle = api.services.lifecycle
    closed = lifecycle.close("r1")
    late_job_body = {"round_id": "r1", "sha256": "0" * 64, "actual_prediction_value": 0, "individual": []}
    # WHEN the organizers reopen it before that job stores its (empty) ranking
    api.clock.set(parse_iso("2021-12-19T17:00:00+07:00"))
    moved = _move_round(
        api,
        opens_at="2021-12-19T16:59:00+07:00",
        closes_at="2021-12-19T18:00:00+07:00",
        publish_at="2021-12-19T19:00:00+07:00",
    )
    assert moved.status_code == 200
    api.services.repository.put_ranking(
        api.services.settings.contest_id, "r1", closed.closed_at, late_job_body, "0" * 64, api.clock.now_ms()
    )
    # AND people take part, the round closes and publishes again
    _, token, attempt = _join(api)
    _submit(api, token, attempt, 12, 1, after_seconds=60)
    api.clock.set(parse_iso("2021-12-19T19:00:00+07:00"))
    _fire(api, "close-and-rank-rounds")
    _fire(api, "publish-results")
    # THEN the results are those of the second closing, not the late job's
    results = api.get("/rounds/r1/results").json_body
    assert results["actual_prediction_value"] == 1
    assert [e["correct"] for e in results["individual"]] == [12]
