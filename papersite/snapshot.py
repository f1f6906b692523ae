"""A build's state kept on disk, so that the next build into the same output can take the
preview's text-edit path (session.py) instead of loading, validating and resolving every
paper again: at 100,000 papers that is most of a minute for a one-word change.

In a full build without search, a child forked before rendering pickles what a
`Session` needs while the build renders: the site as resolved (catalog, routes, router),
every content file's size, time, inode and hash, the fingerprints and the citation keys.
After rendering, the build saves each paper's BibTeX entry, CSL-JSON item and list
entries beside it ("pieces": papers.bib and papers.json are made of them, and an edit
makes both again; an edited paper's authors' pages list all their papers).
A small "head" file names that snapshot and the output it was made for (the manifest's
token) once the build has committed, with what it fits (the set of content files; the
engine, options, templates and static file names): a change there is seen before the
snapshot is restored.

A later build restores it when the head still describes the output as it is (same token,
every file of the manifest at its size and time, same engine, options and site folder),
replays the edits recorded in the head, and asks the session for the text-edit path:
re-read the changed files, put their papers in place, render the pages that show them,
commit. The head then records every paper file changed since the snapshot, with the
output's new token. Whatever else changed (a paper added or moved in a list, a profile,
site.yaml, templates, the engine) or any doubt returns None, and the caller builds in
full, which writes a new snapshot.

Unpickling runs code, so every file is signed (HMAC) with a key kept in the user's cache
folder, outside the site: a `.papersite-cache` committed to a repository or copied from
another machine is ignored, never loaded.
"""

from __future__ import annotations

import contextlib
import gc
import hmac
import itertools
import os
import pickle
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import __version__, forking
from .aside import discard_aside, writing_aside
from .changes import (RACY_SECONDS, _hash, load_state, output_intact, output_key,
                      quiet_path, quiet_state, save_quiet_state, save_state, state_path,
                      template_signature)
from .loading import FileLoad, tree_signature
from .usercache import user_cache_folder

VERSION = 3


def _paths(site_dir: Path, output: Path) -> tuple[Path, Path]:
    from .pipeline import CACHE_DIR
    where = output_key(output)
    folder = Path(site_dir) / CACHE_DIR
    return folder / f"snapshot-{where}.pickle", folder / f"snapshot-{where}.head"


# What a build keeps for one output folder: its state (render-, inputs-: changes.py) and
# its snapshot (snapshot-: .pickle, .pieces, .head), and their files being written.
_OUTPUT_FILE = re.compile(r"(?:render|inputs|snapshot)-([0-9a-f]{12})\.")
KEEP_OUTPUTS = 3


def forget_other_outputs(site_dir: Path, output: Path, keep: int = KEEP_OUTPUTS) -> None:
    """Remove what was kept for output folders other than the `keep` built most recently,
    this one included. A site built into many folders (a benchmark, a try into a
    temporary folder) kept a snapshot for each, about 550 MB at 100,000 papers. A folder
    whose files went only has its next build in full."""
    from .pipeline import CACHE_DIR

    mine = output_key(output)
    others: dict[str, list[tuple[str, float]]] = {}   # key → [(path, mtime)]
    try:
        with os.scandir(Path(site_dir) / CACHE_DIR) as entries:
            for entry in entries:
                match = _OUTPUT_FILE.match(entry.name)
                if match and match[1] != mine and entry.is_file(follow_symlinks=False):
                    others.setdefault(match[1], []).append((entry.path,
                                                            entry.stat().st_mtime))
    except OSError:
        return
    oldest_first = sorted(others, key=lambda key: max(mtime for _, mtime in others[key]))
    for key in oldest_first[:max(0, len(oldest_first) - (keep - 1))]:
        for path, _ in others[key]:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _key(options) -> str:
    """What a snapshot is only valid for: this engine and Python, this site folder, the
    options that shape the output."""
    from .pipeline import _options_key
    return _hash(__version__, sys.version, os.path.abspath(options.site_dir),
                 _options_key(options))


def wanted(options) -> bool:
    """Builds that keep a snapshot and may start from one: the text-edit path renders no
    search index, and a link check needs every page staged."""
    return options.use_cache and not options.search and not options.check_links


