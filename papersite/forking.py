"""Work split over forked child processes, results sent back by pipe.

Used for loading, for each paper's repeated pieces and for rendering, for a rebuild's
look at the files while it restores the snapshot, and for writing the parse cache while
the build resolves: a child starts with everything its parent holds (the catalog,
compiled templates, memos) without pickling it; only results come back.
"""

from __future__ import annotations

import array
import contextlib
import functools
import math
import os
import pickle
import select
import signal
import sys
import tempfile
import types

from .diagnostics import BuildError, Diagnostic


def available_cores(cgroup_root: str = "/sys/fs/cgroup",
                    proc_cgroup: str = "/proc/self/cgroup") -> int:
    """The processes a build runs at once by default: the cores this process may run on
    (a container or `taskset` can allow fewer than the machine has), and no more than its
    cgroup's CPU quota (what `docker run --cpus 2` sets), rounded up. Every worker holds
    its own copy of much of the catalog: one per core of a 64-core host, in a container
    given two cores, would only add memory."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def _cpu_quota(root: str, proc_cgroup: str) -> float | None:
    """How many CPUs' worth of time this process's cgroup may use: cgroup v2's `cpu.max`,
    or v1's `cpu.cfs_quota_us` over `cpu.cfs_period_us`; None when there is no limit or
    no cgroup to read. A container sees its own cgroup at the root of the mount; on the
    host, the process's cgroup is the path /proc/self/cgroup names."""
    try:
        lines = _read(proc_cgroup).splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if number == "0" and not controllers:
            mount, read_quota = root, _v2_quota
        elif "cpu" in controllers.split(","):
            mount, read_quota = f"{root}/{controllers}", _v1_quota
        else:
            continue
        for folder in (mount + path.rstrip("/"), mount):
            try:
                quota, period = read_quota(folder)
            except OSError:
                continue
            try:
                return None if quota == "max" or int(quota) <= 0 else int(quota) / int(period)
            except (ValueError, ZeroDivisionError):
                return None
    return None


def _v2_quota(folder: str) -> tuple[str, str]:
    """(quota or "max", period) from cgroup v2's `cpu.max` ("" for a word it lacks)."""
    quota, period, *_ = _read(f"{folder}/cpu.max").split() + ["", ""]
    return quota, period


