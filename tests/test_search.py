"""Search: the Pagefind index made from the catalog, and the search page in Chromium.

The sample site (the repository root) is built once with its index, at the domain root
and under /repo/, and served from 127.0.0.1; Playwright drives Debian's Chromium through
it as a reader would: search from the header box, narrow with facets, share the URL,
use the keyboard. Smaller fixture sites cover what the sample cannot show (shards,
hostile text, a site built without its index).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import ROOT, run_cli, write_files
from papersite.diagnostics import BuildError
from papersite.outputs import search
from papersite.pipeline import BuildOptions, build, prepare

pytestmark = pytest.mark.xdist_group("browser")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LOCAL = "http://127.0.0.1:"
PAPER = "InstructPix2Pix: Learning To Follow Image Editing Instructions"

SITE = """\
title: Search Lab
base_url: https://example.org/
"""
PAPERS = """\
- id: alpha
  title: Alpha diffusion study
  authors: [Ada Lovelace, Grace Hopper]
  date: 2023-03-04
  venue: CVPR
  tags: [Vision, Generative Models]
  abstract: We study diffusion with a quasar-shaped prior.
- id: beta
  title: Beta diffusion, again
  authors: [A. Lovelace, Alan Turing]
  year: 2022
  venue: ICCV
  tags: [vision]
  abstract: More diffusion.
- id: gamma
  title: Gamma notes
  authors: [Alan Turing]
  year: 2021
  type: preprint
  abstract: Nothing about that word here.
- id: delta
  title: Delta has no date
  authors: [Grace Hopper]
- id: hostile
  title: "A <img src=x onerror=\\"window.pwned=1\\"> diffusion study"
  authors: ["Eve <script>window.pwned=2</script>"]
  year: 2020
  abstract: "Text with &lt;img src=x onerror=window.pwned=3&gt; and diffusion."
