"""The engine seen from the outside: a small site folder in, every page kind out."""

from __future__ import annotations

import gc
import os
import re
import time
from pathlib import Path

import pytest

from conftest import read, run_cli
from papersite import pipeline
from papersite.diagnostics import BuildError
from papersite.pipeline import BuildOptions, build

SITE = """\
title: Lab Papers
description: Test lab
base_url: https://example.org/lab/
owner: ada
home: owner
paginate: 2
listings:
  - slug: ranked
    title: Ranked
    filter: {tags: ranked}
    sort: [-upvotes, -date]
    group_by: month
"""

PAPERS = """\
- id: alpha
  title: Alpha with $x^2$ math
  authors:
    - Ada Lovelace
    - {name: Grace Hopper, equal_contribution: true, corresponding: true, affiliation: Navy}
    - Jin
  year: 2023
  venue: Conf on Testing
  track: Main Track
  note: Best Paper
  abstract: An *abstract* with $\\alpha$.
  introduction: The introduction text.
  tags: [Ranked, Vision]
  category: cs.CV
  links: {pdf: https://example.org/alpha.pdf, code: https://github.com/x/alpha}
  arxiv: 2301.00001
  doi: 10.1234/alpha
  selected: true
  citations: 12
  upvotes: 5
  organization: Test Org
  date: 2023-03-04
- id: beta
  title: Beta
  authors: [Ada Lovelace, Alan Turing, B One, B Two, B Three, B Four, B Five, B Six, B Seven, B Eight, B Nine, B Ten]
  date: 2022-05-01
  venue: tc
  tags: [ranked]
  citations: 3
  upvotes: 9
- id: gamma
  title: Gamma undated
  authors: []
  author_count: 5
  tags: [ranked]
- id: delta
  title: Delta preprint
  authors: [A. Lovelace]
  et_al: true
  arxiv: 2201.00002
  year: 2022
"""

