#!/usr/bin/env python3
"""Build speed, memory and output size: Papersite and Hugo on the same corpus.

Usage:
    python bench/run.py --papers 10000 [--runs 3] [--search] [--hugo | --no-hugo]
                        [--keep DIR] [--jobs N] [--no-warm] [--no-sample] [--write]

It makes (or reuses, with --keep) a corpus of --papers papers and its Hugo twin with
bench/make_corpus.py, then, in one run and alternating, builds it several times:

- Papersite, full theme and every output but search (`build --no-search`);
- Papersite with the search index too (with --search);
- Hugo (Debian's `hugo` package, /usr/bin/hugo; skipped with a message when missing).

Every build is cold: a new output folder and no .papersite-cache (the last ones are moved
into a trash folder, deleted when the run ends: see discard()). Python keeps the
modules it compiled (`__pycache__`), as it does on any machine after a first run: the
builds run without PYTHONDONTWRITEBYTECODE, which some containers set and which makes
every start compile Papersite's modules again (about 0.1 s). Then, warm, Papersite
rebuilds with nothing changed and after editing one paper's abstract (a text edit: only
the pages showing that paper are rendered again). The sample site at the repository root
is built too (cold, and with its parse cache kept).

Each build is a child process. Wall time is measured around it; CPU time and the peak
memory per process come from wait4() (the largest resident set of the build or any of
its worker processes; Papersite renders in forked workers), and a poller reading /proc
every 50 ms adds the peak of the whole process tree at one moment. The table shows
medians (with min–max), the Papersite/Hugo ratio, file counts and bytes of output, and
the load average around the runs: the machine is shared, so compare within one run.

--write records the results in bench/RESULTS.md, in the block between this script's
markers (sections "Build speed" and "Memory"), keeping results of other corpus sizes
from earlier runs; the rest of the file is left alone.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from host import cpu_model  # bench/host.py, beside this script
from papersite.forking import available_cores

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN = "<!-- run.py: begin -->"
END = "<!-- run.py: end -->"
DATA = re.compile(r"<!-- run.py data: (\{.*?\}) -->")
HUGO = "/usr/bin/hugo"
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024

# The targets (medians on this 2-core machine).
TARGETS = {
    "ratio_10k": 0.9,          # Papersite (no search) / Hugo wall time, 10,000 papers
    "rss_10k": 400 * MB,       # peak memory per process, 10,000 papers
    "wall_100k": 90.0,         # full build, 100,000 papers
    "rss_100k": 2048 * MB,     # peak memory, 100,000 papers
    "nochange_100k": 10.0,     # rebuild with nothing changed, 100,000 papers
    "edit_100k": 10.0,         # rebuild after editing one paper, 100,000 papers
    "sample": 1.0,             # the sample site's full build
    "bytes_100k": 1e9,         # the 100,000-paper site without search, total bytes
}

# Runs one Papersite build in a child process, as `papersite build` does, and prints
# the report (with its stage timings) as JSON on the last line.
BUILD = """
import json, os, sys
from pathlib import Path
from papersite.pipeline import BuildOptions, build
site, out, search, jobs = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
r = build(BuildOptions(site_dir=Path(site), output=Path(out), search=search,
                       jobs=jobs or None))
print(json.dumps({"summary": r.summary(), "pages": r.pages, "files": r.files,
                  "written": r.written, "rendered": r.rendered, "timings": r.timings}))
sys.stdout.flush()
os._exit(0)   # as the command does (cli.run): no freeing of the site object by object
"""

# Python's default: compiled modules are written once and reused (see the docstring).
BYTECODE_KEPT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# --- measuring one process tree ---------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class TreePoller(threading.Thread):
    """Samples the resident memory of a process and its descendants every 50 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_tree = 0
        self.processes = 1
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            tree = _children()
            pids, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += tree.get(pid, [])
            self.processes = max(self.processes, len(pids))
            self.peak_tree = max(self.peak_tree, sum(_rss(p) for p in pids))


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run cmd; wall and CPU seconds, peak RSS per process and of the tree, its output."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
    poller = TreePoller(proc.pid)
    poller.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    poller.done.set()
    poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    result = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
              "rss": usage.ru_maxrss * 1024, "tree": max(poller.peak_tree, usage.ru_maxrss * 1024),
              "processes": poller.processes, "code": proc.returncode,
              "stdout": out.read().decode("utf-8", "replace"),
              "stderr": err.read().decode("utf-8", "replace")}
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{result['stderr'][-3000:]}")
    return result


