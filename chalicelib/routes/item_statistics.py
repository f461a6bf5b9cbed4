"""Item statistics of a closed round (question bank, item 5): JSON for the console, .xlsx for
the question writers. Role: whoever may read the question bank (editor, admin)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.container import get_services, organizer
from chalicelib.files import XLSX_TYPE, file_response
from chalicelib.http import api

item_statistics_routes = Blueprint(__name__)


def _actor():
    return organizer(item_statistics_routes.current_request)


@item_statistics_routes.route("/admin/rounds/{round_id}/item-statistics", methods=["GET"])
@api
def item_statistics(round_id):
    return get_services().item_statistics.report(_actor(), round_id)


@item_statistics_routes.route("/admin/rounds/{round_id}/item-statistics.xlsx", methods=["GET"])
@api
def item_statistics_xlsx(round_id):
    data = get_services().item_statistics.report_xlsx(_actor(), round_id)
    return file_response(data, XLSX_TYPE, f"thong-ke-cau-hoi-{round_id}.xlsx")
