"""Organizer API. Every route names the action it performs; ``_actor`` authenticates the
caller (an organizer's session or the operators' token) and asks the role policy."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.container import get_services, organizer
from chalicelib.http import BODY_CONTENT_TYPES, api, json_body, respond
from chalicelib.organizers.policy import Actor

admin_routes = Blueprint(__name__)


def _actor(action: str | None = None) -> Actor:
    """The authenticated caller, refused (403) when its role may not do ``action``."""
    return organizer(admin_routes.current_request, action)


def _body():
    return json_body(admin_routes.current_request)


# --- sessions and accounts -------------------------------------------------------------------


@admin_routes.route("/admin/sessions", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def login():
    return get_services().organizers.login(_body())


@admin_routes.route("/admin/sessions", methods=["DELETE"], content_types=BODY_CONTENT_TYPES)
@api
def logout():
    return get_services().organizers.logout(_actor())


@admin_routes.route("/admin/me", methods=["GET"])
@api
def me():
    return get_services().organizers.me(_actor())


@admin_routes.route("/admin/me/password", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def change_password():
    return get_services().organizers.change_own_password(_actor(), _body())


@admin_routes.route("/admin/organizers", methods=["GET"])
@api
def organizers():
    return get_services().organizers.list_accounts(_actor("accounts.manage"))


@admin_routes.route("/admin/organizers", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def create_organizer():
    return respond(get_services().organizers.create_account(_actor("accounts.manage"), _body()), 201)


@admin_routes.route("/admin/organizers/{username}", methods=["PATCH"], content_types=BODY_CONTENT_TYPES)
@api
def update_organizer(username):
    return get_services().organizers.update_account(_actor("accounts.manage"), username, _body())


# --- rounds ------------------------------------------------------------------------------------


@admin_routes.route("/admin/rounds/{round_id}", methods=["PATCH"], content_types=BODY_CONTENT_TYPES)
@api
def update_round(round_id):
    actor = _actor("rounds.update")
    return get_services().admin.update_round_times(actor, round_id, _body())


@admin_routes.route("/admin/rounds/{round_id}/close", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def close_round(round_id):
    actor = _actor("rounds.close")
    services = get_services()
    services.lifecycle.close(round_id)
    ranked = services.lifecycle.rank(round_id)
    services.admin.record(
        actor, "round.close", round_id, {"actual_prediction_value": ranked["actual_prediction_value"]}
    )
    return {k: v for k, v in ranked.items() if not k.startswith("_")}


@admin_routes.route("/admin/rounds/{round_id}/publish", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def publish_round(round_id):
    actor = _actor("rounds.publish")
    results = get_services().lifecycle.publish(round_id)
    get_services().admin.record(actor, "round.publish", round_id, {"sha256": results["sha256"]})
    return results


@admin_routes.route("/admin/rounds/{round_id}/ranking", methods=["GET"])
@api
def ranking_preview(round_id):
    _actor("ranking.read")
    return get_services().lifecycle.preview(round_id)


@admin_routes.route("/admin/rounds/{round_id}/stats", methods=["GET"])
@api
def live_stats(round_id):
    return get_services().admin.live_stats(_actor("stats.read"), round_id)


@admin_routes.route(
    "/admin/rounds/{round_id}/disqualifications", methods=["POST"], content_types=BODY_CONTENT_TYPES
)
@api
def disqualify(round_id):
    actor = _actor("ranking.decide")
    return _after_decision(round_id, get_services().review.disqualify(round_id, _body(), actor))


@admin_routes.route(
    "/admin/rounds/{round_id}/disqualifications/{national_id}",
    methods=["DELETE"],
    content_types=BODY_CONTENT_TYPES,
)
@api
def undo_disqualification(round_id, national_id):
    actor = _actor("ranking.decide")
    return _after_decision(round_id, get_services().review.undo(round_id, national_id, actor))


def _after_decision(round_id: str, record) -> dict:
    """The decision and the ranking recomputed with it (when the round is ranked)."""
    ranking = get_services().lifecycle.rerank(round_id)
    return {
        "round_id": round_id,
        "national_id_masked": record.national_id_masked,
        "reason": record.reason,
        "ranking": ranking,
    }


# --- exclusions, participants, audit (the question bank: chalicelib/bank/routes.py) -------------


@admin_routes.route("/admin/exclusions", methods=["GET"])
@api
def exclusions():
    _actor("exclusions.manage")
    return get_services().admin.list_exclusions()


@admin_routes.route("/admin/exclusions", methods=["PUT"], content_types=BODY_CONTENT_TYPES)
@api
def set_exclusions():
    return get_services().admin.set_exclusions(_actor("exclusions.manage"), _body())


@admin_routes.route("/admin/exclusions", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def add_exclusion():
    return respond(get_services().admin.add_exclusion(_actor("exclusions.manage"), _body()), 201)


@admin_routes.route("/admin/exclusions/{national_id}", methods=["DELETE"], content_types=BODY_CONTENT_TYPES)
@api
def remove_exclusion(national_id):
    return get_services().admin.remove_exclusion(_actor("exclusions.manage"), national_id)


@admin_routes.route("/admin/participants/{national_id}", methods=["DELETE"], content_types=BODY_CONTENT_TYPES)
@api
def release_participant(national_id):
    actor = _actor("participants.release")
    return get_services().registration.release(national_id, _body(), actor)


@admin_routes.route("/admin/audit", methods=["GET"])
@api
def audit():
    _actor("audit.read")
    return get_services().admin.audit_log(admin_routes.current_request.query_params or {})
