"""Question bank routes (docs/api.md, "Question bank"): list, view, create, edit, retire,
import with a dry run, template and export. Reading needs ``questions.read``, changing
``questions.manage`` (editor and admin)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.bank.service import BankService
from chalicelib.container import get_services, organizer, shared_dependencies
from chalicelib.errors import ContestError
from chalicelib.files import CSV_TYPE, UPLOAD_CONTENT_TYPES, XLSX_TYPE, file_response, read_rows, read_upload
from chalicelib.http import BODY_CONTENT_TYPES, api, json_body, respond
from chalicelib.organizers.policy import Actor

bank_routes = Blueprint(__name__)

# JSON too, so that a wrong body reaches the token check and then our 415, not Chalice's.
IMPORT_CONTENT_TYPES = [*UPLOAD_CONTENT_TYPES, "application/json"]

_SERVICE: tuple[object, BankService] | None = None


def bank() -> BankService:
    """One service per set of services (tests install new ones)."""
    global _SERVICE
    services = get_services()
    if _SERVICE is None or _SERVICE[0] is not services:
        _SERVICE = (services, BankService(**shared_dependencies()))
    return _SERVICE[1]


def _actor(action: str) -> Actor:
    return organizer(bank_routes.current_request, action)


@bank_routes.route("/admin/questions", methods=["GET"])
@api
def list_questions():
    _actor("questions.read")
    return bank().list(bank_routes.current_request.query_params or {})


@bank_routes.route("/admin/questions", methods=["POST"], content_types=BODY_CONTENT_TYPES)
@api
def create_question():
    actor = _actor("questions.manage")
    return respond(bank().create(actor, json_body(bank_routes.current_request)), 201)


@bank_routes.route("/admin/questions/template.csv", methods=["GET"])
@api
def template_csv():
    _actor("questions.manage")
    return file_response(BankService.template_csv(), f"{CSV_TYPE}; charset=utf-8", "mau-cau-hoi.csv")


@bank_routes.route("/admin/questions/template.xlsx", methods=["GET"])
@api
def template_xlsx():
    _actor("questions.manage")
    return file_response(BankService.template_xlsx(), XLSX_TYPE, "mau-cau-hoi.xlsx")


@bank_routes.route("/admin/questions/export.xlsx", methods=["GET"])
@api
def export_questions():
    _actor("questions.read")
    return file_response(bank().export_xlsx(), XLSX_TYPE, "ngan-hang-cau-hoi.xlsx")


@bank_routes.route("/admin/questions/import", methods=["POST"], content_types=IMPORT_CONTENT_TYPES)
@api
def import_questions():
    actor = _actor("questions.manage")
    request = bank_routes.current_request
    query = request.query_params or {}
    upload = read_upload(request)
    dry_run = query.get("dry_run", "") in ("1", "true")
    filename = query.get("name", "")[:200] or f"tệp {upload.kind}"  # for the audit log
    plan = bank().import_rows(actor, read_rows(upload), dry_run=dry_run, filename=filename)
    if plan.valid or dry_run:
        return plan.body()
    return respond({**ContestError("IMPORT_INVALID", 400).to_body(), **plan.body()}, 400)


@bank_routes.route("/admin/questions/{question_id}", methods=["GET"])
@api
def view_question(question_id):
    _actor("questions.read")
    return bank().view(question_id)


@bank_routes.route("/admin/questions/{question_id}", methods=["PUT"], content_types=BODY_CONTENT_TYPES)
@api
def edit_question(question_id):
    actor = _actor("questions.manage")
    return bank().edit(actor, question_id, json_body(bank_routes.current_request))


@bank_routes.route(
    "/admin/questions/{question_id}/retire", methods=["POST"], content_types=BODY_CONTENT_TYPES
)
@api
def retire_question(question_id):
    return bank().retire(_actor("questions.manage"), question_id)