"""
VENUES = """\
- {id: cvpr, short: CVPR, name: Conference on Computer Vision and Pattern Recognition, type: conference}
- {id: iccv, short: ICCV, name: International Conference on Computer Vision, type: conference}
"""
AUTHORS = {
    "content/authors/ada.yaml": "name: Ada Lovelace\naliases: [A. Lovelace]\npapers: [gamma]\n",
}


def fixture_files() -> dict[str, str]:
    return {"site.yaml": SITE, "content/papers/p.yaml": PAPERS,
            "content/venues.yaml": VENUES, **AUTHORS}


# --- the documents Pagefind indexes -------------------------------------------------------


def _doc(site_dir: Path, pid: str) -> str:
    site = prepare(site_dir, use_cache=False)
    return dict(search.documents(site.catalog))[f"/papers/{pid}/"]


def _filters(doc: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in re.findall(r'data-pagefind-filter="(\w+)">([^<]*)<', doc):
        out.setdefault(key, []).append(value)
    return out


def _meta(doc: str) -> dict[str, str]:
    return dict(re.findall(r'data-pagefind-meta="(\w+)">([^<]*)<', doc))


def test_paper_document_has_facets_meta_and_sort(make_site):
    site = make_site(fixture_files())
    doc = _doc(site, "alpha")
    assert _filters(doc) == {"year": ["2023"], "venue": ["CVPR"], "type": ["Conference paper"],
                             "tag": ["Vision", "Generative Models"],
                             "author": ["Ada Lovelace", "Grace Hopper"]}
    assert _meta(doc) == {"title": "Alpha diffusion study",
                          "authors": "Ada Lovelace, Grace Hopper", "venue": "CVPR 2023",
                          "date": "Mar 4, 2023", "type": "Conference paper"}
    assert 'data-pagefind-sort="date:2023-03-04"' in doc
    assert '<h1 data-pagefind-meta="title">Alpha diffusion study</h1>' in doc
    # Searchable text: venue full and short name, tags, abstract; filters are not text.
    text = doc.split("<div data-pagefind-ignore")[0]
    for words in ("Conference on Computer Vision and Pattern Recognition · CVPR",
                  "Vision, Generative Models", "quasar-shaped prior"):
        assert words in text


def test_a_note_is_its_text_and_a_paper_without_abstract_has_no_excerpt(make_site):
    """A result shows the note as text (it showed '**Oral**'); without an abstract the
    excerpt would only repeat the title and authors."""
    site = make_site({**fixture_files(),
                      "content/papers/z.yaml": "title: Zeta\nnote: '**Oral**, best paper'\n"})
    meta = _meta(_doc(site, "z"))
    assert (meta["note"], meta["excerpt"]) == ("Oral, best paper", "none")
    assert "excerpt" not in _meta(_doc(site, "alpha"))
    # A placeholder abstract is none: no empty paragraph, and no excerpt either.
    site = make_site({**fixture_files(), "content/papers/t.yaml":
                      "title: Todo\nabstract: '<!-- TODO: the abstract -->'\n"})
    doc = _doc(site, "t")
    assert "<p></p>" not in doc and _meta(doc)["excerpt"] == "none"


def test_author_facet_uses_the_persons_name_and_profile_claims(make_site):
    site = make_site(fixture_files())
    beta = _doc(site, "beta")
    # Printed "A. Lovelace" resolves to the profile: the facet says Ada Lovelace, and
    # both spellings are searchable.
    assert _filters(beta)["author"] == ["Ada Lovelace", "Alan Turing"]
    assert "A. Lovelace, Alan Turing, Ada Lovelace" in beta
    assert _meta(beta)["authors"] == "A. Lovelace, Alan Turing"
    # gamma is claimed by Ada's profile without naming her.
    assert _filters(_doc(site, "gamma"))["author"] == ["Alan Turing", "Ada Lovelace"]


def test_undated_paper_has_no_year_and_no_sort_key(make_site):
    doc = _doc(make_site(fixture_files()), "delta")
    assert "year" not in _filters(doc)
    # Without a key Pagefind leaves it out of date-sorted results; the search page adds
    # it after the dated ones (test_undated_papers_come_last_in_both_date_orders).
    assert "data-pagefind-sort" not in doc
    assert 'data-pagefind-sort="date:2022-00-00"' in _doc(make_site(fixture_files()), "beta")
    assert _filters(doc)["type"] == ["Other"]


def test_long_author_lists_are_shortened_in_results_only(make_site):
    names = [f"Person Number{i}" for i in range(14)]
    files = {"site.yaml": SITE}
    files["content/papers/p.yaml"] = ("- id: many\n  title: Many\n  year: 2020\n  authors: ["
                                      + ", ".join(names) + "]\n")
    doc = _doc(make_site(files), "many")
    assert _meta(doc)["authors"] == ", ".join(names[:search.AUTHORS_SHOWN]) + " et al."
    assert len(_filters(doc)["author"]) == 14
    assert "Person Number13" in doc.split("<div data-pagefind-ignore")[0]


def test_math_is_searched_and_excerpted_as_the_text_it_reads_as(make_site):
    """An excerpt is text: math in it read as raw TeX ($\\alpha$-divergence,
    \\mathcal{O}(n)). Letters spelled out in the TeX (alpha) stay searchable words."""
    files = {"site.yaml": SITE, "content/papers/p.yaml": """\
