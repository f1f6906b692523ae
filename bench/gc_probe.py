#!/usr/bin/env python3
"""How long the cyclic garbage collector runs in each process of one build, and where.

Usage:
    python bench/gc_probe.py build --site SITE --output DIR [other build options]

Runs the command line in this process with a `gc.callbacks` hook that times every
collection and files it under its generation and the three innermost Papersite functions
that set it off. Each process (the build and every forked child: loaders, render workers,
the snapshot's writer) prints its table when it exits. A forked child starts with a copy
of its parent's table, so a row it shares with the build's table happened before the fork.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_rows: dict[tuple[int, str], list] = defaultdict(lambda: [0, 0.0, 0])   # count, s, freed
_current: list = [0.0, (0, "")]
_main = os.getpid()


def _where() -> str:
    try:
        frame = sys._getframe(2)
    except ValueError:   # a collection set off from C, with no Python frame above
        return "(no Python frame)"
    names = []
    while frame is not None and len(names) < 3:
        code = frame.f_code
        if "papersite" in code.co_filename:
            names.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
        frame = frame.f_back
    return " < ".join(names) or "(outside papersite)"


def _on_collection(phase: str, info: dict) -> None:
    if phase == "start":
        _current[:] = [time.perf_counter(), (info["generation"], _where())]
    else:
        row = _rows[_current[1]]
        row[0] += 1
        row[1] += time.perf_counter() - _current[0]
        row[2] += info["collected"]


def _report() -> None:
    total = sum(row[1] for row in _rows.values())
    who = "build" if os.getpid() == _main else "child"
    lines = [f"pid {os.getpid()} ({who}): {total:.3f} s of collection"]
    for (generation, where), (count, seconds, freed) in sorted(
            _rows.items(), key=lambda item: -item[1][1])[:6]:
        lines.append(f"  {seconds:7.3f} s {count:6d} × gen {generation}  freed {freed:>8}  {where}")
    print("\n".join(lines), file=sys.stderr, flush=True)


def main() -> int:
    from papersite.cli import main as cli_main

    gc.callbacks.append(_on_collection)
    atexit.register(_report)
    real_exit = os._exit

    def exit_with_report(code: int) -> None:   # forked children leave by os._exit
        _report()
        real_exit(code)

    os._exit = exit_with_report
    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
