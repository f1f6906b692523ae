#!/usr/bin/env python3
"""Measure the search index of a site: indexing time, memory, index size, and what a
reader's browser downloads for a query.

Usage:
    python bench/search_bench.py SITE [--out DIR] [--no-browser] [--json FILE]

SITE is a site folder (the repository root, or one made by bench/make_corpus.py).
Steps, each timed:

1. prepare: load, validate, resolve, route (the engine, not search; for context);
2. documents: the HTML Pagefind gets for each paper, made from the catalog;
3. index: Pagefind, one process per shard of SHARD_SIZE papers (papersite.outputs.search),
   written through an OutputWriter into DIR (default: a temporary folder) with the search
   page and its assets;
4. reindex: the same again with nothing changed (every shard is reused);
5. browser (unless --no-browser): Debian's Chromium opens DIR's search page from a local
   server, loads the index and facet counts, runs a one-word and a two-word query and
   applies the first venue facet offered; the bytes the server sent for each step are counted (the static
   server does not compress; Pagefind's own chunks are gzip files already).

Peak memory: the Python process (ru_maxrss of self) and the largest Pagefind process
(its VmHWM, read just before it is stopped). Output: a readable report, and JSON with --json.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.server
import json
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from papersite.outputs import search  # noqa: E402
from papersite.pipeline import prepare  # noqa: E402
from papersite.rendering import THEME, Renderer, make_environment  # noqa: E402
from papersite.routing import Route  # noqa: E402
from papersite.views import Views  # noqa: E402
from papersite.writer import OutputWriter  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024   # Linux: KiB


PAGEFIND_PEAKS: list[int] = []


def _watch_pagefind_memory() -> None:
    """Record each Pagefind process's peak resident memory (VmHWM) before it is stopped.

    ru_maxrss of children is no use here: a child forked from a large Python process
    keeps the parent's high-water mark across exec.
    """
    close = search._Service.close

    async def close_and_measure(self):
        try:
            status = Path(f"/proc/{self._backend.pid}/status").read_text()
            PAGEFIND_PEAKS.append(int(status.split("VmHWM:")[1].split()[0]) * 1024)
        except (OSError, IndexError, ValueError):
            pass
        await close(self)

    search._Service.close = close_and_measure


def index_into(site, out: Path) -> tuple[float, dict]:
    """Run the index step through a real writer into `out`; (seconds, writer stats)."""
    writer = OutputWriter(out).open()
    try:
        t = time.perf_counter()
        for rel, data in search.index_files(site, writer):
            writer.put(rel, data)
        seconds = time.perf_counter() - t
        written, removed = writer.commit()
    except BaseException:
        writer.abort()
        raise
    return seconds, {"written": written, "removed": removed, "files": len(writer.new)}


def add_search_page(site, out: Path) -> None:
    """The search page and the theme's assets, so a browser can use the index in `out`."""
    renderer = Renderer(Views(site.catalog, site.router), make_environment(site.site_dir),
                        site.site_dir)
    page = out / "search" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_bytes(renderer.render(Route("search", None, "search/index.html")))
    shutil.copytree(THEME / "static" / "assets", out / "assets", dirs_exist_ok=True)


def index_sizes(out: Path) -> dict:
    kinds: dict[str, list[int]] = collections.defaultdict(list)
    for path in (out / search.OUTPUT).rglob("*"):
        if path.is_file():
            kind = path.parent.name if path.parent.name in ("fragment", "index", "filter") \
                else "other"
            kinds[kind].append(path.stat().st_size)
    return {
        "files": sum(len(v) for v in kinds.values()),
        "bytes": sum(sum(v) for v in kinds.values()),
        "by_kind": {k: {"files": len(v), "bytes": sum(v)} for k, v in sorted(kinds.items())},
        "largest_filter": max(kinds.get("filter", [0])),
    }


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


