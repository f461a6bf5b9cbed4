"""Organizer accounts, sessions and the role matrix (issue 9), over moto."""

from __future__ import annotations

import pytest

from chalicelib.organizers import passwords
from chalicelib.organizers.policy import POLICY, ROLES
from tests.api.conftest import ADMIN
from tests.api.people import registration
from tests.api.test_admin_auth import ADMIN_ROUTES, concrete

PASSWORD = "mat-khau-du-dai-1"
UNITS = {"unit_organizer": "mo-che"}

# What each admin route does, as the policy names it (None: any signed-in organizer).
ROUTE_ACTIONS = {
    ("/admin/sessions", "DELETE"): None,
    ("/admin/me", "GET"): None,
    ("/admin/me/password", "POST"): None,
    ("/admin/organizers", "GET"): "accounts.manage",
    ("/admin/organizers", "POST"): "accounts.manage",
    ("/admin/organizers/{username}", "PATCH"): "accounts.manage",
    ("/admin/rounds/{round_id}", "PATCH"): "rounds.update",
    ("/admin/rounds/{round_id}/close", "POST"): "rounds.close",
    ("/admin/rounds/{round_id}/publish", "POST"): "rounds.publish",
    ("/admin/rounds/{round_id}/ranking", "GET"): "ranking.read",
    ("/admin/rounds/{round_id}/stats", "GET"): "stats.read",
    ("/admin/rounds/{round_id}/disqualifications", "POST"): "ranking.decide",
    ("/admin/rounds/{round_id}/disqualifications/{national_id}", "DELETE"): "ranking.decide",
    ("/admin/questions", "GET"): "questions.read",
    # question bank (issue 10)
    ("/admin/questions", "POST"): "questions.manage",
    ("/admin/questions/{question_id}", "GET"): "questions.read",
    ("/admin/questions/{question_id}", "PUT"): "questions.manage",
    ("/admin/questions/{question_id}/retire", "POST"): "questions.manage",
    ("/admin/questions/import", "POST"): "questions.manage",
    ("/admin/questions/template.csv", "GET"): "questions.manage",
    ("/admin/questions/template.xlsx", "GET"): "questions.manage",
    ("/admin/questions/export.xlsx", "GET"): "questions.read",
    ("/admin/rounds/{round_id}/item-statistics", "GET"): "questions.read",  # question bank, item 5
    ("/admin/rounds/{round_id}/item-statistics.xlsx", "GET"): "questions.read",
    ("/admin/exclusions", "GET"): "exclusions.manage",
    ("/admin/exclusions", "PUT"): "exclusions.manage",
    ("/admin/exclusions", "POST"): "exclusions.manage",
    ("/admin/exclusions/{national_id}", "DELETE"): "exclusions.manage",
    ("/admin/participants/{national_id}", "DELETE"): "participants.release",
    ("/admin/audit", "GET"): "audit.read",
    # participation and exports (issue 11)
    ("/admin/units/{unit_id}/rosters/{roster_id}", "PUT"): "rosters.manage",
    ("/admin/units/{unit_id}/rosters/{roster_id}", "DELETE"): "rosters.manage",
    ("/admin/units/{unit_id}/rosters", "GET"): "rosters.manage",
    ("/admin/units/{unit_id}/participation", "GET"): "participation.read",
    ("/admin/units/{unit_id}/participation.xlsx", "GET"): "exports.read",
    ("/admin/units/{unit_id}/participants.xlsx", "GET"): "exports.read",
    ("/admin/rounds/{round_id}/exports/ranking.xlsx", "GET"): "exports.read",
    ("/admin/rounds/{round_id}/exports/collective.xlsx", "GET"): "exports.read",
    ("/admin/rounds/{round_id}/exports/units.xlsx", "GET"): "exports.read",
    ("/admin/audit.xlsx", "GET"): "audit.read",
    ("/admin/exports/{export_id}", "GET"): None,
    # certificates (issue 11)
    ("/admin/rounds/{round_id}/certificates", "GET"): "certificates.read",
    ("/admin/rounds/{round_id}/certificates.pdf", "GET"): "certificates.read",
    ("/admin/rounds/{round_id}/certificates/{file_name}", "GET"): "certificates.read",
}


def test_every_admin_route_names_its_action_here():
    assert set(ADMIN_ROUTES) == set(ROUTE_ACTIONS)


def _create(api, username, role, **extra):
    body = {"username": username, "full_name": f"Người {username}", "role": role, "password": PASSWORD}
    if role in UNITS:
        body["unit_id"] = UNITS[role]
    response = api.post("/admin/organizers", {**body, **extra}, headers=ADMIN)
    assert response.status_code == 201, response.body
    return response.json_body["organizer"]


def _login(api, username, password=PASSWORD):
    return api.post("/admin/sessions", {"username": username, "password": password})