FILES = {
    "site.yaml": SITE,
    "content/papers/list.yaml": PAPERS,
    "content/papers/epsilon.yaml": """\
        title: Epsilon single file
        authors: [Grace Hopper]
        year: 2021
        type: journal
        venue: Journal of Tests
        redirect_from: [old-epsilon]
    """,
    "content/authors/ada.yaml": """\
        name: Ada Lovelace
        aliases: [A. Lovelace]
        affiliation: Analytical Engines
        position: Professor
        orcid: 0000-0002-1825-0097
        bio: Ada's **bio**.
    """,
    "content/venues.yaml": """\
        - id: tc
          short: TC
          name: Conference on Testing
          aliases: [Conf on Testing]
          url: https://tc.example.org/
    """,
    "content/tags.yaml": """\
        Vision: {description: Seeing things}
    """,
    "content/pages/about.md": """\
        ---
        title: About the lab
        slug: about
        nav_order: 1
        ---
        We **test** things.
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from conftest import write_files
    root = write_files(tmp_path_factory.mktemp("engine") / "site", FILES)
    report = build(BuildOptions(site_dir=root, search=False, jobs=1))
    assert report.pages > 0
    return root


def test_every_page_kind_is_written(site):
    out = site / "_site"
    for rel in ["index.html", "404.html", "papers/index.html", "papers/page/2/index.html",
                "papers/alpha/index.html", "papers/alpha.bib", "papers/epsilon/index.html",
                "papers/old-epsilon/index.html", "authors/index.html", "authors/ada/index.html",
                "authors/ada/papers.bib", "authors/ada/feed.xml", "authors/grace-hopper/index.html",
                "venues/index.html", "venues/tc/index.html", "venues/tc/2023/index.html",
                "venues/tc/2022/index.html", "venues/journal-of-tests/2021/index.html",
                "tags/index.html", "tags/vision/index.html", "tags/ranked/index.html",
                "years/index.html", "years/2023/index.html", "ranked/index.html",
                "ranked/page/2/index.html", "about/index.html", "feed.xml", "papers.bib",
                "papers.json", "sitemap.xml", "robots.txt", ".nojekyll", "search/index.html"]:
        assert (out / rel).is_file(), rel


def test_paper_page_shows_every_field(site):
    html = read(site, "papers/alpha/index.html")
    assert "<math" in html and "Alpha with" in html
    assert 'href="/lab/authors/ada/"' in html and 'class="owner"' in html
    assert 'title="Equal contribution">*' in html and 'title="Corresponding author">†' in html
    assert "(Navy)" in html
    assert "<span>Jin</span>" in html          # a surname alone is not linked
    assert "TC 2023" in html and 'href="/lab/venues/tc/2023/"' in html
    assert "Main Track" in html and "Best Paper" in html
    assert "<em>abstract</em>" in html and "The introduction text." in html
    assert 'href="/lab/tags/vision/"' in html and "cs.CV" in html
    assert 'href="https://example.org/alpha.pdf"' in html and ">Code<" in html
    assert 'href="https://arxiv.org/abs/2301.00001"' in html
    assert 'href="https://doi.org/10.1234/alpha"' in html
    assert "Test Org" in html and "<dd>5</dd>" in html and "<dd>12</dd>" in html
    assert "Mar 4, 2023" in html
    assert "@inproceedings{lovelace2023alpha," in html


def test_owner_home_with_profile_metrics_and_groups(site):
    html = read(site, "index.html")
    assert "<h1 id=\"person-name\">Ada Lovelace</h1>" in html
    assert "Professor, Analytical Engines" in html
    assert "<strong>bio</strong>" in html
    assert "Also published as: A. Lovelace" in html
    # metrics from citations 12 and 3 → h-index 2, i10 1
    assert re.search(r"<dt>Citations</dt><dd>15</dd>", html)
    assert re.search(r"<dt>h-index</dt><dd>2</dd>", html)
    assert re.search(r"<dt>i10-index</dt><dd>1</dd>", html)
    assert 'id="y2023"' in html and 'id="y2022"' in html
    assert "Selected papers" in html
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html


def test_coauthors_and_long_author_lists_truncated_on_lists_only(site):
    html = read(site, "authors/ada/index.html")
    assert re.search(r'href="/lab/authors/grace-hopper/">Grace Hopper</a> <span class="count">1', html)
    assert "+ 4 more" in html                     # 12 authors: 8 shown on lists
    # separators between the names shown, none after the last one shown
    assert '<a href="/lab/authors/b-five/">B Five</a>, <a href="/lab/authors/b-six/">B Six' \
           '</a> <span class="more-authors">+ 4 more</span></p>' in html
    paper = read(site, "papers/beta/index.html")
    assert "more</span>" not in paper and "B Ten" in paper
    assert '>B Nine</a>, <a href="/lab/authors/b-ten/">B Ten</a></p>' in paper


def test_list_entries_show_the_arxiv_subject(site):
    """A profile of arXiv papers (no venue) tells its subjects apart on the list, as the
    arXiv and alphaXiv lists do, not only on each paper's page."""
    for page in ("authors/ada/index.html", "tags/vision/index.html", "years/2023/index.html"):
        html = read(site, page)
        entry = html[html.index('id="p-alpha"'):]
        entry = entry[:entry.index("</article>")]
        assert '<span class="badge category" title="arXiv subject">cs.CV</span>' in entry, page
    beta = read(site, "authors/ada/index.html").split('id="p-beta"')[1].split("</article>")[0]
    assert "badge category" not in beta


def test_alias_resolves_to_profile_and_et_al(site):
    html = read(site, "papers/delta/index.html")
    assert 'href="/lab/authors/ada/"' in html and "et al." in html


def test_authors_not_given_and_count(site):
    html = read(site, "papers/gamma/index.html")
    assert "5 authors" in html
    years = read(site, "years/index.html")
    assert "1 undated paper" in years


def test_listing_filter_sort_group_and_paginate(site):
    first = read(site, "ranked/index.html")
    second = read(site, "ranked/page/2/index.html")
    # grouped by month, newest first, each ranked by upvotes: alpha (March 2023) and beta
    # (May 2022) on page 1; gamma (undated, no upvotes) last, on page 2
    assert "papers/gamma/" in second and "papers/gamma/" not in first
    assert first.index("March 2023") < first.index("papers/alpha/") < first.index(
        "May 2022") < first.index("papers/beta/")
    assert "Undated" in second
    assert 'rel="next" href="/lab/ranked/page/2/"' in first


def test_listing_filters_name_authors_and_venues_as_papers_do(make_site):
    """An author filter given the name a researcher reads (not the page's id) and a venue
    filter given an alias matched no paper: the listing came out empty, without a word."""
    listings = "".join(f"  - {{slug: l{i}, title: L{i}, filter: {f}}}\n" for i, f in enumerate(
        ["{authors: Ada Lovelace}", "{authors: A. M. Turing}", "{author: grace-hopper}",
         "{authors: [turing, Grace Hopper]}", "{venue: IEEE/CVF CVPR}", "{venue: cvpr}"]))
    site = make_site({
        "site.yaml": "title: L\nbase_url: https://example.org/\nlistings:\n" + listings,
        "content/venues.yaml": "- {id: cvpr, short: CVPR, name: Computer Vision and Pattern"
                               " Recognition, aliases: [IEEE/CVF CVPR]}\n",
        "content/authors/turing.yaml": "name: Alan Turing\naliases: [A. M. Turing]\n",
        "content/papers/p.yaml": """\
- {id: a, title: A, year: 2023, authors: [Ada Lovelace], venue: CVPR}
- {id: b, title: B, year: 2022, authors: [A. M. Turing, Grace Hopper]}
- {id: c, title: C, year: 2021, authors: [Alan Turing], venue: IEEE/CVF CVPR}
"""})
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    listed = [re.findall(r'href="/papers/(\w)/"', read(site, f"l{i}/index.html"))
              for i in range(6)]
    assert listed == [["a"], ["b", "c"], ["b"], ["b", "c"], ["a", "c"], ["a", "c"]]


def test_author_listing_has_the_papers_the_profile_claims(make_site, build):
    """A profile's `papers:` (its name hidden behind "et al.") are on the author's page;
    a listing filtered on that author left them out."""
    site = make_site({
        "site.yaml": "title: L\nlistings:\n  - {slug: mine, title: Mine, filter: "
                     "{authors: Ada Lovelace}}\n  - {slug: other, title: O, filter: "
                     "{authors: turing}}\n",
        "content/authors/ada.yaml": "name: Ada Lovelace\npapers: [x]\n",
        "content/authors/turing.yaml": "name: Alan Turing\npapers: [z]\n",
        "content/papers/p.yaml": """\
            - {id: a, title: A, year: 2023, authors: [Ada Lovelace]}
            - {id: x, title: X, year: 2022, authors: [Bob Smith], et_al: true}
            - {id: y, title: Y, year: 2021, authors: [Bob Smith], et_al: true}
            - {id: z, title: Z, year: 2020, authors: [Carol Jones], et_al: true}
            """})
    result = build(site, "--strict")
    assert result.code == 0 and result.lines == []   # (turing's only paper is claimed)
    listed = {slug: re.findall(r'href="/papers/(\w)/"', read(site, f"{slug}/index.html"))
              for slug in ("mine", "other")}
    assert listed == {"mine": ["a", "x"], "other": ["z"]}
    assert re.findall(r'href="/papers/(\w)/"', read(site, "authors/ada/index.html")) == \
        ["a", "x"]


def test_listing_filter_naming_nothing_is_warned_about(make_site, build):
    """`venue: CPVR` or a misspelt tag left the listing without those papers and said
    nothing. A warning at the filter's line, also under --strict (a listing may wait for
    its papers); values that match some paper, inside the listing or not, say nothing."""
    site = make_site({
        "site.yaml": """\
            title: L
            listings:
              - slug: vision
                title: Vision
                filter: {venue: [CPVR, cvpr], tags: few-shot}
              - slug: people
                title: People
                filter:
                  authors: [Ada Lovelace, Ada Lovlace]
                  year: 1999
            """,
        "content/venues.yaml": "- {id: cvpr, short: CVPR, name: Computer Vision}\n",
        "content/papers/p.yaml": """\
            - {id: a, title: A, year: 2023, authors: [Ada Lovelace], venue: CVPR, tags: [few-shot]}
            - {id: b, title: B, year: 2022, authors: [Alan Turing], tags: [logic]}
            """})
    result = build(site, "--strict")
    assert result.code == 0
    assert result.lines == [
        "warning: site.yaml:5: listings[0].filter.venue[0]: 'CPVR' matches no paper of the "
        "site (it is matched as a venue's id, short or full name, or alias); check its "
        "spelling",
        "warning: site.yaml:9: listings[1].filter.authors[1]: 'Ada Lovlace' matches no "
        "paper "
        "of the site (it is matched as an author's id or name); check its spelling"]


def _group_headings(html: str) -> list[str]:
    """Each group heading as a reader hears it, and the note under a group that goes on."""
    found = re.findall(r'<h2 class="group-heading"[^>]*>(.*?)</h2>|<p class="group-more">'
                       r'<a href="([^"]+)">(.*?)</a>', html)
    return [" ".join(re.sub(r"<[^>]+>", "", h).split()) if h else f"{text} [{url}]"
            for h, url, text in found]


def _page_of(html: str) -> str:
    return re.search(r'<p class="page-of">([^<]*)</p>', html).group(1)


def test_paginated_groups_count_the_whole_list_and_say_where_they_go_on(make_site):
    """A year split across pages counts all its papers on each page, says it continues,
    and each page says which page it is; so do tag pages, listings and the home page."""
    # Ranked by upvotes: a0 a1 b0 | b1 c0 c1 | a2 a3 a4 (2024: a, 2023: b, undated: c).
    upvotes = {"a0": 20, "a1": 19, "b0": 18, "b1": 17, "c0": 16, "c1": 15, "a2": 10,
               "a3": 9, "a4": 8}
    years = {"a": "year: 2024, ", "b": "year: 2023, ", "c": ""}
    papers = [f"- {{id: {pid}, title: {pid}, {years[pid[0]]}tags: [t], upvotes: {n}}}"
              for pid, n in upvotes.items()]
    site = make_site({"site.yaml": MINIMAL_PAGED, "content/papers/p.yaml": "\n".join(papers)})
    result = run_cli("build", "--site", str(site), "--no-search")
    assert result.code == 0, result.err
    pages = [read(site, f"{folder}index.html") for folder in
             ("papers/", "papers/page/2/", "papers/page/3/")]
    assert [_page_of(h) for h in pages] == ["Page 1 of 3 · papers 1–3 of 9",
                                            "Page 2 of 3 · papers 4–6 of 9",
                                            "Page 3 of 3 · papers 7–9 of 9"]
    assert _group_headings(pages[0]) == [
        "2024 5 papers", "2024 continues on the next page → [/papers/page/2/]"]
    assert _group_headings(pages[1]) == [
        "2024 (continued) 5 papers", "2023 2 papers",
        "2023 continues on the next page → [/papers/page/3/]"]
    assert _group_headings(pages[2]) == ["2023 (continued) 2 papers", "Undated 2 papers"]
    # A tag's pages are grouped the same way; the home page shows the first page's groups.
    assert _group_headings(read(site, "tags/t/page/2/index.html")) == [
        h.replace("/papers/", "/tags/t/") for h in _group_headings(pages[1])]
    assert _group_headings(read(site, "index.html")) == _group_headings(pages[0])
    # A listing ranked by upvotes and grouped by year is ranked within each year, and its
    # pages are cut from that order: a year runs on to the next page. (Cut from the
    # ranking itself, 2024 was on pages 1 and 3, 2023 on pages 1 and 2.)
    ranked = [read(site, f"ranked/{p}index.html") for p in ("", "page/2/", "page/3/")]
    assert [_group_headings(h) for h in ranked] == [
        [h.replace("/papers/", "/ranked/") for h in _group_headings(page)] for page in pages]
    assert [re.findall(r'<a href="/papers/(\w+)/">', h) for h in ranked] == [
        ["a0", "a1", "a2"], ["a3", "a4", "b0"], ["b1", "c0", "c1"]]


def test_grouped_listings_show_their_groups_in_a_fixed_order(make_site):
    """Venues by name and types in the schema's order, whatever the ranking brings first
    (a group was placed where the ranking met its first paper); papers ranked inside."""
    papers = [f"- {{id: {pid}, title: {pid}, year: 2020, venue: {venue}, type: {kind}, "
              f"upvotes: {n}}}" for pid, venue, kind, n in [
                  ("w1", "Zeta Workshop", "workshop", 30), ("j1", "Alpha Journal", "journal", 20),
                  ("c1", "Zeta Workshop", "workshop", 25), ("c2", "Beta Conference",
                                                            "conference", 10),
                  ("j2", "Alpha Journal", "journal", 40)]]
    site = make_site({"site.yaml": """\
        title: Grouped
        base_url: https://example.org/
        listings:
          - {slug: by-venue, title: By venue, sort: [-upvotes], group_by: venue}
          - {slug: by-type, title: By type, sort: [-upvotes], group_by: type}
        """, "content/papers/p.yaml": "\n".join(papers)})
    result = run_cli("build", "--site", str(site), "--no-search")
    assert result.code == 0, result.err
    by_venue = read(site, "by-venue/index.html")
    assert _group_headings(by_venue) == ["Alpha Journal 2 papers", "Beta Conference 1 paper",
                                         "Zeta Workshop 2 papers"]
    assert re.findall(r'<a href="/papers/(\w+)/">', by_venue) == ["j2", "j1", "c2", "w1", "c1"]
    by_type = read(site, "by-type/index.html")
    assert _group_headings(by_type) == ["Conference paper 1 paper",
                                        "Journal article 2 papers", "Workshop paper 2 papers"]


MINIMAL_PAGED = """\
title: Paged
base_url: https://example.org/
paginate: 3
listings:
  - {slug: ranked, title: Ranked, filter: {tags: t}, sort: [-upvotes], group_by: year}
"""


def test_indexes(site):
    authors = read(site, "authors/index.html")
    assert 'href="/lab/authors/ada/"' in authors and ">Jin<" not in authors
    venues = read(site, "venues/index.html")
    assert "Conference on Testing" in venues and "Journal of Tests" in venues
    edition = read(site, "venues/tc/2023/index.html")
    assert "<details class=\"entry-abstract\">" in edition
    assert 'href="https://tc.example.org/"' in edition
    tags = read(site, "tags/index.html")
    assert "Seeing things" in tags
    page = read(site, "about/index.html")
    assert "<strong>test</strong>" in page


def test_authors_index_files_names_of_every_script_under_their_letters(make_site):
    """Accents fold ('Zoë Ahn' among the A) and names in other scripts go by their
    transliteration ('李华' under L, 'Иван Петров' under P), not all under '#'."""
    names = ["Bob Zed", "Иван Петров", "李华", "Élodie Lefebvre", "Zoë Ahn", "Ann Lee",
             "山田 太郎",   # family name first: under S (Shan Tian), not T
             "김"]          # a surname alone, as 'Jin' is
    site = make_site({"content/papers/a.yaml": "title: A\nyear: 2020\nauthors:\n"
                      + "".join(f"  - {n}\n" for n in names),
                      # the space is optional in such a name: one person
                      "content/papers/b.yaml": "title: B\nyear: 2021\nauthors: [山田太郎]\n"})
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    assert "papers/b/" in read(site, "authors/shan-tian-tai-lang/index.html")
    assert "papers/a/" in read(site, "authors/shan-tian-tai-lang/index.html")
    index = read(site, "authors/index.html")
    assert "김" not in index
    order = sorted(names[:-1], key=index.index)
    assert order == ["Zoë Ahn", "Ann Lee", "Élodie Lefebvre", "李华", "Иван Петров",
                     "山田 太郎", "Bob Zed"]
    letters = re.findall(r'id="l-([a-z]+)"', index)
    assert letters == ["a", "l", "p", "s", "z"]


def test_redirect_and_type(site):
    html = read(site, "papers/old-epsilon/index.html")
    assert 'url=/lab/papers/epsilon/' in html and 'noindex' in html
    assert "Journal article" in read(site, "papers/epsilon/index.html")
    assert "Preprint" in read(site, "papers/delta/index.html")


def test_all_links_root_relative_under_base(site):
    html = read(site, "papers/alpha/index.html")
    for href in re.findall(r'(?:href|src)="([^"]+)"', html):
        assert href.startswith(("/lab/", "https://", "http://", "mailto:", "#")), href


def test_rebuild_is_byte_identical_and_writes_nothing(site, tmp_path):
    out = site / "_site"
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    report = build(BuildOptions(site_dir=site, search=False, jobs=2))
    assert report.written == 0 and report.removed == 0
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    assert before == after
    other = tmp_path / "other"
    build(BuildOptions(site_dir=site, output=other, search=False, jobs=1, use_cache=False))
    for path, (_, data) in before.items():
        if path.name != ".papersite-manifest.json":
            assert (other / path.relative_to(out)).read_bytes() == data, path


def test_the_site_is_frozen_while_it_renders_and_nothing_stays_frozen(make_site,
                                                                      monkeypatch):
    """A build freezes the site's model once it is made, and runs without the cyclic
    collector; a build, good or failed, must leave the collector as it found it: a
    process that builds again (serve, the tests) would otherwise never collect what
    stayed frozen, or never collect at all."""
    frozen_while_rendering, collecting_while_rendering = [], []
    render_all = pipeline.render_all

    def watched(*args, **kwargs):
        frozen_while_rendering.append(gc.get_freeze_count())
        collecting_while_rendering.append(gc.isenabled())
        return render_all(*args, **kwargs)

    monkeypatch.setattr(pipeline, "render_all", watched)
    site = make_site(FILES)
    assert gc.get_freeze_count() == 0
    build(BuildOptions(site_dir=site, search=False, jobs=2))
    assert frozen_while_rendering and frozen_while_rendering[0] > 10_000
    assert collecting_while_rendering == [False]
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    broken = site / "content/papers/list.yaml"
    broken.write_text(broken.read_text().replace("year: 2023", "year: [2023", 1))
    with pytest.raises(BuildError):
        build(BuildOptions(site_dir=site, search=False, jobs=2, use_cache=False))
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_incremental_build_equals_full_build(make_site, tmp_path):
    site = make_site(FILES)
    build(BuildOptions(site_dir=site, search=False, jobs=1))
    path = site / "content/papers/list.yaml"
    path.write_text(path.read_text().replace("title: Beta", "title: Beta renamed"))
    report = build(BuildOptions(site_dir=site, search=False, jobs=1))
    assert 0 < report.rendered < report.files - 20    # only the pages showing beta
    full = tmp_path / "full"
    build(BuildOptions(site_dir=site, output=full, search=False, jobs=1, use_cache=False))
    for p in full.rglob("*"):
        if p.is_file() and p.name != ".papersite-manifest.json":
            assert (site / "_site" / p.relative_to(full)).read_bytes() == p.read_bytes(), p


def test_an_edit_of_a_paper_alone_in_its_file_renders_only_its_pages(make_site, tmp_path):
    """Such a paper's fingerprint is its file's digest, made as the file is read
    (loading.load_file): a change of its text is seen, and the other papers' pages are
    not made again."""
    site = make_site(FILES)
    first = build(BuildOptions(site_dir=site, search=False, jobs=1))
    path = site / "content/papers/epsilon.yaml"
    path.write_text(path.read_text() + "abstract: A new abstract.\n")
    report = build(BuildOptions(site_dir=site, search=False, jobs=1))
    assert 0 < report.rendered < first.rendered / 2
    assert "A new abstract." in read(site, "papers/epsilon/index.html")
    full = tmp_path / "full"
    build(BuildOptions(site_dir=site, output=full, search=False, jobs=1, use_cache=False))
    for p in full.rglob("*"):
        if p.is_file() and p.name != ".papersite-manifest.json":
            assert (site / "_site" / p.relative_to(full)).read_bytes() == p.read_bytes(), p


def test_site_template_overrides_theme(make_site):
    files = dict(FILES)
    files["templates/404.html"] = "{% extends 'base.html' %}{% block main %}CUSTOM 404{% endblock %}"
    site = make_site(files)
    build(BuildOptions(site_dir=site, search=False, jobs=1))
    assert "CUSTOM 404" in read(site, "404.html")


def test_theme_templates_compile_once_per_machine_and_site_templates_stay_in_the_site(
        make_site, tmp_path, monkeypatch):
    """The theme's compiled templates are kept in the user's cache folder for every site;
    a site's own templates (an override of a theme name included) in the site's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    plain = make_site(dict(FILES))
    build(BuildOptions(site_dir=plain, search=False, jobs=1))
    shared = list((tmp_path / "user-cache" / "papersite").glob("theme-*/theme-*.cache"))
    assert len(shared) >= 10
    assert not list((plain / ".papersite-cache" / "jinja").glob("*.cache"))
    stamps = {p: p.stat().st_mtime_ns for p in shared}

    files = dict(FILES)
    files["templates/404.html"] = "{% extends 'base.html' %}{% block main %}MINE{% endblock %}"
    custom = make_site(files)
    build(BuildOptions(site_dir=custom, search=False, jobs=1))
    assert "MINE" in read(custom, "404.html")
    assert len(list((custom / ".papersite-cache" / "jinja").glob("*.cache"))) == 1
    assert {p: p.stat().st_mtime_ns for p in shared} == stamps   # reused, not rewritten
    build(BuildOptions(site_dir=plain, output=tmp_path / "again", search=False, jobs=1))
    assert "MINE" not in (tmp_path / "again" / "404.html").read_text("utf-8")


def test_listing_home(make_site):
    files = dict(FILES)
    files["site.yaml"] = SITE.replace("home: owner", "home: ranked")
    site = make_site(files)
    build(BuildOptions(site_dir=site, search=False, jobs=1))
    html = read(site, "index.html")
    assert "<h1>Ranked</h1>" in html and "person-name" not in html


def test_drafts_built_only_when_asked(make_site, tmp_path):
    files = dict(FILES)
    files["content/papers/zeta.yaml"] = "title: Draft paper\ndraft: true\nyear: 2020\n"
    site = make_site(files)
    build(BuildOptions(site_dir=site, search=False, jobs=1))
    assert not (site / "_site/papers/zeta").exists()
    build(BuildOptions(site_dir=site, output=tmp_path / "d", drafts=True, search=False, jobs=1))
    assert (tmp_path / "d/papers/zeta/index.html").is_file()


def test_unknown_field_warns_and_fails_under_strict(make_site):
    site = make_site({"content/papers/a.yaml": "title: A\nauhtors: [X Y]\n"})
    ok = run_cli("check", "--site", str(site))
    assert ok.code == 0
    assert ("warning: content/papers/a.yaml:2: auhtors: unknown paper field "
            "(did you mean 'authors'?)") in ok.err
    strict = run_cli("check", "--site", str(site), "--strict")
    assert strict.code == 1
    assert ("content/papers/a.yaml:2: auhtors: unknown paper field (did you mean 'authors'?)"
            in strict.lines)
    assert strict.lines[-1] == "check failed: 1 error"   # check writes no output


def test_errors_are_collected_with_positions_and_old_output_kept(make_site):
    site = make_site(FILES)
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    index = (site / "_site/index.html").read_bytes()
    (site / "content/papers/bad.yaml").write_text(
        "- id: x1\n  title: X\n  authors: Ada\n- id: x2\n  year: twenty\n  title: Y\n"
        "- id: alpha\n  title: dup\n")
    result = run_cli("build", "--site", str(site), "--no-search")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "content/papers/bad.yaml:3: authors: expected a list of names, found text" in result.lines
    assert "content/papers/bad.yaml:5: year: expected a whole number, found 'twenty'" in result.lines
    assert ("content/papers/list.yaml:1: id: duplicate paper id 'alpha' "
            "(also at content/papers/bad.yaml:7)") in result.lines
    assert (site / "_site/index.html").read_bytes() == index


def test_ambiguous_name_is_an_error(make_site):
    site = make_site({
        "content/authors/a.yaml": "name: Wei Li\n",
        "content/authors/b.yaml": "name: W. Li\naliases: [Wei Li]\n",
        "content/papers/p.yaml": "title: P\nauthors: [Wei Li]\n",
    })
    result = run_cli("check", "--site", str(site))
    assert result.code == 1
    assert ("content/papers/p.yaml:2: authors[0]: 'Wei Li' matches 2 author profiles (a, b); "
            "add `id:` to say which") in result.lines


def test_slug_collisions_get_stable_hash_suffixes(make_site):
    site = make_site({
        "content/papers/p.yaml": "title: P\nauthors: [José Díaz, Jose-Diaz X]\nyear: 2020\n",
        "content/papers/q.yaml": "title: Q\nauthors: [José  DÍAZ]\nyear: 2020\n",
    })
    build(BuildOptions(site_dir=site, search=False, jobs=1))
    people = sorted(p.name for p in (site / "_site/authors").iterdir() if p.is_dir())
    assert people == ["jose-diaz", "jose-diaz-x"]   # normalised names are one person


def test_sample_site_counts(tmp_path):
    root = Path(__file__).resolve().parent.parent
    report = build(BuildOptions(site_dir=root, output=tmp_path / "out", search=False,
                                use_cache=False))
    out = tmp_path / "out"
    papers = [p for p in (out / "papers").iterdir() if p.is_dir() and p.name != "page"]
    assert len(papers) == 283
    assert (out / "venues/cvpr/2023/index.html").read_text().count('<article class="entry') == 105  # 100 + 5 of Sun
    ge = (out / "authors/shiming-ge/index.html").read_text()
    assert ge.count('<article class="entry') == 50
    assert "<dt>h-index</dt><dd>15</dd>" in ge and "<dt>Citations</dt><dd>1,706</dd>" in ge
    home = (out / "index.html").read_text()
    assert "Qianru Sun" in home and "Oral Presentation, 2.7%" in home
    daily = (out / "daily/index.html").read_text()
    assert daily.count('<article class="entry') == 50          # first page of 76
    assert report.warnings == []
    assert os.path.isfile(out / "404.html")


def test_sample_texts_show_every_character_of_their_plain_text_sources():
    """The sample's abstracts and introductions come from plain-text documents: markdown
    must not read their backticks, asterisks or underscores as markup. ``Adapt and
    Align'' (LaTeX quotes) became a code span, and a PDF's "*Corresponding author ...
    Xiong1*" lost both stars, until scripts/seeds_to_content.py escaped them."""
    import html as html_
    import yaml
    from papersite.markup import render_markdown

    root = Path(__file__).resolve().parent.parent
    unescape = re.compile(r"\\([\\`*_{}\[\]()>#+.!-])")
    lost = []
    for path in sorted((root / "content/papers").glob("*.yaml")):
        for p in yaml.safe_load(path.read_text(encoding="utf-8")):
            for field in ("abstract", "introduction"):
                if p.get(field):
                    shown = html_.unescape(re.sub(r"<[^>]+>", "", render_markdown(
                        p[field], math=False)))
                    if shown.split() != unescape.sub(r"\1", p[field]).split():
                        lost.append(f"{p['id']} {field}")
    assert lost == []


def test_listing_ranks_by_sort_with_missing_values_last(site):
    from papersite.catalog import select
    from papersite.pipeline import prepare
    catalog = prepare(site, use_cache=False).catalog
    # grouped by month: March 2023, May 2022, undated
    assert [e.id for e in catalog.listings["ranked"]] == ["alpha", "beta", "gamma"]
    ranking = select(catalog.entries, {"tags": "ranked"}, ["-upvotes", "-date"],
                     catalog.series, {t: t for t in catalog.tags})
    assert [e.id for e in ranking] == ["beta", "alpha", "gamma"]


def test_repository_schemas_match_the_models(tmp_path):
    """schemas/ is committed for editors; it must say what the loader enforces."""
    from papersite.schema import write_schemas
    root = Path(__file__).resolve().parent.parent
    for path in write_schemas(tmp_path):
        assert (root / "schemas" / path.name).read_text() == path.read_text(), (
            f"schemas/{path.name} is stale: run `python build.py schema`")


def test_angle_brackets_that_are_not_html_stay_as_text():
    from papersite.markup import plain_text, render_inline, render_markdown
    assert render_inline("x<y and y>z") == "x&lt;y and y&gt;z"
    assert plain_text("Fast & <Robust>") == "Fast & <Robust>"
    assert render_markdown("a <sub>2</sub> <script>alert(1)</script>") == "<p>a <sub>2</sub> </p>"


def test_a_build_with_nothing_changed_only_checks(make_site, monkeypatch, tmp_path):
    """Same inputs and an intact output: the build stops after checking (no load, no
    render), with the same warnings. Any change to what a build reads means work again."""
    from papersite import pipeline
    from papersite.changes import RACY_SECONDS

    files = dict(FILES)
    files["content/papers/zeta.yaml"] = "title: Zeta\nyear: 2020\nauhtors: [X Y]\n"
    site = make_site(files)
    settle = lambda: time.sleep(2 * RACY_SECONDS)   # noqa: E731 — files older than "racy"
    settle()
    options = BuildOptions(site_dir=site, search=False, jobs=1)
    first = build(options)
    real_prepare = pipeline.prepare
    prepared = []

    def counting_prepare(*args, **kwargs):
        prepared.append(1)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(pipeline, "prepare", counting_prepare)
    quiet = build(options)
    assert prepared == [] and quiet.written == quiet.rendered == 0
    assert (quiet.pages, quiet.files) == (first.pages, first.files)
    assert quiet.warnings == first.warnings and quiet.warnings[0].field == "auhtors"

    def changed(change) -> bool:
        change()
        settle()
        worked = "check" not in build(options).timings    # a paper's text: from the snapshot
        return worked and "check" in build(options).timings   # and then quiet again

    paper = site / "content/papers/zeta.yaml"
    assert changed(lambda: paper.write_text(paper.read_text().replace("Zeta", "Zeta 2")))
    assert "Zeta 2" in read(site, "papers/zeta/index.html")
    assert changed(lambda: (site / "static").mkdir() or (site / "static/x.txt").write_text("x"))
    assert (site / "_site/x.txt").read_text() == "x"
    assert changed(lambda: (site / "templates").mkdir() or (site / "templates/404.html")
                   .write_text("{% extends 'base.html' %}{% block main %}GONE{% endblock %}"))
    assert "GONE" in read(site, "404.html")
    assert changed(lambda: (site / "_site/index.html").unlink())
    assert (site / "_site/index.html").is_file()
    assert changed(lambda: (site / "_site/papers.bib").write_text("tampered"))
    assert (site / "_site/papers.bib").read_text() != "tampered"
    prepared.clear()
    build(BuildOptions(site_dir=site, search=False, jobs=1, drafts=True))
    assert prepared == [1]           # other options: other output bytes possible


def test_a_file_changed_just_before_a_build_is_not_trusted_by_its_mtime(make_site, tmp_path):
    """A save in the same clock tick as the last build, to the same size, could look
    unchanged: a build that starts right after a change leaves no "nothing changed"
    state, so the next build does the work."""
    from papersite.changes import input_signature

    site = make_site(FILES)
    # "just written": an mtime ahead of the build's start (a file written a moment before
    # a build on a loaded machine can be older than the 50 ms window by the time it runs)
    just = time.time() + 5
    os.utime(site / "site.yaml", (just, just))
    assert input_signature(site, "") is None
    old = time.time() - 60
    for path in site.rglob("*"):
        os.utime(path, (old, old))
    assert input_signature(site, "") == input_signature(site, "")
    assert input_signature(site, "a") != input_signature(site, "b")


@pytest.mark.parametrize("command", [["build", "--no-search", "--check-links"],
                                     ["check", "--links"]])
def test_jobs_sets_the_processes_that_parse_and_check_links(make_site, monkeypatch, command):
    """`--jobs 1` is the way out of the out-of-memory error: no step may fork workers
    then. With `--jobs 2` both steps go parallel (here from one file and one page on)."""
    from papersite import cli, forking, loading
    from papersite.outputs import links

    site = make_site(FILES)
    monkeypatch.setattr(loading, "PARALLEL_FILES", 1)
    monkeypatch.setattr(links, "PARALLEL_FROM", 1)
    asked = []

    def recorded(step, in_runs):
        def run(count, size, work, jobs, *rest, **options):
            asked.append((step, jobs))
            return in_runs(count, size, work, jobs, *rest, **options)
        return run

    monkeypatch.setattr(forking, "in_runs", recorded("parse", forking.in_runs))
    monkeypatch.setattr(links, "in_runs", recorded("links", links.in_runs))
    for jobs in ("1", "2"):
        asked.clear()
        assert cli.main([*command, "--site", str(site), "--jobs", jobs]) == 0
        assert sorted(set(asked)) == ([] if jobs == "1" else [("links", 2), ("parse", 2)])


@pytest.mark.parametrize("command", ["build", "serve", "check"])
def test_jobs_must_be_a_whole_number_of_processes(command):
    for wrong in ("0", "-2", "1.5", "many"):
        result = run_cli(command, "--jobs", wrong)
        assert result.code == 2
        assert (f"argument --jobs: expected a whole number of processes, 1 or more, "
                f"not '{wrong}'") in result.err
        assert "Traceback" not in result.err


def test_serve_port_must_be_a_port_number():
    for wrong in ("99999", "-1", "http", "80.5"):
        result = run_cli("serve", "--port", wrong)
        assert result.code == 2 and "Traceback" not in result.err
        assert (f"argument --port: expected a port number from 0 to 65535, not '{wrong}'"
                in result.err)


def test_serve_passes_jobs_to_its_builds(make_site, monkeypatch):
    from papersite import cli, serve

    given = {}
    monkeypatch.setattr(serve, "serve", lambda **options: given.update(options) or 0)
    assert cli.main(["serve", "--jobs", "1"]) == 0
    assert given["jobs"] == 1
    preview = serve.Preview(make_site(FILES), "127.0.0.1", False, False, given["jobs"])
    try:
        assert preview.options.jobs == 1
    finally:
        preview.close()


def test_a_site_of_plain_text_never_imports_markdown(make_site):
    """The markdown converter is made on first use (about 30 ms of a build's start)."""
    import subprocess
    import sys

    code = ("import sys; from papersite.pipeline import BuildOptions, build; "
            "build(BuildOptions(site_dir=sys.argv[1], search=False, jobs=1)); "
            "print('markdown' in sys.modules)")
    plain = make_site({"content/papers/a.yaml":
                       "title: A\nauthors: [Ann Lee]\nyear: 2020\nabstract: Plain words.\n"})
    marked = make_site({"content/papers/a.yaml":
                        "title: A\nauthors: [Ann Lee]\nyear: 2020\nabstract: Some *words*.\n"})
    imported = [subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True,
                               text=True, check=True).stdout.strip()
                for site in (plain, marked)]
    assert imported == ["False", "True"]
    assert "<em>words</em>" in read(marked, "papers/a/index.html")


