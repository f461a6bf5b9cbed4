"""The public verification page (``GET /verify/{code}``): what a certificate states and that it
is genuine, or that the code is unknown. Plain HTML with the participant page's stylesheet,
no script, so the site's Content-Security-Policy holds as it is."""

from __future__ import annotations

from html import escape

from chalicelib.artefacts.service import certificate_view
from chalicelib.domain.certificates import COLLECTIVE, Certificate
from chalicelib.domain.timing import parse_iso

_PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} – Thi tìm hiểu CCHC TP Sông Công</title>
<link rel="icon" href="{static}icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{static}{stylesheet}">
</head>
<body>
<a class="skip-link" href="#main">Bỏ qua, đến nội dung chính</a>
<header class="site-header">
  <div class="wrap header-bar">
    <a class="brand" href="{home}"><img src="{static}icon.svg" alt="" width="36" height="36"><span>Thi tìm hiểu CCHC<small>Thành phố Sông Công</small></span></a>
  </div>
</header>
<main id="main" class="wrap" tabindex="-1">
<section class="hero" aria-labelledby="h-verify">
<h1 id="h-verify">{title}</h1>
{body}
</section>
</main>
<footer class="site-footer">
  <div class="wrap">
    <p>Trang xác minh giấy chứng nhận, giấy khen do Ban Tổ chức cuộc thi cấp.</p>
  </div>
</footer>
</body>
</html>
"""


def _fact(label: str, value: str, *, code: bool = False) -> str:
    shown = f'<dd class="code">{escape(value)}</dd>' if code else f"<dd>{escape(value)}</dd>"
    return f"<dt>{escape(label)}</dt>{shown}"


def _date(iso: str) -> str:
    if not iso:
        return ""
    from chalicelib.artefacts.pdf import vietnamese_date

    return vietnamese_date(parse_iso(iso))


def genuine_body(certificate: Certificate) -> str:
    view = certificate_view(certificate)
    collective = certificate.kind == COLLECTIVE
    facts = [
        _fact("Mã xác minh", view["code"], code=True),
        _fact("Loại", "Giấy khen tập thể" if collective else "Giấy chứng nhận cá nhân"),
        _fact("Tập thể" if collective else "Họ và tên", view["name"]),
    ]
    if not collective:
        facts.append(_fact("Đơn vị", view["unit"]))
    facts += [
        _fact("Giải", f"{view['prize_name']} {'tập thể toàn cuộc thi' if collective else 'cá nhân'}"),
        _fact("Tuần thi", view["round_name"]),
        _fact("Kết quả công bố", _date(view["published_at"])),
        _fact("SHA-256 của kết quả", view["sha256"], code=True),
    ]
    return (
        '<p class="notice" role="status"><strong>Giấy này do Ban Tổ chức cấp.</strong> '
        "Nội dung dưới đây khớp với kết quả đã công bố.</p>\n"
        f'<dl class="facts verify-facts">{"".join(facts)}</dl>\n'
        '<p class="hint">Hãy đối chiếu từng dòng với nội dung in trên giấy. Chuỗi SHA-256 là dấu '
        "vân tay của bảng kết quả đã công bố.</p>"
    )


def unknown_body(code: str) -> str:
    shown = escape(code[:40])
    return (
        '<div class="alert" role="alert">'
        f"<p><strong>Không tìm thấy mã xác minh “{shown}”.</strong></p>"
        "<p>Mã này không khớp với giấy chứng nhận hay giấy khen nào do Ban Tổ chức cấp. "
        "Hãy kiểm tra lại mã in trên giấy (12 ký tự, dạng XXXX-XXXX-XXXX) hoặc quét lại mã QR. "
        "Một giấy có mã không tìm thấy có thể đã bị sửa.</p></div>"
    )


def verify_page(
    certificate: Certificate | None, code: str, *, static: str, stylesheet: str, home: str
) -> str:
    title = "Giấy chứng nhận hợp lệ" if certificate is not None else "Không tìm thấy giấy chứng nhận"
    if certificate is not None and certificate.kind == COLLECTIVE:
        title = "Giấy khen hợp lệ"
    body = genuine_body(certificate) if certificate is not None else unknown_body(code)
    return _PAGE.format(
        title=escape(title),
        static=escape(static),
        stylesheet=escape(stylesheet),
        home=escape(home),
        body=body,
    )