def settled(loads, started: int) -> bool:
    """Whether every file was last changed well before the build started (time.time_ns):
    a file saved within one tick of the clock of being read could change again to the
    same size and time, and a snapshot would take it for the version it read."""
    limit = started - RACY_SECONDS * 1e9
    return all(len(load.source.signature) == 3 and load.source.signature[1] < limit
               for load in loads)


# --- signed files ---------------------------------------------------------------------------

_MAC_SIZE = 32


def _secret() -> bytes | None:
    """This user's key for signing snapshots, made on first use; None when the user's
    cache folder cannot hold it (then no snapshot is written or read)."""
    path = user_cache_folder() / "snapshot.key"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes()
            return key if len(key) == _MAC_SIZE else None
        with os.fdopen(fd, "wb") as fh:
            key = os.urandom(_MAC_SIZE)
            fh.write(key)
        return key
    except OSError:
        return None


class _Signing:
    """A file being written that keeps the MAC of what is written to it."""

    def __init__(self, fh, key: bytes):
        self.fh, self.mac = fh, hmac.new(key, digestmod="sha256")

    def write(self, data) -> int:
        self.mac.update(data)
        return self.fh.write(data)


@contextlib.contextmanager
def _signed_file(path: Path, key: bytes):
    """A `_Signing` file for path, its MAC appended when the block ends (`writing_aside`:
    whole or not at all)."""
    with writing_aside(path) as fh:
        signing = _Signing(fh, key)
        yield signing
        fh.write(signing.mac.digest())


def _dump(obj, path: Path, key: bytes) -> None:
    """Pickle obj to path, signed."""
    with _signed_file(path, key) as signing:
        pickle.dump(obj, signing, protocol=pickle.HIGHEST_PROTOCOL)


def _never() -> None:
    pass


class NotNeeded(Exception):
    """Raised by a restore's `check` (see `_Checked`): the build will not use it."""


class _Checked:
    """A snapshot file as the unpickler reads it: `check` is called before every read (a
    frame of 64 KB, or one large object), and a restore that is no longer needed stops
    there."""

    def __init__(self, fh, check):
        self.fh, self.check = fh, check

    def read(self, size: int = -1) -> bytes:
        self.check()
        return self.fh.read(size)

    def readinto(self, buffer) -> int:
        self.check()
        return self.fh.readinto(buffer)

    def readline(self, size: int = -1) -> bytes:
        self.check()
        return self.fh.readline(size)


def _verified(fh, key: bytes, check=_never) -> bool:
    """Whether an open file ends with the MAC of the rest under this key (read in
    chunks: the file may be hundreds of MB)."""
    left = os.fstat(fh.fileno()).st_size - _MAC_SIZE
    if left <= 0:
        return False
    mac = hmac.new(key, digestmod="sha256")
    while left:
        check()
        chunk = fh.read(min(left, 1 << 20))
        if not chunk:
            return False
        mac.update(chunk)
        left -= len(chunk)
    return hmac.compare_digest(fh.read(_MAC_SIZE), mac.digest())


def _load(path: Path, key: bytes, check=_never):
    """What `_dump` wrote to path with this key; None for anything else. The MAC is
    checked over the whole file before a byte of it is unpickled. `check` may stop the
    restore by raising NotNeeded."""
    try:
        with open(path, "rb") as fh:
            if not _verified(fh, key, check):
                return None
            fh.seek(0)
            return pickle.load(_Checked(fh, check))
    except NotNeeded:
        raise
    except Exception:   # noqa: BLE001 — signed by this user but of another engine, ...
        return None


# --- saving, after a full build --------------------------------------------------------------


@dataclass
class Saving:
    """A snapshot being written by a child process while the build renders."""

    pid: int
    ident: str
    pickle: Path           # what the child writes
    head: Path
    key: bytes
    files: str             # which content files there are (`_file_set`)
    fits: str              # the engine, templates, static names and options (`_fits`)
    pieces: bool = False   # the papers' BibTeX, CSL-JSON and list entries saved beside it