def test_a_link_in_a_title_is_its_text(make_site, build):
    """A list shows a title as the link to its paper: a markdown link in the title made a
    link inside a link (invalid HTML; browsers split the title in two)."""
    site = make_site({"content/papers/a.yaml": "title: 'Notes on [BERT](https://x.org/) "
                                                "and *more*'\nyear: 2020\n"})
    assert build(site).code == 0
    for page in ("papers/a/index.html", "papers/index.html", "years/2020/index.html"):
        html = (site / "_site" / page).read_text("utf-8")
        assert "Notes on BERT and <em>more</em>" in html, page
        assert 'href="https://x.org/"' not in html, page
    # The citation holds the title's text, not its markdown.
    assert "  title = {Notes on {BERT} and more},\n" in \
        (site / "_site/papers/a.bib").read_text("utf-8")


def test_function_names_in_math_are_spaced_as_tex_spaces_them():
    """latex2mathml sets \\log as a bare <mi>: "O(nlogn)". A thin space goes between a
    function's name (with or without a script) and a letter or number beside it, none
    next to a bracket, and none inside a script (an <msub> takes two children only)."""
    from papersite.markup import tex_to_mathml
    thin = '<mspace width="0.1667em"></mspace>'
    assert f"<mi>n</mi>{thin}<mi>log</mi>{thin}<mi>n</mi>" in tex_to_mathml(r"O(n \log n)",
                                                                             False)
    assert "<mi>exp</mi><mo" in tex_to_mathml(r"\exp(x)", False)
    assert "<msub><mi>x</mi><mi>log</mi></msub>" in tex_to_mathml(r"x_\log n", False)
    # a name with a script is a function too: "n log₂ n", "sin² x"
    assert (f"<mi>n</mi>{thin}<msub><mi>log</mi><mn>2</mn></msub>{thin}<mi>n</mi>"
            in tex_to_mathml(r"n \log_2 n", False))
    assert f"<msup><mi>sin</mi><mn>2</mn></msup>{thin}<mi>x</mi>" in tex_to_mathml(
        r"\sin^2 x", False)
    assert "<msup><mi>sin</mi><mn>2</mn></msup><mo" in tex_to_mathml(r"\sin^2(x)", False)


