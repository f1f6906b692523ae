"""Faults: interrupts, concurrent builds, unwritable output and a full disk lose nothing.

The previous output is compared byte for byte; a build that did finish must have left
exactly the new site. Signals are sent to real `papersite build` processes at points
found by watching the staging folder (not by timing), so the test holds on a busy machine.
Disk faults are simulated in-process by making the writer's file operations fail.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from papersite import pipeline, writer as writer_module
from papersite.diagnostics import BuildError, write_reason
from papersite.pipeline import BuildOptions
from papersite.writer import MANIFEST, OutputWriter

ROOT = Path(__file__).resolve().parent.parent


def generate(root: Path, papers: int, edition: int, seed: int = 7) -> Path:
    """A site with `papers` papers in list files; `edition` changes every title."""
    rnd = random.Random(seed)
    first = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "John", "Frances"]
    last = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "McCarthy",
            "Allen", "Wirth", "Lamport", "Backus", "Naur", "Ritchie", "Thompson", "Kay"]
    venues = ["CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR"]
    (root / "content/papers").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text("title: Big Site\nbase_url: https://example.org/\n")
    for start in range(0, papers, 100):
        items = []
        for i in range(start, min(start + 100, papers)):
            authors = ", ".join(f"{rnd.choice(first)} {rnd.choice(last)}"
                                for _ in range(rnd.randint(1, 4)))
            items.append(f"- id: p{i}\n  title: Paper {i} on topic {rnd.randint(1, 40)} "
                         f"(edition {edition})\n  authors: [{authors}]\n"
                         f"  year: {rnd.randint(2012, 2024)}\n  venue: {rnd.choice(venues)}\n"
                         f"  tags: [t{rnd.randint(1, 15)}]\n"
                         f"  abstract: A short abstract of paper {i}.\n")
        (root / f"content/papers/batch{start // 100:03d}.yaml").write_text("".join(items))
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def same_site(folder: Path, reference: dict[str, bytes]) -> bool:
    """Same files and bytes as a reference build (the manifest records mtimes: its file
    list must match, and every file must carry the digest it lists)."""
    now = snapshot(folder)
    manifest = json.loads(now.pop(MANIFEST))["files"]
    reference = {k: v for k, v in reference.items() if k != MANIFEST}
    return now == reference and set(manifest) == set(now) and all(
        writer_module.digest_of(now[rel]) == entry[0] for rel, entry in manifest.items())


def leftovers(site: Path) -> list[str]:
    """Staging folders beside the output, temporary files anywhere in the site."""
    found = [p.name for p in site.iterdir() if ".staging-" in p.name]
    found += [p.relative_to(site).as_posix() for p in site.rglob("*.tmp")]
    return found


def cli_build(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "papersite", "build", "--site", str(site),
                           "--no-search", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def _editions(base: Path, papers: int):
    """A built site (edition 1), and a site of edition 2 with the exact output it gives."""
    one = generate(base / "one", papers, edition=1)
    assert cli_build(one, "--jobs", "2").returncode == 0
    two = generate(base / "two", papers, edition=2)
    assert cli_build(two, "--jobs", "2").returncode == 0
    return one, snapshot(one / "_site"), two, snapshot(two / "_site")


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """Big enough (400 papers, ~1,200 files) for a signal to land in any stage."""
    return _editions(tmp_path_factory.mktemp("faults"), 400)


@pytest.fixture(scope="module")
def small_editions(tmp_path_factory):
    return _editions(tmp_path_factory.mktemp("faults-small"), 60)


@pytest.fixture
def half_edited(editions, tmp_path):
    """A copy of the built edition-1 site whose content is now edition 2."""
    one, before, two, after = editions
    site = tmp_path / "site"
    shutil.copytree(one, site)
    shutil.rmtree(site / "content")
    shutil.copytree(two / "content", site / "content")
    return site, before, after


# --- interrupts ------------------------------------------------------------------------------


def _staged_files(site: Path) -> int:
    return sum(len(os.listdir(p)) for p in site.iterdir() if ".staging-" in p.name)


def _started(pid: int) -> bool:
    """Whether the command is past Python's own start-up, importing what it runs (from
    there on, the program handles Ctrl-C). A signal sent earlier meets the interpreter's
    start-up, where CPython prints a KeyboardInterrupt traceback whatever the program."""
    try:
        with open(f"/proc/{pid}/maps") as fh:
            return "pydantic_core" in fh.read()
    except OSError:
        return True   # gone: over


def _wait_for(point: str, site: Path, proc: subprocess.Popen, total: int) -> None:
    """Return once the build is at `point` (or over)."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        staged = _staged_files(site)
        if (point == "start" and _started(proc.pid)) or (point == "staging" and any(
                ".staging-" in p.name for p in site.iterdir())) or \
                (point == "half-rendered" and staged >= total // 2) or \
                (point == "rendered" and staged >= total * 9 // 10):
            return
        time.sleep(0.002)


@pytest.mark.parametrize("point", ["start", "staging", "half-rendered", "rendered"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_keeps_the_previous_output(half_edited, sig, point):
    site, before, after = half_edited
    proc = subprocess.Popen([sys.executable, "-m", "papersite", "build", "--site", str(site),
                             "--no-search", "--jobs", "2"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(point, site, proc, len(after))
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    if proc.returncode == 0:            # the signal came after the build (or in its commit)
        assert same_site(site / "_site", after)
    else:
        assert proc.returncode in (130, -sig), err
        assert snapshot(site / "_site") == before
        if proc.returncode == 130:
            assert err.strip().endswith("interrupted; the previous output is untouched")
    assert leftovers(site) == []


SLOW_IMPORT = """\
import importlib.abc, os, pathlib, sys, time

class Finalizer:
    def __del__(self):   # an exception here can only be printed, as in C callbacks
        pathlib.Path(os.environ["IMPORTING_MARKER"]).touch()
        time.sleep(30)


class SlowModels(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "papersite.model":
            Finalizer()
        return None

sys.meta_path.insert(0, SlowModels())
"""


def test_ctrl_c_while_the_command_imports_its_modules_ends_it_quietly(half_edited, tmp_path):
    """A Ctrl-C while `papersite build` imports what it runs stops it at once, with the
    usual message. Raised as KeyboardInterrupt it could land where Python can only print
    it (in pydantic's C code, as a model is defined), and the build went on. Here a
    sitecustomize makes the import of the models wait in such a place: a finalizer."""
    site, before, after = half_edited
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_IMPORT)
    marker = tmp_path / "importing"
    env = {**os.environ, "IMPORTING_MARKER": str(marker), "PYTHONPATH": os.pathsep.join(
        filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--site",
                             str(site), "--no-search"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)          # not the hook's 30 s
    assert proc.returncode == 130, err
    assert err == "interrupted; the previous output is untouched\n"
    assert snapshot(site / "_site") == before
    assert leftovers(site) == []


def test_ctrl_c_in_a_terminal_reaches_every_process(half_edited):
    """A terminal sends SIGINT to the whole process group, render workers included."""
    site, before, after = half_edited
    proc = subprocess.Popen([sys.executable, "-m", "papersite", "build", "--site", str(site),
                             "--no-search", "--jobs", "2"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for("half-rendered", site, proc, len(after))
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    if proc.returncode == 0:
        assert same_site(site / "_site", after)
    else:
        assert proc.returncode == 130, err
        assert snapshot(site / "_site") == before
    assert leftovers(site) == []
    # and a build afterwards still gives exactly the new site
    assert cli_build(site, "--jobs", "2").returncode == 0
    assert same_site(site / "_site", after)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_build_started_to_ignore_a_signal_ignores_it_in_every_process(half_edited, sig):
    """A script's `command &` starts it with Ctrl-C ignored (`nohup` does so with SIGHUP,
    a service manager can with SIGTERM): the terminal's signal to the whole group then
    stops none of the build's processes, render workers included."""
    site, before, after = half_edited
    proc = subprocess.Popen([sys.executable, "-m", "papersite", "build", "--site", str(site),
                             "--no-search", "--jobs", "2"], cwd=ROOT, start_new_session=True,
                            preexec_fn=lambda: signal.signal(sig, signal.SIG_IGN),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for("half-rendered", site, proc, len(after))
    if proc.poll() is not None:
        proc.communicate()
        pytest.skip("the build ended before the signal could be sent")
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert same_site(site / "_site", after)
    assert leftovers(site) == []


def test_a_template_error_in_a_render_worker_is_reported(half_edited):
    """With several jobs the error comes back from a worker process, reported the same."""
    site, before, after = half_edited
    (site / "templates").mkdir()
    (site / "templates/paper.html").write_text(
        "{% extends 'base.html' %}{% block main %}\n{{ paper.nope }}{% endblock %}")
    result = cli_build(site, "--jobs", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [problem, summary] = result.stderr.splitlines()
    assert re.fullmatch(r"templates/paper\.html:2: template error: 'dict object' has no "
                        r"attribute 'nope' \(rendering papers/p\d+/index\.html\)", problem)
    assert summary == "build failed: 1 error; the previous output is untouched"
    assert snapshot(site / "_site") == before
    assert leftovers(site) == []


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return found


def _start_with_slow_paper_pages(site: Path, **pipes) -> tuple[subprocess.Popen, list[int]]:
    """A build whose paper pages are slowed down (the same pages otherwise), so that its
    render workers' shares take seconds; returned once they have staged a few files,
    with the build's children (its workers among them)."""
    slow = (ROOT / "papersite/theme/templates/paper.html").read_text("utf-8").replace(
        "{% block main %}", "{% block main %}{% for i in range(600000) %}{% endfor %}", 1)
    (site / "templates").mkdir()
    (site / "templates/paper.html").write_text(slow, "utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "papersite", "build", "--site", str(site),
                             "--no-search", "--jobs", "2"], cwd=ROOT, **pipes)
    deadline = time.monotonic() + 120
    while proc.poll() is None and _staged_files(site) < 20 and time.monotonic() < deadline:
        time.sleep(0.005)
    workers = _children_of(proc.pid)
    if proc.poll() is not None or not workers:
        proc.communicate()
        pytest.skip("the build ended before its workers could be killed")
    return proc, workers


def test_a_render_worker_killed_by_the_system_is_reported_and_the_output_kept(half_edited):
    """The out-of-memory killer picks a big process, often a render worker: the build
    says what happened and what to do, exits 1 and keeps the previous site, without a
    traceback and without waiting for the worker for ever."""
    site, before, after = half_edited
    proc, workers = _start_with_slow_paper_pages(
        site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    [problem, summary] = err.splitlines()
    assert re.fullmatch(r"build: a worker process \(pid \d+\) was killed by SIGKILL, most "
                        r"often the system's doing when memory runs out: build with fewer "
                        r"processes \(--jobs 1\) or on a machine with more memory", problem)
    assert int(re.search(r"pid (\d+)", problem)[1]) in workers
    assert summary == "build failed: 1 error; the previous output is untouched"
    assert snapshot(site / "_site") == before
    assert leftovers(site) == []


def test_the_workers_of_a_build_killed_outright_stop_with_it(half_edited):
    """SIGKILL to the build's process alone (the out-of-memory killer picks one process):
    its render workers stop at once instead of rendering to the end of their share while
    holding the output's lock, and the next build does not wait for them."""
    site, before, after = half_edited
    proc, workers = _start_with_slow_paper_pages(
        site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    time.sleep(1)
    assert [pid for pid in workers if not _gone(pid)] == []
    assert snapshot(site / "_site") == before
    shutil.rmtree(site / "templates")
    result = cli_build(site, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "waiting for it" not in result.stdout + result.stderr
    assert same_site(site / "_site", after)
    assert leftovers(site) == []


def _gone(pid: int) -> bool:
    """No process has this pid, or only a zombie (dead, its exit not yet collected)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _build(site: Path, **options):
    return pipeline.build(BuildOptions(site_dir=site, search=False, jobs=1, **options))


def test_a_signal_during_the_commit_undoes_it(small_editions, tmp_path, monkeypatch):
    """A SIGINT inside the commit is held until the commit's steps are undone, then acted
    on: the previous site, whole (and a preview server still stops)."""
    one, before, two, after = small_editions
    site = tmp_path / "site"
    shutil.copytree(one, site)
    shutil.rmtree(site / "content")
    shutil.copytree(two / "content", site / "content")
    real_replace = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        if str(dst).startswith(str(site / "_site")):   # a rename into the output
            calls["n"] += 1
            if calls["n"] == 10:
                os.kill(os.getpid(), signal.SIGINT)
        return real_replace(src, dst)

    monkeypatch.setattr(writer_module.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        _build(site)
    assert calls["n"] > 10
    assert snapshot(site / "_site") == before
    assert leftovers(site) == []
    monkeypatch.undo()
    _build(site)                      # and the next build gives exactly the new site
    assert same_site(site / "_site", after)


@pytest.mark.parametrize("step", ["save_state", "finish_saving"])
def test_a_signal_just_after_the_commit_says_the_new_site_is_in_place(
        small_editions, tmp_path, monkeypatch, capsys, step):
    """Ctrl-C after the commit, while the build saves what speeds up the next one: the
    new site is whole, and the message says so (it said the previous output was
    untouched)."""
    from papersite import cli, snapshot as snapshot_module
    one, before, two, after = small_editions
    site = tmp_path / "site"
    shutil.copytree(one, site)
    shutil.rmtree(site / "content")
    shutil.copytree(two / "content", site / "content")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline if step == "save_state" else snapshot_module, step,
                        interrupted)
    code = cli.main(["build", "--site", str(site), "--no-search", "--jobs", "1"])
    assert code == 130
    assert capsys.readouterr().err == ("interrupted; the new site is in place; the next "
                                       "build may take longer\n")
    assert same_site(site / "_site", after)
    assert leftovers(site) == []


_KILLED_IN_THE_COMMIT = """
import os, signal, sys
from papersite import cli, writer

put = writer._Journal.put

def put_or_die(journal, source, target):
    # Killed once the commit has moved every new file in, before the manifest names them.
    if os.path.basename(target) == writer.MANIFEST:
        os.kill(os.getpid(), signal.SIGKILL)
    return put(journal, source, target)

writer._Journal.put = put_or_die
sys.exit(cli.main(["build", "--site", sys.argv[1], "--no-search", "--jobs", "1"]))
"""


def test_what_a_commit_killed_halfway_added_the_next_build_prunes(tmp_path):
    """SIGKILL in the commit, after it moved the new files in and before it wrote the
    manifest that names them: the next build of a site without those files removes them
    (no manifest named them, so nothing else would), and the next build of a site with
    them gives exactly that site."""
    references = {}
    for papers in (60, 70):   # the same 60 papers, then 10 more
        built = generate(tmp_path / f"ref{papers}", papers, edition=1)
        assert cli_build(built, "--jobs", "1").returncode == 0
        references[papers] = snapshot(built / "_site")
    site = generate(tmp_path / "site", 60, edition=1)
    assert cli_build(site, "--jobs", "1").returncode == 0
    for attempt in range(2):
        generate(site, 70, edition=1)
        killed = subprocess.run([sys.executable, "-c", _KILLED_IN_THE_COMMIT, str(site)],
                                cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        added = [rel for rel in references[70] if rel not in references[60]]
        assert all((site / "_site" / rel).is_file() for rel in added if rel != MANIFEST)
        if attempt == 0:   # back to the 60 papers
            shutil.rmtree(site / "content")
            generate(site, 60, edition=1)
            expected = references[60]
        else:              # the 70 papers, as the killed build had them
            expected = references[70]
        result = cli_build(site, "--jobs", "1")
        assert result.returncode == 0, result.stderr
        assert same_site(site / "_site", expected)
        assert leftovers(site) == []


def test_a_signal_during_a_first_builds_commit_leaves_no_site(small_editions, tmp_path,
                                                             monkeypatch):
    """A first build commits by renaming its staged tree into place; interrupted in that
    step, it renames it back: no half-made site, no staging left."""
    one, *_ = small_editions
    real_replace = os.replace
    output = tmp_path / "fresh"

    def replace(src, dst):
        result = real_replace(src, dst)
        if Path(dst) == output:
            os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(writer_module.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        _build(one, output=output)
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- two builds at once --------------------------------------------------------------------


def test_two_builds_into_one_output_do_not_mix(small_editions, tmp_path):
    one, before, two, after = small_editions
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, "-m", "papersite", "build", "--site", str(s),
                               "--no-search", "--jobs", "1", "--output", str(out)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in (one, two)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert same_site(out, before) or same_site(out, after)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    # Whichever came last, a build of the other site now gives exactly that site
    # (its incremental state from before must not be trusted on this output).
    for site, expected in ((one, before), (two, after), (one, before)):
        assert cli_build(site, "--output", str(out)).returncode == 0
        assert same_site(out, expected)


def test_a_build_waits_for_the_one_writing_its_output(tmp_path):
    out = tmp_path / "out"
    held = os.open(tmp_path, os.O_RDONLY)   # what a build in progress holds
    fcntl.flock(held, fcntl.LOCK_EX)
    said: list[str] = []
    opened = threading.Event()

    def second_build():
        OutputWriter(out, "out").open(wait_message=said.append).abort()
        opened.set()

    thread = threading.Thread(target=second_build)
    thread.start()
    while not said and thread.is_alive():
        time.sleep(0.001)
    assert said == ["another build is writing out; waiting for it"]
    assert not opened.is_set()
    fcntl.flock(held, fcntl.LOCK_UN)
    os.close(held)
    thread.join(timeout=60)
    assert opened.is_set()


# --- output that cannot be written, a full disk ------------------------------------------------


@pytest.fixture
def small(tmp_path):
    """A small built site whose content has since changed."""
    site = generate(tmp_path / "site", 30, edition=1)
    _build(site)
    before = snapshot(site / "_site")
    (site / "content/papers/batch000.yaml").write_text(
        (site / "content/papers/batch000.yaml").read_text().replace("edition 1", "edition 2"))
    return site, before


def _failing_write(error: int, after: int):
    """The writer's `_write_file`, failing with `error` from the (after+1)-th file on, as
    a full disk does: the file is made, with part of its bytes, before the error."""
    calls = {"n": 0}
    real = writer_module._write_file

    def fake(path, data):
        calls["n"] += 1
        if calls["n"] > after:
            with open(path, "wb") as fh:
                fh.write((data[0] if isinstance(data, list) else data)[:10])
            raise OSError(error, os.strerror(error), str(path))
        return real(path, data)

    return fake


@pytest.mark.parametrize("error, words", [(errno.ENOSPC, "the disk is full"),
                                          (errno.EACCES, "permission denied"),
                                          (errno.EROFS, "the file system is read-only"),
                                          (errno.EIO, "Input/output error")])
def test_a_write_that_fails_while_staging_loses_nothing(small, monkeypatch, error, words):
    site, before = small
    monkeypatch.setattr(writer_module, "_write_file", _failing_write(error, after=5))
    with pytest.raises(BuildError) as failed:
        _build(site)
    [problem] = failed.value.diagnostics
    assert problem.path == "_site"
    assert problem.message.startswith("cannot write ")
    assert problem.message.endswith(f": {words}; the previous site is untouched")
    assert snapshot(site / "_site") == before
    assert leftovers(site) == []


def test_a_first_build_that_fills_the_disk_leaves_nothing(small, monkeypatch, tmp_path):
    site, _ = small
    monkeypatch.setattr(writer_module, "_write_file", _failing_write(errno.ENOSPC, after=10))
    with pytest.raises(BuildError) as failed:
        _build(site, output=tmp_path / "new")
    assert failed.value.diagnostics[0].message.endswith(
        ": the disk is full; the previous site is untouched")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("fail_at", [1, 20, "last"])
def test_a_commit_that_fails_midway_is_undone(small, monkeypatch, fail_at):
    """ENOSPC on the n-th rename into the output (the last one writes the manifest)."""
    site, before = small
    real_replace = os.replace
    calls = {"n": 0, "fail": None}

    def replace(src, dst):
        if not str(dst).startswith(str(site / "_site")):   # not a rename into the output
            return real_replace(src, dst)
        calls["n"] += 1
        target = fail_at if fail_at != "last" else None
        if calls["fail"] is None and (calls["n"] == target or (
                target is None and str(dst).endswith(MANIFEST))):
            calls["fail"] = str(dst)
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(writer_module.os, "replace", replace)
    with pytest.raises(BuildError) as failed:
        _build(site)
    assert calls["fail"] is not None
    assert [str(d) for d in failed.value.diagnostics] == [
        "_site: cannot write the output: the disk is full; the previous site is untouched"]
    assert snapshot(site / "_site") == before
    assert leftovers(site) == []


@pytest.mark.parametrize("number, reason", [
    (errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "the disk quota is used up"),
    (errno.EROFS, "the file system is read-only"), (errno.EACCES, "permission denied"),
    (errno.EPERM, "permission denied"), (errno.ENOTDIR, "Not a directory")])
def test_every_command_gives_a_write_failure_the_same_reason(number, reason):
    """build, import, schema and init say why a write failed with this one function: the
    usual causes plainly, any other in the system's words."""
    assert write_reason(OSError(number, os.strerror(number))) == reason


def test_a_staging_folder_that_cannot_be_made(small, monkeypatch):
    site, before = small

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writer_module, "_mkdtemp", refuse)
    with pytest.raises(BuildError) as failed:
        _build(site)
    assert [str(d) for d in failed.value.diagnostics] == [
        "_site: cannot write the output: permission denied; the previous site is untouched"]
    assert snapshot(site / "_site") == before


def test_an_output_under_a_file(small, tmp_path):
    site, before = small
    (tmp_path / "a-file").write_text("not a folder")
    result = cli_build(site, "--output", str(tmp_path / "a-file/out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{tmp_path}/a-file/out: cannot create the output folder: {tmp_path}/a-file is a "
        "file, not a folder",
        "build failed: 1 error; the previous output is untouched"]
    assert (tmp_path / "a-file").read_text() == "not a folder"


def test_an_output_that_is_a_file_or_someone_elses_folder(small, tmp_path):
    site, _ = small
    (tmp_path / "file").write_text("mine")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder/thesis.tex").write_text("precious")
    for name, message in [
            ("file", "exists and is not a folder"),
            ("folder", "is not empty and was not written by Papersite; refusing to replace "
                       "its contents (remove it or choose another --output)")]:
        result = cli_build(site, "--output", str(tmp_path / name))
        assert result.returncode == 1
        assert result.stderr.splitlines()[0] == f"{tmp_path / name}: {message}"
    assert (tmp_path / "file").read_text() == "mine"
    assert (tmp_path / "folder/thesis.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder", "site"]


def test_an_output_whose_manifest_was_removed_says_so(small):
    """The Pages workflow removes the build's manifest before publishing; a researcher
    who runs its steps locally, then builds again, is told that the manifest is what is
    missing, not that Papersite never wrote the folder."""
    site, _ = small
    (site / "_site/.papersite-manifest.json").unlink()
    result = cli_build(site)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "_site: holds a Papersite build without its .papersite-manifest.json (the list of "
        "the files a build wrote, which it keeps for the next build into the folder); "
        "refusing to replace its contents (remove it or choose another --output)")


def test_a_file_staged_in_parts_is_the_file_staged_whole(tmp_path):
    # papers.bib and papers.json are staged as lists of parts: the same digest and bytes
    # as the joined file, so an unchanged site-wide file is still not rewritten.
    parts = [b"[\n", " {\"title\": \"Ünïcode\"}".encode(), b",\n", b"", b" {}\n]\n"]
    assert writer_module.digest_of(parts) == writer_module.digest_of(b"".join(parts))
    out = tmp_path / "out"
    # A first build's tree, a later build's staging, then the same parts again.
    for given, changed in ((parts, {"papers.json", "papers.bib"}),
                           (parts[:2] + [b"\n]\n"], {"papers.json"}),
                           (parts[:2] + [b"\n]\n"], set())):
        w = OutputWriter(out, "out").open()
        w.put("papers.json", given)
        w.put("papers.bib", [])
        w.commit()
        assert (out / "papers.json").read_bytes() == b"".join(given)
        assert (out / "papers.bib").read_bytes() == b""
        assert w.changed == changed


def test_a_write_the_system_takes_in_pieces_is_finished(tmp_path, monkeypatch):
    # os.write may take fewer bytes than it is given (a signal, a file near a limit):
    # the writer goes on with the rest instead of leaving the file short.
    real = os.write
    monkeypatch.setattr(writer_module.os, "write", lambda fd, data: real(fd, data[:3]))
    parts = [b"@article{a,\n", b"", "  title = {Ünïcode},\n}\n".encode()]
    for data in (parts, b"".join(parts)):
        st = writer_module._write_file(tmp_path / "papers.bib", data)
        assert (tmp_path / "papers.bib").read_bytes() == b"".join(parts)
        assert st.st_size == len(b"".join(parts))


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), OSError(errno.ENOSPC, "full")],
                         ids=["Ctrl-C", "full disk"])
def test_a_cache_file_stopped_halfway_keeps_the_old_one_and_leaves_nothing(tmp_path, fault):
    """The caches, the build's state and the schemas are written aside and renamed:
    Ctrl-C or a full disk in the middle keeps the file as it was, and no part of the
    new one."""
    from papersite.aside import writing_aside

    path = tmp_path / "render-state.json"
    path.write_text("the old state", "utf-8")
    with pytest.raises(type(fault)):
        with writing_aside(path) as fh:
            fh.write(b"half of the new ")
            fh.flush()
            assert len(list(tmp_path.iterdir())) == 2   # the file and the one aside
            raise fault
    assert [p.name for p in tmp_path.iterdir()] == ["render-state.json"]
    assert path.read_text("utf-8") == "the old state"


def test_what_a_build_killed_outright_leaves_the_next_build_removes(half_edited):
    """SIGKILL (the out-of-memory killer, a CI job's timeout) leaves a build no time to
    clean up: its staging folder stays beside the output, and the files its processes
    were writing in the cache. The output is as it was; the next build removes them,
    but not a file that a running process is writing."""
    site, before, after = half_edited
    proc = subprocess.Popen([sys.executable, "-m", "papersite", "build", "--site", str(site),
                             "--no-search", "--jobs", "2"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for("half-rendered", site, proc, len(after))
    if proc.poll() is not None:
        pytest.skip("the build ended before it could be killed halfway")
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert snapshot(site / "_site") == before
    assert [name for name in leftovers(site) if ".staging-" in name], "nothing was left"
    cache = site / ".papersite-cache"
    (cache / "parsed.json.999999999.tmp").write_text("{", "utf-8")   # no such process
    (cache / "jinja" / "0123abcd.cache.999999999.tmp").write_bytes(b"")   # compiled template
    running = cache / f"parsed.json.{os.getpid()}.tmp"
    running.write_text("{", "utf-8")

    result = cli_build(site, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert same_site(site / "_site", after)
    assert leftovers(site) == [running.relative_to(site).as_posix()]


def test_what_a_dead_process_was_writing_is_removed_before_it_is_reaped(tmp_path):
    """A killed build's children become zombies until whoever adopted them collects
    their exit (in a container, its first process, which may be slow): dead, they write
    nothing, so what they were writing aside is removed all the same."""
    from papersite.aside import aside, process_exists, remove_abandoned

    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 30
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(pid, 0)                          # its pid is still taken: a zombie
        left = aside(tmp_path / "snapshot.pickle", pid)
        left.write_bytes(b"half a snapshot")
        mine = aside(tmp_path / "parsed.json")   # this live process's
        mine.write_bytes(b"being written")
        assert not process_exists(pid) and process_exists(os.getpid())
        remove_abandoned(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name]
    finally:
        os.waitpid(pid, 0)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_remove_tree_removes_every_level_and_follows_no_link(tmp_path, depth):
    """writer.remove_tree shares the folders of the first level with more than 64 among
    threads (an output's papers/<id>/ is one level down, a staging folder's two); what
    a symbolic link in the tree points to stays."""
    from papersite.writer import remove_tree

    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "file.txt").write_text("kept")
    tree = tmp_path / "tree"
    many = tree.joinpath(*["level"] * (depth - 1)) if depth > 1 else tree
    for i in range(100):
        (many / f"d{i:03d}" / "inner").mkdir(parents=True)
        (many / f"d{i:03d}" / "index.html").write_text("x")
        (many / f"d{i:03d}" / "inner" / "feed.xml").write_text("y")
    (many / "d000" / "link").symlink_to(outside, target_is_directory=True)
    (tree / "top-link").symlink_to(outside / "keep", target_is_directory=True)
    (tree / "file.txt").write_text("z")
    remove_tree(tree)
    assert not tree.exists() and not os.path.lexists(tree)
    assert (outside / "keep" / "file.txt").read_text() == "kept"
    remove_tree(tree)                       # gone already: nothing to do, no error
