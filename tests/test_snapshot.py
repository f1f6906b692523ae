"""Builds that start from the last build's snapshot (snapshot.py) give what a fresh build
gives, and take that path only when it is safe.

After a full build without search, the next `build` of a change to papers' text restores
the snapshot and renders only the pages that show the papers. After every step, the
output must be byte-identical to a fresh build of the same content into another folder;
each report's timings say which path the build took.
"""

from __future__ import annotations

import gc
import os
import pickle
import time
from pathlib import Path

import pytest

from conftest import write_files
from test_session import SITE, snapshot as files_in
from papersite.changes import RACY_SECONDS
from papersite.diagnostics import BuildError
from papersite.pipeline import BuildOptions, build


class Site:
    """A site folder built into `_site` by `build` (cache on, no search)."""

    def __init__(self, root: Path):
        self.root = root
        self.folder = write_files(root / "site", SITE)
        self.output = self.folder / "_site"
        self.fresh = 0

    def build(self, **options):
        time.sleep(2 * RACY_SECONDS)   # older than "racy": the snapshot may be used
        return build(BuildOptions(site_dir=self.folder, search=False, jobs=1, **options))

    def replace(self, rel: str, old: str, new: str) -> None:
        path = self.folder / rel
        text = path.read_text("utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), "utf-8")

    def edit(self, rel: str, old: str, new: str):
        """Replace text in a file, build, compare with a fresh build; the build's report."""
        self.replace(rel, old, new)
        report = self.build()
        self.check()
        return report

    def check(self) -> None:
        """The output holds exactly what a fresh build writes."""
        self.fresh += 1
        fresh = self.root / f"fresh-{self.fresh}"
        build(BuildOptions(site_dir=self.folder, output=fresh, search=False, use_cache=False,
                           jobs=1))
        mine, theirs = files_in(self.output), files_in(fresh)
        assert sorted(mine) == sorted(theirs)
        assert [rel for rel in mine if mine[rel] != theirs[rel]] == []

    def snapshot_files(self) -> list[Path]:
        return sorted((self.folder / ".papersite-cache").glob("snapshot-*"))


def from_snapshot(report) -> bool:
    return "snapshot" in report.timings and "validate" not in report.timings


def in_full(report) -> bool:
    return "validate" in report.timings


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)


def test_a_build_leaves_a_paused_collector_paused(site):
    """A caller that paused the collector finds it paused after a build, also after one
    that starts from the snapshot, whose edit path turns the collector on for itself."""
    site.build()
    gc.disable()
    try:
        report = site.edit("content/papers/alpha.yaml", "The first abstract.", "New.")
        assert from_snapshot(report) and not gc.isenabled()
    finally:
        gc.enable()


def test_text_edits_start_from_the_snapshot_and_equal_a_fresh_build(site):
    first = site.build()
    assert in_full(first) and "snapshot" in first.timings      # written while rendering
    assert [p.suffix for p in site.snapshot_files()] == [".head", ".pickle", ".pieces"]

    report = site.edit("content/papers/alpha.yaml", "The first abstract.", "A new abstract.")
    assert from_snapshot(report) and 0 < report.rendered < first.rendered / 2

    site.replace("content/papers/list.yaml", "title: Listed A", "title: Listed A, revised")
    assert from_snapshot(site.edit("content/papers/beta.yaml", "title: Beta learning",
                                   "title: Beta learning 2"))

    # Back to the snapshot's own text: the pages must follow (the output showed the edit).
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "A new abstract.",
                                   "The first abstract."))
    assert "The first abstract." in (site.output / "papers/alpha/index.html").read_text("utf-8")

    # A new first title word: a new citation key, still text.
    assert from_snapshot(site.edit("content/papers/gamma.yaml", "title: Gamma", "title: Omega"))
    assert "omega" in (site.output / "papers/gamma.bib").read_text("utf-8")

    # Nothing changed since: the quiet path, as after any build.
    assert set(site.build().timings) == {"check"}