def test_a_coauthors_page_has_no_selected_papers_and_says_where_figures_come_from(
        make_site, build):
    """`selected` marks the owner's featured papers: a co-author's page showed them as
    the co-author's own "Selected papers". Figures counted from the site's papers (a
    co-author's "h-index 1") say so; figures a profile gives by hand are shown as given."""
    site = make_site({
        "site.yaml": "title: T\nbase_url: https://example.org/\nowner: ada\n",
        "content/authors/ada.yaml": "name: Ada Lovelace\ncitations: 5000\nh_index: 30\n"
                                    "i10_index: 40\n",
        "content/papers/a.yaml": "title: A\nauthors: [Ada Lovelace, Bo Chen]\nyear: 2020\n"
                                 "selected: true\ncitations: 12\n",
    })
    assert build(site).code == 0
    ada = (site / "_site/authors/ada/index.html").read_text("utf-8")
    bo = (site / "_site/authors/bo-chen/index.html").read_text("utf-8")
    assert "Selected papers" in ada and "Selected papers" not in bo
    assert "<dd>5,000</dd>" in ada and "Counted from the papers on this site." not in ada
    assert "<dt>h-index</dt><dd>1</dd>" in bo and "Counted from the papers on this site." in bo


def test_a_venue_that_venues_yaml_does_not_hold_gives_the_type_its_name_says(make_site,
                                                                               build):
    """Such a paper was 'Other' and cited as @misc, even at "... Conference on ...";
    a bare acronym says nothing, and stays so."""
    site = make_site({"content/papers/p.yaml": """\
        - {id: a, title: A, year: 2020, venue: International Conference on Learning Representations}
        - {id: b, title: B, year: 2020, venue: Journal of Tests}
        - {id: c, title: C, year: 2020, venue: NeurIPS Workshop on Tests}
        - {id: d, title: D, year: 2020, venue: ICLR}
        """})
    assert build(site).code == 0
    kinds = {pid: (site / f"_site/papers/{pid}.bib").read_text("utf-8").split("{", 1)[0]
             for pid in "abcd"}
    assert kinds == {"a": "@inproceedings", "b": "@article", "c": "@inproceedings",
                     "d": "@misc"}
    assert "Workshop paper" in (site / "_site/papers/c/index.html").read_text("utf-8")


