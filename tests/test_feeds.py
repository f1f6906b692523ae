"""Discovery: Atom feeds (site, author, venue, tag), each linked from its page; the
sitemap (an index above the protocol's 50,000 URLs) and robots.txt."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import read, run_cli, write_files

from papersite.outputs import feeds, sitemap
from papersite.pipeline import BuildOptions, build, prepare

BASE = "https://user.github.io/repo/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

SITE = {
    "site.yaml": f"""\
        title: Lab & Friends <Papers>
        base_url: {BASE}
        paginate: 2
        """,
    "content/venues.yaml": "- {id: cvpr, short: CVPR, name: Computer Vision and Pattern Recognition}\n",
    "content/papers/list.yaml": """\
        - id: newest
          title: "Newest: Fast & a < b"
          authors: [Ada Lovelace, Grace Hopper]
          date: 2024-05-02
          venue: CVPR
          tags: [vision, "C++ & Rust"]
          abstract: The *newest* paper, with `code` & [a link](https://example.com/).
        - id: middle
          title: Middle
          authors: [Ada Lovelace]
          date: 2023-11-20
          venue: CVPR
          tags: [vision]
          abstract: Middle abstract.
        - id: year-only
          title: Year Only
          authors: [Grace Hopper]
          year: 2023
          tags: [vision, theory]
        - id: oldest
          title: Oldest
          authors: [Ada Lovelace]
          date: 2020-01-15
          venue: CVPR
        - id: undated
          title: Undated
          authors: [Ada Lovelace]
          venue: CVPR
          tags: [vision]
          abstract: Never in a feed.
        - id: moved
          title: Moved Paper
          authors: [Grace Hopper]
          date: 2022-02-02
          redirect_from: [old-id]
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_files(tmp_path_factory.mktemp("feeds") / "site", SITE)
    result = run_cli("build", "--site", str(root), "--no-search", "--check-links")
    assert result.code == 0, result.err
    return root


def parse(site: Path, rel: str):
    feed = feedparser.parse((site / "_site" / rel).read_bytes())
    assert not feed.bozo, (rel, feed.get("bozo_exception"))
    return feed


def ids(feed) -> list[str]:
    return [e.link.removeprefix(BASE + "papers/").rstrip("/") for e in feed.entries]


# --- feeds ----------------------------------------------------------------------------------


def test_site_feed_is_valid_newest_first_without_undated_papers(site):
    feed = parse(site, "feed.xml")
    assert feed.version == "atom10"
    assert feed.feed.title == "Lab & Friends <Papers>"
    assert ids(feed) == ["newest", "middle", "year-only", "moved", "oldest"]
    stamps = [e.published_parsed for e in feed.entries]
    assert stamps == sorted(stamps, reverse=True)
    newest = feed.entries[0]
    assert newest.title == "Newest: Fast & a < b"
    assert newest.summary == "The newest paper, with code & a link."
    assert [a.name for a in newest.authors] == ["Ada Lovelace", "Grace Hopper"]
    # a category's term is the tag's slug, its label the tag's name
    assert [(t.term, t.label) for t in newest.tags] == [("vision", "vision"),
                                                        ("c-rust", "C++ & Rust")]
    assert "summary" not in feed.entries[2]  # no abstract, no summary
    assert feed.feed.updated.startswith("2024-05-02")  # from the content, not the clock
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": BASE + "feed.xml", "alternate": BASE}


def test_author_venue_and_tag_feeds(site):
    assert ids(parse(site, "authors/ada-lovelace/feed.xml")) == ["newest", "middle", "oldest"]
    assert ids(parse(site, "authors/grace-hopper/feed.xml")) == ["newest", "year-only", "moved"]
    assert ids(parse(site, "venues/cvpr/feed.xml")) == ["newest", "middle", "oldest"]
    assert ids(parse(site, "tags/vision/feed.xml")) == ["newest", "middle", "year-only"]
    assert ids(parse(site, "tags/theory/feed.xml")) == ["year-only"]
    tag = parse(site, "tags/vision/feed.xml")
    assert {link.rel: link.href for link in tag.feed.links} == {
        "self": BASE + "tags/vision/feed.xml", "alternate": BASE + "tags/vision/"}
    assert tag.feed.title.startswith("vision")


def _alternates(html: str) -> list[str]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" '
                      r'href="([^"]+)">', html)