- id: div
  title: Robust $\\alpha$-divergence *minimisation*
  year: 2024
  abstract: We bound the $\\alpha$-divergence in $\\mathcal{O}(n \\log n)$ time for $\\epsilon > 0$,
    or $x^2 + \\frac{1}{2}$; $\\notacommand{$ stays as written.
"""}
    doc = _doc(make_site(files), "div")
    text = doc.split("<div data-pagefind-ignore")[0]
    assert '<h1 data-pagefind-meta="title">Robust α-divergence minimisation</h1>' in text
    assert ("<p>We bound the α-divergence in 𝒪(n log n) time for ϵ &gt; 0, or x^2 + 1/2; "
            "$\\notacommand{$ stays as written.</p>") in text
    assert "<p>alpha epsilon</p>" in text
    # The result's title still shows the page's MathML.
    assert "&lt;math" in _meta(doc)["title_html"]


def test_text_is_escaped(make_site):
    doc = _doc(make_site(fixture_files()), "hostile")
    assert "<script" not in doc and "<img" not in doc
    assert "&lt;script&gt;" in doc


# --- the index in the output ---------------------------------------------------------------


def test_build_writes_the_index_for_paper_pages_only(make_site, tmp_path):
    site = make_site(fixture_files())
    result = run_cli("build", "--site", str(site))
    assert result.code == 0, result.err
    out = site / "_site" / "pagefind"
    for name in ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json",
                 "wasm.en.pagefind", search.MANIFEST):
        assert (out / name).is_file(), name
    assert list(out.glob("pagefind.en_*.pf_meta"))
    # One fragment per paper: paper pages are the only results.
    assert len(list((out / "fragment").iterdir())) == 5
    assert not list(out.glob("pagefind-ui*")) and not list(out.glob("pagefind-component-ui*"))
    manifest = json.loads((out / search.MANIFEST).read_text())
    assert manifest["papers"] == 5
    assert [s["path"] for s in manifest["shards"]] == [""]
    entry = json.loads((out / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["en"]


def test_no_search_skips_the_index_and_a_later_build_adds_it(make_site):
    site = make_site(fixture_files())
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    assert not (site / "_site" / "pagefind").exists()
    assert (site / "_site" / "search" / "index.html").is_file()
    assert run_cli("build", "--site", str(site)).code == 0
    assert (site / "_site" / "pagefind" / "pagefind.js").is_file()


def test_unchanged_shards_are_kept_and_a_new_paper_reindexes_only_the_newest(
        make_site, monkeypatch):
    monkeypatch.setattr(search, "SHARD_SIZE", 2)
    site = make_site(fixture_files())
    out = site / "_site"
    build(BuildOptions(site, use_cache=False))
    manifest = json.loads((out / "pagefind" / search.MANIFEST).read_text())
    # Oldest first: the undated paper, then 2020, 2021 ... in shards of two.
    assert [(s["path"], s["papers"]) for s in manifest["shards"]] == [
        ("", 2), ("shard-1/", 2), ("shard-2/", 1)]
    again = build(BuildOptions(site, use_cache=False))
    assert again.written == 0 and again.removed == 0
    papers = site / "content" / "papers" / "p.yaml"
    papers.write_text(papers.read_text() + "- id: zeta\n  title: Zeta\n  year: 2024\n")
    report = build(BuildOptions(site, use_cache=False))
    touched = {c.split("/")[1] for c in report.changed if c.startswith("pagefind/")
               and c.count("/") > 1}
    assert "shard-2" in touched and "shard-1" not in touched
    assert not any(c.startswith("pagefind/fragment/") for c in report.changed)


def test_missing_pagefind_is_a_clear_error_and_the_old_site_stays(make_site, tmp_path):
    site = make_site(fixture_files())
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    before = (site / "_site" / "index.html").read_bytes()
    env = dict(os.environ, PAGEFIND_BINARY_PATH=str(tmp_path / "no-such-pagefind"))
    proc = subprocess.run([sys.executable, "-m", "papersite", "build", "--site", str(site)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert re.search(r"^search: cannot start Pagefind .*--no-search$", proc.stderr, re.M), \
        proc.stderr
    assert (site / "_site" / "index.html").read_bytes() == before
    assert not (site / "_site" / "pagefind").exists()


def test_pagefind_failure_inside_build_raises_build_error(make_site, tmp_path, monkeypatch):
    fake = tmp_path / "fake-pagefind"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    with pytest.raises(BuildError) as info:
        build(BuildOptions(make_site(fixture_files()), use_cache=False))
    assert "Pagefind stopped while indexing" in str(info.value.diagnostics[0])


# --- in the browser ------------------------------------------------------------------------


def _chromium_or_skip():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium package); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    return sync_playwright


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128      # Pagefind fetches many chunks at once
    daemon_threads = True


@pytest.fixture(scope="module")
def serve():
    """serve(folder) → the origin of a static server for it on 127.0.0.1."""
    servers = []

    def start(folder: Path) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sample(serve, tmp_path_factory):
    """The sample site built with its index, served at the root of one server and under
    /repo/ of another: {"root": origin, "repo": origin}."""
    work = tmp_path_factory.mktemp("sample")
    site = work / "site"
    site.mkdir()
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    for folder in ("content", "templates", "static"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, site / folder)
    origins = {"root": serve(work / "root"), "repo": serve(work / "parent")}
    for name, out, base in (("root", work / "root", "/"),
                            ("repo", work / "parent" / "repo", "/repo/")):
        result = run_cli("build", "--site", str(site), "--output", str(out),
                         "--base-url", origins[name] + base)
        assert result.code == 0, result.err
    origins["dir"] = work / "root"
    return origins


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _chromium_or_skip()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page that may talk to the test servers only; other requests are recorded."""
    context = browser.new_context()
    pg = context.new_page()
    pg.foreign = []
    pg.errors = []

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            pg.foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    # Script errors, not "Failed to load resource": requests to other hosts are aborted
    # on purpose, and recorded in `foreign`.
    pg.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load")
          and pg.errors.append(m.text))
    yield pg
    context.close()


