"""Every /admin route refuses a missing or wrong token, found from the app's own route table
so that a new admin route cannot be added without this protection being tested."""

from __future__ import annotations

import pytest

from app import app

# Open to everyone: logging in (how a token is obtained) and the console's page itself,
# which holds no data (every figure it shows comes from a route below, with a token).
PUBLIC = {("/admin/sessions", "POST"), ("/admin", "GET")}
ADMIN_ROUTES = sorted(
    (path, method)
    for path, methods in app.routes.items()
    if path.startswith("/admin")
    for method, entry in methods.items()
    if not entry.view_name.startswith("method_not_allowed") and (path, method) not in PUBLIC
)


def concrete(path: str) -> str:
    return (
        path.replace("{round_id}", "r1")
        .replace("{username}", "bantochuc")
        .replace("{national_id}", "019085100000")
        .replace("{question_id}", "nd-63-2010-t01")  # question bank (issue 10)
        .replace("{unit_id}", "mo-che")  # participation (issue 11): the unit organizer's own unit
        .replace("{file_name}", "ABCD-EFGH-JKMN.pdf")  # certificates (issue 11)
    )


def test_the_admin_api_has_the_expected_routes():
    assert len(ADMIN_ROUTES) >= 8


@pytest.mark.parametrize(("path", "method"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", "Bearer ", "dev-admin-token", "Basic ZGV2"]
)
def test_admin_route_refuses_missing_or_wrong_token(api, path, method, authorization):
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = getattr(api.client.http, method.lower())(concrete(path), headers=headers, body="{}")
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "UNAUTHORIZED"


def test_login_without_credentials_is_refused_without_saying_why(api):
    response = api.post("/admin/sessions", {})
    assert response.status_code == 401 and response.json_body["error"]["code"] == "INVALID_CREDENTIALS"
    assert response.json_body["error"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."
