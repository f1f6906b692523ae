"""The preview's build session: rebuilds after edits give what a fresh build gives.

`Session.rebuild` keeps the site in memory between saves and, for an edit of papers'
text, re-renders only the pages that show them. Whatever path it takes, the output after
any sequence of edits must be byte-identical to a fresh `build` of the same content (the
manifest aside: it records file times). Each test applies edits through one session and
compares with a fresh build into another folder after every step.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import write_files
from papersite.diagnostics import BuildError, Diagnostics
from papersite.pipeline import BuildOptions, build
from papersite.session import Session
from papersite.writer import MANIFEST

SITE = {
    "site.yaml": """\
        title: Session
        base_url: https://example.org/lab/
        owner: ada
        paginate: 2
        listings:
          - {slug: popular, title: Popular, sort: [-upvotes, -date], group_by: none}
          - {slug: seen, title: Vision, filter: {tags: vision}, group_by: month}
          - {slug: by-venue, title: By venue, sort: [-upvotes], group_by: venue}
        """,
    "content/authors/ada.yaml": "name: Ada Lovelace\naliases: [A. Lovelace]\n",
    "content/authors/grace.yaml": "name: Grace Hopper\npapers: [list-b]\n",
    "content/venues.yaml": "- {id: cvpr, short: CVPR, name: Computer Vision and Pattern Recognition}\n",
    "content/tags.yaml": "vision: {description: Seeing}\n",
    "content/pages/about.md": "---\ntitle: About\n---\nHello.\n",
    "static/css/extra.css": "body { color: black; }\n",
    "content/papers/alpha.yaml": """\
        title: Alpha learning
        authors: [Ada Lovelace, Alan Turing]
        date: 2023-05-01
        venue: CVPR
        tags: [vision]
        upvotes: 10
        abstract: The first abstract.
        """,
    "content/papers/beta.yaml": """\
        title: Beta learning
        authors: [Alan Turing, Grace Hopper]
        date: 2023-05-01
        venue: CVPR
        tags: [vision, graphs]
        upvotes: 5
        """,
    "content/papers/gamma.yaml": """\
        title: Gamma
        authors: [Ada Lovelace]
        year: 2022
        tags: [graphs]
        citations: 12
        """,
    "content/papers/list.yaml": """\
        - id: list-a
          title: Listed A
          authors: [Ada Lovelace, Jin]
          date: 2021-02-03
          upvotes: 7
        - id: list-b
          title: Listed B
          authors: [Alan Turing]
          year: 2020
          et_al: true
        """,
    # Papers the edits do not touch: pages a text edit must not render.
    "content/papers/others.yaml": "".join(
        f"- {{id: other-{i}, title: Other {i}, authors: [Person {i % 7}, Person {i % 5}], "
        f"year: {2000 + i % 9}, tags: [tag{i % 4}]}}\n" for i in range(30)),
}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


class Edits:
    """A site, a session building it into `_preview`, and a fresh build to compare."""

    def __init__(self, root: Path, jobs: int = 1):
        self.site = write_files(root / "site", SITE)
        self.root = root
        self.output = self.site / "_preview"
        self.session = Session(BuildOptions(site_dir=self.site, output=self.output,
                                            search=False, jobs=jobs))
        self.fresh_builds = 0
        self.last = self.session.rebuild()

    def write(self, rel: str, text: str) -> None:
        write_files(self.site, {rel: text})

    def replace(self, rel: str, old: str, new: str) -> None:
        path = self.site / rel
        text = path.read_text("utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), "utf-8")

    def rebuild(self, *named: str):
        self.last = self.session.rebuild(named)
        self.check()
        return self.last

    def check(self) -> None:
        """The preview holds exactly what a fresh build writes."""
        self.fresh_builds += 1
        fresh = self.root / f"fresh-{self.fresh_builds}"
        report = build(BuildOptions(site_dir=self.site, output=fresh, search=False,
                                    use_cache=False, jobs=1))
        mine, theirs = snapshot(self.output), snapshot(fresh)
        assert sorted(mine) == sorted(theirs)
        assert [rel for rel in theirs if mine[rel] != theirs[rel]] == []
        assert [str(w) for w in self.last.warnings] == [str(w) for w in report.warnings]
        assert self.last.pages == report.pages and self.last.files == report.files


@pytest.fixture
def edits(tmp_path):
    return Edits(tmp_path)


def test_text_edits_render_only_the_pages_that_show_the_paper(edits):
    everything = edits.last.rendered
    assert everything > 150
    edits.replace("content/papers/alpha.yaml", "The first abstract.", "A *new* abstract.")
    report = edits.rebuild("content/papers/alpha.yaml")
    assert 0 < report.rendered < everything / 3
    assert "papers/alpha/index.html" in report.changed
    assert "papers/gamma/index.html" not in report.changed
    # A title that keeps the paper's place (its citation key changes: alpha2023alpha is
    # now alpha2023better... written on its page, its .bib and the site's).
    edits.replace("content/papers/alpha.yaml", "Alpha learning", "Alpha, better learning")
    report = edits.rebuild()
    assert report.rendered < everything / 3
    # In "By venue", list-a (7 upvotes) comes after beta (5): first in the next group.
    assert [e.id for e in edits.session.site.catalog.listings["by-venue"]][:3] == [
        "alpha", "beta", "list-a"]
    edits.replace("content/papers/list.yaml", "Listed A", "Listed A, revised")
    assert edits.rebuild("content/papers/list.yaml").rendered < everything / 3


def test_list_entries_of_unedited_papers_are_kept_between_text_edits(edits):
    # An edit renders its authors' pages, which list all their papers: the entries of
    # the papers that did not change are reused, the edited paper's are made again.
    kept = edits.session.entries["entry"]
    gamma, alpha = kept["gamma"], kept["alpha"]
    assert "Gamma" in gamma and "Alpha learning" in alpha
    edits.replace("content/papers/alpha.yaml", "Alpha learning", "Alpha learning, again")
    edits.rebuild()
    kept = edits.session.entries["entry"]
    assert kept["gamma"] is gamma
    assert "Alpha learning, again" in kept["alpha"]
    # Any other change takes the full path, which renders every entry afresh.
    edits.replace("content/authors/ada.yaml", "Ada Lovelace", "Ada King")
    edits.rebuild()
    assert edits.session.entries["entry"]["gamma"] is not gamma


def test_the_files_an_edit_renders_are_those_a_full_selection_picks(edits):
    # A text edit makes only the file tasks of the pages it renders; select_tasks over
    # every file of the site must pick exactly the same.
    from papersite.changes import pages_showing, select_tasks
    from papersite.pipeline import file_tasks

    catalog = edits.session.site.catalog
    every = file_tasks(catalog)
    assert file_tasks(catalog, set()) == []
    for entry in catalog.entries:
        pages = pages_showing(catalog, [entry.id])
        picked = select_tasks(every, pages)[0]
        assert sorted(file_tasks(catalog, pages)) == sorted(picked)
        linked = [b for b in entry.bylines if b.person]
        assert any(task.kind == "person_bib" for task in picked) == bool(linked)


def test_a_save_that_changes_nothing_writes_nothing(edits):
    edits.write("content/papers/gamma.yaml", (edits.site / "content/papers/gamma.yaml")
                .read_text("utf-8"))
    report = edits.rebuild("content/papers/gamma.yaml")
    assert (report.rendered, report.written, report.removed) == (0, 0, 0)


def test_citation_keys_that_change_with_a_title(edits):
    # Two papers whose keys share a stem get suffixes; a title edit that gives one of
    # them another stem changes the other's key too.
    edits.replace("content/papers/beta.yaml", "Beta learning", "Alpha learning too")
    edits.replace("content/papers/beta.yaml", "authors: [Alan Turing, Grace Hopper]",
                  "authors: [Ada Lovelace, Grace Hopper]")
    edits.rebuild()
    assert "@inproceedings{lovelace2023alphaa," in (edits.output / "papers.bib").read_text()
    edits.replace("content/papers/beta.yaml", "Alpha learning too", "Another title")
    report = edits.rebuild("content/papers/beta.yaml")
    assert report.rendered < 50
    assert "@inproceedings{lovelace2023alpha," in (edits.output / "papers.bib").read_text()


@pytest.mark.parametrize("rel, old, new", [
    # its place in lists: the date, a tie broken by the title, a listing's sort field
    ("content/papers/gamma.yaml", "year: 2022", "year: 2024"),
    ("content/papers/beta.yaml", "Beta learning", "Aardvark learning"),
    ("content/papers/list.yaml", "upvotes: 7", "upvotes: 70"),
    # what resolves it: authors, venue, tags, redirects, draft
    ("content/papers/gamma.yaml", "[Ada Lovelace]", "[Ada Lovelace, Grace Hopper]"),
    ("content/papers/beta.yaml", "venue: CVPR", "venue: ICCV"),
    ("content/papers/beta.yaml", "tags: [vision, graphs]", "tags: [graphs]"),
    ("content/papers/gamma.yaml", "citations: 12", "citations: 12\nredirect_from: [old-g]"),
    ("content/papers/gamma.yaml", "citations: 12", "citations: 12\ndraft: true"),
    ("content/papers/list.yaml", "- id: list-a", "- id: list-z"),
    # everything else
    ("site.yaml", "title: Session", "title: Session two"),
    ("content/authors/ada.yaml", "name: Ada Lovelace", "name: Ada King"),
    ("content/venues.yaml", "short: CVPR", "short: CVPR!"),
    ("content/tags.yaml", "Seeing", "Looking"),
    ("content/pages/about.md", "Hello.", "Hello again."),
    ("static/css/extra.css", "black", "navy"),
])
def test_every_kind_of_edit_gives_what_a_fresh_build_gives(edits, rel, old, new):
    edits.replace(rel, old, new)
    edits.rebuild(rel)
    edits.replace(rel, new, old)      # and back
    edits.rebuild(rel)


def test_files_and_templates_added_and_removed(edits):
    edits.write("content/papers/delta.yaml", "title: Delta\nauthors: [Ada Lovelace]\n"
                                              "year: 2019\n")
    edits.rebuild()
    edits.write("static/img/new.txt", "a new static file\n")
    edits.rebuild()
    edits.write("templates/_entry.html", (Path(__file__).parent.parent / "papersite" / "theme"
                                          / "templates" / "_entry.html").read_text("utf-8")
                + "<!-- site override -->\n")
    edits.rebuild()
    assert "site override" in (edits.output / "papers/index.html").read_text()
    edits.replace("content/papers/delta.yaml", "title: Delta", "title: Delta two")
    edits.rebuild("content/papers/delta.yaml")
    (edits.site / "content/papers/delta.yaml").unlink()
    (edits.site / "static/img/new.txt").unlink()
    (edits.site / "templates/_entry.html").unlink()
    edits.rebuild()
    assert not (edits.output / "papers/delta").exists()


def test_a_bad_edit_fails_and_leaves_everything_as_it_was(edits):
    before = snapshot(edits.output)
    for text in ["title: [unclosed\n", "title: Alpha learning\nauhtors: [x]\nyear: soon\n"]:
        edits.write("content/papers/alpha.yaml", text)
        with pytest.raises(BuildError) as failed:
            edits.session.rebuild(["content/papers/alpha.yaml"])
        assert all(d.path == "content/papers/alpha.yaml" for d in failed.value.diagnostics)
        assert snapshot(edits.output) == before
    # Fixed with different text: the session recovers from its last good state.
    edits.write("content/papers/alpha.yaml", textwrap.dedent(SITE["content/papers/alpha.yaml"])
                .replace("The first abstract.", "Fixed."))
    report = edits.rebuild("content/papers/alpha.yaml")
    assert "papers/alpha/index.html" in report.changed


def test_unknown_fields_warn_and_stop_warning_as_they_are_edited(edits):
    edits.replace("content/papers/gamma.yaml", "citations: 12", "citations: 12\nnotes: x")
    assert [w.field for w in edits.rebuild().warnings] == ["notes"]
    edits.replace("content/papers/gamma.yaml", "notes: x", "noted: x")
    assert [w.field for w in edits.rebuild().warnings] == ["noted"]
    edits.replace("content/papers/gamma.yaml", "\nnoted: x", "")
    assert edits.rebuild().warnings == []


def test_warnings_of_resolving_the_catalog_stay_through_text_edits(edits):
    """A venue that nearly names one ('CPVR') and an author written family name first are
    warned about while the catalog is resolved, not by validation; a text edit of their
    file dropped them from the next build's warnings (check() compares with a fresh
    build's). They come back, at their line as it is after the edit."""
    edits.replace("content/papers/beta.yaml", "venue: CVPR", "venue: CPVR")
    edits.replace("content/papers/beta.yaml", "Grace Hopper]", "'Lovelace, Ada']")
    fields = sorted(w.field for w in edits.rebuild().warnings)
    assert fields == ["authors[1]", "venue"]
    edits.replace("content/papers/beta.yaml", "title: Beta learning",
                  "title: Beta learning,\n  at length")
    assert sorted(w.field for w in edits.rebuild().warnings) == fields
    edits.replace("content/papers/beta.yaml", "at length", "at more length")
    assert sorted(w.field for w in edits.rebuild().warnings) == fields


