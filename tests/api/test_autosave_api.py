"""Autosave into a small item of its own (issue 15): one write unit a save, and every
guarantee of the attempt kept (deadline, answers outside the attempt, last full state wins,
closing counts what was saved)."""

from __future__ import annotations

from chalicelib.data.capacity import item_size
from chalicelib.data.models import AttemptModel, AttemptSaveModel
from chalicelib.data.repository import SAVE_SUFFIX
from chalicelib.validation import MAX_PREDICTION
from tests.api.people import registration


def _attempt(api):
    response = api.post("/participants", registration())
    assert response.status_code == 201, response.body
    token = response.json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    return token, attempt


def _save(api, token, attempt, answers, prediction=None, **hints):
    body = {"answers": answers} if prediction is None else {"answers": answers, "prediction": prediction}
    return api.put(f"/attempts/{attempt['attempt_id']}/answers", {**body, **hints}, token)


def _save_item(attempt):
    participant_id, key = _keys(attempt)
    try:
        return AttemptSaveModel.get(participant_id + SAVE_SUFFIX, key)
    except AttemptSaveModel.DoesNotExist:
        return None


def _all_answers(attempt, option=3):
    return {q["id"]: q["options"][option]["id"] for q in attempt["questions"]}


def _keys(attempt):
    participant_id, round_id, number = attempt["attempt_id"].split(".")
    return participant_id, f"{round_id}#{number}"


def test_a_full_save_rewrites_a_small_item_and_leaves_the_attempt_item_alone(api):
    token, attempt = _attempt(api)
    participant_id, key = _keys(attempt)
    before = AttemptModel.get(participant_id, key)
    assert _save_item(attempt) is None  # the start writes the attempt only
    response = _save(api, token, attempt, _all_answers(attempt), prediction=MAX_PREDICTION, first_save=True)
    assert response.status_code == 200
    assert _save(api, token, attempt, _all_answers(attempt), prediction=MAX_PREDICTION).status_code == 200
    save = AttemptSaveModel.get(participant_id + SAVE_SUFFIX, key)
    assert len(save.answers) == 20 and save.state == "open"
    # Under 1 KB with the longest answers a save can hold: one write unit a save.
    assert item_size(save.serialize()) + len(participant_id) < 1024
    after = AttemptModel.get(participant_id, key)
    assert after.picks is before.picks is None and after.answers is None and after.saved_at is None


def test_the_last_full_state_wins_and_resume_shows_it(api):
    token, attempt = _attempt(api)
    _save(api, token, attempt, _all_answers(attempt, 0), prediction=5)
    last = dict(list(_all_answers(attempt, 1).items())[:3])
    assert _save(api, token, attempt, last).status_code == 200
    api.clock.advance(seconds=30)
    resumed = api.post("/rounds/r1/attempts", {}, token)
    assert resumed.status_code == 200
    assert resumed.json_body["answers"] == last and resumed.json_body["prediction_value"] is None


def test_an_answer_outside_the_attempt_is_refused_and_the_save_kept(api):
    token, attempt = _attempt(api)
    first = attempt["questions"][0]
    kept = {first["id"]: first["options"][0]["id"]}
    assert _save(api, token, attempt, kept).status_code == 200
    _, other = _attempt(api)  # another person's attempt: its option ids are not this attempt's
    foreign = {other["questions"][0]["id"]: other["questions"][0]["options"][0]["id"]}
    for answers in (foreign, {first["id"]: "0123456789"}, {"nd-00-0000-00": first["options"][0]["id"]}):
        refused = _save(api, token, attempt, answers)
        assert refused.status_code == 400, refused.body
        assert refused.json_body["error"]["code"] == "VALIDATION_ERROR"
    assert api.post("/rounds/r1/attempts", {}, token).json_body["answers"] == kept


def test_no_save_is_taken_after_the_submit(api):
    token, attempt = _attempt(api)
    answers = _all_answers(attempt)
    submitted = api.post(
        f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers, "prediction": 1}, token
    )
    assert submitted.status_code == 200
    late = _save(api, token, attempt, {})
    assert late.status_code == 409 and late.json_body["error"]["code"] == "ATTEMPT_CLOSED"
    participant_id, key = _keys(attempt)
    assert AttemptSaveModel.get(participant_id + SAVE_SUFFIX, key).state == "closed"


def test_a_submitted_attempt_is_one_item_under_1_kb_that_gives_back_every_answer_sent(api):
    # GIVEN an attempt answered in full with the largest prediction
    token, attempt = _attempt(api)
    answers = _all_answers(attempt, option=2)
    body = {"answers": answers, "prediction": MAX_PREDICTION}
    # WHEN it is submitted
    submitted = api.post(f"/attempts/{attempt['attempt_id']}/submit", body, token)
    assert submitted.status_code == 200, submitted.body
    # THEN the stored item, index keys and receipt included, is under 1 KB: one write unit
    participant_id, key = _keys(attempt)
    item = AttemptModel.get(participant_id, key)
    assert item.layout is None and item.answers is None and len(item.picks) == 20
    assert item_size(item.serialize()) + len(participant_id) + len(key) < 1024
    # AND the answers read back are exactly those sent, in the layout shown
    stored = api.services.repository.get_attempt(participant_id, "r1", 1)
    assert stored.answers == answers
    assert [q for q, _order, _version in stored.layout] == [q["id"] for q in attempt["questions"]]