def _v1_quota(folder: str) -> tuple[str, str]:
    """(quota, -1 for none, and period) from cgroup v1's two files."""
    return (_read(f"{folder}/cpu.cfs_quota_us").strip(),
            _read(f"{folder}/cpu.cfs_period_us").strip())


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _widen(pipe: int) -> None:
    """A pipe buffer of 1 MB where the system allows it (Linux, where it is 64 KB): a
    child that sends results as it goes (`in_runs`) then seldom waits for this process
    to read them."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, 1 << 20)


_STOPS = {signal.SIGINT, signal.SIGTERM}


def _worker_init() -> None:
    """A child stops at once on Ctrl-C or SIGTERM (the parent's handlers would raise in
    the middle of its work), unless the build was started to ignore them (a script's
    `command &` ignores Ctrl-C): then it ignores them too, as the build does."""
    for sig in _STOPS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)


def fork(child_body) -> int:
    """Fork: the child runs child_body(), which must end the process (os._exit); this
    process gets the child's pid.

    SIGINT and SIGTERM are held back while os.fork() runs. One that came during it was
    raised inside the handlers other modules run around a fork (logging's), where Python
    prints it as an ignored exception, traceback and all, and drops it: the build went
    on. Held, it is raised once the child is known, and the child is stopped first. (The
    mask is this thread's: a build's process has no other thread; in one that has, a
    signal may reach another. A signal to the child before it sets its own handlers is
    as before.)

    The child dies with this process (`_die_with`): every child of a build works for it
    and is waited for."""
    parent, prctl = os.getpid(), _death_signal_setter()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    if pid == 0:
        _die_with(parent, prctl)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        child_body()
        os._exit(1)   # pragma: no cover — child_body ends the process
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)   # a held signal is raised here
    except BaseException:
        kill_and_reap(pid)
        raise
    return pid


def kill_and_reap(pid: int) -> int | None:
    """Kill a child and reap it; its wait status (None if it was reaped already). A
    child that had ended keeps the status it ended with."""
    try:
        os.kill(pid, signal.SIGKILL)
        return os.waitpid(pid, 0)[1]
    except OSError:
        return None


class WorkerDied(BuildError):
    """A forked child ended without sending its result: killed from outside (by the
    out-of-memory killer most often) or crashed. A build's error, not a traceback: the
    build stops, and its output stays as it was."""

    def __init__(self, pid: int, status: int | None):
        if status is not None and os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                how = f"was killed by {signal.Signals(number).name}"
            except ValueError:
                how = f"was killed by signal {number}"
            if number == signal.SIGKILL:
                how += (", most often the system's doing when memory runs out: build with "
                        "fewer processes (--jobs 1) or on a machine with more memory")
        elif status is not None and os.WIFEXITED(status):
            how = f"ended with exit status {os.WEXITSTATUS(status)} before sending its result"
        else:
            how = "ended before sending its result"
        super().__init__([Diagnostic("build", message=f"a worker process (pid {pid}) {how}")])
        self.pid, self.status = pid, status

    def __reduce__(self):
        return (WorkerDied, (self.pid, self.status))


class Child:
    """work() run in a forked child; what it returns, or the exception it raises, comes
    back by pipe. A work that is a generator sends each value it yields as soon as it has
    it. Meanwhile this process does its own work, and can look whether the next value
    has come (`ready`) without waiting for it."""

    def __init__(self, work):
        read_end, write_end = os.pipe()
        _widen(write_end)

        def child() -> None:   # never returns into the caller's code
            os.close(read_end)
            _child_main(work, write_end)

        try:
            pid = fork(child)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        self.pid: int | None = pid
        self._pipe: int | None = read_end

    def ready(self) -> bool:
        """Whether the child has started to send its next value (it sends each in one
        write): `result` then waits only for the rest of it."""
        return self._pipe is not None and bool(select.select([self._pipe], [], [], 0)[0])

    def result(self):
        """Wait for the child's next value and return it (or raise its exception)."""
        header = self._read(8)
        size = int.from_bytes(header, "little")
        payload = self._read(size) if len(header) == 8 else b""
        if len(header) < 8 or len(payload) < size:
            pid = self.pid
            raise WorkerDied(pid, self.stop())
        kind, value = pickle.loads(payload)
        if kind == "error":
            self.stop()
            raise value
        return value

    def _read(self, size: int) -> bytes:
        parts = []
        while size:
            part = os.read(self._pipe, min(size, 1 << 20))
            if not part:
                break
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def stop(self) -> int | None:
        """Kill and reap the child (done, interrupted or no longer needed); its wait
        status, the first time."""
        status = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            status = kill_and_reap(pid)
        if self._pipe is not None:
            fd, self._pipe = self._pipe, None
            try:
                os.close(fd)
            except OSError:
                pass
        return status


_PR_SET_PDEATHSIG = 1


@functools.cache
def _death_signal_setter():
    """prctl(), looked up in the parent (once) so that a child need not load anything;
    None where there is none (not Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(ImportError, OSError, AttributeError):
            import ctypes
            return ctypes.CDLL(None, use_errno=True).prctl
    return None


def _die_with(parent: int, prctl) -> None:
    """Have the kernel kill this child as soon as its parent dies (Linux). A parent killed
    outright (SIGKILL, the out-of-memory killer) cannot stop its children: its render
    workers went on to the end of their share, holding the output's lock all along.
    (Linux sends the signal when the thread that forked ends: builds and the preview fork
    from the main thread only.)"""
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:   # the parent died before the call
        os._exit(1)


def _child_main(work, write_end: int) -> None:
    code = 0
    with os.fdopen(write_end, "wb") as pipe:
        try:
            _worker_init()
            result = work()
            for value in (result if isinstance(result, types.GeneratorType) else [result]):
                _send(pipe, ("ok", value))
        except BaseException as exc:  # noqa: BLE001 — reported by the parent
            try:
                try:
                    _send(pipe, ("error", exc))
                except Exception:
                    _send(pipe, ("error", RuntimeError(repr(exc))))
            except BaseException:  # noqa: BLE001
                code = 1
    os._exit(code)


def _send(pipe, message) -> None:
    payload = pickle.dumps(message)
    pipe.write(len(payload).to_bytes(8, "little") + payload)
    pipe.flush()


def in_children(work, jobs: int, here=None) -> list:
    """[work(0), ..., work(jobs - 1)], each run in a forked child, results by pipe, and
    here() run by this process meanwhile (its result last).

    Not multiprocessing.Pool: interrupted, its terminate() can kill a worker that holds
    the result queue's lock and then wait for that lock forever (a build that hangs on
    Ctrl-C). Here an interrupt kills the children and reaps them, nothing else.
    """
    children: list[Child] = []
    try:
        for index in range(jobs):
            children.append(Child(lambda index=index: work(index)))
        mine = here() if here is not None else None
        results = [child.result() for child in children]
        return results + ([mine] if here is not None else [])
    finally:
        for child in children:  # done, interrupted or failed: reap them all
            child.stop()


class RunDealer:
    """Deals the runs of `size` items (of `count`) to this process and those it forks
    after making the dealer: each run to the first process that asks for the next.

    The runs' first items are in a temporary file that all these processes read through
    one shared read position, which the kernel moves under its own lock (Linux does so
    for a file in a file system; not for a memfd): each 8-byte read takes a run no other
    process gets. A process killed at any moment (SIGKILL, the out-of-memory
    killer) holds nothing the others wait for. A counter behind a lock in shared memory,
    as before, stayed locked for good when the process holding the lock was killed."""

    def __init__(self, count: int, size: int) -> None:
        self._file = tempfile.TemporaryFile()
        try:
            self._file.write(array.array("q", range(0, count, size)).tobytes())
            self._file.flush()
            self._fd = self._file.fileno()
            os.lseek(self._fd, 0, os.SEEK_SET)
        except BaseException:
            self._file.close()
            raise

    def runs(self):
        """The first items of the runs this process takes, one at a time, as it asks."""
        while len(start := os.read(self._fd, 8)) == 8:
            yield int.from_bytes(start, sys.byteorder)

    def close(self) -> None:
        self._file.close()


def in_runs(count: int, size: int, work, jobs: int, keep_mine: bool = True
            ) -> dict[int, object]:
    """{start: work(start, stop)} for the runs of `size` items that make up `count`, made
    by this process and jobs - 1 forked children, each taking the next run that no
    process has taken (one slowed down by the host, or given costlier items, takes fewer).
    `keep_mine=False`: only the children's results (work() had its effect here).

    A child sends each run's result as soon as it has it, and this process takes them in
    between its own runs. (A child that sent all its results at the end pickled them,
    and then this process unpickled them, while the other core idled: about 0.8 s of
    loading and 0.9 s of making the pieces at 100,000 papers.)
    """
    dealer = RunDealer(count, size)

    def runs():
        for start in dealer.runs():
            yield start, work(start, min(start + size, count))

    def child_runs():
        yield from runs()
        yield None   # the end

    results: dict[int, object] = {}

    def take(child: Child) -> bool:
        """The child's next result into `results`; False at its end."""
        message = child.result()
        if message is not None:
            results[message[0]] = message[1]
        return message is not None

    children: list[Child] = []
    try:
        for _ in range(jobs - 1):
            children.append(Child(child_runs))
        sending = list(children)
        for start, result in runs():
            if keep_mine:
                results[start] = result
            for child in list(sending):
                while child.ready():
                    if not take(child):
                        sending.remove(child)
                        break
        for child in sending:
            while take(child):
                pass
        return results
    finally:
        for child in children:  # done, interrupted or failed: reap them all
            child.stop()
        dealer.close()