def test_a_long_sequence_of_mixed_edits(edits):
    steps = [
        ("content/papers/alpha.yaml", "The first abstract.", "Second."),
        ("content/papers/beta.yaml", "upvotes: 5", "upvotes: 50"),
        ("content/papers/alpha.yaml", "Second.", "Third, with $x^2$."),
        ("content/authors/grace.yaml", "name: Grace Hopper", "name: Grace B. Hopper"),
        ("content/papers/gamma.yaml", "title: Gamma", "title: Gamma rays"),
        ("content/papers/list.yaml", "title: Listed B", "title: Listed B (again)"),
        ("content/papers/alpha.yaml", "Third, with $x^2$.", "Fourth."),
    ]
    for rel, old, new in steps:
        edits.replace(rel, old, new)
        edits.rebuild(rel)


def test_a_template_that_fails_on_one_edit_then_recovers(edits):
    # The failure comes after the catalog took the new text: the next rebuild must not
    # trust what the session remembers of the output.
    theme = Path(__file__).parent.parent / "papersite" / "theme" / "templates"
    edits.write("templates/paper.html", (theme / "paper.html").read_text("utf-8").replace(
        "{% block main %}", "{% block main %}{% if 'Boom' in heading %}{{ no_such_thing }}"
        "{% endif %}", 1))
    edits.rebuild()
    before = snapshot(edits.output)
    edits.replace("content/papers/gamma.yaml", "title: Gamma", "title: Gamma Boom")
    with pytest.raises(BuildError) as failed:
        edits.session.rebuild(["content/papers/gamma.yaml"])
    assert [d.path for d in failed.value.diagnostics] == ["templates/paper.html"]
    assert snapshot(edits.output) == before
    assert edits.session.site is None     # it failed on the text-edit path: start afresh
    edits.replace("content/papers/gamma.yaml", "title: Gamma Boom", "title: Gamma fine")
    edits.rebuild("content/papers/gamma.yaml")


