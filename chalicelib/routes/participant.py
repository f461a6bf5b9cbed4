"""Participant API (docs/api.md)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.container import get_services
from chalicelib.http import BODY_CONTENT_TYPES, api, bearer_token, client_address, json_body, respond

participant_routes = Blueprint(__name__)


def _request():
    return participant_routes.current_request


def _participant_id() -> str:
    return get_services().registration.authenticate(bearer_token(_request()))


def _source_ip() -> str | None:
    return client_address(_request(), get_services().settings.origin_secret)


@participant_routes.route("/contest", methods=["GET"])
@api
def contest():
    return get_services().participants.contest_view()


@participant_routes.route("/participants", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def register():
    return respond(get_services().registration.register(json_body(_request()), _source_ip()), 201)


@participant_routes.route("/sessions", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def sign_in():
    return get_services().registration.sign_in(json_body(_request()), _source_ip())


@participant_routes.route("/challenge", methods=["GET"])
@api
def challenge():
    return get_services().registration.challenge(_source_ip())


@participant_routes.route("/phone-codes", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def send_phone_code():
    return respond(get_services().registration.send_phone_code(json_body(_request()), _source_ip()), 202)


@participant_routes.route("/rounds/{round_id}/attempts", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def start_attempt(round_id):
    status, body = get_services().participants.start_attempt(_participant_id(), round_id)
    return respond(body, status)


@participant_routes.route("/attempts/{attempt_id}/answers", methods=["PUT"], content_types=BODY_CONTENT_TYPES)
@api
def save_answers(attempt_id):
    return get_services().participants.save_answers(_participant_id(), attempt_id, json_body(_request()))


@participant_routes.route("/attempts/{attempt_id}/submit", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def submit(attempt_id):
    return get_services().participants.submit(_participant_id(), attempt_id, json_body(_request()))


@participant_routes.route("/me", methods=["GET"])
@api
def me():
    return get_services().history.me(_participant_id())


@participant_routes.route("/rounds/{round_id}/results", methods=["GET"])
@api
def results(round_id):
    return get_services().history.results(round_id)
