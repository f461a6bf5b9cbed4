"""Participant API (docs/api.md)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.container import get_services
from chalicelib.http import BODY_CONTENT_TYPES, api, bearer_token, json_body, respond

participant_routes = Blueprint(__name__)


def _request():
    return participant_routes.current_request


def _participant_id() -> str:
    return get_services().participants.authenticate(bearer_token(_request()))


@participant_routes.route("/contest", methods=["GET"])
@api
def contest():
    return get_services().participants.contest_view()


@participant_routes.route("/participants", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def register():
    return respond(get_services().participants.register(json_body(_request())), 201)


@participant_routes.route("/sessions", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def sign_in():
    return get_services().participants.sign_in(json_body(_request()))


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
    return get_services().participants.me(_participant_id())


@participant_routes.route("/rounds/{round_id}/results", methods=["GET"])
@api
def results(round_id):
    return get_services().participants.results(round_id)