def settled(pg) -> str:
    """Wait for the search page to finish its current search; returns the status text."""
    try:
        pg.wait_for_function(
            """() => { const s = document.getElementById('search-status');
                       return s && s.textContent && !s.textContent.startsWith('Loading'); }""",
            timeout=15000)
    except Exception:
        pytest.fail(f"search did not finish on {pg.url}: status "
                    f"{pg.inner_text('#search-status')!r}, errors {pg.errors}, "
                    f"results {pg.inner_text('#search-results')[:300]!r}")
    pg.wait_for_load_state("networkidle")
    return pg.inner_text("#search-status")


def wait_status(pg, pattern: str) -> str:
    pg.wait_for_function(
        "p => new RegExp(p).test(document.getElementById('search-status').textContent)",
        arg=pattern)
    return pg.inner_text("#search-status")


def titles(pg) -> list[str]:
    return pg.locator("#search-results .entry-title a").all_inner_texts()


def result_years(pg) -> list[int]:
    """The year each result shows (0 when undated, as they sort)."""
    return [int((re.findall(r"\d{4}", meta) or ["0"])[-1])
            for meta in pg.locator("#search-results .result-meta").all_inner_texts()]


def facet_box(pg, facet: str, value: str):
    return pg.locator(f'#search-facets input[name="{facet}"][value="{value}"]')


def query(pg) -> dict[str, list[str]]:
    return parse_qs(urlsplit(pg.url).query)


def test_header_search_facets_and_shared_url(sample, page):
    page.goto(sample["root"] + "/")
    page.fill("#site-search", "InstructPix2Pix")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=InstructPix2Pix")
    status = settled(page)
    assert PAPER in titles(page)
    assert re.match(r"\d+ papers? for “InstructPix2Pix”", status)
    href = page.locator("#search-results .entry-title a", has_text=PAPER).get_attribute("href")
    assert href.startswith("/papers/") and href.endswith("/")

    # A broader query, narrowed by venue and year.
    page.fill("#search-q", "learning")
    page.press("#search-q", "Enter")
    wait_status(page, "for “learning”")
    # the header's box follows: it said InstructPix2Pix while the page searched "learning"
    assert page.input_value("#site-search") == "learning"
    everything = int(re.match(r"([\d,]+)", settled(page)).group(1).replace(",", ""))
    facet_box(page, "venue", "CVPR").check()
    narrowed = wait_status(page, "with venue CVPR")
    facet_box(page, "year", "2023").check()
    status = wait_status(page, "with year 2023, venue CVPR")
    count = int(re.match(r"([\d,]+)", status).group(1).replace(",", ""))
    assert 0 < count < everything
    assert int(re.match(r"([\d,]+)", narrowed).group(1).replace(",", "")) >= count
    assert query(page) == {"q": ["learning"], "year": ["2023"], "venue": ["CVPR"]}
    metas = page.locator("#search-results .result-meta").all_inner_texts()
    assert metas and all(m.startswith("CVPR 2023") for m in metas)
    # A facet's own counts ignore its selection: other venues stay offered.
    assert facet_box(page, "venue", "ICCV").count() or facet_box(page, "venue", "ECCV").count()
    shown = titles(page)

    # The shared URL, opened afresh, restores query, facets and results.
    fresh = page.context.new_page()
    fresh.goto(page.url)
    assert settled(fresh) == status
    assert titles(fresh) == shown
    assert fresh.input_value("#search-q") == "learning"
    assert facet_box(fresh, "venue", "CVPR").is_checked()
    assert facet_box(fresh, "year", "2023").is_checked()
    assert not page.foreign and not page.errors, (page.foreign, page.errors)

    # Back undoes the last facet.
    page.go_back()
    wait_status(page, r"^[\d,]+ papers? for “learning” with venue CVPR,")
    assert not facet_box(page, "year", "2023").is_checked()


