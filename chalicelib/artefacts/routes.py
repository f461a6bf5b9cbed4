"""Certificates (admin: list and print; public: verify) and sharing (poster, QR code, the share
card's picture). docs/api.md, "Certificates and sharing"."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.artefacts.pages import verify_page
from chalicelib.artefacts.service import CertificateService, certificate_view
from chalicelib.artefacts.sharing import SHARE_IMAGE, public_bases, qr_svg
from chalicelib.container import get_services, organizer
from chalicelib.errors import ContestError
from chalicelib.files import PDF_TYPE, file_response
from chalicelib.http import api
from chalicelib.organizers import policy
from chalicelib.routes.web import get_site, page_headers

artefact_routes = Blueprint(__name__)

PUBLIC_CACHE = "public, max-age=300"


def certificates() -> CertificateService:
    return get_services().certificates


def _request():
    return artefact_routes.current_request


def _actor(action: str) -> policy.Actor:
    return organizer(_request(), action)


def _bases():
    return public_bases(_request(), get_services().settings)


# --- certificates (the committee) --------------------------------------------------------------


@artefact_routes.route("/admin/rounds/{round_id}/certificates", methods=["GET"])
@api
def round_certificates(round_id):
    _actor("certificates.read")
    return [certificate_view(c) for c in certificates().for_round(round_id)]


@artefact_routes.route("/admin/rounds/{round_id}/certificates.pdf", methods=["GET"])
@api
def round_certificates_pdf(round_id):
    actor = _actor("certificates.read")
    count, data = certificates().round_pdf(round_id, _bases().api + "verify/")
    get_services().admin.record(actor, "certificates.print", round_id, {"certificates": count})
    return file_response(data, PDF_TYPE, f"giay-chung-nhan-{round_id}.pdf")


@artefact_routes.route("/admin/rounds/{round_id}/certificates/{file_name}", methods=["GET"])
@api
def one_certificate_pdf(round_id, file_name):
    actor = _actor("certificates.read")
    code, dot, extension = file_name.rpartition(".")
    if not dot or extension.lower() != "pdf":
        raise ContestError("CERTIFICATE_NOT_FOUND", 404)
    certificate, data = certificates().one_pdf(round_id, code, _bases().api + "verify/")
    get_services().admin.record(actor, "certificates.print", round_id, {"code": certificate.code})
    return file_response(data, PDF_TYPE, f"giay-chung-nhan-{round_id}-{certificate.code}.pdf")


# --- verification (anyone holding a certificate) -------------------------------------------------


@artefact_routes.route("/certificates/{code}", methods=["GET"])
@api
def certificate_lookup(code):
    view = certificate_view(certificates().lookup(code))
    return {
        key: view[key]
        for key in (
            "code",
            "kind",
            "name",
            "unit",
            "unit_id",
            "prize",
            "prize_name",
            "round_id",
            "round_name",
            "published_at",
            "sha256",
        )
    }


@artefact_routes.route("/verify/{code}", methods=["GET"])
def verify(code):
    try:
        found = certificates().lookup(code)
    except ContestError:
        found = None
    bases = _bases()
    stylesheet = get_site().assets["app.css"].versioned_name
    page = verify_page(found, code, static=bases.page + "static/", stylesheet=stylesheet, home=bases.page)
    headers = {
        **page_headers(),
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": PUBLIC_CACHE if found else "no-store",
    }
    return Response(body=page, status_code=200 if found else 404, headers=headers)


# --- sharing --------------------------------------------------------------------------------------


@artefact_routes.route("/poster.pdf", methods=["GET"])
@api
def poster():
    data = certificates().poster(_bases().page)
    response = file_response(data, PDF_TYPE, "ap-phich-cuoc-thi.pdf")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.headers["Content-Disposition"] = response.headers["Content-Disposition"].replace(
        "attachment", "inline", 1
    )
    return response


@artefact_routes.route("/qr.svg", methods=["GET"])
@api
def page_qr():
    svg = qr_svg(_bases().page, "Mã QR mở trang cuộc thi")
    headers = {
        **page_headers(),
        "Content-Type": "image/svg+xml; charset=utf-8",
        "Cache-Control": PUBLIC_CACHE,
    }
    return Response(body=svg, status_code=200, headers=headers)


@artefact_routes.route("/share.png", methods=["GET"])
def share_image():
    headers = {
        "Content-Type": "image/png",
        "Cache-Control": "public, max-age=86400",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body=SHARE_IMAGE.read_bytes(), status_code=200, headers=headers)
