"""The long pages of a large site, as a reader uses them (in Chromium where layout
matters): a prolific author's page (hundreds of papers by year, five-digit metrics), an
authors index of thousands of names by letter, counts in the thousands.

The site is generated here, small enough to build in a few seconds: what is measured is
what the theme does with long lists (layout, navigation, wrapping), not the build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli, write_files
# The Chromium and local-server fixtures of the quality tests; `server` serves this
# module's `site` below.
from test_quality import browser, server  # noqa: F401

pytestmark = pytest.mark.xdist_group("quality")   # one Chromium with test_quality's

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
YEARS = range(2015, 2025)
PER_YEAR = 12


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """120 papers of Wei Lovelace (18,000 citations), each with two of 52 co-authors whose
    surnames start with every letter; built without search into <site>/_site."""
    root = tmp_path_factory.mktemp("long") / "site"
    files = {"site.yaml": "title: Lab\nbase_url: https://example.org/\npaginate: 50\n"}
    n = 0
    for year in YEARS:
        for month in range(1, PER_YEAR + 1):
            a, b = LETTERS[n % 26], LETTERS[(n * 7 + 3) % 26]
            files[f"content/papers/p{n:03d}.yaml"] = (
                f"title: Paper number {n}\n"
                f"authors: [Wei Lovelace, Ada {a}ardin, Ben {b}orrow]\n"
                f"date: {year}-{month:02d}-01\n"
                f"citations: 150\n")
            n += 1
    write_files(root, files)
    result = run_cli("build", "--site", str(root), "--no-search", timeout=300)
    assert result.code == 0, result.err
    return root


def open_page(browser, server, path: str, width: int):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(server + path, wait_until="load")
    return context, page


LINES = """() => [...document.querySelectorAll('.metrics dd')].map(dd => {
    const range = document.createRange(); range.selectNodeContents(dd);
    return [dd.textContent, range.getClientRects().length]; })"""


def test_author_metrics_keep_each_figure_on_one_line(browser, server):  # noqa: F811
    """A phone showed 18,000 citations as "18,00" over "0": four boxes of equal width,
    whatever their figures."""
    width = 360
    context, page = open_page(browser, server, "/authors/wei-lovelace/", width)
    try:
        figures = page.evaluate(LINES)
        assert [text for text, _ in figures] == ["120", "18,000", "120", "120"]
        assert all(lines == 1 for _, lines in figures), figures
        assert page.evaluate("document.documentElement.scrollWidth") == width
    finally:
        context.close()


VISIBILITY = """(selector) => [...document.querySelectorAll(selector)].map(
    s => getComputedStyle(s).contentVisibility)"""


@pytest.mark.parametrize("path, selector, count", [
    ("/authors/wei-lovelace/", "section.group", len(YEARS)),
    ("/authors/", "main > section", len(LETTERS)),
])
def test_long_lists_lay_out_only_their_sections_near_the_screen(browser, server, path,  # noqa: F811
                                                                 selector, count):
    """At 10,000 papers an author's 750 papers and the index's 4,600 names took 0.3-0.8 s
    of layout each; sections off screen are now skipped until they come near. A jump
    to a section still lands on it, nothing grows wider than a phone, and print shows
    every section."""
    for width in (375, 1280):
        context, page = open_page(browser, server, path, width)
        try:
            assert page.evaluate(VISIBILITY, selector) == ["auto"] * count
            assert page.evaluate("document.documentElement.scrollWidth") == width
            later = page.evaluate(f"document.querySelectorAll('{selector} h2')[{count * 2 // 3}].id")
            page.goto(server + path + "#" + later)
            top = page.evaluate(f"document.getElementById('{later}').getBoundingClientRect().top")
            assert page.evaluate("scrollY") > 0 and -2 <= top < 80, top
            page.emulate_media(media="print")
            assert page.evaluate(VISIBILITY, selector) == ["visible"] * count
        finally:
            context.close()


def test_authors_index_letters_lead_back_to_the_letter_list(browser, server):  # noqa: F811
    """4,600 names are about 140,000 px on a phone: after a letter's names, the reader
    goes back to the letters from its heading, not by scrolling to the top."""
    context, page = open_page(browser, server, "/authors/#l-w", 375)
    try:
        back = page.locator("#l-w ~ a.to-az")
        assert back.text_content() == "All letters ↑"
        assert page.locator("a.to-az").count() == len(LETTERS)
        back.click()
        page.wait_for_function("Math.abs(document.getElementById('az')"
                               ".getBoundingClientRect().top) < 60")
        assert page.evaluate("location.hash") == "#az"
    finally:
        context.close()


def test_counts_of_thousands_are_grouped_as_the_page_of_line_is(tmp_path):
    """'2024 1000' beside a year read as two years; a count of a thousand or more is
    written 1,000 wherever a list shows it, as 'papers 1–50 of 10,000', the metrics and
    citations are (upvotes too); and one author is '1 author', not '1 authors'."""
    papers = "".join(f"- {{id: p{n:04d}, title: Paper {n}, authors: [Ada Person{n:04d}], "
                     f"date: 2024-01-01, venue: CONF, tags: [big]}}\n" for n in range(1000))
    site = write_files(tmp_path / "site", {
        "site.yaml": "title: Big\nbase_url: https://example.org/\npaginate: 0\n",
        "content/venues.yaml": "- {id: conf, short: CONF, name: Conference on Counting}\n",
        "content/papers/all.yaml": papers,
        "content/papers/z.yaml": "title: Z\nauthors: [Zed Alone]\nyear: 2015\nupvotes: 1500\n",
    })
    result = run_cli("build", "--site", str(site), "--no-search", timeout=300)
    assert result.code == 0, result.err

    def html(rel: str) -> str:
        return (site / "_site" / rel / "index.html").read_text("utf-8")

    thousand = '<span class="count">1,000</span>'
    assert f'2024 {thousand}' in html("years")
    assert "<td>2024</td><td>1,000</td>" in html("years")
    assert "1,001 authors." in html("authors")
    assert "1,001 papers" in html("papers")
    assert '2024 <span class="count">1,000<span class="visually-hidden"> papers' in html("papers")
    assert thousand in html("venues") and f"2024 {thousand}" in html("venues")
    assert "CONF · 1,000 papers" in html("venues/conf")
    assert "1,000 papers · Conference on Counting" in html("venues/conf/2024")
    assert thousand in html("tags")
    assert "<span>1,000 papers</span>" in html("years/2024")
    assert "<dt>Upvotes</dt><dd>1,500</dd>" in html("papers/z")
    assert "▲ 1,500</span>" in html("years/2015")

    one = write_files(tmp_path / "one", {
        "site.yaml": "title: One\nbase_url: https://example.org/\n",
        "content/papers/a.yaml": "title: A\nauthors: [Ada Lovelace]\n"})
    assert run_cli("build", "--site", str(one), "--no-search").code == 0
    assert "<p class=\"intro\">1 author. " in (one / "_site/authors/index.html").read_text("utf-8")


def test_an_edition_links_the_editions_before_and_after_it(make_site, build):
    """A conference's reader goes from CKD 2018 to 2019 as a year page leads to the next
    year; only the series page listed the editions."""
    site = make_site({
        "content/venues.yaml": "- {id: ckd, short: CKD, name: Conference on Knowledge}\n",
        "content/papers/all.yaml": "".join(
            f"- {{id: p{y}, title: P {y}, authors: [Ada Lovelace], year: {y}, venue: CKD}}\n"
            for y in (2016, 2018, 2019)),
    })
    assert build(site).code == 0

    def nav(year: int) -> list[tuple[str, str]]:
        html = (site / f"_site/venues/ckd/{year}/index.html").read_text("utf-8")
        found = re.search(r'<p class="year-nav">(.*?)</p>', html)
        return re.findall(r'<a href="([^"]+)">([^<]+)</a>', found.group(1)) if found else []

    assert nav(2018) == [("/venues/ckd/2019/", "← CKD 2019"), ("/venues/ckd/2016/", "CKD 2016 →")]
    assert nav(2019) == [("/venues/ckd/2018/", "CKD 2018 →")]
    assert nav(2016) == [("/venues/ckd/2018/", "← CKD 2018")]
