"""Every /admin route refuses a missing or wrong token, found from the app's own route table
so that a new admin route cannot be added without this protection being tested."""

from __future__ import annotations

import pytest

from app import app

ADMIN_ROUTES = sorted(
    (path, method)
    for path, methods in app.routes.items()
    if path.startswith("/admin")
    for method, entry in methods.items()
    if not entry.view_name.startswith("method_not_allowed")
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
    concrete = path.replace("{round_id}", "r1")
    response = getattr(api.client.http, method.lower())(concrete, headers=headers, body="{}")
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "UNAUTHORIZED"
