#!/usr/bin/env python3
"""Screenshots of a built site, for the README and for looking at changes.

    python scripts/screenshots.py [--site-dir _site] [--out docs/screenshots] [PATH ...]

Serves the output folder on a free localhost port and drives Debian's Chromium
(/usr/bin/chromium) through Playwright: desktop and phone widths, light and dark.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEFAULT_PAGES = {
    "home": "/",
    "paper": "/papers/instructpix2pix-learning-to-follow-image-editing/",
    "author": "/authors/shiming-ge/",
    "search": "/search/?q=InstructPix2Pix",
}


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site-dir", default="_site")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--phone", action="store_true", help="also 390 px wide")
    parser.add_argument("--dark", action="store_true", help="also in the dark theme")
    parser.add_argument("--full", action="store_true", help="whole page, not the first screen")
    parser.add_argument("pages", nargs="*", help="NAME=PATH pairs (default: README set)")
    args = parser.parse_args()
    pages = dict(p.split("=", 1) for p in args.pages) if args.pages else DEFAULT_PAGES
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server, origin = serve(Path(args.site_dir))
    variants = [("", args.width, "light")]
    if args.phone:
        variants.append(("-phone", 390, "light"))
    if args.dark:
        variants.append(("-dark", args.width, "dark"))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for suffix, width, scheme in variants:
                context = browser.new_context(viewport={"width": width, "height": 900},
                                              color_scheme=scheme, device_scale_factor=1)
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(origin + path, wait_until="networkidle")
                    page.wait_for_timeout(300)
                    target = out / f"{name}{suffix}.png"
                    page.screenshot(path=str(target), full_page=args.full)
                    print(target)
                context.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