def test_results_follow_typing_without_eating_spaces(sample, page):
    page.goto(sample["root"] + "/search/")
    settled(page)
    box = page.locator("#search-q")
    box.press_sequentially("image ")
    wait_status(page, "for “image”")     # the search ran while the reader paused
    box.press_sequentially("editing")
    wait_status(page, "for “image editing”")
    assert page.input_value("#search-q") == "image editing"
    assert query(page) == {"q": ["image editing"]}


def test_back_returns_to_the_previous_query_typed_with_a_pause(sample, page):
    # Results follow typing; a reader who pauses (the results show) and then presses
    # Enter has made a search of their own, which Back undoes: it does not overwrite
    # the one before it, and its keystrokes are not entries of their own.
    page.goto(sample["root"] + "/search/?q=learning")
    settled(page)
    page.fill("#search-q", "")
    page.locator("#search-q").press_sequentially("image")
    wait_status(page, "for “image”")
    page.locator("#search-q").press_sequentially(" editing")
    wait_status(page, "for “image editing”")
    page.press("#search-q", "Enter")
    page.go_back()
    assert "/search/" in page.url       # still searching, not back before the search page
    wait_status(page, "for “learning”")
    assert query(page) == {"q": ["learning"]}
    assert page.input_value("#search-q") == "learning"
    page.go_forward()
    wait_status(page, "for “image editing”")
    assert page.input_value("#search-q") == "image editing"


def test_sort_by_date_is_in_the_url_and_orders_results(sample, page):
    page.goto(sample["root"] + "/search/?q=learning")
    settled(page)
    page.select_option("#search-sort", "newest")
    wait_status(page, "newest first")
    assert query(page)["sort"] == ["newest"]
    years = result_years(page)
    assert len(years) > 5 and years == sorted(years, reverse=True)
    page.select_option("#search-sort", "oldest")
    wait_status(page, "oldest first")
    years = result_years(page)
    # The oldest dated papers first: undated ones come last in either order.
    assert 0 not in years and years == sorted(years)
    page.reload()
    settled(page)
    assert page.input_value("#search-sort") == "oldest"


def test_keyboard_reaches_and_toggles_a_facet(sample, page):
    page.goto(sample["root"] + "/search/?q=learning")
    settled(page)
    page.focus("#search-q")
    target = facet_box(page, "venue", "CVPR")
    target_id = target.get_attribute("id")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == target_id:
            break
    else:
        pytest.fail("Tab never reached the CVPR venue checkbox")
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    page.keyboard.press("Space")
    wait_status(page, "with venue CVPR")
    assert query(page)["venue"] == ["CVPR"]
    # The redraw keeps focus on the same checkbox, so Space toggles it back.
    assert page.evaluate("document.activeElement.id") == target_id
    page.keyboard.press("Space")
    wait_status(page, r"for “learning”, by relevance")
    assert "venue" not in query(page)
    # The live region and the fieldsets are there for assistive technology.
    assert page.get_attribute("#search-status", "role") == "status"
    # The header's box and the page's form are two search landmarks, each with its name.
    assert page.get_by_role("search").count() == 2
    assert page.get_by_role("search", name="Site", exact=True).locator("#site-search").count() == 1
    assert page.get_by_role("search", name="Papers", exact=True).locator("#search-q").count() == 1
    assert page.locator("#search-facets fieldset legend", has_text="Venue").count() == 1
    assert page.locator('label[for="search-q"]').count() == 1