def _fits(options, inputs: tuple[str, tuple]) -> str:
    """What a snapshot can serve, seen before it is restored: this engine, Python, site
    folder and options (`_key`), the same templates and engine code, the same static file
    names (`inputs`: `inputs_now`). An engine upgrade or a template edit then goes
    straight to the full build, without restoring a catalog it cannot use: at 100,000
    papers that was 5–7 s, and the restored heap stayed under the full build's."""
    templates, static = inputs
    return _hash(_key(options), templates, *(rel for rel, _, _ in static))


def _file_set(rels) -> str:
    """Which content files a site has, by name: a file added or removed is a change the
    snapshot cannot take, seen before it is restored."""
    return _hash(*sorted(rels))


def inputs_now(site_dir: Path) -> tuple[str, tuple]:
    """The signatures of the templates and static files, taken before a build reads them."""
    return template_signature(site_dir), tree_signature(Path(site_dir) / "static")


@dataclass
class KeptFiles:
    """What a snapshot keeps of the content files: each as loaded but without its records
    (site.yaml's aside: edited papers are validated against it), so that the records can
    be freed before rendering; and which papers each paper file holds."""

    loads: dict[str, FileLoad]
    papers_of: dict[str, list[str]]


def kept_files(site, loads: list[FileLoad], started: int) -> KeptFiles | None:
    """From a build's loaded files and its records (`site.content.origins`, before they
    are dropped); None when a file is too recent to be told apart later."""
    from .session import papers_by_file

    if not settled(loads, started):
        return None
    papers_of = papers_by_file(site.content.origins)
    return KeptFiles({load.rel: FileLoad(load.source, load.records
                                         if load.source.kind == "site" else [],
                                         load.digest, load.refused, load.problems)
                      for load in loads}, papers_of)


def start_saving(site, options, kept: KeptFiles, fingerprints, inputs: tuple[str, tuple],
                 writer) -> Saving | None:
    """Fork a child that pickles the snapshot while this process renders. Forked before
    rendering: the child's memory is the site's, not the site's and the pages' (its
    pickler's memo adds a few hundred MB at 100,000 papers)."""
    from .outputs import bibtex

    pickle_path, head_path = _paths(site.site_dir, writer.output)
    key = _secret()
    try:
        head_path.unlink(missing_ok=True)      # it describes the output before this build
        pickle_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if key is None:
        return None
    ident = uuid.uuid4().hex
    catalog = site.catalog
    keys = bibtex._key_memo[1] if bibtex._key_memo and bibtex._key_memo[0] is catalog else {}
    state = {
        "version": VERSION, "key": _key(options), "id": ident,
        "loads": kept.loads,
        "site": site, "fingerprints": fingerprints, "files_of": kept.papers_of,
        "templates": inputs[0], "static": inputs[1], "warnings": site.diagnostics.warnings,
        "keys": keys,
    }

    def child() -> None:   # write the file, never return into the build
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
            gc.disable()   # it pickles and exits: its passes would walk the pickler's work
            writer.drop_lock_in_child()
            catalog.rank_all()
            _dump(state, pickle_path, key)
            code = 0
        except BaseException:   # noqa: BLE001 — no snapshot; the next build is a full one
            pass
        os._exit(code)

    pid = forking.fork(child)
    return Saving(pid, ident, pickle_path, head_path, key, _file_set(kept.loads),
                  _fits(options, inputs))


def save_pieces(saving: Saving | None, site, renderer) -> None:
    """After rendering: each paper's BibTeX entry and CSL-JSON item as the build made
    them (they make papers.bib and papers.json, which an edit renders again whole), and
    its list entries (an edit renders its authors' pages, which list all their papers)."""
    from .outputs import bibtex
    from .pipeline import csl_memo

    if saving is None:
        return
    catalog, router = site.catalog, site.router
    memos = {"bib": bibtex.entry_memo.items if bibtex.entry_memo.owned_by(catalog) else {},
             "csl": csl_memo.items if csl_memo.owned_by(catalog, router) else {},
             **{f"entries:{variant}": kept for variant, kept in renderer.entries.items()}}
    try:
        _dump_pieces(saving.ident, memos, _pieces_path(saving.head), saving.key)
        saving.pieces = True
    except OSError:
        pass