def test_a_submit_with_an_answer_outside_the_attempt_is_refused_and_nothing_recorded(api):
    token, attempt = _attempt(api)
    _, other = _attempt(api)
    foreign = {other["questions"][0]["id"]: other["questions"][0]["options"][0]["id"]}
    refused = api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": foreign}, token)
    assert refused.status_code == 400 and refused.json_body["error"]["code"] == "VALIDATION_ERROR"
    assert AttemptModel.get(*_keys(attempt)).status == "open"


def test_an_attempt_stored_before_packing_reads_as_it_was_written(api):
    # GIVEN a submitted attempt whose item holds its layout and answers as JSON (before packing)
    token, attempt = _attempt(api)
    answers = _all_answers(attempt, option=1)
    api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers}, token)
    participant_id, key = _keys(attempt)
    item = AttemptModel.get(participant_id, key)
    layout = api.services.repository.get_attempt(participant_id, "r1", 1).layout
    item.update(
        actions=[
            AttemptModel.layout.set([[q, order, version] for q, order, version in layout]),
            AttemptModel.answers.set(answers),
            AttemptModel.shown.remove(),
            AttemptModel.picks.remove(),
        ]
    )
    # THEN it reads back the same
    stored = api.services.repository.get_attempt(participant_id, "r1", 1)
    assert stored.answers == answers and stored.layout == layout


def test_the_deadline_is_enforced_on_the_save_item(api):
    token, attempt = _attempt(api)
    api.clock.advance(seconds=1200 + 31)  # past the deadline and its 30 s grace
    late = _save(api, token, attempt, _all_answers(attempt))
    assert late.status_code == 409 and late.json_body["error"]["code"] == "ATTEMPT_CLOSED"


def test_an_attempt_that_saved_onto_itself_resumes_with_it_and_its_next_save_wins(api):
    # GIVEN an attempt whose answers were saved onto the attempt item (before save items)
    token, attempt = _attempt(api)
    participant_id, key = _keys(attempt)
    old = dict(list(_all_answers(attempt).items())[:2])
    AttemptModel.get(participant_id, key).update(
        actions=[AttemptModel.answers.set(old), AttemptModel.saved_at.set(api.clock.now_ms())]
    )
    assert api.post("/rounds/r1/attempts", {}, token).json_body["answers"] == old
    # WHEN it saves again, it gets a save item, which is what resume shows
    api.clock.advance(seconds=5)
    new = dict(list(_all_answers(attempt).items())[:3])
    assert _save(api, token, attempt, new).status_code == 200
    assert _save_item(attempt).answers == new
    assert api.post("/rounds/r1/attempts", {}, token).json_body["answers"] == new


def test_the_first_save_makes_the_save_item_with_the_hint_or_without(api):
    for hints in ({"first_save": True}, {}):
        token, attempt = _attempt(api)
        answers = dict(list(_all_answers(attempt).items())[:5])
        assert _save(api, token, attempt, answers, prediction=7, **hints).status_code == 200
        item = _save_item(attempt)
        assert (item.answers, item.prediction, item.state) == (answers, 7, "open")
        assert item.deadline_at == AttemptModel.get(*_keys(attempt)).deadline_at


def test_a_first_save_hint_sent_again_still_saves(api):
    # a phone that lost its state (or a second phone) says "first" for an attempt that has saved
    token, attempt = _attempt(api)
    assert _save(api, token, attempt, {}, first_save=True).status_code == 200
    answers = dict(list(_all_answers(attempt).items())[:2])
    assert _save(api, token, attempt, answers, first_save=True).status_code == 200
    assert _save_item(attempt).answers == answers


def test_a_first_save_after_the_deadline_or_the_submit_is_refused_and_makes_nothing(api):
    token, late = _attempt(api)
    api.clock.advance(seconds=1200 + 31)
    for hints in ({"first_save": True}, {}):
        refused = _save(api, token, late, {}, **hints)
        assert refused.status_code == 409 and refused.json_body["error"]["code"] == "ATTEMPT_CLOSED"
    assert _save_item(late) is None
    token, done = _attempt(api)
    assert api.post(f"/attempts/{done['attempt_id']}/submit", {"answers": {}}, token).status_code == 200
    assert _save_item(done).state == "closed"  # made closed by the submit: no save is taken
    for hints in ({"first_save": True}, {}):
        refused = _save(api, token, done, {}, **hints)
        assert refused.status_code == 409 and refused.json_body["error"]["code"] == "ATTEMPT_CLOSED"


def test_the_first_save_hint_must_be_true_or_false(api):
    token, attempt = _attempt(api)
    refused = _save(api, token, attempt, {}, first_save="yes")
    assert refused.status_code == 400
    assert refused.json_body["error"]["code"] == "VALIDATION_ERROR"
    assert _save_item(attempt) is None


def test_the_capacity_log_counts_a_transaction_by_aws_rule():
    from chalicelib.data.capacity import entry

    big = {"pk": {"S": "x"}, "body": {"S": "y" * 1500}}  # 2 KB
    small = {"pk": {"S": "x"}}
    kwargs = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": big}},
            {"Put": {"TableName": "t", "Item": small}},
            {"Update": {"TableName": "t", "Key": small}},
            {"ConditionCheck": {"TableName": "t", "Key": small}},
        ]
    }
    line = entry(
        "TransactWriteItems", kwargs, {"ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 2.0}]}
    )
    assert line["wru"] == 2 * (2 + 1 + 1 + 1) and line["items"] == 4 and line["rru"] == 0
    put = entry("PutItem", {"TableName": "t"}, {"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.0}})
    assert put["wru"] == 1.0 and put["rru"] == 0
