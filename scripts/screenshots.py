#!/usr/bin/env python3
"""Screenshots of a built site, for the README and for looking at changes.

    python scripts/screenshots.py                       # the README's set, into docs/screenshots/
    python scripts/screenshots.py --site-dir _site --out /tmp/shots --phone --dark --full \\
        home=/ edition=/venues/cvpr/2023/

Without --site-dir it builds the repository's sample site, search index included, into a
temporary folder first. It serves the output folder on a free localhost port and drives
Debian's Chromium (/usr/bin/chromium) through Playwright at 1280x900 (and 390 px wide with
--phone, in the dark theme with --dark). A search page is taken once its results show.
When Debian's pngquant is installed, the PNGs are quantised to about a third of the size.
"""

from __future__ import annotations

import argparse
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEFAULT_PAGES = {
    "home": "/",
    "paper": "/papers/meta-transfer-learning-for-few-shot-learning/",
    "author": "/authors/shiming-ge/",
    "search": "/search/?q=diffusion&year=2023",
}


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def build_sample(into: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from papersite.pipeline import BuildOptions, build

    report = build(BuildOptions(site_dir=ROOT, output=into / "site", use_cache=False))
    print(f"built {report.pages} pages into {report.output}")
    return report.output


def shoot(site: Path, out: Path, pages: dict[str, str], width: int, phone: bool, dark: bool,
          full: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    server, origin = serve(site)
    variants = [("", width, "light")]
    if phone:
        variants.append(("-phone", 390, "light"))
    if dark:
        variants.append(("-dark", width, "dark"))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for suffix, w, scheme in variants:
                context = browser.new_context(viewport={"width": w, "height": 900},
                                              color_scheme=scheme, device_scale_factor=1)
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(origin + path, wait_until="networkidle")
                    if path.startswith("/search/") and "q=" in path:
                        page.wait_for_selector("#search-results > li", timeout=20000)
                        page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(300)
                    target = out / f"{name}{suffix}.png"
                    page.screenshot(path=str(target), full_page=full)
                    shrink(target)
                    print(f"{target} ({target.stat().st_size // 1024} KB)")
                context.close()
            browser.close()
    finally:
        server.shutdown()


def shrink(png: Path) -> None:
    """Quantise in place with pngquant when it is there (text stays crisp)."""
    tool = shutil.which("pngquant")
    if tool:
        subprocess.run([tool, "--quality", "80-95", "--speed", "1", "--strip", "--force",
                        "--skip-if-larger", "--output", str(png), str(png)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site-dir", help="a built site (default: build the sample site)")
    parser.add_argument("--out", default=str(ROOT / "docs/screenshots"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--phone", action="store_true", help="also 390 px wide")
    parser.add_argument("--dark", action="store_true", help="also in the dark theme")
    parser.add_argument("--full", action="store_true", help="whole page, not the first screen")
    parser.add_argument("pages", nargs="*", help="NAME=PATH pairs (default: the README's set)")
    args = parser.parse_args()
    pages = dict(p.split("=", 1) for p in args.pages) if args.pages else DEFAULT_PAGES
    with tempfile.TemporaryDirectory(prefix="papersite-shots-") as tmp:
        site = Path(args.site_dir) if args.site_dir else build_sample(Path(tmp))
        shoot(site, Path(args.out), pages, args.width, args.phone, args.dark, args.full)


if __name__ == "__main__":
    main()
