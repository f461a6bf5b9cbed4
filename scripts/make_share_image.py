"""Draw the share card's picture (Open Graph / Twitter, 1200×630 PNG) once, with Pillow and the
certificate fonts; the result, ``chalicelib/artefacts/share.png``, is committed. Zalo and
Facebook show PNG or JPEG only (not SVG). Run again after changing the contest's name:

    .venv/bin/python scripts/make_share_image.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "chalicelib" / "artefacts" / "fonts"
TARGET = ROOT / "chalicelib" / "artefacts" / "share.png"
WIDTH, HEIGHT = 1200, 630
RED, RED_DARK, GOLD, CREAM = (163, 22, 26), (125, 15, 18), (255, 210, 74), (255, 248, 235)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.FreeTypeFont, fill) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((WIDTH - (right - left)) / 2 - left, y - top), text, font=font, fill=fill)
    return y + (bottom - top)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, fill) -> None:
    import math

    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=fill)


def main() -> None:
    contest = json.loads((ROOT / "question_data" / "contest.json").read_text("utf-8"))
    image = Image.new("RGB", (WIDTH, HEIGHT), RED)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 120, WIDTH, HEIGHT), fill=RED_DARK)
    draw.rectangle((24, 24, WIDTH - 24, HEIGHT - 24), outline=GOLD, width=4)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSerif-Bold.ttf"), 60)
    title = ImageFont.truetype(str(FONTS / "DejaVuSerif-Bold.ttf"), 45)
    regular = ImageFont.truetype(str(FONTS / "DejaVuSerif.ttf"), 34)
    small = ImageFont.truetype(str(FONTS / "DejaVuSerif-Italic.ttf"), 32)
    _star(draw, WIDTH / 2, 100, 42, GOLD)
    y = _centered(draw, 160, "CUỘC THI TRỰC TUYẾN", bold, GOLD) + 34
    y = _centered(draw, y, "“Tìm hiểu công tác cải cách hành chính”", title, CREAM) + 28
    _centered(
        draw,
        y,
        contest["organizer"].replace("Ủy ban nhân dân thành phố", "Thành phố") + " năm 2021",
        regular,
        CREAM,
    )
    _centered(draw, HEIGHT - 82, "Đăng ký bằng CCCD · Làm bài trên điện thoại · Xem kết quả", small, CREAM)
    image.save(TARGET, optimize=True)
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
