"""Routes of the Excel exports (docs/api.md, "Excel exports"): each returns the file, or 202
with an export id whose status gives a short-lived link once the file is built."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.container import organizer, shared_dependencies
from chalicelib.errors import ContestError
from chalicelib.files import XLSX_TYPE, file_response
from chalicelib.http import api
from chalicelib.organizers.policy import Actor

export_routes = Blueprint(__name__)


def _actor() -> Actor:
    """The caller; which export it may have is decided by the service (``exports.read``,
    ``audit.read``, the unit scope)."""
    return organizer(export_routes.current_request)


def service():
    """The export service, imported on first use: a participant's cold start never loads it."""
    from chalicelib.exports.service import ExportService

    return ExportService(**shared_dependencies())


def _export(kind: str, **target: str | None) -> Response:
    from chalicelib.exports.service import ExportSpec

    return service().request(ExportSpec.of(kind, _actor(), **target))


def _round_id() -> str | None:
    return (export_routes.current_request.query_params or {}).get("round_id") or None


@export_routes.route("/admin/rounds/{round_id}/exports/ranking.xlsx", methods=["GET"])
@api
def ranking_export(round_id):
    return _export("ranking", round_id=round_id)


@export_routes.route("/admin/rounds/{round_id}/exports/collective.xlsx", methods=["GET"])
@api
def collective_export(round_id):
    return _export("collective", round_id=round_id)


@export_routes.route("/admin/rounds/{round_id}/exports/units.xlsx", methods=["GET"])
@api
def units_export(round_id):
    return _export("units", round_id=round_id)


@export_routes.route("/admin/units/{unit_id}/participants.xlsx", methods=["GET"])
@api
def participants_export(unit_id):
    return _export("participants", unit_id=unit_id)


@export_routes.route("/admin/units/{unit_id}/participation.xlsx", methods=["GET"])
@api
def participation_export(unit_id):
    return _export("participation", unit_id=unit_id, round_id=_round_id())


@export_routes.route("/admin/audit.xlsx", methods=["GET"])
@api
def audit_export():
    return _export("audit")


@export_routes.route("/admin/exports/{export_id}", methods=["GET"])
@api
def export_status(export_id):
    return service().status(_actor(), export_id)


@export_routes.route("/exports/{name}", methods=["GET"])
@api
def local_export_file(name):
    """Locally only: the file behind a signed link of the folder storage (in AWS the link is
    a presigned S3 URL and this route finds nothing)."""
    from chalicelib.exports.storage import FolderStorage

    storage = service().storage
    query = export_routes.current_request.query_params or {}
    data = None
    if isinstance(storage, FolderStorage):
        data = storage.read_signed(
            name, query.get("expires", ""), query.get("filename", ""), query.get("signature", "")
        )
    if data is None:
        raise ContestError("EXPORT_NOT_FOUND", 404)
    return file_response(data, XLSX_TYPE, query.get("filename") or "xuat-du-lieu.xlsx")


def run_background_export(event: dict) -> None:
    """The ``build-export`` function: build one export the API handed over."""
    service().run(event)
