"""Whatever a client sends, the answer is never a 5xx: random JSON bodies, headers and ids
against every route that takes input (hypothesis)."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api.conftest import ADMIN
from tests.api.people import registration

# `make fuzz` raises this and explores new random inputs; `make test` replays a fixed set.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["national_id", "full_name", "date_of_birth", "gender", "phone", "unit_id", "workplace", "consent"]
)
MUTATED_REGISTRATION = st.builds(lambda field, value: {**registration(), field: value}, FIELDS, JSON)
BODIES = JSON | MUTATED_REGISTRATION | st.text(max_size=40)
IDS = st.text(min_size=1, max_size=40)
# What an HTTP client can put in a header: the page and curl send ASCII only.
HEADER_TEXT = st.text(alphabet=st.characters(codec="ascii"), max_size=30)
ROUTES = [
    ("post", "/participants"),
    ("post", "/sessions"),
    ("post", "/rounds/{id}/attempts"),
    ("put", "/attempts/{id}/answers"),
    ("post", "/attempts/{id}/submit"),
    ("get", "/rounds/{id}/results"),
    ("patch", "/admin/rounds/{id}"),
    ("put", "/admin/exclusions"),
]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    body=BODIES,
    identifier=IDS,
    as_admin=st.booleans(),
    token=HEADER_TEXT,
)
# Found by CI: a ';' id (which a client must percent-encode) and a control character in the token.
@example(route=("patch", "/admin/rounds/{id}"), body="", identifier=";", as_admin=False, token="\x1f")
def test_no_input_gets_a_server_error(api, route, body, identifier, as_admin, token):
    method, template = route
    path = template.replace("{id}", quote(identifier, safe=""))  # as the page's encodeURIComponent
    headers = {
        "Content-Type": "application/json",
        **(ADMIN if as_admin else {"Authorization": f"Bearer {token}"}),
    }
    raw = body if isinstance(body, str) else json.dumps(body)
    response = getattr(api.client.http, method)(
        path, body=raw.encode("utf-8", "surrogatepass"), headers=headers
    )
    assert response.status_code < 500, (method, path, raw, response.body)
    if response.status_code >= 400 and response.status_code != 404:
        assert response.json_body["error"]["code"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_no_answers_body_gets_a_server_error_on_a_real_attempt(api, body):
    token = api.post("/participants", registration()).json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    raw = body if isinstance(body, str) else json.dumps(body)
    for action in ("answers", "submit"):
        method = "put" if action == "answers" else "post"
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        response = getattr(api.client.http, method)(
            f"/attempts/{attempt['attempt_id']}/{action}",
            body=raw.encode("utf-8", "surrogatepass"),
            headers=headers,
        )
        assert response.status_code < 500, (action, raw, response.body)


ODD_VALUES = [None, True, 0, -1, 1.5, "", "x" * 300, [], ["a"], {}, {"a": 1}]


@pytest.mark.parametrize("field", [*registration().keys(), "extra"])
@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_every_registration_field_of_every_json_type_is_a_4xx(api, field, value):
    response = api.post("/participants", {**registration(), field: value})
    assert response.status_code < 500, response.body
