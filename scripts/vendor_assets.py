"""Copy the ALTCHA widget from node_modules into the page's assets (run after ``npm ci``).

    .venv/bin/python scripts/vendor_assets.py           # write the files
    .venv/bin/python scripts/vendor_assets.py --check   # exit 1 when they differ from node_modules

The page's CSP allows no inline ``<style>``, no ``style=`` attribute and no ``blob:`` worker,
so the widget's "external" build is used: the script without embedded CSS or workers
(``altcha.js``), its stylesheet (``altcha.css``) and the SHA worker that solves the
challenges (``altcha-worker.js``), all served from our origin. The page loads them only
when the registration form is shown. Vendored files are committed so that a deploy does
not depend on npm; the licence goes to ``third_party/`` (the web server serves only
HTML, CSS, JS and SVG).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "altcha"
WEB = ROOT / "chalicelib" / "web"
THIRD_PARTY = ROOT / "third_party"

# (file in the npm package, vendored file)
FILES = (
    ("dist/external/altcha.min.js", WEB / "altcha.js"),
    ("dist/external/altcha.css", WEB / "altcha.css"),
    ("dist/workers/sha.js", WEB / "altcha-worker.js"),
)
LICENCE = ("LICENSE.txt", THIRD_PARTY / "altcha-LICENSE.txt")


def _copyright(licence: str) -> str:
    return next((line.strip() for line in licence.splitlines() if line.startswith("Copyright")), "")


def vendored() -> dict[Path, str]:
    """What each vendored file must contain: the package's file behind a one-line banner
    naming its version and licence (MIT asks for the notice in every copy)."""
    if not PACKAGE.is_dir():
        raise SystemExit("node_modules/altcha is missing: run `npm ci` first")
    version = json.loads((PACKAGE / "package.json").read_text("utf-8"))["version"]
    licence = (PACKAGE / LICENCE[0]).read_text("utf-8")
    banner = f"/*! ALTCHA {version} (npm altcha) | MIT License | {_copyright(licence)} | third_party/altcha-LICENSE.txt */\n"
    contents = {target: banner + (PACKAGE / source).read_text("utf-8") for source, target in FILES}
    contents[LICENCE[1]] = (
        f"ALTCHA widget {version} (npm package altcha), vendored by scripts/vendor_assets.py as\n"
        + "".join(f"chalicelib/web/{target.name} (from {source})\n" for source, target in FILES)
        + "The script bundles the Svelte runtime (MIT License, Svelte contributors).\n\n"
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