def test_changes_beyond_text_are_built_in_full_and_give_a_new_snapshot(site):
    site.build()
    assert in_full(site.edit("content/papers/gamma.yaml", "year: 2022", "year: 2019"))  # moves
    (site.folder / "content/papers/new.yaml").write_text("title: New\nauthors: [Ada Lovelace]\n")
    assert in_full(site.build())
    site.check()
    assert in_full(site.edit("site.yaml", "title: Session", "title: Session 2"))
    assert from_snapshot(site.edit("content/papers/new.yaml", "title: New", "title: Newer"))


def files_loaded(monkeypatch) -> list[str]:
    """What the builds do with the snapshot files from now on: the suffix of each file
    they read (.head, .pickle), and "stopped" when a restore is stopped because the
    content check found that the snapshot will not be used. Here the restore waits for
    that check's answer before it reads the pickle, as a restore of 100,000 papers
    outlasts the check (a few files are restored before a child has even started)."""
    from papersite import snapshot

    loaded: list[str] = []
    load = snapshot._load

    def patient(path, key, check=snapshot._never):
        loaded.append(path.suffix)
        try:
            deadline = time.monotonic() + 60
            while path.suffix == ".pickle" and getattr(check, "path", "") is None:
                assert time.monotonic() < deadline, "the content check never answered"
                check()
                time.sleep(0.005)
            return load(path, key, check)
        except snapshot.NotNeeded:
            loaded.append("stopped")
            raise

    monkeypatch.setattr(snapshot, "_load", patient)
    return loaded


def test_a_file_added_or_removed_is_built_in_full_and_the_restore_stopped(site, monkeypatch):
    site.build()
    restored = files_loaded(monkeypatch)
    (site.folder / "content/papers/new.yaml").write_text("title: New\nauthors: [Jin]\n")
    assert in_full(site.build())
    (site.folder / "content/papers/new.yaml").unlink()
    assert in_full(site.build())
    site.check()
    assert restored == [".head", ".pickle", "stopped"] * 2
    # The heads written since (by the full build, then by an edit) name the files as they
    # are: text edits start from them.
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "The first abstract.",
                                   "A new abstract."))
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "A new abstract.",
                                   "A newer abstract."))
    assert restored[6:] == [".head", ".pickle"] * 2


def test_nothing_changed_stops_the_restore_and_reports_the_last_build(site, monkeypatch):
    """The files are looked at while the snapshot is restored: with nothing changed, the
    build stops the restore and says so, with the last build's warnings."""
    first = site.build()
    restored = files_loaded(monkeypatch)
    report = site.build()
    assert set(report.timings) == {"check"} and restored == [".head", ".pickle", "stopped"]
    assert (report.pages, report.files, report.warnings) == (
        first.pages, first.files, first.warnings)
    assert report.written == 0 and report.rendered == 0


def test_a_snapshot_restored_in_vain_is_not_kept_under_the_full_build(site, monkeypatch):
    """A change found to be more than text after the restore (a paper moved in its
    lists): the full build that follows starts with no memo holding the restored site."""
    from papersite import pipeline, snapshot
    from papersite.outputs import bibtex

    site.build()
    held = []
    prepare = pipeline.prepare
    monkeypatch.setattr(pipeline, "prepare", lambda *a, **k: (
        held.append((bibtex._key_memo, bibtex.entry_memo.items, pipeline.csl_memo.items)),
        prepare(*a, **k))[1])
    restored = []
    restore = snapshot._restore_memos
    monkeypatch.setattr(snapshot, "_restore_memos", lambda *a: (
        restored.append(True), restore(*a))[1])
    site.replace("content/papers/gamma.yaml", "year: 2022", "year: 2019")
    assert in_full(site.build())
    assert restored == [True] and held == [(None, {}, {})]
    site.check()