def test_with_search_the_index_follows_edits(tmp_path):
    # The index holds every paper's text: with --search the session takes the path of
    # `build`. (Pagefind's filter and meta files differ between two fresh builds of the
    # same content: only the pages and the index's fragments are compared.)
    site = write_files(tmp_path / "site", SITE)
    session = Session(BuildOptions(site_dir=site, output=site / "_preview", search=True,
                                   jobs=1))
    session.rebuild()
    path = site / "content/papers/alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("The first abstract.", "Zebra words."))
    session.rebuild(["content/papers/alpha.yaml"])
    build(BuildOptions(site_dir=site, output=tmp_path / "fresh", search=True,
                       use_cache=False, jobs=1))
    mine, theirs = snapshot(site / "_preview"), snapshot(tmp_path / "fresh")
    def steady(files):   # the pages, and the index's fragments (one per page, by content)
        return {rel: data for rel, data in files.items() if not rel.startswith("pagefind/")
                or rel.startswith("pagefind/fragment/")}

    assert steady(mine) == steady(theirs)


def test_a_first_build_reads_the_files_in_parallel_and_later_ones_only_the_changed(
        tmp_path, monkeypatch):
    """The preview's first build parses every file in `jobs` processes, as `build` does
    (from loading.PARALLEL_FILES files on: here from one); a save re-reads that file."""
    from papersite import forking, loading

    monkeypatch.setattr(loading, "PARALLEL_FILES", 1)
    parsed = []
    real = forking.in_runs

    def counted(count, size, work, jobs, *rest, **options):
        parsed.append((count, jobs))
        return real(count, size, work, jobs, *rest, **options)

    monkeypatch.setattr(forking, "in_runs", counted)
    edits = Edits(tmp_path, jobs=2)
    edits.check()
    files = len(loading.source_files(edits.site, Diagnostics()))
    assert parsed == [(files, 2)]
    edits.replace("content/papers/alpha.yaml", "Alpha learning", "Alpha learning, again")
    edits.rebuild()
    assert parsed == [(files, 2), (1, 2)]
