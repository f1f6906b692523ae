"""Work split over forked child processes, results sent back by pipe.

Used for loading and for rendering: a child starts with everything its parent holds (the
catalog, compiled templates, memos) without pickling it; only results come back.
"""

from __future__ import annotations

import os
import pickle
import signal


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def in_children(work, jobs: int, here=None) -> list:
    """[work(0), ..., work(jobs - 1)], each run in a forked child, results by pipe, and
    here() run by this process meanwhile (its result last).

    Not multiprocessing.Pool: interrupted, its terminate() can kill a worker that holds
    the result queue's lock and then wait for that lock forever (a build that hangs on
    Ctrl-C). Here an interrupt kills the children and reaps them, nothing else.
    """
    children: list[tuple[int, int]] = []
    try:
        for index in range(jobs):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns into the caller's code
                code = 0
                try:
                    os.close(read_end)
                    _worker_init()
                    payload = pickle.dumps(("ok", work(index)))
                except BaseException as exc:  # noqa: BLE001 — reported by the parent
                    try:
                        payload = pickle.dumps(("error", exc))
                    except Exception:
                        payload = pickle.dumps(("error", RuntimeError(repr(exc))))
                try:
                    with os.fdopen(write_end, "wb") as pipe:
                        pipe.write(payload)
                except BaseException:  # noqa: BLE001
                    code = 1
                os._exit(code)
            os.close(write_end)
            children.append((pid, read_end))
        mine = here() if here is not None else None
        results = []
        while children:
            pid, read_end = children[0]
            with os.fdopen(read_end, "rb") as pipe:
                payload = pipe.read()
            children.pop(0)
            os.waitpid(pid, 0)
            if not payload:
                raise RuntimeError(f"a worker process (pid {pid}) died")
            kind, value = pickle.loads(payload)
            if kind == "error":
                raise value
            results.append(value)
        return results + ([mine] if here is not None else [])
    finally:
        for pid, read_end in children:  # interrupted or failed: stop the rest
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(read_end)
            except OSError:
                pass