def test_a_template_or_option_change_is_built_in_full_without_restoring_the_snapshot(
        site, monkeypatch):
    site.build()
    restored = files_loaded(monkeypatch)
    write_files(site.folder, {"templates/footer-note.html": "<p>Hosted by the lab.</p>\n"})
    assert in_full(site.build())
    assert in_full(site.build(drafts=True))
    assert ".pickle" not in restored and restored.count(".head") == 2
    assert in_full(site.build())       # back without drafts: the last head was for drafts
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "The first abstract.",
                                   "A new abstract."))


def test_an_output_changed_since_is_built_in_full(site):
    site.build()
    site.replace("content/papers/alpha.yaml", "The first abstract.", "Edited.")
    (site.output / "index.html").unlink()                     # by hand
    assert in_full(site.build())
    assert (site.output / "index.html").is_file()
    site.check()

    # Another build wrote the output (other options): the snapshot no longer describes it.
    site.build(drafts=True)
    assert in_full(site.edit("content/papers/alpha.yaml", "Edited.", "Edited again."))


@pytest.mark.parametrize("which", [".pickle", ".pieces", ".head"])
def test_a_damaged_snapshot_is_ignored(site, which):
    site.build()
    [damaged] = [p for p in site.snapshot_files() if p.suffix == which]
    damaged.write_bytes(b"\x80\x05not a pickle at all")
    assert in_full(site.edit("content/papers/alpha.yaml", "The first abstract.", "Edited."))
    # A new snapshot was written:
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "Edited.", "Edited again."))


def test_pieces_that_could_not_be_saved_leave_no_snapshot_to_use(site, monkeypatch):
    """When the papers' pieces cannot be written (a full disk), no head names the
    snapshot, and the next build of an edit is a full one, which writes a new one."""
    from papersite import snapshot

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapshot, "_dump_pieces", full_disk)
    assert in_full(site.build())
    assert ".head" not in [p.suffix for p in site.snapshot_files()]
    monkeypatch.undo()
    assert in_full(site.edit("content/papers/alpha.yaml", "The first abstract.", "Edited."))
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "Edited.", "Edited again."))


def test_a_snapshot_not_signed_by_this_user_is_never_unpickled(site, tmp_path, monkeypatch):
    """Snapshots are pickles: one made on another machine (or committed to a repository,
    or written by anyone without this user's key) is not loaded, not even its head."""
    site.build()
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for path in site.snapshot_files():
        path.write_bytes(pickle.dumps({"version": 1, "evil": Evil()}) + b"\0" * 32)
    assert in_full(site.edit("content/papers/alpha.yaml", "The first abstract.", "Edited."))
    assert not marker.exists()

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-machine"))
    assert in_full(site.edit("content/papers/alpha.yaml", "Edited.", "Edited again."))
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "again.", "once more."))


def test_a_bad_edit_is_reported_as_a_full_build_reports_it_and_the_output_kept(site):
    site.build()
    before = files_in(site.output)
    site.replace("content/papers/alpha.yaml", "title: Alpha learning", "title: [Alpha")
    with pytest.raises(BuildError) as error:
        site.build()
    assert [str(d).split(": ")[0] for d in error.value.diagnostics] == [
        "content/papers/alpha.yaml:2"]
    assert files_in(site.output) == before
    assert from_snapshot(site.edit("content/papers/alpha.yaml", "title: [Alpha",
                                   "title: Alpha learning, fixed"))   # the snapshot holds


def kept_for(cache: Path) -> dict[str, list[str]]:
    """Output key → the files kept for that output folder (state and snapshot)."""
    found: dict[str, list[str]] = {}
    for path in sorted(cache.iterdir()):
        kind, _, rest = path.name.partition("-")
        if kind in ("render", "inputs", "snapshot"):
            found.setdefault(rest.split(".")[0], []).append(path.name)
    return found


