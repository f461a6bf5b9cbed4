"""Printable PDFs: the prize certificates (A4 landscape) and the contest poster (A4 portrait).

fpdf2's built-in fonts are Latin-1 only, so Vietnamese is set in DejaVu Serif (subsets made by
``scripts/subset_fonts.py``, licence in ``fonts/LICENSE``) shipped inside the package. fpdf2
and segno are imported inside the functions: a participant's request never loads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chalicelib.domain.certificates import COLLECTIVE, Certificate

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSerif"
FACES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
VIETNAM = timezone(timedelta(hours=7))
RED = (163, 22, 26)
GOLD = (184, 134, 11)
INK = (33, 33, 33)
GREY = (90, 90, 90)


@dataclass(frozen=True)
class Issuer:
    """Who gives the certificates: the organizer's name, the contest's, the place of the
    date line; and where the verification page lives (``…/verify/``)."""

    organizer: str
    contest_name: str
    place: str
    verify_base: str


@dataclass(frozen=True)
class PosterRound:
    name: str
    opens_at: int
    closes_at: int


def vietnamese_date(iso_or_ms: str | int) -> str:
    """``ngày 20 tháng 12 năm 2021`` in Vietnam time."""
    moment = (
        datetime.fromtimestamp(iso_or_ms / 1000, VIETNAM)
        if isinstance(iso_or_ms, int)
        else datetime.fromisoformat(iso_or_ms).astimezone(VIETNAM)
    )
    return f"ngày {moment.day:02d} tháng {moment.month:02d} năm {moment.year}"


def _short_time(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, VIETNAM)
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def _new_document(orientation: str, title: str, created: datetime):
    from fpdf import FPDF  # heavy: only on the routes that print

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for style, file_name in FACES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / file_name))
    pdf.set_title(title)
    pdf.set_author("Ban Tổ chức cuộc thi")
    pdf.set_creator("songcong-contest")
    pdf.set_creation_date(created)  # the same snapshot prints the same file
    pdf.set_lang("vi")
    return pdf


def _draw_qr(pdf, text: str, x: float, y: float, size: float) -> None:
    """The QR code of ``text`` as vector squares (level M, with its quiet zone inside
    ``size``), one rectangle per run of dark modules in a row."""
    import segno

    matrix = segno.make(text, error="m", micro=False).matrix
    modules = len(matrix) + 8  # 4 modules of quiet zone on each side
    step = size / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(
                x + (4 + start) * step,
                y + (4 + row_index) * step,
                (column - start) * step,
                step,
                style="F",
            )


def _centered(pdf, y: float, text: str, style: str, size: float, color=INK, x: float = 0, width=None) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(x, y)
    pdf.cell(width if width is not None else pdf.w, size * 0.45, text, align="C")


def _frame(pdf) -> None:
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.4)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)


def _certificate_page(pdf, certificate: Certificate, issuer: Issuer) -> None:
    pdf.add_page()
    _frame(pdf)
    # The two header blocks: who issues it (left), the national motto (right).
    left, right, block = 16, pdf.w / 2 + 8, pdf.w / 2 - 24
    _centered(pdf, 18, issuer.organizer.upper(), "", 10.5, x=left, width=block)
    _centered(pdf, 23.5, "BAN TỔ CHỨC CUỘC THI", "B", 10.5, x=left, width=block)
    _centered(pdf, 18, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 10.5, x=right, width=block)
    _centered(pdf, 23.5, "Độc lập - Tự do - Hạnh phúc", "B", 11.5, x=right, width=block)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(left + block / 2 - 15, 30.5, left + block / 2 + 15, 30.5)
    pdf.line(right + block / 2 - 26, 30.5, right + block / 2 + 26, 30.5)

    collective = certificate.kind == COLLECTIVE
    _centered(pdf, 42, "GIẤY KHEN" if collective else "GIẤY CHỨNG NHẬN", "B", 34, RED)
    _centered(
        pdf,
        62,
        "BAN TỔ CHỨC CUỘC THI KHEN TẶNG" if collective else "BAN TỔ CHỨC CUỘC THI CHỨNG NHẬN",
        "B",
        12.5,
    )
    _centered(pdf, 73, certificate.name, "B", 24, RED)
    if not collective:
        _centered(pdf, 87, f"Đơn vị: {certificate.unit_name}", "", 14)
    prize_line = (
        f"Đã đạt {certificate.prize_name} tập thể toàn cuộc thi"
        if collective
        else f"Đã đạt {certificate.prize_name} cá nhân – {certificate.round_name}"
    )
    line_y = 87 if collective else 97
    _centered(pdf, line_y, prize_line, "B", 16)
    pdf.set_font(FONT, "I", 12.5)
    pdf.set_text_color(*INK)
    pdf.set_xy(28, line_y + 11)
    pdf.multi_cell(pdf.w - 56, 6.5, issuer.contest_name, align="C")

    # Bottom: verification (left), the committee's signature (right).
    verify_url = issuer.verify_base + certificate.code
    _draw_qr(pdf, verify_url, 22, pdf.h - 66, 34)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*GREY)
    pdf.set_xy(58, pdf.h - 58)
    pdf.multi_cell(
        108,
        4.6,
        f"Mã xác minh: {certificate.code}\nKiểm tra tại: {verify_url}\n"
        f"Kết quả công bố {vietnamese_date(certificate.published_at) if certificate.published_at else ''}\n"
        f"SHA-256 kết quả: {certificate.sha256[:16]}…",
        align="L",
    )
    signature_x, signature_w = pdf.w / 2 + 20, pdf.w / 2 - 40
    date_line = (
        f"{issuer.place}, {vietnamese_date(certificate.published_at)}" if certificate.published_at else ""
    )
    _centered(pdf, pdf.h - 68, date_line, "I", 12, x=signature_x, width=signature_w)
    _centered(pdf, pdf.h - 60, "TM. BAN TỔ CHỨC", "B", 12.5, x=signature_x, width=signature_w)
    _centered(pdf, pdf.h - 54, "TRƯỞNG BAN", "B", 12.5, x=signature_x, width=signature_w)
    _centered(
        pdf, pdf.h - 47.5, "(Ký, ghi rõ họ tên và đóng dấu)", "I", 9.5, GREY, x=signature_x, width=signature_w
    )


def certificates_pdf(certificates: Sequence[Certificate], issuer: Issuer, title: str) -> bytes:
    """One page per certificate, in the given order (one winner's, or a round's to print)."""
    published = certificates[0].published_at if certificates else ""
    created = datetime.fromisoformat(published) if published else datetime(2000, 1, 1, tzinfo=VIETNAM)
    pdf = _new_document("L", title, created)
    for certificate in certificates:
        _certificate_page(pdf, certificate, issuer)
    return bytes(pdf.output())


def poster_pdf(
    *, contest_name: str, organizer: str, rounds: Sequence[PosterRound], url: str, prizes: str
) -> bytes:
    """The A4 poster for a residential group's notice board: what, when, where (the web
    address and its QR code)."""
    first = min((r.opens_at for r in rounds), default=0)
    pdf = _new_document("P", contest_name, datetime.fromtimestamp(first / 1000, VIETNAM))
    pdf.add_page()
    pdf.set_fill_color(*RED)
    pdf.rect(0, 0, pdf.w, 46, style="F")
    _centered(pdf, 12, organizer.upper(), "B", 13, (255, 255, 255))
    _centered(pdf, 24, "MỜI THAM GIA CUỘC THI TRỰC TUYẾN", "B", 20, (255, 235, 170))
    pdf.set_font(FONT, "B", 19)
    pdf.set_text_color(*RED)
    pdf.set_xy(18, 56)
    pdf.multi_cell(pdf.w - 36, 9, contest_name, align="C")
    y = pdf.get_y() + 8
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(*INK)
    pdf.set_xy(22, y)
    pdf.cell(pdf.w - 44, 7, "Thời gian dự thi", align="L")
    y += 9
    pdf.set_font(FONT, "", 12)
    for item in rounds:
        pdf.set_xy(26, y)
        pdf.multi_cell(
            pdf.w - 52, 6, f"• {item.name}: từ {_short_time(item.opens_at)} đến {_short_time(item.closes_at)}"
        )
        y = pdf.get_y() + 1.5
    pdf.set_xy(22, y + 3)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(pdf.w - 44, 7, "Giải thưởng", align="L")
    pdf.set_xy(26, y + 12)
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(pdf.w - 52, 6, prizes)
    size = 78
    qr_y = max(pdf.get_y() + 10, 150)
    _draw_qr(pdf, url, (pdf.w - size) / 2, qr_y, size)
    _centered(pdf, qr_y + size + 4, "Quét mã QR bằng camera điện thoại hoặc mở địa chỉ:", "", 12)
    _centered(pdf, qr_y + size + 12, url, "B", 13, RED)
    _centered(
        pdf,
        pdf.h - 18,
        "Đăng ký bằng số CCCD, làm bài trắc nghiệm trên điện thoại hoặc máy tính.",
        "I",
        11,
        GREY,
    )
    return bytes(pdf.output())
