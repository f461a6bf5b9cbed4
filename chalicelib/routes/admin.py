"""Organizer API: every route checks the admin bearer token first."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.admin import ADMIN_ACTOR, check_admin_token
from chalicelib.container import get_services
from chalicelib.http import BODY_CONTENT_TYPES, api, bearer_token, json_body

admin_routes = Blueprint(__name__)


def _admin():
    services = get_services()
    check_admin_token(services.settings, bearer_token(admin_routes.current_request))
    return services.admin


@admin_routes.route("/admin/rounds/{round_id}", methods=["PATCH"], content_types=BODY_CONTENT_TYPES)
@api
def update_round(round_id):
    admin = _admin()
    return admin.update_round_times(round_id, json_body(admin_routes.current_request))


@admin_routes.route("/admin/questions", methods=["GET"])
@api
def questions():
    return _admin().list_questions()


@admin_routes.route("/admin/exclusions", methods=["PUT"], content_types=BODY_CONTENT_TYPES)
@api
def set_exclusions():
    admin = _admin()
    return admin.set_exclusions(json_body(admin_routes.current_request))


@admin_routes.route("/admin/audit", methods=["GET"])
@api
def audit():
    return _admin().audit_log()


@admin_routes.route("/admin/rounds/{round_id}/close", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def close_round(round_id):
    _admin()
    lifecycle = get_services().lifecycle
    lifecycle.close(round_id)
    ranked = lifecycle.rank(round_id)
    get_services().admin.record(
        "round.close", round_id, {"actual_prediction_value": ranked["actual_prediction_value"]}
    )
    return {k: v for k, v in ranked.items() if not k.startswith("_")}


@admin_routes.route("/admin/rounds/{round_id}/publish", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def publish_round(round_id):
    _admin()
    results = get_services().lifecycle.publish(round_id)
    get_services().admin.record("round.publish", round_id, {"sha256": results["sha256"]})
    return results


@admin_routes.route("/admin/rounds/{round_id}/ranking", methods=["GET"])
@api
def ranking_preview(round_id):
    _admin()
    return get_services().lifecycle.preview(round_id)


@admin_routes.route("/admin/rounds/{round_id}/stats", methods=["GET"])
@api
def live_stats(round_id):
    return _admin().live_stats(round_id)


@admin_routes.route(
    "/admin/rounds/{round_id}/disqualifications", methods=["POST"], content_types=BODY_CONTENT_TYPES
)
@api
def disqualify(round_id):
    _admin()
    services = get_services()
    record = services.review.disqualify(round_id, json_body(admin_routes.current_request), ADMIN_ACTOR)
    return _after_decision(round_id, record)


@admin_routes.route(
    "/admin/rounds/{round_id}/disqualifications/{national_id}",
    methods=["DELETE"],
    content_types=BODY_CONTENT_TYPES,
)
@api
def undo_disqualification(round_id, national_id):
    _admin()
    return _after_decision(round_id, get_services().review.undo(round_id, national_id, ADMIN_ACTOR))


def _after_decision(round_id: str, record) -> dict:
    """The decision and the ranking recomputed with it (when the round is ranked)."""
    ranking = get_services().lifecycle.rerank(round_id)
    return {
        "round_id": round_id,
        "national_id_masked": record.national_id_masked,
        "reason": record.reason,
        "ranking": ranking,
    }


@admin_routes.route("/admin/participants/{national_id}", methods=["DELETE"], content_types=BODY_CONTENT_TYPES)
@api
def release_participant(national_id):
    _admin()
    body = json_body(admin_routes.current_request)
    return get_services().registration.release(national_id, body, ADMIN_ACTOR)
