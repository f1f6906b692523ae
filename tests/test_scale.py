"""Scale in CI: a generated corpus of 2,000 papers (bench/make_corpus.py) builds with the
page counts its data implies and without a broken link.

The expected counts come from the corpus files themselves (names folded as the content
format says), not from the engine's catalog. Speed is measured in bench/, not here.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from papersite.names import is_single_word, normalise

from conftest import ROOT, run_cli

PAPERS = 2000
PER_PAGE = 50        # make_corpus writes `paginate: 50`


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    site = tmp_path_factory.mktemp("scale") / "site"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(PAPERS),
                    str(site)], check=True, capture_output=True, timeout=300)
    result = run_cli("build", "--site", str(site), "--no-search", "--check-links",
                     timeout=600)
    assert result.code == 0, result.err[-3000:]
    return site, result


@pytest.fixture(scope="module")
def data(corpus):
    """What the corpus files say: papers, and how many of each kind of page they imply."""
    site, _ = corpus
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    papers = [yaml.load(p.read_text("utf-8"), Loader=loader)
              for p in sorted((site / "content" / "papers").glob("*.yaml"))]
    people = Counter(normalise(name) for p in papers for name in
                     dict.fromkeys(p["authors"]) if not is_single_word(name))
    venues = Counter(p["venue"] for p in papers)
    editions = {(p["venue"], p["year"]) for p in papers}
    tags = Counter(normalise(t) for p in papers for t in dict.fromkeys(p.get("tags", [])))
    years = Counter(p["year"] for p in papers)
    return {"papers": papers, "people": people, "venues": venues, "editions": editions,
            "tags": tags, "years": years}


def _pages(counts: Counter) -> int:
    return sum(math.ceil(n / PER_PAGE) for n in counts.values())


def _index_pages(out: Path, folder: str) -> list[Path]:
    return sorted((out / folder).rglob("index.html"))


def test_every_page_the_data_implies_is_built(corpus, data):
    site, result = corpus
    out = site / "_site"
    papers = data["papers"]
    assert len(papers) == PAPERS
    for p in papers:
        assert (out / "papers" / p["id"] / "index.html").is_file()
        assert (out / "papers" / f"{p['id']}.bib").is_file()
    # One page per person (a profile-less name folded for case, accents and punctuation),
    # each with its feed and BibTeX; plus the authors index.
    people = [p for p in _index_pages(out, "authors") if p.parent != out / "authors"]
    assert len(people) == len(data["people"])
    assert len(list((out / "authors").glob("*/feed.xml"))) == len(data["people"])
    assert len(list((out / "authors").glob("*/papers.bib"))) == len(data["people"])
    # Venue series pages (paginated), one page per edition, the venues index.
    assert len(_index_pages(out, "venues")) == (
        _pages(data["venues"]) + len(data["editions"]) + 1)
    assert len(list((out / "venues").glob("*/feed.xml"))) == len(data["venues"])
    assert len(_index_pages(out, "tags")) == _pages(data["tags"]) + 1
    assert len(_index_pages(out, "years")) == _pages(data["years"]) + 1
    # All papers, 50 a page: /papers/ then /papers/page/2/ …
    listing = [p for p in _index_pages(out, "papers") if "page" in p.parts or
               p.parent == out / "papers"]
    assert len(listing) == math.ceil(PAPERS / PER_PAGE)

    pages = (PAPERS + len(data["people"]) + 1 + _pages(data["venues"]) + len(data["editions"])
             + 1 + _pages(data["tags"]) + 1 + _pages(data["years"]) + 1
             + math.ceil(PAPERS / PER_PAGE) + len(["home", "search", "404"]))
    assert re.search(rf"Built {pages:,} pages \(", result.out), result.out


def test_site_wide_files_cover_every_paper(corpus, data):
    site, _ = corpus
    out = site / "_site"
    ids = {p["id"] for p in data["papers"]}
    bib = (out / "papers.bib").read_text("utf-8")
    assert len(re.findall(r"^@\w+\{", bib, re.M)) == PAPERS
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    listed = set(re.findall(r"<loc>https://example\.org/papers/([^/<]+)/</loc>", sitemap))
    assert listed == ids
    feed = (out / "feed.xml").read_text("utf-8")
    assert feed.count("<entry>") == 50


def test_links_checked_and_a_second_build_writes_nothing(corpus):
    site, result = corpus
    assert "broken" not in result.err
    again = run_cli("build", "--site", str(site), "--no-search", timeout=600)
    assert again.code == 0, again.err[-3000:]
    assert ", 0 written, 0 removed)" in again.out, again.out


def _page_links(html: str) -> list[str]:
    """What a page's list navigation shows, in order: numbers, and "…" for a gap."""
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    items = re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def test_long_lists_link_a_window_of_pages_and_every_page_is_reached(corpus):
    """40 pages of all papers: each page links the first, the last and two on each side
    of itself, and following "Older" from the first page visits every page once."""
    site, _ = corpus
    out = site / "_site"
    count = math.ceil(PAPERS / PER_PAGE)

    def page(n: int) -> str:
        return (out / "papers" / ("" if n == 1 else f"page/{n}") / "index.html").read_text(
            "utf-8")

    assert _page_links(page(20)) == ["1", "…", "18", "19", "20", "21", "22", "…", str(count)]
    assert '<span aria-current="page">20</span>' in page(20)
    assert _page_links(page(1)) == ["1", "2", "3", "…", str(count)]
    assert _page_links(page(4)) == ["1", "2", "3", "4", "5", "6", "…", str(count)]
    assert _page_links(page(count)) == ["1", "…", *map(str, range(count - 2, count + 1))]
    seen, n, html = [], 1, page(1)
    while True:
        seen.append(n)
        older = re.search(r'rel="next" href="/papers/page/(\d+)/"', html)
        if not older:
            break
        n = int(older.group(1))
        html = page(n)
    assert seen == list(range(1, count + 1))
