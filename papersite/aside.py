"""Files written whole or not at all: the caches, the build's state and the editor
schemas. Each is written beside its place, under a name of the writing process's own, and
renamed into place: another build or an editor never reads half of one, and a full disk,
an error or Ctrl-C leaves neither half a file nor the one being written. What a process
killed outright (SIGKILL) was writing, the next build removes (`remove_abandoned`).

(The output's pages are written by writer.py, which stages a whole folder instead.)"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

_ASIDE_NAME = re.compile(r".+\.(\d+)\.tmp")


def aside(path: Path, pid: int | None = None) -> Path:
    """Where process pid (this one by default) writes path before renaming it: a parent
    that kills a child writing one removes it with this name."""
    return path.with_name(f"{path.name}.{os.getpid() if pid is None else pid}.tmp")


def discard_aside(path: Path, pid: int | None = None) -> None:
    """Remove what process pid (this one by default) was writing for path, if anything:
    a write that failed, or a child killed before it could clean up."""
    with contextlib.suppress(OSError):
        aside(path, pid).unlink(missing_ok=True)


@contextlib.contextmanager
def writing_aside(path: Path):
    """A binary file to write path's content into; renamed into place when the block
    ends, removed if it raises."""
    tmp = aside(path)
    try:
        with open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        discard_aside(path)
        raise


def write_aside(path: Path, data: str | bytes) -> None:
    """Write data (text as UTF-8) to path as `writing_aside` does."""
    with writing_aside(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def remove_abandoned(folder: Path) -> None:
    """Remove the files in folder that processes killed before they could remove them
    (SIGKILL, the out-of-memory killer, a CI job's timeout) were writing: those whose
    process is gone. (At 100,000 papers a snapshot being written is hundreds of MB.)"""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries]
    except OSError:
        return
    for name in names:
        match = _ASIDE_NAME.fullmatch(name)
        if match and not process_exists(int(match[1])):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def process_exists(pid: int) -> bool:
    """Whether a live process has this pid (a reused pid counts: what it names is kept).
    A zombie does not count: it is dead and writes nothing, its exit not yet collected by
    whoever adopted it. A killed build's children wait so for the container's first
    process, which may take its time."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:   # it exists, and is another user's
        pass
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return False   # no /proc (not Linux), or gone just now: as kill() found it
