"""Make the certificate fonts shipped in chalicelib/artefacts/fonts/ from Debian's DejaVu.

Only the glyphs Vietnamese text needs (Latin, Latin Extended-A/B's Vietnamese letters, Latin
Extended Additional, combining marks, common punctuation) are kept, so three faces weigh about
a tenth of the originals in the Lambda package. Run once (again after changing the faces):

    .venv/bin/python scripts/subset_fonts.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fontTools import subset

SOURCE = Path("/usr/share/fonts/truetype/dejavu")
TARGET = Path(__file__).resolve().parent.parent / "chalicelib" / "artefacts" / "fonts"
FACES = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf")
UNICODES = [
    *range(0x20, 0x7F),  # ASCII
    *range(0xA0, 0x100),  # Latin-1: à á â ã è é ê ì í ò ó ô õ ù ú ý, «», °, ·
    *range(0x100, 0x180),  # Latin Extended-A: ă Ă đ Đ ĩ Ĩ ũ Ũ
    0x1A0,
    0x1A1,
    0x1AF,
    0x1B0,  # ơ Ơ ư Ư
    *range(0x300, 0x324),  # combining marks (a name typed in decomposed form)
    *range(0x1EA0, 0x1EFA),  # Latin Extended Additional: ạ ả ấ … ỹ
    *range(0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    0x20AB,  # ₫
    0x2116,  # №
]


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    for face in FACES:
        font = subset.load_font(str(SOURCE / face), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=UNICODES)
        subsetter.subset(font)
        subset.save_font(font, str(TARGET / face), options)
        print(f"{face}: {(SOURCE / face).stat().st_size:,} → {(TARGET / face).stat().st_size:,} bytes")
    shutil.copy("/usr/share/doc/fonts-dejavu-core/copyright", TARGET / "LICENSE")


if __name__ == "__main__":
    main()