def browser_steps(out: Path, base: str, words: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    sent: list[tuple[str, int]] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def log_request(self, code="-", size="-"):
            if str(code) == "200":
                target = self.translate_path(self.path)
                try:
                    sent.append((self.path, Path(target).stat().st_size))
                except OSError:
                    pass

    server = _Server(("127.0.0.1", 0), functools.partial(Handler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    steps = {}

    def step(name: str, action) -> None:
        before = len(sent)
        t = time.perf_counter()
        action()
        page.wait_for_load_state("networkidle")
        got = sent[before:]
        steps[name] = {"seconds": round(time.perf_counter() - t, 3), "requests": len(got),
                       "bytes": sum(n for _, n in got),
                       "index_bytes": sum(n for p, n in got if "/pagefind/" in p),
                       "status": page.inner_text("#search-status")}

    def wait_status(pattern: str) -> None:
        page.wait_for_function(
            "p => new RegExp(p).test(document.getElementById('search-status').textContent)",
            arg=pattern, timeout=120_000)

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            step("open search page (index, facet counts, newest papers)", lambda: (
                page.goto(origin + base + "search/"), wait_status(r"papers?, newest first")))
            step(f"query '{words[0]}'", lambda: (
                page.fill("#search-q", words[0]), page.press("#search-q", "Enter"),
                wait_status(f"for “{words[0]}”")))
            two = " ".join(words[:2])
            step(f"query '{two}'", lambda: (
                page.fill("#search-q", two), page.press("#search-q", "Enter"),
                wait_status(f"for “{two}”")))
            box = page.locator('#search-facets input[name="venue"]').first
            if box.count():
                venue = box.get_attribute("value")
                step(f"facet venue={venue}", lambda: (
                    box.check(), wait_status(f"with venue {venue}")))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return steps


def query_words(site) -> list[str]:
    """Two words from a title in the middle of the catalog: neither rare nor stop words."""
    entries = site.catalog.entries
    title = entries[len(entries) // 2].paper.title
    words = sorted({w.strip(".,:;!?()").lower() for w in title.split()}, key=len, reverse=True)
    return [w for w in words if w.isalpha()][:2] or ["learning", "image"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--out", type=Path, help="output folder (default: a temporary one)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    _watch_pagefind_memory()
    report: dict = {"site": str(args.site), "shard_size": search.SHARD_SIZE}
    t = time.perf_counter()
    site = prepare(args.site, use_cache=False)
    report["papers"] = len(site.catalog.entries)
    report["authors"] = len(site.catalog.people)
    report["prepare_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    docs = search.documents(site.catalog)
    report["documents_s"] = round(time.perf_counter() - t, 2)
    report["document_bytes"] = sum(len(d) for _, d in docs)
    del docs

    tmp = None
    root = args.out
    if root is None:
        tmp = tempfile.TemporaryDirectory(prefix="search-bench-")
        root = Path(tmp.name)
    base = site.router.base
    out = root / base.strip("/") if base.strip("/") else root / "site"
    serve_root = out.parent if base.strip("/") else out
    try:
        seconds, stats = index_into(site, out)
        report["index_s"] = round(seconds, 2)
        report["index_write"] = stats
        report["pagefind_peak_rss_mb"] = round(max(PAGEFIND_PEAKS, default=0) / 2**20)
        report["size"] = index_sizes(out)
        seconds, stats = index_into(site, out)
        report["reindex_unchanged_s"] = round(seconds, 2)
        report["reindex_unchanged_write"] = stats
        report["python_peak_rss_mb"] = round(peak_mb(resource.RUSAGE_SELF))
        if not args.no_browser and Path(CHROMIUM).exists():
            add_search_page(site, out)
            report["browser"] = browser_steps(serve_root, base if base.strip("/") else "/",
                                              query_words(site))
    finally:
        if tmp is not None:
            tmp.cleanup()

    size = report["size"]
    print(f"{report['papers']:,} papers, {report['authors']:,} authors "
          f"(shards of {report['shard_size']:,})")
    print(f"  prepare {report['prepare_s']} s, documents {report['documents_s']} s "
          f"({mb(report['document_bytes'])} of HTML for Pagefind)")
    print(f"  index {report['index_s']} s; again, unchanged: {report['reindex_unchanged_s']} s "
          f"({report['reindex_unchanged_write']['written']} files written)")
    print(f"  peak memory: Pagefind {report['pagefind_peak_rss_mb']} MB, "
          f"Python {report['python_peak_rss_mb']} MB")
    print(f"  index: {size['files']:,} files, {mb(size['bytes'])}; "
          + ", ".join(f"{k} {v['files']:,} files {mb(v['bytes'])}"
                      for k, v in size["by_kind"].items())
          + f"; largest filter file {size['largest_filter'] / 1e3:.0f} KB")
    for name, s in report.get("browser", {}).items():
        print(f"  browser: {name}: {s['requests']} requests, {s['bytes'] / 1e3:.0f} KB "
              f"({s['index_bytes'] / 1e3:.0f} KB of index), {s['seconds']} s -> {s['status']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