# The pieces are about 400,000 strings at 100,000 papers: pickled one by one they took
# 1.5 s to restore. Each memo is written as its items one after the other (a memo of text
# as UTF-8 and indexed by characters, so it is decoded whole and sliced as text), then an
# index (each memo's ids, whether its items are text, where each item ends, the memo's
# size in bytes) and the index's length: a memo is restored with one read and one dict
# made in C from its slices (at 100,000 papers, 1.2–1.6 s with the signature check, where
# a slice and a decode per item in a Python loop took 1.7 s).

_CHUNK = 4096   # items joined per write: few writes, without a second copy of a memo


def _dump_pieces(ident: str, memos: dict[str, dict], path: Path, key: bytes) -> None:
    index = {}
    with _signed_file(path, key) as signing:
        for name, memo in memos.items():
            values = list(memo.values())
            text = all(isinstance(value, str) for value in values)
            if not text:
                values = [_utf8(value) for value in values]
            size = 0
            for i in range(0, len(values), _CHUNK):
                chunk = values[i:i + _CHUNK]
                size += signing.write("".join(chunk).encode("utf-8") if text
                                      else b"".join(chunk))
            index[name] = (list(memo), text, list(itertools.accumulate(map(len, values))),
                           size)
        head = pickle.dumps({"version": VERSION, "id": ident, "index": index},
                            protocol=pickle.HIGHEST_PROTOCOL)
        signing.write(head)
        signing.write(len(head).to_bytes(8, "little"))