def _token(api, username, password=PASSWORD):
    response = _login(api, username, password)
    assert response.status_code == 200, response.body
    return response.json_body["token"]


def _call(api, path, method, token, body="{}"):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return getattr(api.client.http, method.lower())(concrete(path), headers=headers, body=body)


@pytest.fixture
def tokens(api):
    for role in ROLES:
        _create(api, f"nguoi-{role.replace('_', '-')}", role)
    return {role: _token(api, f"nguoi-{role.replace('_', '-')}") for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix_route_by_route(api, tokens, role):
    for path, method in ADMIN_ROUTES:
        if (path, method) == ("/admin/sessions", "DELETE"):
            continue  # logging out ends the session the rest of the loop uses; tested below
        action = ROUTE_ACTIONS[(path, method)]
        response = _call(api, path, method, tokens[role])
        allowed = action is None or action in POLICY[role]
        if (path, method) == ("/admin/me/password", "POST"):
            assert response.status_code == 401  # allowed, but "{}" has no current password
            continue
        if allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.body)
        else:
            assert response.status_code == 403, (role, method, path, response.body)
            assert response.json_body["error"]["code"] == "FORBIDDEN"


def test_a_unit_organizer_sees_its_own_unit_only_and_releases_only_its_own_people(api, tokens):
    stats = _call(api, "/admin/rounds/r1/stats", "GET", tokens["unit_organizer"]).json_body
    assert stats["units"] == ["mo-che"] and list(stats["per_unit"]) == ["mo-che"]
    everyone = _call(api, "/admin/rounds/r1/stats", "GET", tokens["viewer"]).json_body
    assert len(everyone["units"]) == 11
    other = registration(unit_id="bach-quang")
    api.post("/participants", other)
    refused = _call(
        api,
        f"/admin/participants/{other['national_id']}",
        "DELETE",
        tokens["unit_organizer"],
        '{"reason": "kiểm tra"}',
    )
    assert refused.status_code == 403
    own = registration(unit_id="mo-che")
    api.post("/participants", own)
    released = _call(
        api,
        f"/admin/participants/{own['national_id']}",
        "DELETE",
        tokens["unit_organizer"],
        '{"reason": "Đã kiểm tra CCCD bản gốc"}',
    )
    assert released.status_code == 200
    audit = api.get("/admin/audit?action=participant.release", headers=ADMIN).json_body["events"]
    assert audit[0]["actor"] == "nguoi-unit-organizer" and audit[0]["role"] == "unit_organizer"


def test_tokens_that_must_not_work(api, tokens):
    participant = api.post("/participants", registration()).json_body["token"]
    for token in (participant, "", "x.y.z", tokens["admin"] + "x"):
        assert _call(api, "/admin/me", "GET", token).status_code == 401
    # expired: 8 hours later
    api.clock.advance(seconds=8 * 3600 + 1)
    assert _call(api, "/admin/me", "GET", tokens["admin"]).status_code == 401


def test_disabling_an_account_or_changing_its_password_ends_its_sessions_at_once(api, tokens):
    editor = tokens["editor"]
    assert _call(api, "/admin/me", "GET", editor).status_code == 200
    disabled = api.patch("/admin/organizers/nguoi-editor", {"disabled": True}, headers=ADMIN)
    assert disabled.status_code == 200 and disabled.json_body["organizer"]["disabled"] is True
    assert _call(api, "/admin/me", "GET", editor).status_code == 401
    assert _login(api, "nguoi-editor").status_code == 401
    api.patch("/admin/organizers/nguoi-editor", {"disabled": False}, headers=ADMIN)
    viewer = tokens["viewer"]
    changed = _call(
        api,
        "/admin/me/password",
        "POST",
        viewer,
        f'{{"current_password": "{PASSWORD}", "new_password": "mot-mat-khau-moi-2"}}',
    )
    assert changed.status_code == 200
    assert _call(api, "/admin/me", "GET", viewer).status_code == 401
    assert _call(api, "/admin/me", "GET", changed.json_body["token"]).status_code == 200
    assert _login(api, "nguoi-viewer").status_code == 401
    assert _login(api, "nguoi-viewer", "mot-mat-khau-moi-2").status_code == 200


def test_logout_ends_the_session(api, tokens):
    assert _call(api, "/admin/sessions", "DELETE", tokens["viewer"]).status_code == 200
    assert _call(api, "/admin/me", "GET", tokens["viewer"]).status_code == 401


