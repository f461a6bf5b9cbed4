"""Routes of rosters and the participation report (docs/api.md, "Participation")."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.container import organizer, shared_dependencies
from chalicelib.files import UPLOAD_CONTENT_TYPES, read_rows, read_upload
from chalicelib.http import BODY_CONTENT_TYPES, api
from chalicelib.organizers.policy import Actor

participation_routes = Blueprint(__name__)
# The upload route also declares JSON so that a call without a file reaches our checks (401
# first, then 415 in our error shape) instead of Chalice's own refusal.
ROSTER_CONTENT_TYPES = [*UPLOAD_CONTENT_TYPES, "application/json", "text/plain"]


def _actor(action: str) -> Actor:
    return organizer(participation_routes.current_request, action)


def _query() -> dict:
    return participation_routes.current_request.query_params or {}


def service():
    """The participation service, imported on first use: a participant's cold start never loads it."""
    from chalicelib.participation.service import ParticipationService

    return ParticipationService(**shared_dependencies())


@participation_routes.route(
    "/admin/units/{unit_id}/rosters/{roster_id}", methods=["PUT"], content_types=ROSTER_CONTENT_TYPES
)
@api
def put_roster(unit_id, roster_id):
    actor = _actor("rosters.manage")
    rosters = service()
    rosters.unit(actor, "rosters.manage", unit_id)  # another unit's office is refused before its file is read
    rows = read_rows(read_upload(participation_routes.current_request))
    query = _query()
    dry_run = query.get("dry_run", "") in ("1", "true")
    return rosters.import_roster(actor, unit_id, roster_id, query.get("name"), rows, dry_run=dry_run)


@participation_routes.route(
    "/admin/units/{unit_id}/rosters/{roster_id}", methods=["DELETE"], content_types=BODY_CONTENT_TYPES
)
@api
def delete_roster(unit_id, roster_id):
    return service().delete_roster(_actor("rosters.manage"), unit_id, roster_id)


@participation_routes.route("/admin/units/{unit_id}/rosters", methods=["GET"])
@api
def list_rosters(unit_id):
    return service().list_rosters(_actor("rosters.manage"), unit_id)


@participation_routes.route("/admin/units/{unit_id}/participation", methods=["GET"])
@api
def participation_report(unit_id):
    return service().report(_actor("participation.read"), unit_id, _query().get("round_id") or None)
