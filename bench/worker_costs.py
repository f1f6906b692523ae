#!/usr/bin/env python3
"""What each kind of page costs inside a real build's render workers.

Usage:
    python bench/worker_costs.py SITE OUTPUT [--jobs N]

`profile_build.py` renders every page in one process, with no files written. This
script runs a real full build of SITE into OUTPUT (a new folder: a first build), and
each render worker adds up, per kind of page or file, the CPU time of making it and of
staging it (its digest, its folder and its write). What it shows and the one-process
profile does not: the cost of the first touch of the catalog after the fork (pages
copied, caches cold), and the kernel's cost of creating every folder and file.

It times the calls that the render workers' loop (the pipeline's private `_render_list`)
makes for each task, and has each worker (`_render_share`) print its table: if the loop
changed, it says so and stops.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from papersite import pipeline  # noqa: E402
from papersite.diagnostics import BuildError  # noqa: E402
from papersite.pipeline import BuildOptions, build  # noqa: E402
from papersite.rendering import Renderer  # noqa: E402
from papersite.writer import OutputWriter  # noqa: E402
from profile_build import kind_of  # noqa: E402   (this folder is first on the path)


def cpu() -> float:
    """This process's CPU seconds, user and system."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


class KindCosts:
    """Per kind: count, CPU seconds making it, and CPU seconds staging it (its digest,
    its folder and its write). Staging is one column: getrusage() splits user from
    system time by where the clock ticks landed, too coarsely for calls of 20–80 µs
    (timed by the wall clock, a worker's staging is mostly its system calls)."""

    def __init__(self) -> None:
        self.count, self.make, self.stage = Counter(), Counter(), Counter()

    def lines(self, header: str) -> list[str]:
        rows = [header, "",
                "| kind | files | make (s) | stage (s) | µs a file |",
                "|---|---|---|---|---|"]
        for kind, made in self.make.most_common():
            total = made + self.stage[kind]
            rows.append(f"| {kind} | {self.count[kind]:,} | {made:.2f} | "
                        f"{self.stage[kind]:.2f} | {1e6 * total / self.count[kind]:,.0f} |")
        return rows


def instrument() -> KindCosts:
    """Time the calls the workers' own loop (`pipeline._render_list`) makes for each task:
    making it (`produce_file`, `Renderer.render`), then staging it (`OutputWriter.stage`,
    counted for the task just made; files staged without one, such as the sitemap, are
    not). Returns this process's counters: it makes the site-wide files meanwhile."""
    if not all(hasattr(pipeline, name) for name in ("_render_list", "_render_share",
                                                     "produce_file")):
        sys.exit("papersite.pipeline's render loop changed: update this script")
    costs = KindCosts()
    made: list[str] = []   # the kind of the task made and not yet staged

    def timed_make(make, task_at: int):
        def timed(*args):
            start = cpu()
            data = make(*args)
            kind = kind_of(args[task_at])
            costs.count[kind] += 1
            costs.make[kind] += cpu() - start
            made[:] = [kind]
            return data
        return timed

    def timed_stage(writer, rel, data):
        start = cpu()
        result = stage(writer, rel, data)
        if made:
            costs.stage[made.pop()] += cpu() - start
        return result

    stage = OutputWriter.stage
    share = pipeline._render_share

    def render_share(index):
        start = resource.getrusage(resource.RUSAGE_SELF)
        results = share(index)
        end = resource.getrusage(resource.RUSAGE_SELF)
        header = (f"### Worker {index} (user {end.ru_utime - start.ru_utime:.2f} s, "
                  f"system {end.ru_stime - start.ru_stime:.2f} s)")
        # Printed by the worker itself: its counters live in its own memory.
        print("\n".join(costs.lines(header)) + "\n", flush=True)
        return results

    pipeline.produce_file = timed_make(pipeline.produce_file, 0)
    Renderer.render = timed_make(Renderer.render, 1)
    OutputWriter.stage = timed_stage
    pipeline._render_share = render_share
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("output", type=Path, help="a new folder (the build is a first build)")
    parser.add_argument("--jobs", type=int, default=None, help="render workers (default: cores)")
    args = parser.parse_args()
    if args.output.exists() and any(args.output.iterdir()):
        sys.exit(f"{args.output} is not empty: give a new folder, so the build is a first one")
    here = instrument()
    start = time.perf_counter()
    try:
        result = build(BuildOptions(site_dir=args.site, output=args.output, search=False,
                                    jobs=args.jobs))
    except BuildError as exc:
        sys.exit(str(exc))
    wall = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    stages = ", ".join(f"{name} {seconds:.2f}" for name, seconds in result.timings.items())
    print(f"Build: {wall:.2f} s wall; this process user {me.ru_utime:.1f} s, system "
          f"{me.ru_stime:.1f} s; its children user {children.ru_utime:.1f} s, system "
          f"{children.ru_stime:.1f} s. Stages (s): {stages}.")
    if here.count:
        print()
        print("\n".join(here.lines("### This process (the site-wide files, made while the "
                                   "workers render; everything when there are no workers)")))


if __name__ == "__main__":
    main()