def test_clearing_a_filter_that_matches_nothing_keeps_focus_in_the_search(sample, page):
    # "0 papers": the chosen year is listed only because it is chosen, so clearing it
    # from the keyboard takes its checkbox away. Focus goes to the query box, not to the
    # page (where the next Tab would land in the footer).
    page.goto(sample["root"] + "/search/?q=zzqqxxnothing&year=2024")
    assert settled(page) == "0 papers for “zzqqxxnothing” with year 2024."
    facet_box(page, "year", "2024").focus()
    page.keyboard.press("Space")
    wait_status(page, r"^0 papers for “zzqqxxnothing”\.$")
    assert facet_box(page, "year", "2024").count() == 0
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-sort"


def test_clear_all_filters_keeps_query_and_sort_and_back_brings_them_back(sample, page):
    page.goto(sample["root"] + "/search/?q=diffusion&sort=newest")
    unfiltered = settled(page)
    clear = page.locator("#search-clear")
    assert not clear.is_visible()             # nothing to clear
    facet_box(page, "venue", "CVPR").check()
    wait_status(page, "with venue CVPR")
    facet_box(page, "year", "2023").check()
    filtered = wait_status(page, "with year 2023, venue CVPR")
    assert clear.is_visible() and clear.inner_text() == "Clear all filters"
    chosen = page.url
    clear.focus()
    page.keyboard.press("Enter")
    assert wait_status(page, "^(?!.* with )") == unfiltered
    assert query(page) == {"q": ["diffusion"], "sort": ["newest"]}
    assert page.locator("#search-facets input:checked").count() == 0
    assert not clear.is_visible()
    # The button went with the filters: focus is in the query box, not lost to the page.
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.go_back()
    assert wait_status(page, "with year 2023") == filtered
    assert page.url == chosen
    assert facet_box(page, "venue", "CVPR").is_checked() and clear.is_visible()
    assert not page.errors


def test_author_facet_find_box(sample, page):
    page.goto(sample["root"] + "/search/")
    status = settled(page)
    assert re.match(r"[\d,]+ papers, newest first", status)
    authors = page.locator('#search-facets input[name="author"]')
    assert authors.count() == 8          # the top authors only
    page.fill("#facet-author-find", "qianru")
    facet_box(page, "author", "Qianru Sun").check()
    wait_status(page, "with author Qianru Sun")
    assert query(page)["author"] == ["Qianru Sun"]
    page.fill("#facet-author-find", "")
    assert facet_box(page, "author", "Qianru Sun").is_checked()


def test_browsing_without_a_query_loads_one_chunk_of_the_word_index(sample, page):
    # Pagefind loads every chunk of the word index for an empty query; browsing searches
    # for the word every paper has instead.
    assert len(list((sample["dir"] / "pagefind" / "index").iterdir())) > 3
    chunks = []
    page.on("request", lambda r: "/pagefind/index/" in r.url and chunks.append(r.url))
    page.goto(sample["root"] + "/search/?venue=CVPR&year=2023")
    assert re.match(r"[\d,]+ papers with year 2023, venue CVPR, newest first", settled(page))
    assert len(chunks) == 1
    assert all(m.startswith("CVPR 2023") for m in
               page.locator("#search-results .result-meta").all_inner_texts())
    assert not page.locator("#search-results .result-excerpt").count()


def test_search_works_under_a_base_path(sample, page):
    page.goto(sample["repo"] + "/repo/search/?q=InstructPix2Pix&venue=CVPR")
    status = settled(page)
    assert status.startswith("1 paper for “InstructPix2Pix” with venue CVPR")
    link = page.locator("#search-results .entry-title a", has_text=PAPER)
    assert link.get_attribute("href").startswith("/repo/papers/")
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith("InstructPix2Pix")
    assert not page.foreign and not page.errors, (page.foreign, page.errors)


