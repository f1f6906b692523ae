#!/usr/bin/env python3
"""Edit-to-reload time of `papersite serve`: save a new paper title, time until it is served.

Usage:
    python bench/edit_reload.py [--papers 10000] [--edits 9] [--only sample|large] [--write]

For each site (a copy of the sample site at the repository root, and a generated site of
--papers papers from bench/make_corpus.py) it starts the real preview server
(`python -m papersite serve --port FREE`) in a subprocess, waits for the first build,
then repeatedly rewrites one paper's `title:` line and fetches that paper's page as a
browser tab does: it listens on livereload's websocket, and when the reload message
arrives it requests the page (again every 20 ms should it not have the new title yet).
One unmeasured edit warms the server up; the rest are reported as median, minimum and
maximum. The server's own build time for each edit comes from its log.

--write replaces this script's section of bench/RESULTS.md (between its markers) with the
results, the machine (nproc, CPU model, load average) and the date; other sections are
left alone. Targets (issue 3): under 0.3 s on the sample site, under 1 s at 10,000 papers.

Run it from a snapshot of the repository (`git archive HEAD | tar -x -C DIR`, then run
DIR/bench/edit_reload.py from DIR) when others are editing the engine: a change to the
engine's files makes the preview rebuild everything, as it should.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from host import cpu_model  # bench/host.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN = "<!-- edit_reload.py: begin -->"
END = "<!-- edit_reload.py: end -->"
STATUS = "/__papersite__/status"
TARGETS = {"sample": 0.3, "large": 1.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- sites -----------------------------------------------------------------------------------


def copy_sample(dest: Path) -> Path:
    """The repository root is the sample site: copy its site files, never edit them."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "site.yaml", dest / "site.yaml")
    for name in ("content", "templates", "static"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
    return dest


def make_large(n: int, dest: Path) -> Path:
    generator = ROOT / "bench" / "make_corpus.py"
    if not generator.is_file():
        sys.exit("bench/make_corpus.py is missing: it generates the large site")
    subprocess.run([sys.executable, str(generator), str(n), str(dest), "--force"], check=True,
                   stdout=subprocess.DEVNULL)
    return dest


_ID = re.compile(r"^(\s*-\s+|\s*)id:\s*['\"]?([a-z0-9][a-z0-9._-]*)['\"]?\s*$")
_TITLE = re.compile(r"^(\s*-\s+|\s*)title:\s*\S")


def find_paper(site: Path) -> tuple[Path, str, int]:
    """(file, paper id, line index of its title) of the first paper written as
    `id:` followed by its `title:` (one paper a file, or an item of a list file)."""
    for path in sorted((site / "content" / "papers").glob("*.y*ml")):
        lines = path.read_text("utf-8").splitlines()
        for i, line in enumerate(lines):
            m = _ID.match(line)
            if not m:
                continue
            for j in range(i + 1, min(len(lines), i + 40)):
                if lines[j].lstrip().startswith("- ") and \
                        len(lines[j]) - len(lines[j].lstrip()) <= len(m.group(1)) - 2:
                    break   # the next item of the list: this paper has no title line
                t = _TITLE.match(lines[j])
                if t and len(t.group(1)) == len(m.group(1)):
                    return path, m.group(2), j
    sys.exit(f"no paper with an id and a title line found in {site}/content/papers")


def set_title(path: Path, index: int, title: str) -> None:
    lines = path.read_text("utf-8").splitlines(keepends=True)
    prefix = _TITLE.match(lines[index]).group(1)
    lines[index] = f'{prefix}title: "{title}"\n'
    path.write_text("".join(lines), "utf-8")


# --- the server --------------------------------------------------------------------------------


class Server:
    def __init__(self, site: Path, logs: Path):
        self.port = free_port()
        self.log_out = open(logs.with_suffix(".out"), "w+")
        self.log_err = open(logs.with_suffix(".err"), "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "papersite", "serve", "--site", str(site),
             "--port", str(self.port)],
            stdout=self.log_out, stderr=self.log_err, stdin=subprocess.DEVNULL)
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request("GET", path)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def wait_ready(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"serve exited with {self.proc.returncode}:\n{self.stderr()}")
            try:
                code, body = self.get(STATUS)
                status = json.loads(body)
                if status["state"] == "ok":
                    return status
                if status["state"] == "error":
                    sys.exit("the site has errors:\n" + "\n".join(status["errors"]))
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.1)
        sys.exit(f"serve did not finish its first build in {timeout:.0f} s")

    def stdout(self) -> str:
        self.log_out.flush()
        return Path(self.log_out.name).read_text()

    def stderr(self) -> str:
        self.log_err.flush()
        return Path(self.log_err.name).read_text()

    def stop(self) -> int:
        if self.conn is not None:
            self.conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class ReloadListener(threading.Thread):
    """A livereload client, like a browser tab: records when reload messages arrive."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.messages: list[tuple[float, dict]] = []
        self.connected = threading.Event()
        self.arrived = threading.Event()   # a page reload message came in
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._listen())
        except Exception:
            pass

    async def _listen(self) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        origin = f"http://127.0.0.1:{self.port}"
        ws = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{self.port}/livereload",
                                                 headers={"Origin": origin}))
        ws.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}))
        await ws.read_message()
        ws.write_message(json.dumps({"command": "info", "url": origin + "/", "plugins": {}}))
        self.connected.set()
        while True:
            message = await ws.read_message()
            if message is None:
                return
            data = json.loads(message)
            self.messages.append((time.perf_counter(), data))
            if data.get("command") == "reload" and data.get("path") != STATUS:
                self.arrived.set()

    def first_reload_after(self, t0: float) -> float | None:
        for t, message in list(self.messages):
            if t >= t0 and message.get("command") == "reload" and \
                    message.get("path") != STATUS:
                return t - t0
        return None


# --- measuring -----------------------------------------------------------------------------


def measure(name: str, site: Path, edits: int, ready_timeout: float,
            edit_timeout: float) -> dict:
    path, pid, index = find_paper(site)
    server = Server(site, site.parent / f"serve-{name}")
    try:
        t = time.perf_counter()
        status = server.wait_ready(ready_timeout)
        first_build = time.perf_counter() - t
        url = f"{status['base_path']}papers/{pid}/"
        code, _ = server.get(url)
        if code != 200:
            sys.exit(f"{url}: HTTP {code}")
        listener = ReloadListener(server.port)
        listener.start()
        if not listener.connected.wait(30):
            sys.exit("could not connect to livereload's websocket")
        served, signalled = [], []
        for i in range(edits + 1):
            token = secrets.token_hex(4)
            listener.arrived.clear()
            t0 = time.perf_counter()
            set_title(path, index, f"Edited title {i} {token}")
            # As a browser tab does: wait for the reload message, then fetch the page.
            if not listener.arrived.wait(edit_timeout):
                sys.exit(f"no reload message {edit_timeout:.0f} s after an edit; the server "
                         f"said:\n{server.stdout()[-2000:]}\n{server.stderr()[-2000:]}")
            reload_at = listener.first_reload_after(t0)
            while True:
                code, body = server.get(url)
                if code == 200 and token.encode() in body:
                    elapsed = time.perf_counter() - t0
                    break
                if time.perf_counter() > t0 + edit_timeout:
                    sys.exit(f"the new title never appeared at {url}:\n{server.stderr()}")
                time.sleep(0.02)
            if i == 0:
                continue      # warm-up
            served.append(elapsed)
            signalled.append(reload_at)
            print(f"  {name}: edit {i}: reload message at {reload_at * 1000:.0f} ms, "
                  f"new page served at {elapsed * 1000:.0f} ms", flush=True)
            time.sleep(0.5)   # let the server settle between edits
        builds = [float(x) for x in re.findall(r"built .* in ([0-9.]+) s", server.stdout())]
    finally:
        t = time.perf_counter()
        code = server.stop()
        stop = time.perf_counter() - t
    if "Traceback" in server.stderr():
        sys.exit(f"serve printed a traceback:\n{server.stderr()}")
    return {"name": name, "pages": _pages(server.stdout()), "first_build": first_build,
            "served": served, "signalled": signalled, "builds": builds[-edits:],
            "exit": code, "stop": stop}


def _pages(log: str) -> int:
    found = re.findall(r"built ([0-9,]+) pages?", log)
    return int(found[-1].replace(",", "")) if found else 0


# --- reporting -------------------------------------------------------------------------------


def machine() -> dict:
    model = cpu_model(platform.processor() or "unknown")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "load": load, "date": datetime.date.today().isoformat()}


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def ms(values: list[float]) -> str:
    return duration(statistics.median(values)) if values else "–"


def table(results: list[dict], n: int) -> list[str]:
    rows = ["| site | pages | first build | edit → reload message (median) "
            "| edit → page served (median) | min – max | server's build (median) "
            "| Ctrl-C → exit | target |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        target = TARGETS[r["name"]]
        label = "sample site (repository root)" if r["name"] == "sample" else f"{n:,} papers"
        median = statistics.median(r["served"])
        verdict = f"< {target:g} s: {'met' if median < target else 'NOT met'}"
        rows.append(f"| {label} | {r['pages']:,} | {r['first_build']:.1f} s | "
                    f"{ms(r['signalled'])} | {duration(median)} | "
                    f"{duration(min(r['served']))} – {duration(max(r['served']))} | "
                    f"{ms(r['builds'])} | {r['stop']:.1f} s | {verdict} |")
    return rows


def section(results: list[dict], n: int, edits: int, info: dict) -> str:
    lines = [
        BEGIN,
        "## Edit to reload (`serve`)",
        "",
        f"`python bench/edit_reload.py --papers {n} --edits {edits} --write`, "
        f"{info['date']}, on {info['nproc']} cores ({info['cpu']}), Python {info['python']}, "
        f"load average {info['load']:.1f} when it started (the machine is shared, so "
        "expect noise).",
        "",
        "Each edit rewrites one paper's `title:` line in its YAML file; the time runs from "
        "the save until livereload's websocket tells an open tab to reload (\"reload message\") "
        "and then until that tab's request for the paper's page is answered with the new "
        "title (\"page served\"). \"Server's build\" is the build time the server logs for "
        "the edit; the rest is the watcher's debounce and the notification. \"Ctrl-C → "
        "exit\" includes removing the preview folder. "
        f"Median of {edits} edits after one warm-up edit.",
        "",
        "The server keeps its build session in memory between saves "
        "(`papersite/session.py`): it re-reads only the changed file, puts the paper's new "
        "text in place in the catalog when its place in every list is the same (a title or "
        "abstract edit), renders only the pages and files that show the paper with its "
        "templates kept compiled, and commits them with the manifest kept in memory. Other "
        "changes (site.yaml, templates, profiles, a paper added or moved) take the full "
        "path, as `build` does.",
        "",
        *table(results, n),
        "",
        END,
    ]
    return "\n".join(lines)


def write_results(text: str) -> None:
    old = RESULTS.read_text("utf-8") if RESULTS.is_file() else "# Benchmark results\n"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(new, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=10000, help="size of the large site")
    parser.add_argument("--edits", type=int, default=9, help="measured edits per site")
    parser.add_argument("--only", choices=["sample", "large"], help="measure one site only")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds to wait for one edit to be served (default 600)")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)
    info = machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="papersite-edit-reload-") as tmp:
        if args.only in (None, "sample"):
            print("sample site:", flush=True)
            site = copy_sample(Path(tmp) / "sample")
            results.append(measure("sample", site, args.edits, 600, args.timeout))
        if args.only in (None, "large"):
            print(f"{args.papers:,} papers: generating…", flush=True)
            site = make_large(args.papers, Path(tmp) / "large")
            results.append(measure("large", site, args.edits, 3600, args.timeout))
    print()
    print("\n".join(table(results, args.papers)))
    if args.write:
        write_results(section(results, args.papers, args.edits, info))
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