def test_five_wrong_passwords_lock_an_account_for_fifteen_minutes(api):
    _create(api, "ban-to-chuc", "admin")
    for _ in range(4):
        assert _login(api, "ban-to-chuc", "sai-mat-khau-000").status_code == 401
    locked = _login(api, "ban-to-chuc", "sai-mat-khau-000")
    assert locked.status_code == 429 and locked.json_body["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert _login(api, "ban-to-chuc").status_code == 429  # even the right password
    api.clock.advance(seconds=15 * 60 + 1)
    assert _login(api, "ban-to-chuc").status_code == 200
    actions = [
        e["action"] for e in api.get("/admin/audit?actor=ban-to-chuc", headers=ADMIN).json_body["events"]
    ]
    assert actions[0] == "organizer.login" and "organizer.lock" in actions
    assert actions.count("organizer.login_failed") == 4 and "organizer.login_locked" in actions


def test_a_login_tells_nothing_about_which_names_exist(api):
    _create(api, "co-that", "viewer")
    unknown = _login(api, "khong-co", PASSWORD).json_body
    wrong = _login(api, "co-that", "sai-mat-khau-000").json_body
    assert unknown == wrong and unknown["error"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_passwords_are_argon2id_and_upgraded_at_login(api):
    _create(api, "nang-cap", "viewer")
    stored = api.services.repository.get_organizer("nang-cap")
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    api.services.repository.update_organizer("nang-cap", {"password_hash": weak}, stored.version)
    assert _login(api, "nang-cap").status_code == 200
    upgraded = api.services.repository.get_organizer("nang-cap").password_hash
    assert upgraded != weak and not passwords.needs_rehash(upgraded)


def test_short_passwords_unknown_roles_and_taken_names_are_refused(api):
    base = {"username": "moi", "full_name": "Người mới", "role": "viewer", "password": PASSWORD}
    assert api.post("/admin/organizers", {**base, "password": "ngan"}, headers=ADMIN).status_code == 400
    assert api.post("/admin/organizers", {**base, "role": "god"}, headers=ADMIN).status_code == 400
    no_unit = api.post("/admin/organizers", {**base, "role": "unit_organizer"}, headers=ADMIN)
    assert no_unit.json_body["error"]["code"] == "UNKNOWN_UNIT"
    assert api.post("/admin/organizers", base, headers=ADMIN).status_code == 201
    taken = api.post("/admin/organizers", base, headers=ADMIN)
    assert taken.status_code == 409 and taken.json_body["error"]["code"] == "ALREADY_EXISTS"


def test_an_organizers_cccd_is_excluded_for_as_long_as_the_account_exists(api):
    person = registration()
    _create(api, "co-cccd", "editor", national_id=person["national_id"])
    me = _call(api, "/admin/me", "GET", _token(api, "co-cccd")).json_body
    assert me["excluded_from_contest"] is True and me["organizer"]["national_id_masked"].endswith(
        person["national_id"][-4:]
    )
    refused = api.post("/participants", person)
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "NOT_ELIGIBLE"
    entries = api.get("/admin/exclusions", headers=ADMIN).json_body["entries"]
    assert [e["organizer"] for e in entries if e["automatic"]] == ["co-cccd"]
    removal = api.delete(f"/admin/exclusions/{person['national_id']}", headers=ADMIN)
    assert removal.status_code == 409 and removal.json_body["error"]["code"] == "EXCLUSION_AUTOMATIC"


def test_the_exclusion_list_takes_one_cccd_at_a_time_with_a_reason(api):
    person = registration()
    added = api.post(
        "/admin/exclusions", {"national_id": person["national_id"], "reason": "Tổ biên soạn"}, headers=ADMIN
    )
    assert added.status_code == 201
    entries = api.get("/admin/exclusions", headers=ADMIN).json_body["entries"]
    assert entries == [
        {
            "national_id": person["national_id"],
            "national_id_masked": "********" + person["national_id"][-4:],
            "reason": "Tổ biên soạn",
            "automatic": False,
            "organizer": None,
        }
    ]
    assert api.post("/participants", person).status_code == 403
    assert api.delete(f"/admin/exclusions/{person['national_id']}", headers=ADMIN).status_code == 200
    assert api.post("/participants", person).status_code == 201
    assert api.delete(f"/admin/exclusions/{person['national_id']}", headers=ADMIN).status_code == 404


def test_the_audit_names_who_did_what_and_filters_and_pages(api):
    _create(api, "ghi-nhat-ky", "admin")
    token = _token(api, "ghi-nhat-ky")
    for hour in range(3):
        body = f'{{"closes_at": "2021-12-19T1{6 + hour}:30:00+07:00"}}'
        assert _call(api, "/admin/rounds/r1", "PATCH", token, body).status_code == 200
        api.clock.advance(seconds=1)
    events = api.get("/admin/audit?actor=ghi-nhat-ky&action=round.", headers=ADMIN).json_body["events"]
    assert [e["action"] for e in events] == ["round.update_times"] * 3
    assert events[0]["role"] == "admin" and events[0]["details"]["after"]["closes_at"].startswith(
        "2021-12-19T18"
    )
    first = api.get("/admin/audit", headers=ADMIN).json_body
    assert len(first["events"]) <= 50
    bad = api.get("/admin/audit?before=nonsense", headers=ADMIN)
    assert bad.status_code == 400