@pytest.fixture(scope="module")
def fixture_site(serve, tmp_path_factory):
    """The fixture site in three shards of two papers at /sharded/, without its index at
    /bare/, and a site with no papers at /empty/."""
    work = tmp_path_factory.mktemp("fixture")
    root = work / "www"
    origin = serve(root)
    site = write_files(work / "site", fixture_files())
    saved = search.SHARD_SIZE
    search.SHARD_SIZE = 2
    try:
        build(BuildOptions(site, output=root / "sharded", base_url=f"{origin}/sharded/",
                           use_cache=False))
    finally:
        search.SHARD_SIZE = saved
    build(BuildOptions(site, output=root / "bare", base_url=f"{origin}/bare/", search=False,
                       use_cache=False))
    empty = write_files(work / "empty", {"site.yaml": SITE})
    build(BuildOptions(empty, output=root / "empty", base_url=f"{origin}/empty/",
                       use_cache=False))
    math = write_files(work / "math", {"site.yaml": SITE, "content/papers/p.yaml": MATH_PAPERS})
    build(BuildOptions(math, output=root / "math", base_url=f"{origin}/math/", use_cache=False))
    return origin


MATH_PAPERS = """\
- id: fast
  title: Fast $O(n \\log n)$ *sparse* attention
  year: 2024
  abstract: We make attention fast.
- id: linked
  title: "A [linked](https://example.org/) $x^2$ <img src=x onerror=\\"window.pwned=6\\"> attention"
  year: 2023
- id: divergence
  title: Robust $\\alpha$-divergence minimisation
  year: 2022
  abstract: We bound the $\\alpha$-divergence in $\\mathcal{O}(n \\log n)$ time.
"""


def test_sharded_index_merges_results_counts_and_date_order(fixture_site, page):
    page.goto(f"{fixture_site}/sharded/search/?q=diffusion&sort=newest")
    assert settled(page).startswith("3 papers for “diffusion”")
    assert titles(page) == ["Alpha diffusion study", "Beta diffusion, again",
                            "A diffusion study"]
    # Alpha and Beta are in different shards: their tag's count is summed.
    vision = facet_box(page, "tag", "Vision").get_attribute("id")
    assert page.inner_text(f'label[for="{vision}"]').split()[-1] == "2"
    page.goto(f"{fixture_site}/sharded/search/?author=Ada+Lovelace")
    assert settled(page).startswith("3 papers with author Ada Lovelace")


def test_undated_papers_come_last_in_both_date_orders(fixture_site, page):
    dated = ["A diffusion study", "Gamma notes", "Beta diffusion, again",
             "Alpha diffusion study"]                      # 2020 to 2023, in three shards
    for sort, expected in (("oldest", dated), ("newest", dated[::-1])):
        page.goto(f"{fixture_site}/sharded/search/?sort={sort}")
        assert settled(page) == f"5 papers, {sort} first."
        assert titles(page) == expected + ["Delta has no date"], sort
        # Facet counts still count the undated paper.
        type_other = facet_box(page, "type", "Other").get_attribute("id")
        assert page.inner_text(f'label[for="{type_other}"]').split()[-1] == "2"
    # With a query too: the undated paper follows the dated matches.
    page.goto(f"{fixture_site}/sharded/search/?q=hopper&sort=oldest")
    assert settled(page).startswith("2 papers")
    assert titles(page) == ["Alpha diffusion study", "Delta has no date"]


def test_hostile_text_stays_text(fixture_site, page):
    page.goto(f"{fixture_site}/sharded/search/?q=diffusion")
    settled(page)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#search-results img, #search-results script").count() == 0
    assert page.locator("#search-results .result-excerpt mark").count() >= 3
    assert search.EVERY_PAPER not in page.inner_text("#search-results")