def test_a_site_built_into_many_folders_keeps_what_the_last_three_need(site):
    """The state and snapshot of the three output folders built last stay (the one just
    built always among them); those of older ones go. At 100,000 papers a snapshot is
    about 550 MB, and each folder a site was ever built into kept one."""
    from papersite.changes import output_key

    cache = site.folder / ".papersite-cache"
    outputs = [site.root / f"out-{i}" for i in range(5)]
    for out in outputs:
        site.build(output=out)
    # A file aside counts as its output's (of a running process: a dead one's goes at
    # the start of any build, test_faults.py).
    stray = cache / f"snapshot-{output_key(outputs[1])}.pickle.{os.getpid()}.tmp"
    stray.write_bytes(b"a write begun long ago")
    os.utime(stray, (time.time() - 86400, time.time() - 86400))
    site.build(output=outputs[4])   # nothing changed: the quiet path, which removes nothing
    assert sorted(kept_for(cache)) == sorted(output_key(o) for o in [outputs[1], *outputs[2:]])

    site.replace("content/papers/alpha.yaml", "The first abstract.", "Edited.")
    assert from_snapshot(site.build(output=outputs[4]))   # what stayed still serves
    assert in_full(site.build(output=outputs[0]))         # what went: a full build
    kept = kept_for(cache)
    assert sorted(kept) == sorted(output_key(o) for o in [outputs[0], *outputs[3:]])
    assert not stray.exists()
    assert [name.split(".", 1)[1] for name in kept[output_key(outputs[0])]] == [
        "json", "json", "head", "pickle", "pieces"]
    # The rest of the cache is not what this is about.
    assert (cache / "parsed.json").is_file() and (cache / "jinja").is_dir()
    site.output = outputs[0]
    site.check()


def test_builds_with_search_or_without_the_cache_keep_no_snapshot(site):
    site.build(use_cache=False)
    assert site.snapshot_files() == []
    build(BuildOptions(site_dir=site.folder, jobs=1))        # search: the default
    assert site.snapshot_files() == []


def test_pieces_come_back_as_written(tmp_path, monkeypatch):
    """Text memos are indexed by characters and decoded whole: items with characters of
    several bytes, items split across the writer's chunks, byte items and empty memos
    come back as they were."""
    from papersite import snapshot

    monkeypatch.setattr(snapshot, "_CHUNK", 3)
    key = b"k" * 32
    memos = {
        "bib": {f"p{i}": f"@misc{{k{i}, title = {{Ünïcödé {'é' * i} 論文 😀}}}}\n"
                for i in range(8)},
        "csl": {"a": b'{"title": "\xc3\xa9"}', "b": b"", "c": b"[1]"},
        "entries:full": {"x": "", "y": "<li>Łódź</li>"},
        "entries:compact": {},
    }
    path = tmp_path / "snapshot.pieces"
    snapshot._dump_pieces("ident", memos, path, key)
    assert snapshot._load_pieces(path, key) == {"id": "ident", **memos}
    assert snapshot._load_pieces(path, b"x" * 32) is None


def test_a_build_stopped_while_its_snapshot_is_written_leaves_no_part_of_it(site, monkeypatch):
    """The snapshot's writer is a child that the build kills when it is interrupted
    (Ctrl-C) or fails: what the child had begun to write is removed with it."""
    from papersite import snapshot

    def slow_dump(obj, path, key):   # in the child: begins the file, then is killed
        with snapshot._signed_file(path, key) as signing:
            signing.write(b"the beginning of a snapshot")
            signing.fh.flush()
            time.sleep(120)

    cache = site.folder / ".papersite-cache"

    def interrupted(*args):          # in the build, once the child has begun
        deadline = time.monotonic() + 60
        while not list(cache.glob("*.tmp")):
            assert time.monotonic() < deadline, "the child never began its file"
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshot, "_dump", slow_dump)
    monkeypatch.setattr(snapshot, "save_pieces", interrupted)
    with pytest.raises(KeyboardInterrupt):
        site.build()
    assert list(cache.glob("*.tmp")) == []
    assert site.snapshot_files() == []
