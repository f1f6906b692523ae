"""forking.py: work done in forked children, its results (or errors) sent back by pipe.

The build's loaders, render workers and the snapshot's look at the files all go through
`Child`; a lost message, a hang or a child left running would show up as a wrong site or
a build that never ends, far from its cause.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from papersite.forking import Child, in_children


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
    def work(index):
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(RuntimeError, match="died"):
        in_children(work, 1)


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
    def work(index):
        (tmp_path / f"pid-{index}").write_text(str(os.getpid()))
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
