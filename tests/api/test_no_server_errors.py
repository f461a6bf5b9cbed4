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
# A save or submit with one of its own fields hostile.
MUTATED_SAVE = st.builds(
    lambda field, value: {"answers": {}, "prediction": 1, "first_save": True, field: value},
    st.sampled_from(["answers", "prediction", "first_save"]),
    JSON,
)
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
    ("get", "/challenge"),
    ("post", "/phone-codes"),
    ("post", "/admin/rounds/{id}/disqualifications"),
    ("delete", "/admin/rounds/r1/disqualifications/{id}"),
    ("delete", "/admin/participants/{id}"),
    # certificates (issue 11)
    ("get", "/certificates/{id}"),
    ("get", "/verify/{id}"),
    ("get", "/admin/rounds/{id}/certificates"),
    ("get", "/admin/rounds/r1/certificates/{id}"),
    # participation and exports (issue 11; roster files: test_participation.py)
    ("delete", "/admin/units/mo-che/rosters/{id}"),
    ("get", "/admin/units/{id}/participation"),
    ("get", "/admin/units/{id}/participants.xlsx"),
    ("get", "/admin/rounds/{id}/exports/ranking.xlsx"),
    ("get", "/admin/exports/{id}"),
    ("get", "/exports/{id}"),
    # question bank (issue 10; import files: test_bank_api.py)
    ("post", "/admin/questions"),
    ("get", "/admin/questions/{id}"),
    ("put", "/admin/questions/{id}"),
    ("put", "/admin/questions/nd-63-2010-t01"),
    ("post", "/admin/questions/{id}/retire"),
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
@given(body=BODIES | MUTATED_SAVE)
def test_no_answers_body_gets_a_server_error_on_a_real_attempt(api, body):
    api.with_settings(rate_limits=False)  # one client registers a person per example
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


BODY_ROUTES = [(m, p.replace("{id}", "r1")) for m, p in ROUTES if m != "get"]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_deeply_nested_json_is_a_400_on_every_route_that_takes_a_body(api, method, path):
    nested = "[" * 5000 + "]" * 5000
    headers = {"Content-Type": "application/json", **ADMIN}
    response = getattr(api.client.http, method)(path, body=nested, headers=headers)
    assert response.status_code in (400, 401, 404, 409), (path, response.body)
    assert response.json_body["error"]["code"]


@pytest.mark.parametrize(
    "name",
    ["\ud800x", "Nguy\u1ec5n\u202eA", "An\u200bB", "Bình\u0000", "A\u2066B", "\ufeffAn"],
    ids=["surrogate", "bidi-override", "zero-width", "nul", "isolate", "bom"],
)
def test_a_name_that_could_break_or_disguise_a_page_is_refused(api, name):
    raw = json.dumps({**registration(full_name="NAME"), "altcha": api.solved_challenge()})
    raw = raw.replace('"NAME"', json.dumps(name))  # JSON may carry a lone surrogate
    response = api.post("/participants", raw=raw)
    assert response.status_code == 400 and response.json_body["error"]["field"] == "full_name"


def test_a_name_is_stored_in_nfc(api):
    token = api.post("/participants", registration(full_name="Nguye\u0302\u0303n Văn An")).json_body["token"]
    assert api.get("/me", token).json_body["participant"]["full_name"] == "Nguyễn Văn An"


@settings(
    max_examples=EXAMPLES // 3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(["full_name", "workplace"]), text=st.text(max_size=40))
def test_any_text_is_refused_or_shown_by_every_route_that_shows_it(api, field, text):
    api.with_settings(rate_limits=False)
    body = {**registration(), field: text, "altcha": api.solved_challenge()}
    response = api.post("/participants", raw=json.dumps(body))
    if response.status_code != 201:
        assert 400 <= response.status_code < 500 and response.json_body["error"]["code"]
        return
    token = response.json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    api.post(f"/attempts/{attempt['attempt_id']}/submit", {}, token)
    for reply in (api.get("/me", token), api.get("/admin/rounds/r1/ranking", headers=ADMIN)):
        assert reply.status_code == 200
        json.dumps(reply.json_body, ensure_ascii=False).encode("utf-8")
