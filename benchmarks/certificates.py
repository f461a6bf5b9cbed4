"""What certificates and the poster cost: the import time of fpdf2 and segno in a fresh process
(a cold start of the routes that print), whether ``import app`` loads them (it must not), and
the size and time of the PDFs: one certificate, a round's (8 winners), the last round's (8
winners and 8 Giấy khen), the poster; and the page's QR code as SVG.

Usage: .venv/bin/python benchmarks/certificates.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROBE = "import time, importlib; t = time.perf_counter(); importlib.import_module({!r}); print(time.perf_counter() - t)"
LOADED_BY_APP = "import sys, app; print(' '.join(m for m in ('fpdf', 'segno', 'PIL', 'fontTools', 'openpyxl') if m in sys.modules))"


def _python(code: str) -> str:
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def import_ms(module: str, runs: int) -> float:
    _python(PROBE.format(module))  # fills the bytecode cache, as a deployed package has it
    return statistics.median(float(_python(PROBE.format(module))) for _ in range(runs)) * 1000


def _certificates(kind: str, count: int, round_id: str) -> list:
    from chalicelib.domain.certificates import Certificate, certificate_code

    names = ["Nguyễn Thị Ánh Tuyết", "Trần Văn Đức", "Lê Hồng Phúc", "Phạm Thị Hương Giang", "Hoàng Văn Khải"]
    return [
        Certificate(
            code=certificate_code("bench", round_id, kind, f"w{i}", "a" * 64),
            kind=kind,
            round_id=round_id,
            round_name="Tuần thứ Hai",
            winner_id=f"w{i}",
            name=names[i % len(names)] if kind == "individual" else "Phường Bách Quang",
            unit_id="bach-quang",
            unit_name="Phường Bách Quang",
            prize="first",
            prize_name="Giải Nhất",
            rank=i + 1,
            sha256="a" * 64,
            published_at="2021-12-27T08:00:00+07:00",
        )
        for i in range(count)
    ]


def _timed(work) -> tuple[bytes, float]:
    started = time.perf_counter()
    data = work()
    return data, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"cold import, median of {runs} fresh processes")
    for module, label in (
        ("fpdf", "fpdf2 (pulls Pillow and fontTools)"),
        ("segno", "segno"),
    ):
        print(f"  {module:<30} {import_ms(module, runs):7.1f} ms  {label}")
    loaded = _python(LOADED_BY_APP)
    print(f"  loaded by `import app`: {loaded or 'none of fpdf, segno, PIL, fontTools, openpyxl'}")

    from chalicelib.artefacts import pdf
    from chalicelib.artefacts.sharing import qr_svg
    from chalicelib.domain.certificates import place_of
    from chalicelib.domain.timing import parse_iso

    contest = json.loads((ROOT / "question_data" / "contest.json").read_text("utf-8"))
    issuer = pdf.Issuer(
        contest["organizer"],
        contest["name"],
        place_of(contest["organizer"]),
        "https://thi.example.vn/verify/",
    )
    one = _certificates("individual", 1, "r1")
    round_1 = _certificates("individual", 8, "r1")
    last = _certificates("individual", 8, "r2") + _certificates("collective", 8, "r2")
    rounds = [
        pdf.PosterRound(r["name"], parse_iso(r["opens_at"]), parse_iso(r["closes_at"]))
        for r in contest["rounds"]
    ]
    print("PDFs (* the first call imports fpdf2 and segno and reads the fonts: a cold route's cost)")
    for label, work in (
        ("one certificate (first call)*", lambda: pdf.certificates_pdf(one, issuer, "x")),
        ("one certificate", lambda: pdf.certificates_pdf(one, issuer, "x")),
        ("a round: 8 certificates", lambda: pdf.certificates_pdf(round_1, issuer, "x")),
        ("last round: 8 + 8 Giấy khen", lambda: pdf.certificates_pdf(last, issuer, "x")),
        (
            "poster (A4)",
            lambda: pdf.poster_pdf(
                contest_name=contest["name"],
                organizer=contest["organizer"],
                rounds=rounds,
                url="https://thi.example.vn/",
                prizes="Mỗi tuần: 1 Giải Nhất, 1 Giải Nhì, 1 Giải Ba, 5 Giải Khuyến khích.",
            ),
        ),
    ):
        data, ms = _timed(work)
        print(f"  {label:<30} {len(data) / 1024:7.1f} KB  {ms:7.1f} ms")
    svg, ms = _timed(lambda: qr_svg("https://thi.example.vn/", "Mã QR").encode())
    print(f"  {'page QR code (SVG)':<30} {len(svg) / 1024:7.1f} KB  {ms:7.1f} ms")
    fonts = sum(p.stat().st_size for p in (ROOT / "chalicelib" / "artefacts" / "fonts").glob("*.ttf"))
    print(f"fonts shipped in the package: {fonts / 1024:.0f} KB (3 DejaVu Serif faces, Vietnamese subset)")


if __name__ == "__main__":
    main()
