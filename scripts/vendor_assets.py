"""Copy third-party browser files from node_modules into the pages' assets (run after ``npm ci``):
the ALTCHA widget of the registration form and uPlot, the charts of the console's dashboard.

    .venv/bin/python scripts/vendor_assets.py           # write the files
    .venv/bin/python scripts/vendor_assets.py --check   # exit 1 when they differ from node_modules

The page's CSP allows no inline ``<style>``, no ``style=`` attribute and no ``blob:`` worker,
so the widget's "external" build is used: the script without embedded CSS or workers
(``altcha.js``), its stylesheet (``altcha.css``) and the SHA worker that solves the
challenges (``altcha-worker.js``), all served from our origin. The page loads them only
when the registration form is shown.

uPlot (``uplot.js``, its IIFE build defining ``window.uPlot``, and ``uplot.css``) draws on a
canvas and sets styles through the CSSOM only, so it needs no CSP exception either; the
console loads it only on the dashboard.

Vendored files are committed so that a deploy does not depend on npm; the licences go to
``third_party/`` (the web server serves only HTML, CSS, JS and SVG).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "chalicelib" / "web"
THIRD_PARTY = ROOT / "third_party"


@dataclass(frozen=True)
class Package:
    npm_name: str
    title: str  # how the banner and the licence file name it
    files: tuple[tuple[str, Path], ...]  # (file in the npm package, vendored file)
    licence: tuple[str, Path]  # (licence in the npm package, copy in third_party/)
    note: str = ""  # added to the licence file
    product: str = ""  # how the licence file names it, when not the title

    @property
    def directory(self) -> Path:
        return ROOT / "node_modules" / self.npm_name


PACKAGES = (
    Package(
        npm_name="altcha",
        title="ALTCHA",
        files=(
            ("dist/external/altcha.min.js", WEB / "altcha.js"),
            ("dist/external/altcha.css", WEB / "altcha.css"),
            ("dist/workers/sha.js", WEB / "altcha-worker.js"),
        ),
        licence=("LICENSE.txt", THIRD_PARTY / "altcha-LICENSE.txt"),
        note="The script bundles the Svelte runtime (MIT License, Svelte contributors).\n",
        product="ALTCHA widget",
    ),
    Package(
        npm_name="uplot",
        title="uPlot",
        files=(
            ("dist/uPlot.iife.min.js", WEB / "uplot.js"),
            ("dist/uPlot.min.css", WEB / "uplot.css"),
        ),
        licence=("LICENSE", THIRD_PARTY / "uplot-LICENSE.txt"),
    ),
)


def _copyright(licence: str) -> str:
    return next((line.strip() for line in licence.splitlines() if line.startswith("Copyright")), "")


def vendored() -> dict[Path, str]:
    """What each vendored file must contain: the package's file behind a one-line banner
    naming its version and licence (MIT asks for the notice in every copy)."""
    contents: dict[Path, str] = {}
    for package in PACKAGES:
        if not package.directory.is_dir():
            raise SystemExit(f"node_modules/{package.npm_name} is missing: run `npm ci` first")
        version = json.loads((package.directory / "package.json").read_text("utf-8"))["version"]
        licence = (package.directory / package.licence[0]).read_text("utf-8")
        banner = (
            f"/*! {package.title} {version} (npm {package.npm_name}) | MIT License | {_copyright(licence)}"
            f" | third_party/{package.licence[1].name} */\n"
        )
        for source, target in package.files:
            contents[target] = banner + (package.directory / source).read_text("utf-8")
        contents[package.licence[1]] = (
            f"{package.product or package.title} {version} (npm package {package.npm_name}), vendored by scripts/vendor_assets.py as\n"
            + "".join(f"chalicelib/web/{target.name} (from {source})\n" for source, target in package.files)
            + package.note
            + "\n"
            + licence
        )
    return contents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    args = parser.parse_args(argv)
    stale = []
    for target, text in vendored().items():
        current = target.read_text("utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(target.relative_to(ROOT))
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
    verb = "out of date" if args.check else "written"
    print(f"{verb}: {', '.join(map(str, stale))}" if stale else "vendored files are up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
