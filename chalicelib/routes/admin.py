"""Organizer API: every route checks the admin bearer token first."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.admin import check_admin_token
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