@pytest.mark.parametrize("page,own", [
    ("authors/ada-lovelace/index.html", "/repo/authors/ada-lovelace/feed.xml"),
    ("venues/cvpr/index.html", "/repo/venues/cvpr/feed.xml"),
    ("venues/cvpr/page/2/index.html", "/repo/venues/cvpr/feed.xml"),
    ("tags/vision/index.html", "/repo/tags/vision/feed.xml"),
    ("tags/vision/page/2/index.html", "/repo/tags/vision/feed.xml"),
    ("papers/index.html", "/repo/feed.xml"),
    ("papers/newest/index.html", None),
])
def test_each_page_links_its_feed(site, page, own):
    found = _alternates(read(site, page))
    assert found[0] == "/repo/feed.xml"  # the site's feed, on every page
    if own:
        assert own in found
    for href in found:
        assert (site / "_site" / href.removeprefix("/repo/")).is_file()


def test_feed_size_keeps_the_newest(site, monkeypatch):
    s = prepare(site, use_cache=False)
    monkeypatch.setattr(feeds, "FEED_SIZE", 2)
    text = feeds.atom_feed("T", "feed.xml", "", s.catalog.entries, s.router, "T",
                           s.catalog.tags)
    parsed = feedparser.parse(text)
    assert not parsed.bozo
    assert ids(parsed) == ["newest", "middle"]


def test_feed_text_drops_characters_xml_forbids():
    assert feeds.escape("a\x0bb\x01 <&>") == "ab &lt;&amp;&gt;"


# --- sitemap and robots.txt -----------------------------------------------------------------


def _locs(path: Path, tag: str = "url") -> list[str]:
    root = ET.parse(path).getroot()
    return [el.findtext(f"{SM}loc") for el in root.iter(f"{SM}{tag}")]


def _expected_pages(out: Path) -> set[str]:
    """Every page whose canonical address is its own (a redirect's is its target's, the
    one the home page repeats is the home page's), but 404."""
    pages = set()
    for path in out.rglob("*.html"):
        rel = path.relative_to(out).as_posix()
        url = BASE + rel.removesuffix("index.html")
        if rel != "404.html" and f'<link rel="canonical" href="{url}">' in \
                path.read_text("utf-8"):
            pages.add(url)
    return pages


def test_sitemap_lists_every_page_but_404_and_redirects(site):
    out = site / "_site"
    urls = _locs(out / "sitemap.xml")
    assert len(urls) == len(set(urls))
    assert set(urls) == _expected_pages(out)
    assert BASE + "papers/old-id/" not in urls and BASE + "404.html" not in urls
    assert BASE + "venues/cvpr/page/2/" in urls
    # The home page shows /papers/ again: it is listed, /papers/ (canonical to it) is not.
    assert BASE in urls and BASE + "papers/" not in urls and BASE + "papers/page/2/" in urls
    assert read(site, "robots.txt") == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"
    redirect = read(site, "papers/old-id/index.html")
    assert '<meta name="robots" content="noindex">' in redirect


def test_a_large_sitemap_becomes_an_index(site, tmp_path, monkeypatch):
    monkeypatch.setattr(sitemap, "LIMIT", 7)
    out = tmp_path / "out"
    build(BuildOptions(site_dir=site, output=out, search=False, jobs=1, use_cache=False))
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    parts = _locs(out / "sitemap.xml", "sitemap")
    expected = _expected_pages(out)
    assert len(parts) == -(-len(expected) // 7) > 1
    urls = []
    for i, loc in enumerate(parts, 1):
        assert loc == f"{BASE}sitemap-{i}.xml"
        chunk = _locs(out / f"sitemap-{i}.xml")
        assert 0 < len(chunk) <= 7
        urls += chunk
    assert len(urls) == len(set(urls)) and set(urls) == expected
    assert "Sitemap: " + BASE + "sitemap.xml" in (out / "robots.txt").read_text("utf-8")