def test_math_and_markup_in_titles_show_as_on_the_sites_pages(fixture_site, page):
    page.goto(f"{fixture_site}/math/papers/")
    listed = page.eval_on_selector_all(".entry-title a", "els => els.map(e => e.innerHTML)")
    assert "<math" in listed[0] and "<em>sparse</em>" in listed[0]
    page.goto(f"{fixture_site}/math/search/?q=attention&sort=newest")
    assert settled(page).startswith("2 papers for “attention”")
    shown = page.eval_on_selector_all("#search-results .entry-title a",
                                      "els => els.map(e => e.innerHTML)")
    assert shown[0] == listed[0]          # the same MathML and emphasis, not $O(n \log n)$
    assert page.locator("#search-results .entry-title a math").count() == 2
    assert not [t for t in titles(page) if "$" in t]    # (an excerpt may quote the TeX)
    # The title's own link gives way to its words inside the result's link; nothing
    # else of the title's HTML gets in.
    second = page.locator("#search-results .entry-title a").nth(1)
    assert second.inner_text().startswith("A linked")
    assert second.locator("a, img").count() == 0
    assert page.evaluate("window.pwned") is None and not page.errors
    # An excerpt comes from the abstract, ending with one full stop; a paper without one
    # shows none (it was the title and authors again, ending ". .").
    excerpts = page.locator("#search-results .result-excerpt")
    assert excerpts.count() == 1
    assert excerpts.inner_text().endswith("attention fast.")
    # An excerpt reads its math as text, not as TeX; a query spelling out a letter finds
    # the paper, and so does the letter itself.
    for q in ("alpha", "divergence", "α"):
        page.goto(f"{fixture_site}/math/search/?q={q}")
        assert settled(page).startswith(f"1 paper for “{q}”")
        excerpt = page.inner_text("#search-results .result-excerpt")
        assert "We bound the α-divergence in 𝒪(n log n) time." in excerpt, excerpt
        assert "$" not in excerpt and "\\" not in excerpt


def test_site_without_index_says_so(fixture_site, page):
    page.goto(f"{fixture_site}/bare/search/?q=diffusion")
    page.wait_for_selector(".search-unavailable")
    assert "built without its search index" in page.inner_text("#search-results")
    assert page.inner_text(".search-unavailable code") == "serve --search"   # not `...`
    assert not page.locator(".facets").is_visible()   # no empty filter boxes beside it


def test_filters_fold_above_results_on_a_phone(sample, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    pg = context.new_page()
    pg.errors = []
    pg.goto(sample["root"] + "/search/?q=learning&venue=CVPR")
    settled(pg)
    assert not pg.eval_on_selector("#search-filters", "d => d.open")
    assert pg.inner_text("#search-filters > summary") == "Filters (1)"
    assert pg.locator("#search-clear").is_visible()     # not folded away with the filters
    assert pg.locator("#search-results > li").first.is_visible()
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    pg.click("#search-filters > summary")
    assert facet_box(pg, "venue", "CVPR").is_visible()
    context.close()


def test_without_scripts_the_page_offers_the_lists_and_no_dead_controls(sample, browser):
    # The form, sort, Search button and (on a phone) the Filters expander all work
    # through the script: without it they would reload the page or open onto nothing.
    for width in (1280, 360):
        context = browser.new_context(java_script_enabled=False,
                                      viewport={"width": width, "height": 740})
        try:
            pg = context.new_page()
            pg.goto(sample["root"] + "/search/?q=learning")
            shown = [s for s in ("#search-q", "#search-sort", ".search-form button",
                                 "#search-filters > summary") if pg.locator(s).is_visible()]
            assert shown == [], width
            note = pg.locator("#search p", has_text="Search needs JavaScript")
            assert note.is_visible()
            assert note.locator("a").all_inner_texts() == ["all papers", "authors", "venues"]
            # The header's box still leads here, where the note says what to do instead.
            assert pg.locator("#site-search").is_visible()
        finally:
            context.close()


def test_site_without_papers_says_so(fixture_site, page):
    page.goto(f"{fixture_site}/empty/search/")
    assert settled(page) == "This site has no papers to search yet."
    assert not page.errors
