#!/usr/bin/env python3
"""Where a build's time goes: stage times, render cost per page kind, hottest functions.

Usage:
    python bench/profile_build.py SITE [--top 25] [--write bench/PROFILE.md]

SITE is a site folder (a corpus from bench/make_corpus.py, or the sample site). In one
process, with no files written, it:

1. prepares the site twice (cold: no parse cache; then with the cache the first run
   left) and reports load, validate and resolve times;
2. renders every page and generated file once, in the order a build does, and sums the
   CPU time, count and bytes per kind (the first page to show a paper pays for its list
   entry, its markdown and its BibTeX, as in a render worker);
3. makes every page again, timing apart the Python that gathers its data (views.py)
   and its template (Jinja);
4. renders them all again under cProfile and lists the functions with the most time of
   their own.

Rendering runs in one process here; a build splits it over one worker per core, and each
worker pays the per-paper costs of the papers it meets. File writes are not included
(`bench/run.py` measures whole builds). --write saves the report as markdown.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from papersite.pipeline import CACHE_DIR, _FILE_KINDS, file_tasks, prepare, produce_file  # noqa: E402
from papersite.rendering import Renderer, make_environment, template_name  # noqa: E402
from papersite.views import Views  # noqa: E402


def kind_of(task) -> str:
    return f"feed ({task.key[0]})" if task.kind == "feed" else task.kind


def make_renderer(site) -> Renderer:
    renderer = Renderer(Views(site.catalog, site.router), make_environment(site.site_dir, None),
                        site.site_dir)
    renderer.warm()  # templates compiled, as a build does before its workers start
    return renderer


def render_everything(site, tasks, renderer) -> tuple[Counter, Counter, Counter]:
    """CPU seconds, count and bytes per kind, rendering each task once (no writes)."""
    seconds, count, size = Counter(), Counter(), Counter()
    for task in tasks:
        start = time.process_time()
        if task.kind in _FILE_KINDS:
            data = produce_file(task, site.catalog, site.router)
        else:
            data = renderer.render(task)
        kind = kind_of(task)
        seconds[kind] += time.process_time() - start
        count[kind] += 1
        size[kind] += sum(map(len, data)) if isinstance(data, list) else len(data)
    return seconds, count, size


def data_and_template(site, renderer) -> dict[str, tuple[int, float, float]]:
    """{kind: (pages, CPU s making their data, CPU s in their template)}, each page made
    again after `render_everything` (the list entries and other memos warm): the Python
    that gathers a page's data (views.py: links, lists, metadata, JSON) against Jinja."""
    by_kind: dict[str, list] = {}
    for route in site.routes:
        by_kind.setdefault(route.kind, []).append(route)
    split = {}
    gc.disable()   # as in a build (pipeline.without_cycle_collector)
    for kind, routes in by_kind.items():
        template = renderer.env.get_template(template_name(kind))
        start = time.process_time()
        contexts = [renderer.views.context(route) for route in routes]
        made = time.process_time()
        for context in contexts:
            template.render(context)
        split[kind] = (len(routes), made - start, time.process_time() - made)
    gc.enable()
    return split


def profile_in_child(site, tasks, top: int) -> list[str]:
    """The cProfile table of rendering everything, from a forked copy of this process:
    it starts with the same empty memos and caches as the timed pass."""
    with tempfile.TemporaryFile("w+") as report:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                renderer = make_renderer(site)
                profile = cProfile.Profile()
                profile.enable()
                render_everything(site, tasks, renderer)
                profile.disable()
                pstats.Stats(profile, stream=report).sort_stats("tottime").print_stats(top)
                report.flush()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("the profiled render failed")
        report.seek(0)
        lines = [line for line in report.read().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return lines[start:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--write", type=Path, help="save the report (markdown) here")
    args = parser.parse_args()
    site_dir = args.site.resolve()
    out = io.StringIO()

    def say(line: str = "") -> None:
        print(line)
        out.write(line + "\n")

    shutil.rmtree(site_dir / CACHE_DIR, ignore_errors=True)
    stages = []
    for label in ("cold", "parse cache kept"):
        timings: dict = {}
        start = time.perf_counter()
        site = prepare(site_dir, timings=timings)
        stages.append((label, time.perf_counter() - start, timings))
    tasks = site.routes + file_tasks(site.catalog)
    load = os.getloadavg()
    say(f"# Build profile: {site_dir.name}")
    say()
    say(f"{len(site.catalog.entries):,} papers, {len(site.catalog.people):,} authors, "
        f"{len(tasks):,} files to make. {datetime.date.today().isoformat()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} at the start.")
    say()
    say("## Prepare (one process)")
    say()
    say("| run | total | load | validate | resolve |")
    say("|---|---|---|---|---|")
    for label, total, t in stages:
        say(f"| {label} | {total:.2f} s | {t.get('load', 0):.2f} s | "
            f"{t.get('validate', 0):.2f} s | {t.get('resolve', 0):.2f} s |")
    say()

    hottest = profile_in_child(site, tasks, args.top)
    renderer = make_renderer(site)
    seconds, count, size = render_everything(site, tasks, renderer)
    split = data_and_template(site, renderer)
    total = sum(seconds.values())
    say("## Render, per kind (CPU time in one process, no writes)")
    say()
    say("| kind | files | CPU | per file | share | bytes per file |")
    say("|---|---|---|---|---|---|")
    for kind, secs in seconds.most_common():
        say(f"| {kind} | {count[kind]:,} | {secs:.2f} s | {secs / count[kind] * 1e3:.2f} ms | "
            f"{secs / total:.0%} | {size[kind] / count[kind] / 1024:.1f} KB |")
    say(f"| **all** | {sum(count.values()):,} | **{total:.2f} s** | | | "
        f"{sum(size.values()) / 1e6:.0f} MB in all |")
    say()

    say("## Pages: their data and their template (made again, memos warm)")
    say()
    say("| kind | pages | data (views.py) per page | template per page | data's share |")
    say("|---|---|---|---|---|")
    for kind, (pages, data, template) in sorted(split.items(), key=lambda kv: -sum(kv[1][1:])):
        if data + template >= 0.01:
            say(f"| {kind} | {pages:,} | {data / pages * 1e6:.0f} µs | "
                f"{template / pages * 1e6:.0f} µs | {data / (data + template):.0%} |")
    say()

    say(f"## The {args.top} functions with the most time of their own (cProfile, render only)")
    say()
    say("```")
    for line in hottest:
        say(line.replace(str(ROOT) + "/", "").replace(sys.prefix, "<python>"))
    say("```")
    if args.write:
        args.write.write_text(out.getvalue(), "utf-8")
        print(f"\nwritten to {args.write}")


if __name__ == "__main__":
    main()