def test_a_venue_that_nearly_names_a_known_one_is_a_warning(make_site, build):
    """'CPVR' got a venue page of its own without a word; a venue of its own that is
    merely unknown (ICLR) is no mistake, and says nothing."""
    site = make_site({
        "content/venues.yaml": "- {id: cvpr, short: CVPR, name: Computer Vision and Pattern "
                               "Recognition}\n",
        "content/papers/p.yaml": "- {id: a, title: A, year: 2020, venue: CPVR}\n"
                                 "- {id: b, title: B, year: 2021, venue: CPVR}\n"
                                 "- {id: c, title: C, year: 2021, venue: ICLR}\n"})
    result = build(site, "--strict")
    assert result.code == 0
    assert result.lines == ["warning: content/papers/p.yaml:1: venue: 'CPVR' is not in "
                            "venues.yaml (did you mean CVPR?); it gets a venue page of its own"]
    # Short names a letter apart are often other venues: no warning for ACCV beside ECCV.
    (site / "content/venues.yaml").write_text("- {id: eccv, short: ECCV, name: European "
                                              "Conference on Computer Vision}\n")
    (site / "content/papers/p.yaml").write_text("- {id: a, title: A, year: 2020, venue: ACCV}\n")
    assert build(site, "--strict").lines == []