def _utf8(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _load_pieces(path: Path, key: bytes, check=_never) -> dict | None:
    """What `_dump_pieces` wrote: {"id": ..., memo name: {paper id: item}}; None for
    anything else (checked before anything is unpickled, as `_load` does)."""
    try:
        with open(path, "rb") as fh:
            if not _verified(fh, key, check):
                return None
            end = os.fstat(fh.fileno()).st_size - _MAC_SIZE - 8
            fh.seek(end)
            size = int.from_bytes(fh.read(8), "little")
            fh.seek(end - size)
            head = pickle.loads(fh.read(size))
            if head.get("version") != VERSION:
                return None
            fh.seek(0)
            pieces = {"id": head["id"]}
            for name, (ids, text, ends, size) in head["index"].items():
                check()
                data = fh.read(size)
                if text:
                    data = data.decode("utf-8")
                slices = map(slice, itertools.chain((0,), ends), ends)
                pieces[name] = dict(zip(ids, map(data.__getitem__, slices)))
            return pieces
    except NotNeeded:
        raise
    except Exception:   # noqa: BLE001 — signed by this user but of another engine, ...
        return None


def _pieces_path(head: Path) -> Path:
    return head.with_suffix(".pieces")


def finish_saving(saving: Saving | None, token: str | None, timings: dict) -> None:
    """Wait for the child; name its snapshot in the head with the output's new token."""
    if saving is None:
        return
    t = time.perf_counter()
    _, status = os.waitpid(saving.pid, 0)
    timings["snapshot"] = time.perf_counter() - t
    if status == 0 and token and saving.pieces:
        _write_head(saving.head, {"version": VERSION, "id": saving.ident, "token": token,
                                  "files": saving.files, "fits": saving.fits, "loads": {}},
                    saving.key)


def cancel_saving(saving: Saving | None) -> None:
    """The build failed or was interrupted: stop the child, leave no head and nothing
    it had begun to write (killed, it cannot remove that itself)."""
    if saving is not None:
        forking.kill_and_reap(saving.pid)
        discard_aside(saving.pickle, saving.pid)


def _write_head(path: Path, head: dict, key: bytes) -> None:
    with contextlib.suppress(OSError):
        _dump(head, path, key)


# --- starting from one --------------------------------------------------------------------


@dataclass
class Scan:
    """The content files as a child of `start_build` found them while this process
    restored the snapshot (`changes.input_signature`)."""

    inputs: str | None     # the inputs' signature; None when a file is too recent to tell
    sources: list | None   # the content files (loading.SourceFile); None after a problem
                           # (a link out of the site) that the full build reports


def start_build(options, signatures: tuple, say, start: float, started: int):
    """A build that starts from the last build's snapshot, when there is one that fits
    (this engine, templates, static file names and options; `signatures`: the templates'
    and static files', taken at the build's start) and the output is the one it was made
    for. A child looks at every content file and at the output while this process
    restores the snapshot (at 100,000 papers, 1–2 s for the files and 4–6 s for the
    restore, which were one after the other). Then, by what the child found:

    - nothing changed: the report of a build with nothing to do (the restore stopped as
      soon as the child's answer came);
    - only papers' text changed: the text-edit path from the snapshot, and its report;
    - anything else: the child's `Scan`, for the caller's full build (the restore stopped,
      or freed).

    None when there is no such snapshot: the caller looks at the files and builds. A
    BuildError is raised only for problems the full path would report too."""
    from .pipeline import without_cycle_collector

    # The manifest and the snapshot are millions of objects and no garbage.
    with without_cycle_collector():
        try:
            result = _start_build(options, signatures, say, start, started)
        finally:
            gc.unfreeze()
    if isinstance(result, Scan):
        _forget_memos()
        gc.collect()   # a snapshot restored in vain (or in part): its cycles, before a full build
    return result


def _forget_memos() -> None:
    """The per-paper memos a restore filled (`_restore_memos`) hold the restored catalog:
    kept, it would sit under the full build that follows (its parse workers fork with it)
    until that build's own memos replace it."""
    from . import fragments
    from .outputs import bibtex
    from .pipeline import csl_memo

    fragments.forget()
    csl_memo.forget()
    bibtex._key_memo = None


def _look(site_dir: Path, options, writer):
    """The child's part of `start_build`: the content files (a `Scan`), then whether the
    output is as its manifest says, each sent as soon as it is known."""
    from .changes import input_signature
    from .pipeline import _options_key

    sources: list = []
    inputs = input_signature(site_dir, _options_key(options), sources)
    yield Scan(inputs, sources or None)
    yield output_intact(writer)


class _Answer:
    """What `start_build`'s child found, and the path it means for the build: "edit",
    "unchanged" (with the last build's quiet state), "full", or "unknown" when the child
    failed. Called by the restore between two reads, it takes each part of the answer as
    soon as it comes, and stops the restore (NotNeeded) once the snapshot will not be
    used: with the content files alone when nothing changed (the snapshot serves only a
    change) or when the change is more than text; with the output's check when the output
    was changed by hand."""

    def __init__(self, child, decide):
        self.child, self.decide = child, decide
        self.scan = self.path = self.quiet = self.intact = None

    def __call__(self) -> None:
        if self.path is None and self.child.ready():
            self._take_scan()
        if self.path == "edit" and self.intact is None and self.child.ready():
            self._take_intact()
        if self.path is not None and (self.path != "edit" or self.intact is False):
            raise NotNeeded()

    def wait(self) -> tuple:
        """(scan, path, quiet state) once the path is known, waiting for the child."""
        if self.path is None:
            self._take_scan()
        if self.path in ("edit", "unchanged") and self.intact is None:
            self._take_intact()
        if self.path in ("edit", "unchanged") and not self.intact:
            self.path = "full"   # the output was changed since: no shortcut
        return self.scan, self.path, self.quiet

    def _take_scan(self) -> None:
        try:
            self.scan = self.child.result()
        except Exception:   # noqa: BLE001 — the caller looks at the files itself
            self.path = "unknown"
            return
        self.path, self.quiet = self.decide(self.scan)

    def _take_intact(self) -> None:
        try:
            self.intact = bool(self.child.result())
        except Exception:   # noqa: BLE001
            self.path = "unknown"


def _path_for(scan: Scan, head: dict, quiet_file: Path, writer) -> tuple[str, dict | None]:
    """The path a build takes by its content files, if the output is intact: "unchanged"
    (with the last build's quiet state), "edit" or "full"."""
    if scan.inputs is None:
        return "full", None
    quiet = quiet_state(quiet_file, scan.inputs)
    if quiet is not None and quiet.get("output") == writer.old_token:
        return "unchanged", quiet
    if scan.sources is None or head.get("files") != _file_set(s.rel for s in scan.sources):
        return "full", None   # a file added or removed, a link out of the site, ...
    return "edit", None


def _start_build(options, signatures, say, start, started):
    from .forking import Child
    from .pipeline import CACHE_DIR, _display, output_folder, quiet_report, writing
    from .rendering import make_environment
    from .session import NeedsFullBuild, Session
    from .writer import OutputWriter

    site_dir, output = Path(options.site_dir), output_folder(options)
    pickle_path, head_path = _paths(site_dir, output)
    key = _secret()
    head = _load(head_path, key) if key is not None else None
    if not isinstance(head, dict) or head.get("version") != VERSION \
            or head.get("fits") != _fits(options, signatures):
        return None   # no snapshot; or the engine, a template, a static name, an option changed
    state_file = state_path(site_dir, output, CACHE_DIR)
    quiet_file = quiet_path(state_file)
    t = time.perf_counter()
    writer = OutputWriter(output, _display(output, site_dir))
    with writing(writer):
        writer.open(wait_message=say)
        if writer.old_token != head.get("token"):
            writer.abort()
            return None   # another build wrote the output since the snapshot
        child = Child(lambda: _look(site_dir, options, writer))
        try:
            answer = _Answer(child, lambda scan: _path_for(scan, head, quiet_file, writer))
            try:
                base = _load(pickle_path, key, answer)
                pieces = _load_pieces(_pieces_path(head_path), key, answer)
            except NotNeeded:
                base = pieces = None
            scan, path, quiet = answer.wait()
        finally:
            child.stop()
        manifest = writer.old
        writer.abort()
    if path == "unknown":
        return None
    if path == "unchanged":
        return quiet_report(quiet, output, len(manifest), start)
    if path == "full":
        return scan
    # The snapshot is most of the heap and is kept to the end: the collector, on again for
    # the edit's own garbage, leaves it alone instead of walking it at every pass.
    gc.freeze()
    gc.enable()
    if not isinstance(base, dict) or base.get("version") != VERSION \
            or base.get("id") != head.get("id") or base.get("key") != _key(options) \
            or not isinstance(pieces, dict) or pieces.get("id") != head.get("id"):
        return scan
    site = base["site"]
    session = Session(options, on_disk=True, token=head["token"])
    session.loads, session.built = dict(base["loads"]), dict(base["loads"])
    session.site, session.fingerprints = site, base["fingerprints"]
    session.files_of, session.warnings = base["files_of"], base["warnings"]
    session.templates, session.static = base["templates"], base["static"]
    session.manifest = manifest
    session.entries = {name.removeprefix("entries:"): kept for name, kept in pieces.items()
                       if name.startswith("entries:")}
    _restore_memos(site, base, pieces)
    digests = {rel: load.digest for rel, load in base["loads"].items()}
    loaded = time.perf_counter() - t
    try:
        if head["loads"]:   # the edits since the snapshot, as the output shows them
            session.loads.update(head["loads"])
            _, session.warnings = session.patch(sorted(head["loads"]))
            session.built.update(head["loads"])
        session.env = make_environment(site_dir, site_dir / CACHE_DIR)
        report = session.rebuild_text(scan.sources, signatures)
    except NeedsFullBuild:
        return scan
    report.timings = {"snapshot": loaded, **report.timings}
    report.seconds = time.perf_counter() - start
    edited = {rel: load for rel, load in session.built.items() if digests.get(rel) != load.digest}
    if settled(session.loads.values(), started):
        _write_head(head_path, {"version": VERSION, "id": base["id"], "token": session.token,
                                "files": _file_set(session.loads), "fits": head["fits"],
                                "loads": edited}, key)
    else:
        head_path.unlink(missing_ok=True)   # the next build is a full one
    if session.restructure:
        state_file.unlink(missing_ok=True)   # its structure hash no longer holds
    elif load_state(state_file, head["token"]) is not None:
        save_state(state_file, session.fingerprints, session.token)
    save_quiet_state(quiet_file, scan.inputs, session.token, report.pages, report.warnings)
    return report


def _restore_memos(site, base: dict, pieces: dict) -> None:
    """Each paper's BibTeX entry, CSL-JSON item and citation key as the snapshot's build
    made them, now owned by the restored catalog and router."""
    from .outputs import bibtex
    from .pipeline import csl_memo

    bibtex.entry_memo.of(site.catalog).update(pieces["bib"])
    csl_memo.of(site.catalog, site.router).update(pieces["csl"])
    if base["keys"]:
        bibtex._key_memo = (site.catalog, base["keys"])