def output_size(folder: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return files, size


# --- the builds ---------------------------------------------------------------------------


def discard(path: Path) -> None:
    """Move a folder out of the way, into the work folder's trash, which is deleted when
    the run ends. Deleting a build's output just before the next build slowed that
    build's file creation: ext4 skips the inodes freed in the last few minutes when it
    picks one for a new file, and `perf` showed the kernel in that search
    (`recently_deleted`) for about 12% of a 10,000-paper build's samples that followed a
    deletion. A researcher's builds and a CI runner's fresh clone do not follow a
    deletion of 35,000 files, so the benchmark no longer does either. Every folder it
    moves is under the work folder, on the same disk as the trash."""
    if path.exists():
        TRASH.mkdir(exist_ok=True)
        path.rename(TRASH / f"{path.name}-{time.monotonic_ns()}")


TRASH = Path(tempfile.gettempdir()) / "papersite-bench-trash"   # set by run()


def papersite_build(site: Path, out: Path, search: bool, jobs: int, cold: bool) -> dict:
    if cold:
        discard(out)
        discard(site / ".papersite-cache")
    result = measure([sys.executable, "-c", BUILD, str(site), str(out), "1" if search else "0",
                      str(jobs)], env=BYTECODE_KEPT)
    result["report"] = json.loads(result["stdout"].strip().splitlines()[-1])
    return result


def hugo_build(hugo: str, site: Path, out: Path) -> dict:
    discard(out)
    return measure([hugo, "--quiet", "-s", str(site), "-d", str(out)])


def make_corpus(work: Path, papers: int, hugo: bool) -> tuple[Path, Path | None]:
    """The corpus and its Hugo twin under work/, made once and then reused."""
    site, twin = work / f"corpus-{papers}", work / f"hugo-{papers}"
    marker = work / f".corpus-{papers}-done"
    want_twin = hugo and not (twin / "hugo.toml").exists() and not (twin / "config.toml").exists()
    if not marker.exists() or want_twin:
        print(f"making a corpus of {papers:,} papers in {site}", flush=True)
        cmd = [sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(papers), str(site),
               "--force"]
        if hugo:
            cmd += ["--hugo", str(twin)]
        subprocess.run(cmd, check=True)
        marker.write_text("done\n")
    return site, (twin if hugo else None)


def sample_site(work: Path) -> Path:
    """A copy of the repository root's site (its content, config, templates, static)."""
    site = work / "sample"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    for name in ("site.yaml", "content", "templates", "static"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, site / name)
        elif src.is_file():
            shutil.copy2(src, site / name)
    return site


def edit_one_paper(site: Path, n: int) -> tuple[Path, str]:
    """Append a sentence to one paper's abstract (its place in every list stays the
    same, so an incremental build re-renders only the pages that show it)."""
    papers = sorted((site / "content" / "papers").glob("*.yaml"))
    path = papers[len(papers) // 2]
    text = path.read_text("utf-8")
    edited, count = re.subn(r'(?m)^(abstract: "[^"\n]*)"$',
                            lambda m: f'{m.group(1)} Edited {n}."', text, count=1)
    if not count:
        sys.exit(f"{path}: no one-line quoted abstract to edit")
    path.write_text(edited, "utf-8")
    return path, text


# --- the run -------------------------------------------------------------------------------


def loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def machine() -> dict:
    return {"nproc": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version(),
            "memory_gb": round(os.sysconf("SC_PHYS_PAGES") * PAGE / 1024 ** 3)}


def hugo_version(hugo: str) -> str:
    try:
        text = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
        return re.search(r"v(\d+\.\d+\.\d+)", text).group(1)
    except (OSError, AttributeError):
        return "?"


def summarise(samples: list[dict]) -> dict:
    walls = [s["wall"] for s in samples]
    return {"n": len(samples), "wall": statistics.median(walls), "min": min(walls),
            "max": max(walls), "cpu": statistics.median(s["cpu"] for s in samples),
            "rss": max(s["rss"] for s in samples),
            "rss_median": statistics.median(s["rss"] for s in samples),
            "tree": statistics.median(s["tree"] for s in samples),
            "processes": max(s["processes"] for s in samples)}


def run(args) -> dict:
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="papersite-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    global TRASH
    TRASH = work / "trash"
    hugo = None
    if args.hugo:
        hugo = HUGO if os.access(HUGO, os.X_OK) else shutil.which("hugo")
        if hugo is None:
            print("Hugo is not installed: it comes from Debian's `hugo` package "
                  "(apt-get install hugo); skipping Hugo.", flush=True)
    site, twin = make_corpus(work, args.papers, hugo is not None)
    loads = [loadavg()]
    print(f"load average before: {loads[0]} (1, 5, 15 min); nproc {os.cpu_count()}", flush=True)

    variants = ["papersite"] + (["hugo"] if hugo else []) + (["search"] if args.search else [])
    samples: dict[str, list[dict]] = {v: [] for v in variants}
    outs = {"papersite": work / "out-papersite", "search": work / "out-search",
            "hugo": work / "out-hugo"}
    for i in range(args.runs):
        order = variants[i % len(variants):] + variants[:i % len(variants)]  # rotate
        for v in order:
            if v == "hugo":
                r = hugo_build(hugo, twin, outs[v])
            else:
                r = papersite_build(site, outs[v], v == "search", args.jobs, cold=True)
            samples[v].append(r)
            print(f"  run {i + 1} {v:9} {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  "
                  f"peak/process {r['rss'] / MB:6.0f} MB  tree {r['tree'] / MB:6.0f} MB  "
                  f"load {loadavg()}", flush=True)
    loads.append(loadavg())

    results = {"papers": args.papers, "runs": args.runs, "date": datetime.date.today().isoformat(),
               "machine": machine(), "load": loads, "jobs": args.jobs or available_cores(),
               "hugo_version": hugo_version(hugo) if hugo else None, "builds": {}}
    for v, rs in samples.items():
        files, size = output_size(outs[v])
        results["builds"][v] = {**summarise(rs), "files": files, "bytes": size}
        if v != "hugo":
            rep = rs[-1]["report"]
            results["builds"][v].update(pages=rep["pages"], timings={
                k: round(statistics.median(s["report"]["timings"].get(k, 0) for s in rs), 2)
                for k in rep["timings"]})

    if args.warm:
        nochange, edits = [], []
        out = outs["papersite"]
        for i in range(args.runs):
            if i:  # the last edit was undone: build that first, unmeasured
                papersite_build(site, out, False, args.jobs, cold=False)
            r = papersite_build(site, out, False, args.jobs, cold=False)
            nochange.append(r)
            print(f"  warm {i + 1} no change  {r['wall']:7.2f} s  rendered "
                  f"{r['report']['rendered']:,}  written {r['report']['written']:,}", flush=True)
            path, original = edit_one_paper(site, i + 1)
            try:
                r = papersite_build(site, out, False, args.jobs, cold=False)
            finally:
                path.write_text(original, "utf-8")
            edits.append(r)
            print(f"  warm {i + 1} one edit   {r['wall']:7.2f} s  rendered "
                  f"{r['report']['rendered']:,}  written {r['report']['written']:,}", flush=True)
        papersite_build(site, out, False, args.jobs, cold=False)  # back to the corpus
        for name, rs in (("nochange", nochange), ("edit", edits)):
            results["builds"][name] = {**summarise(rs),
                                       "rendered": statistics.median(
                                           s["report"]["rendered"] for s in rs),
                                       "written": statistics.median(
                                           s["report"]["written"] for s in rs)}
    if args.sample:
        sample = sample_site(work)
        cold, cached = [], []
        for i in range(args.runs):
            cold.append(papersite_build(sample, work / "out-sample", False, args.jobs, True))
            discard(work / "out-sample")
            cached.append(papersite_build(sample, work / "out-sample", False, args.jobs, False))
        files, size = output_size(work / "out-sample")
        results["builds"]["sample"] = {**summarise(cold), "files": files, "bytes": size,
                                       "pages": cold[-1]["report"]["pages"]}
        results["builds"]["sample_cached"] = summarise(cached)
    results["load"].append(loadavg())
    shutil.rmtree(TRASH, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return results


# --- reporting --------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / MB:,.0f} MB"


def table(res: dict) -> str:
    b = res["builds"]
    hugo = b.get("hugo")
    lines = [f"{res['papers']:,} papers, {res['runs']} run(s) each, alternating; "
             f"{res['machine']['nproc']} cores ({res['machine']['cpu']}), "
             f"jobs {res['jobs']}; load average {res['load'][0]} before, {res['load'][-1]} after",
             "",
             "| build | wall median (min–max) | CPU | peak per process | peak of the tree | "
             "vs Hugo | files | output |",
             "|---|---|---|---|---|---|---|---|"]
    names = {"papersite": "Papersite, no search", "search": "Papersite, with search",
             "hugo": f"Hugo {res.get('hugo_version') or ''}".strip(),
             "nochange": "Papersite, rebuild, nothing changed",
             "edit": "Papersite, rebuild after a one-paper edit",
             "sample": "Sample site (repository root), cold",
             "sample_cached": "Sample site, new output, parse cache kept"}
    for key, name in names.items():
        s = b.get(key)
        if not s:
            continue
        ratio = f"{s['wall'] / hugo['wall']:.2f}×" if hugo and key in ("papersite", "search") \
            else ""
        extra = ""
        if key in ("nochange", "edit"):
            extra = f" ({s['rendered']:,.0f} rendered, {s['written']:,.0f} written)"
        files = f"{s['files']:,}" if "files" in s else ""
        size = _mb(s["bytes"]) if "bytes" in s else ""
        lines.append(f"| {name}{extra} | {s['wall']:.2f} s ({s['min']:.2f}–{s['max']:.2f}) | "
                     f"{s['cpu']:.1f} s | {_mb(s['rss'])} | {_mb(s['tree'])} | {ratio} | "
                     f"{files} | {size} |")
    timings = b.get("papersite", {}).get("timings")
    if timings:
        lines += ["", "Papersite stages (no search, median s): " + ", ".join(
            f"{k} {v:.2f}" for k, v in timings.items())]
    return "\n".join(lines)


def verdicts(data: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(target, measured, met) for every target of the issue, from the runs recorded."""
    out = []

    def row(target, measured, ok):
        out.append((target, measured, "—" if ok is None else ("met" if ok else "**not met**")))

    ten, big = data.get("10000"), data.get("100000")
    if ten and "hugo" in ten["builds"]:
        p, h = ten["builds"]["papersite"], ten["builds"]["hugo"]
        ratio = p["wall"] / h["wall"]
        row("10,000 papers, no search: ≤ 0.9× Hugo's wall time",
            f"{p['wall']:.1f} s vs {h['wall']:.1f} s = {ratio:.2f}×", ratio <= TARGETS["ratio_10k"])
    else:
        row("10,000 papers, no search: ≤ 0.9× Hugo's wall time", "not measured", None)
    if ten:
        rss = ten["builds"]["papersite"]["rss"]
        row("10,000 papers: ≤ 400 MB per process", _mb(rss), rss <= TARGETS["rss_10k"])
    if big:
        b = big["builds"]
        p = b["papersite"]
        hugo = (f" (Hugo {b['hugo']['wall']:.1f} s, {p['wall'] / b['hugo']['wall']:.2f}×)"
                if "hugo" in b else "")
        row("100,000 papers: full build < 90 s", f"{p['wall']:.1f} s{hugo}",
            p["wall"] < TARGETS["wall_100k"])
        row("100,000 papers: peak memory < 2 GB", f"{_mb(p['rss'])} per process "
            f"({_mb(p['tree'])} whole tree)", p["rss"] < TARGETS["rss_100k"])
        if "nochange" in b:
            row("100,000 papers: rebuild with nothing changed < 10 s",
                f"{b['nochange']['wall']:.1f} s", b["nochange"]["wall"] < TARGETS["nochange_100k"])
            row("100,000 papers: rebuild after editing one paper < 10 s",
                f"{b['edit']['wall']:.1f} s ({b['edit']['rendered']:,.0f} files rendered)",
                b["edit"]["wall"] < TARGETS["edit_100k"])
        row("100,000 papers without search: output < 1 GB",
            f"{p['bytes'] / 1e9:.2f} GB ({p['files']:,} files)", p["bytes"] < TARGETS["bytes_100k"])
    else:
        row("100,000 papers: full build < 90 s, < 2 GB, rebuilds < 10 s, output < 1 GB",
            "not measured", None)
    # The sample site is built in every run: each run's median, as the host was then.
    samples = [(int(k), d["builds"]["sample"], d["builds"]["sample_cached"])
               for k, d in sorted(data.items(), key=lambda kv: int(kv[0]))
               if "sample" in d["builds"]]
    if samples:
        row("Sample site: full build < 1 s", "; ".join(
            f"{s['wall']:.2f} s cold, {c['wall']:.2f} s with the parse cache "
            f"(in the {n:,}-paper run)" for n, s, c in samples),
            all(s["wall"] < TARGETS["sample"] for _, s, _ in samples))
    return out


def write_results(res: dict) -> None:
    old = RESULTS.read_text("utf-8") if RESULTS.is_file() else "# Benchmark results\n"
    data: dict[str, dict] = {}
    if BEGIN in old and END in old:
        block = old[old.index(BEGIN):old.index(END)]
        data = {k: v for m in DATA.finditer(block) for k, v in json.loads(m.group(1)).items()}
    data[str(res["papers"])] = res
    parts = [BEGIN, "",
             "## Build speed",
             "",
             "Measured by `python bench/run.py --papers N --write` (medians; every build cold: "
             "new output folder, no `.papersite-cache`; the theme's compiled templates stay in "
             "the user's cache and Python keeps its compiled modules, as after any first build "
             "on a machine). The machine is shared "
             "with other "
             "engineers' test runs, so times are compared within one run, alternating, with "
             "the load average alongside.",
             "", "### Targets", "",
             "| target | measured (median) | |", "|---|---|---|"]
    parts += [f"| {t} | {m} | {v} |" for t, m, v in verdicts(data)]
    for key in sorted(data, key=int):
        res_n = data[key]
        m = res_n["machine"]
        parts += ["", f"### {int(key):,} papers ({res_n['date']})", "",
                  f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gb']} GB, "
                  f"Python {m['python']}.", "", table(res_n)]
    parts += ["", "## Memory", "",
              "Peak resident memory per process is the largest of the build process and its "
              "forked children: render workers, YAML loaders, the snapshot's writer (from "
              "wait4(); the target is per process). A forked child's resident memory counts "
              "the pages it shares with its parent. The peak of the "
              "tree sums every process at one moment (a 50 ms poll of /proc); forked workers "
              "share the catalog's pages with the parent, so the sum counts shared pages more "
              "than once.", "",
              "| corpus | build | peak per process | peak of the tree | processes |",
              "|---|---|---|---|---|"]
    for key in sorted(data, key=int):
        for v, s in data[key]["builds"].items():
            if v in ("papersite", "search", "hugo", "nochange", "edit"):
                parts.append(f"| {int(key):,} | {v} | {_mb(s['rss'])} | {_mb(s['tree'])} | "
                             f"{s['processes']} |")
    compact = {k: {kk: vv for kk, vv in v.items()} for k, v in data.items()}
    parts += ["", *[f"<!-- run.py data: {json.dumps({k: v})} -->" for k, v in compact.items()],
              "", END]
    text = "\n".join(parts)
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(new, "utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--search", action="store_true",
                        help="also build with the search index (Pagefind)")
    parser.add_argument("--hugo", action=argparse.BooleanOptionalAction, default=True,
                        help="build the Hugo twin too (Debian's hugo package)")
    parser.add_argument("--keep", metavar="DIR",
                        help="work folder to keep; a corpus already there is reused")
    parser.add_argument("--jobs", type=int, default=0, help="render workers (default: cores)")
    parser.add_argument("--warm", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the no-change and one-edit rebuilds")
    parser.add_argument("--sample", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the sample site at the repository root")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--json", metavar="FILE", help="also save the raw results as JSON")
    args = parser.parse_args(argv)
    res = run(args)
    print()
    print(table(res))
    print()
    for target, measured, verdict in verdicts({str(res["papers"]): res}):
        print(f"  {verdict.replace('*', ''):8} {target}: {measured}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1), "utf-8")
    if args.write:
        write_results(res)
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