def test_a_dated_paper_without_a_venue_has_no_year_badge_beside_its_date(make_site, build):
    """"2025" beside "Oct 16, 2025" said the year twice; "arXiv 2025" says more, and stays."""
    site = make_site({"content/papers/p.yaml": """\
        - {id: a, title: A, date: 2025-10-16, authors: [Ann Lee]}
        - {id: b, title: B, date: 2025-10-17, arxiv: "2510.00001", authors: [Ann Lee]}
        """})
    assert build(site).code == 0
    listing = (site / "_site/papers/index.html").read_text("utf-8")
    first, second = listing.split('id="p-a"')[1], listing.split('id="p-b"')[1]
    assert '<time datetime="2025-10-16">Oct 16, 2025</time>' in first.split("</article>")[0]
    assert 'class="badge year"' not in first.split("</article>")[0]
    assert '<span class="badge year">arXiv 2025</span>' in second.split("</article>")[0]


def test_a_preprint_without_a_venue_is_labelled_arxiv(make_site, build):
    """Its badge read "2020" alone; a paper with neither venue nor arXiv id keeps it."""
    site = make_site({"content/papers/p.yaml": """\
        - {id: a, title: A, year: 2020, arxiv: "2001.00001", authors: [Ann Lee]}
        - {id: b, title: B, year: 2019, authors: [Ann Lee]}
        """})
    assert build(site).code == 0
    listing = (site / "_site/papers/index.html").read_text("utf-8")
    assert '<span class="badge year">arXiv 2020</span>' in listing
    assert '<span class="badge year">2019</span>' in listing
    related = (site / "_site/papers/b/index.html").read_text("utf-8")
    assert "Ann Lee · arXiv 2020</p>" in related    # "More by these authors"


