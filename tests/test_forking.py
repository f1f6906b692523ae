"""forking.py: work done in forked children, its results (or errors) sent back by pipe;
and the parse cache that a child saves while the build goes on.

The build's loaders, render workers and the snapshot's look at the files all go through
`Child`; a lost message, a hang or a child left running would show up as a wrong site or
a build that never ends, far from its cause.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from papersite.diagnostics import BuildError
from papersite.aside import aside
from papersite import forking
from papersite.forking import (Child, RunDealer, WorkerDied, available_cores, in_children,
                               in_runs)
from papersite.loading import PARALLEL_FILES, ParseCache
from papersite.pipeline import prepare


def _gone(pid: int) -> bool:
    """Whether no process has this pid any more (killed and reaped, not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_results_come_back_in_order_with_the_parents_own_last():
    assert in_children(lambda i: i * 10, 3, lambda: "mine") == [0, 10, 20, "mine"]
    assert in_children(lambda i: {"index": i}, 2) == [{"index": 0}, {"index": 1}]


def test_a_result_larger_than_a_pipe_buffer_arrives_whole():
    big = os.urandom(3 << 20)   # a pipe holds 64 KB: the reader must loop
    [back] = in_children(lambda i: big, 1)
    assert back == big


def test_a_childs_exception_is_raised_in_the_parent():
    def work(index):
        raise ValueError(f"bad input in share {index}")

    with pytest.raises(ValueError, match="bad input in share 0"):
        in_children(work, 1)


def test_an_exception_that_cannot_be_pickled_still_reports_its_text():
    class Local(Exception):   # a class defined in a function cannot be pickled
        pass

    def work(index):
        raise Local("not picklable")

    with pytest.raises(RuntimeError, match="not picklable"):
        in_children(work, 1)


def test_a_child_that_dies_is_reported_not_waited_for():
    """A build's error naming how the child ended (the out-of-memory killer sends
    SIGKILL), not a traceback."""
    def work(index):
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(WorkerDied) as killed:
        in_children(work, 1)
    message = str(killed.value.diagnostics[0])
    assert message.startswith("build: a worker process (pid ")
    assert "was killed by SIGKILL" in message and "--jobs 1" in message
    assert _gone(killed.value.pid)

    def crash(index):
        os._exit(3)

    with pytest.raises(WorkerDied, match="ended with exit status 3 before sending its result"):
        in_children(crash, 1)


def test_a_generator_sends_each_value_as_soon_as_it_has_it(tmp_path):
    go = tmp_path / "go"

    def work():
        yield "first"
        while not go.exists():   # the second value waits for the parent's word
            time.sleep(0.01)
        yield "second"

    child = Child(work)
    try:
        assert child.result() == "first"
        time.sleep(0.2)
        assert not child.ready()   # nothing sent yet: `ready` must not block or lie
        go.touch()
        deadline = time.monotonic() + 10
        while not child.ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert child.ready()
        assert child.result() == "second"
    finally:
        child.stop()


def test_stop_kills_and_reaps_a_child_still_working():
    child = Child(lambda: time.sleep(60))
    pid = child.pid
    child.stop()
    assert _gone(pid)
    assert not child.ready()
    child.stop()   # twice is harmless


def test_an_interrupt_in_the_parent_stops_every_child(tmp_path):
    def work(index):   # the pid file appears whole: the child may be killed at once
        (tmp_path / f".pid-{index}").write_text(str(os.getpid()))
        (tmp_path / f".pid-{index}").rename(tmp_path / f"pid-{index}")
        time.sleep(60)

    def here():
        deadline = time.monotonic() + 10
        while len(list(tmp_path.glob("pid-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        in_children(work, 2, here)
    pids = [int(p.read_text()) for p in tmp_path.glob("pid-*")]
    assert len(pids) == 2
    assert all(_gone(pid) for pid in pids)


# --- how many processes ----------------------------------------------------------------


def _cgroup(tmp_path, proc: str, files: dict[str, str]) -> dict:
    """A fake /sys/fs/cgroup and /proc/self/cgroup, as available_cores' arguments."""
    for rel, text in files.items():
        (tmp_path / "sys" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "sys" / rel).write_text(text)
    (tmp_path / "cgroup").write_text(proc)
    return {"cgroup_root": str(tmp_path / "sys"), "proc_cgroup": str(tmp_path / "cgroup")}


V2_CONTAINER = "0::/\n"
V2_HOST = "0::/user.slice/build.scope\n"
V1 = "4:memory:/\n2:cpu,cpuacct:/docker/abc\n0::/\n"


@pytest.mark.parametrize("proc, files, quota", [
    (V2_CONTAINER, {"cpu.max": "max 100000\n"}, None),                      # no quota
    (V2_CONTAINER, {"cpu.max": "200000 100000\n"}, 2),                      # --cpus 2
    (V2_CONTAINER, {"cpu.max": "150000 100000\n"}, 2),      # --cpus 1.5: two, part time
    (V2_CONTAINER, {"cpu.max": "50000 100000\n"}, 1),
    (V2_HOST, {"user.slice/build.scope/cpu.max": "100000 100000\n"}, 1),   # its own cgroup
    (V2_CONTAINER, {"cpu.max": "garbled\n"}, None),
    (V1, {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "100000\n",
          "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n"}, 1),
    (V1, {"cpu,cpuacct/cpu.cfs_quota_us": "50000\n",          # a container's own view
          "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, 1),
    (V1, {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
          "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, None),
    (V2_CONTAINER, {}, None),                                              # nothing to read
])
def test_the_default_number_of_processes_keeps_to_a_containers_cpu_quota(
        tmp_path, proc, files, quota):
    allowed = len(os.sched_getaffinity(0))   # the cores this process may run on
    expected = allowed if quota is None else min(allowed, quota)
    assert available_cores(**_cgroup(tmp_path, proc, files)) == expected


def test_the_default_number_of_processes_keeps_to_the_cores_this_process_may_use():
    """`taskset` (or a container's cpuset) allows one core of the machine's two or more."""
    code = "from papersite.forking import available_cores; print(available_cores())"
    one = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}))
    assert one.stdout.strip() == "1", one.stderr


# --- runs taken in turn (loading, each paper's pieces) -------------------------------------


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_run_is_made_once_and_comes_back_under_its_start(jobs):
    """Ten runs of 7 items and a last one of 3: each made by exactly one process."""
    runs = in_runs(73, 7, lambda start, stop: (list(range(start, stop)), os.getpid()), jobs)
    assert sorted(runs) == list(range(0, 73, 7))
    assert [i for start in sorted(runs) for i in runs[start][0]] == list(range(73))
    assert len({pid for _, pid in runs.values()}) <= jobs


def test_runs_go_to_the_process_that_is_free():
    """A process slowed down takes fewer runs: the others take the rest."""
    me = os.getpid()

    def work(start, stop):
        if os.getpid() == me:
            time.sleep(0.05)   # this process is busy elsewhere
        return os.getpid()

    runs = in_runs(200, 1, work, 2)
    assert len(runs) == 200
    assert sum(pid == me for pid in runs.values()) < 50


def test_runs_larger_than_the_pipe_arrive_whole_and_only_the_childrens_when_asked():
    me = os.getpid()
    big = in_runs(8, 1, lambda start, stop: (os.getpid(), os.urandom(1 << 21)), 2)
    assert len(big) == 8 and all(len(data) == 1 << 21 for _, data in big.values())

    def work(start, stop):
        time.sleep(0.01)
        return os.getpid()

    theirs = in_runs(40, 2, work, 2, keep_mine=False)
    assert theirs and me not in theirs.values()
    assert in_runs(40, 2, lambda start, stop: os.getpid(), 1, keep_mine=False) == {}


def test_processes_drawing_runs_at_full_speed_each_get_every_run_once():
    """Three processes read the dealer's runs as fast as they can: none is lost, none
    goes to two of them (the kernel moves the shared read position)."""
    dealer = RunDealer(900_000, 3)   # a memfd's read position failed this every time
    try:
        def draw(index):
            return list(dealer.runs())

        shares = in_children(draw, 2, lambda: list(dealer.runs()))
    finally:
        dealer.close()
    every = sorted(start for share in shares for start in share)
    assert every == list(range(0, 900_000, 3))
    assert all(share and share == sorted(share) for share in shares)


def test_a_process_killed_while_it_draws_runs_stops_none_of_the_others():
    """SIGKILL at any moment of a child's drawing (the out-of-memory killer's way): this
    process then takes the runs left, to the end. (With the runs dealt by a counter
    behind a lock in shared memory, the lock stayed taken in about half of such kills,
    and every other process waited for it for ever.)"""
    def on_alarm(signum, frame):
        raise TimeoutError("the child never drew, or the dealer hung after it was killed")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for attempt in range(10):
            dealer = RunDealer(300_000, 1)
            try:
                child = Child(lambda: [None for _ in dealer.runs()])
                signal.alarm(10)
                # This process shares the read position: the child is drawing once it moves.
                while os.lseek(dealer._fd, 0, os.SEEK_CUR) < 8 * 1000:
                    time.sleep(0.0005)
                time.sleep(0.001 * attempt)
                os.kill(child.pid, signal.SIGKILL)
                child.stop()
                rest = list(dealer.runs())
                signal.alarm(0)
            finally:
                dealer.close()
            assert rest[-1] == 300_000 - 1
            assert 0 < rest[0] and rest == list(range(rest[0], 300_000))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_an_error_in_a_run_is_raised_here_and_every_child_stopped(tmp_path):
    def work(start, stop):
        (tmp_path / f"pid-{os.getpid()}").touch()
        if start == 30:
            raise ValueError(f"bad item {start}")
        time.sleep(0.01)
        return start

    with pytest.raises(ValueError, match="bad item 30"):
        in_runs(400, 1, work, 3)
    pids = [int(p.name[4:]) for p in tmp_path.glob("pid-*")]
    assert all(_gone(pid) for pid in pids if pid != os.getpid())


# --- the parse cache, saved by a child while the build resolves --------------------------


def _cache_of(path, count):
    cache = ParseCache(path)
    for i in range(count):
        cache.put(f"digest-{i}", ["ok", {"title": f"Paper {i}"}, {"title": 1}, 1])
    return cache


_interrupt_next_fork: list = []


def _interrupt_me() -> None:   # an at-fork handler cannot be removed: armed once
    if _interrupt_next_fork:
        _interrupt_next_fork.clear()
        # To this thread: the build's process has no other, but a test worker has, and
        # a signal to the process would go to one of them.
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)


def test_a_ctrl_c_during_a_fork_is_raised_after_it_and_the_child_is_stopped(
        capfd, monkeypatch):
    """A SIGINT that lands while os.fork() runs the handlers modules register around a
    fork (logging's) was raised inside them: Python printed it as an ignored exception,
    with a traceback, and dropped it, and the build went on. Held back during the fork,
    it is raised once the child is known, and the child is stopped."""
    stopped = []
    stop = forking.kill_and_reap
    monkeypatch.setattr(forking, "kill_and_reap",
                        lambda pid: (stopped.append(pid), stop(pid)))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    os.register_at_fork(after_in_parent=_interrupt_me)
    try:
        _interrupt_next_fork.append(True)
        with pytest.raises(KeyboardInterrupt):
            forking.fork(lambda: (time.sleep(30), os._exit(0)))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(stopped) == 1 and _gone(stopped[0])
    assert "Exception ignored" not in capfd.readouterr().err
    assert not signal.pthread_sigmask(signal.SIG_BLOCK, set())   # nothing left held


def test_a_large_parse_cache_is_saved_by_a_child(tmp_path):
    cache = _cache_of(tmp_path / "parsed.json", PARALLEL_FILES)
    wait = cache.save_meanwhile()
    assert cache.dirty   # this process did not write it: a child does
    wait()
    assert ParseCache(cache.path).entries == cache.entries
    assert list(tmp_path.iterdir()) == [cache.path]


def test_a_small_parse_cache_is_saved_at_once(tmp_path):
    cache = _cache_of(tmp_path / "parsed.json", 10)
    wait = cache.save_meanwhile()
    assert not cache.dirty and ParseCache(cache.path).entries == cache.entries
    wait()


def test_an_interrupted_save_leaves_no_half_written_file(tmp_path, monkeypatch):
    def stuck_write(self):   # the child begins to write, then hangs
        aside(self.path).write_text("{\"version\": ")
        time.sleep(60)

    cache = _cache_of(tmp_path / "parsed.json", PARALLEL_FILES)
    monkeypatch.setattr(ParseCache, "_write", stuck_write)
    wait = cache.save_meanwhile()
    deadline = time.monotonic() + 10
    while not list(tmp_path.glob("*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(tmp_path.glob("*.tmp"))
    wait(interrupted=True)
    assert list(tmp_path.iterdir()) == []


def test_a_big_site_with_errors_still_keeps_what_it_parsed(make_site):
    """The cache is saved while the content is resolved; a build that then fails on the
    content's problems waits for it, so that the next try parses only what changed."""
    files = {f"content/papers/p{i:05d}.yaml": f"title: Paper {i}\nyear: 2020\n"
             for i in range(PARALLEL_FILES)}
    files["content/papers/p01500.yaml"] = "title: T\nyear: soon\n"
    site = make_site(files)
    with pytest.raises(BuildError):
        prepare(site)
    cached = ParseCache(site / ".papersite-cache" / "parsed.json").entries
    assert len(cached) == PARALLEL_FILES + 1   # every paper and site.yaml
    assert not list((site / ".papersite-cache").glob("*.tmp"))