def test_a_homepage_on_the_site_and_paginate_false_under_a_base_path(make_site, build):
    """A profile's homepage written as a path of the site (about/) lost the base path;
    `paginate: false` in site.yaml was refused once true/false stopped counting as
    numbers in papers."""
    site = make_site({
        "site.yaml": "title: T\nbase_url: https://x.github.io/repo/\npaginate: false\n",
        "content/authors/ada.yaml": "name: Ada Lovelace\nhomepage: about/\n",
        "content/pages/about.md": "---\ntitle: About\n---\nHi.\n",
        "content/papers/a.yaml": "title: A\nauthors: [Ada Lovelace]\nyear: 2020\n"})
    assert build(site, "--strict", "--check-links").code == 0
    page = (site / "_site/authors/ada/index.html").read_text("utf-8")
    assert 'href="/repo/about/"' in page
    assert '"sameAs":["https://x.github.io/repo/about/"]' in page


def test_two_function_names_in_a_row_get_one_space():
    from papersite.markup import tex_to_mathml
    thin = '<mspace width="0.1667em"></mspace>'
    assert f"<mi>log</mi>{thin}<mi>log</mi>{thin}<mi>n</mi>" in tex_to_mathml(
        r"\log\log n", False)
    # a \text{...} with a space in it (&nbsp;) no longer turns the spacing off
    assert f"<mi>log</mi>{thin}<mi>n</mi>" in tex_to_mathml(r"\text{a b} \log n", False)
