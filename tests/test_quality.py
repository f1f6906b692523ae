"""Quality measured by real clients: the Nu HTML Checker, axe-core in headless Chromium,
and the look-and-feel promises (no other host, small paper pages, themes, focus, print,
phones, no layout shift) on every page kind of the sample site.

The sample site is copied and built once for the module, with a few additions so that
every feature is on some page: a free page, an author photo and links, and one paper
that fills every field (math title, marks, links, note, track, teaser, introduction).
The Nu checker runs once for all pages (one Java start); Chromium is launched once.
Tools come from npm into the repository's ignored .tools/ folder (.ci/run installs them;
a missing one is installed here when npm can, and its tests skip with the reason when not).
"""

from __future__ import annotations

import fcntl
import http.server
import json
import re
import shutil
import struct
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, write_files

pytestmark = pytest.mark.xdist_group("quality")   # one worker: one build, one Chromium

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TOOLS = ROOT / ".tools"
NPM_PACKAGES = ["vnu-jar@26.9.27", "axe-core@4.14.1"]   # the same as .ci/run installs
VNU_JAR = TOOLS / "node_modules/vnu-jar/build/dist/vnu.jar"
AXE_JS = TOOLS / "node_modules/axe-core/axe.min.js"

SHOWCASE = "showcase-every-field"
# One page of each kind (path in the built site).
PAGES = {
    "home": "/",
    "papers": "/papers/",
    "papers-page": "/papers/page/2/",   # a year continued from page 1
    "paper": "/papers/instructpix2pix-learning-to-follow-image-editing/",
    "paper-full": f"/papers/{SHOWCASE}/",
    # its introduction, taken from a PDF, holds a 1,500-character "word"
    "paper-long-word": "/papers/mixphm-redundancy-aware-parameter-efficient-tuning/",
    "author": "/authors/shiming-ge/",
    "author-profile": "/authors/qianru-sun/",
    "authors": "/authors/",
    "venue": "/venues/cvpr/",
    "edition": "/venues/cvpr/2023/",
    "venues": "/venues/",
    "tag": "/tags/daily-papers/",
    "tags": "/tags/",
    "year": "/years/2023/",
    "years": "/years/",
    "listing": "/daily/",
    "listing-page": "/daily/page/2/",
    "page": "/about/",
    "404": "/404.html",
    "search": "/search/?q=diffusion",
}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, so the test site has real images without shipping files."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


ADDITIONS = {
    "content/pages/about.md": """\
        ---
        title: About
        slug: about
        ---
        This site lists the papers of **Qianru Sun** and colleagues. Write to
        [the lab](https://example.org/lab/) for corrections.
    """,
    f"content/papers/{SHOWCASE}.yaml": """\
        title: Showcase of $\\mathcal{O}(n \\log n)$ *every* field
        authors:
          - {name: Qianru Sun, equal_contribution: true, corresponding: true}
          - {name: Shiming Ge, equal_contribution: true, affiliation: Chinese Academy of Sciences}
          - Hanwang Zhang
        date: 2023-06-18
        venue: CVPR
        track: Main Conference
        note: Oral Presentation, 2.7%
        abstract: We show *every* field with math $E = mc^2$ in the abstract.
        introduction: |
          An introduction with a list:

          - first point
          - second point
        tags: [daily papers, few-shot learning]
        category: cs.CV
        links: {pdf: https://example.org/showcase.pdf, code: https://github.com/example/showcase,
                project: /about/}
        arxiv: 2306.00001
        doi: 10.1234/showcase
        citations: 42
        upvotes: 7
        organization: Example Lab
        image: img/teaser.png
    """,
    "static/img/teaser.png": png(320, 180, (90, 140, 230)),
    "static/img/qianru-sun.png": png(128, 128, (200, 120, 80)),
}
PROFILE_ADDITIONS = """\
position: Associate Professor
homepage: https://example.org/qianru/
orcid: 0000-0002-1825-0097
scholar: abcdEFGhijkl
github: example
photo: img/qianru-sun.png
aliases: [Q. Sun]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The sample site plus ADDITIONS, built with search into <site>/_site."""
    from papersite.pipeline import BuildOptions, build

    root = tmp_path_factory.mktemp("quality") / "site"
    root.mkdir()
    shutil.copy(ROOT / "site.yaml", root / "site.yaml")
    for folder in ("content", "static", "templates"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, root / folder)
    write_files(root, ADDITIONS)
    profile = root / "content/authors/qianru-sun.yaml"
    profile.write_text(profile.read_text("utf-8") + PROFILE_ADDITIONS, "utf-8")
    build(BuildOptions(site_dir=root, jobs=1, use_cache=False))
    return root


def page_file(site: Path, path: str) -> Path:
    rel = path.split("?")[0].lstrip("/")
    out = site / "_site" / rel
    return out / "index.html" if rel == "" or rel.endswith("/") else out


# --- tools --------------------------------------------------------------------------------

def npm_tool(path: Path) -> Path | None:
    """The file from the tools folder, installing the npm packages once when missing."""
    if path.is_file():
        return path
    npm = shutil.which("npm")
    if npm is None:
        return None
    TOOLS.mkdir(exist_ok=True)
    with open(TOOLS / ".lock", "w") as lock:      # two test workers may both get here
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund",
                            "--ignore-scripts", "--prefix", str(TOOLS), *NPM_PACKAGES],
                           capture_output=True, timeout=600)
    return path if path.is_file() else None


@pytest.fixture(scope="module")
def server(site):
    """The built site over HTTP on a free localhost port (404s answer with 404.html)."""
    out = site / "_site"

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(out), **kwargs)

        def log_message(self, *args):
            pass

        def send_error(self, code, message=None, explain=None):
            if code != 404:
                return super().send_error(code, message, explain)
            body = (out / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    path = npm_tool(AXE_JS)
    if path is None:
        pytest.skip("axe-core is not installed and npm could not install it "
                    "(npm install --prefix .tools axe-core)")
    return path.read_text("utf-8")


class Tab:
    """A browser context and page at one width and colour scheme, reused across pages."""

    def __init__(self, browser, origin: str, width: int, scheme: str):
        self.origin = origin
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           color_scheme=scheme)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.failed: list[str] = []   # answered with an error status, or not at all
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.status} {r.url}"))
        # (a request the next navigation cancelled, as a late tab icon's on a loaded
        # machine, is not a missing file: one of those is answered 404 above)
        self.page.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED"
                     and self.failed.append(f"failed {r.url}: {r.failure}"))

    def open(self, path: str):
        self.page.goto(self.origin + path, wait_until="load")
        if path.startswith("/search/"):
            # Search renders its results from the index after load.
            self.page.wait_for_selector("#search-results > li", timeout=15000)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def tabs(browser, server):
    made: dict[str, Tab] = {}

    def get(name: str) -> Tab:
        if name not in made:
            width, scheme = {"light": (1280, "light"), "dark": (360, "dark"),
                             "toggle": (1280, "light")}[name]
            made[name] = Tab(browser, server, width, scheme)
        return made[name]

    yield get
    for tab in made.values():
        tab.close()


# --- the Nu HTML Checker ------------------------------------------------------------------

def test_nu_html_checker_reports_no_errors(site):
    java = shutil.which("java")
    if java is None:
        pytest.skip("java not found: install default-jre-headless (.ci/run does)")
    jar = npm_tool(VNU_JAR)
    if jar is None:
        pytest.skip("vnu-jar is not installed and npm could not install it "
                    "(npm install --prefix .tools vnu-jar)")
    files = sorted({str(page_file(site, p)) for p in PAGES.values()})
    proc = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", *files],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    errors = [f"{m.get('url', '?').split('/_site/', 1)[-1]}:{m.get('lastLine', '?')}: "
              f"{m['message']}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert not errors, "\n".join(errors)
    assert proc.returncode == 0


# --- axe-core, in both themes --------------------------------------------------------------

# A theme changes colours only, so the dark passes run the colour rules; the light pass
# runs every rule (landmarks, headings, labels, names, contrast...).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def run_axe(page, source: str, only: list[str] | None = None) -> list[str]:
    page.add_script_tag(content=source)
    options = {"resultTypes": ["violations"]}
    if only:
        options["runOnly"] = {"type": "rule", "values": only}
    result = page.evaluate("""async (options) => {
        const r = await axe.run(document, options);
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
          .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
               v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""", options)
    return result


@pytest.mark.parametrize("kind", PAGES)
def test_axe_light_theme(kind, tabs, axe_source):
    page = tabs("light").open(PAGES[kind])
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert run_axe(page, axe_source) == []


@pytest.mark.parametrize("kind", PAGES)
def test_axe_dark_theme_from_the_system_at_phone_width(kind, tabs, axe_source):
    page = tabs("dark").open(PAGES[kind])
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    assert run_axe(page, axe_source, COLOUR_RULES) == []
    # Nothing wider than a 360 px phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("kind", PAGES)
def test_axe_dark_theme_from_the_toggle(kind, tabs, axe_source):
    tab = tabs("toggle")
    page = tab.open(PAGES[kind])
    toggle = page.locator(".theme-toggle")
    if toggle.get_attribute("aria-pressed") == "true":      # remembered from a previous page
        toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert run_axe(page, axe_source, COLOUR_RULES) == []


# --- look and feel --------------------------------------------------------------------------

def test_no_request_goes_to_another_host_or_misses_its_file(browser, server):
    tab = Tab(browser, server, 1280, "light")
    try:
        for path in PAGES.values():
            tab.open(path)
            tab.page.wait_for_load_state("networkidle")
    finally:
        tab.close()
    assert tab.requests, "no request recorded"
    others = [u for u in tab.requests if not u.startswith(server + "/")]
    assert others == []
    # Every asset a page asks for is in the output: the browser's tab icon included,
    # which it would otherwise look for at /favicon.ico, outside a site under /repo/.
    assert tab.failed == []
    # The pages did load their own assets (and search its index).
    assert any(u.endswith("/assets/papersite.css") for u in tab.requests)
    assert any(u.endswith("/assets/favicon.svg") for u in tab.requests)
    assert any("/pagefind/" in u for u in tab.requests)


def test_theme_toggle_is_remembered_and_applied_before_first_paint(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    try:
        page = context.new_page()
        page.goto(server + "/papers/")
        toggle = page.locator(".theme-toggle")
        assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true"
        # Hold back the script: the stored choice must already be applied by the page's
        # head, before any deferred script runs (no flash of the light theme).
        page.route("**/assets/papersite.js", lambda route: route.abort())
        page.goto(server + "/authors/", wait_until="domcontentloaded")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != \
            "rgb(255, 255, 255)"
        page.unroute("**/assets/papersite.js")
        page.goto(server + "/authors/")
        assert page.locator(".theme-toggle").get_attribute("aria-pressed") == "true"
        page.locator(".theme-toggle").click()
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            "rgb(255, 255, 255)"
    finally:
        context.close()


CONTRAST = """([a, b]) => {
    const lum = c => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(x => x / 255)
        .map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_focus_is_visible(theme, tabs):
    page = tabs(theme).open(PAGES["paper-full"])
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, s = getComputedStyle(el);
        return {text: el.textContent.trim(), style: s.outlineStyle, width: s.outlineWidth,
                left: el.getBoundingClientRect().left};
    }""")
    assert focused["text"] == "Skip to content"
    assert focused["style"] != "none" and focused["width"] != "0px"
    assert focused["left"] >= 0                     # the skip link comes into view
    page.keyboard.press("Tab")
    ring = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                page: getComputedStyle(document.querySelector('.site-header')).backgroundColor};
    }""")
    assert ring["style"] == "solid" and ring["width"] >= 2
    # The ring stands out from what is around it (WCAG 2.2: 3:1).
    assert page.evaluate(CONTRAST, [ring["color"], ring["page"]]) >= 3


@pytest.mark.parametrize("kind", ["home", "paper-full", "author-profile", "edition"])
def test_no_layout_shift(kind, browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script("""
            window.__shift = 0;
            new PerformanceObserver(list => {
              for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
            }).observe({type: 'layout-shift', buffered: true});
        """)
        page.goto(server + PAGES[kind], wait_until="networkidle")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 100)))")
        assert page.evaluate("window.__shift") < 0.01
    finally:
        context.close()


BOXES = """() => Object.fromEntries(['.profile', '.person-main', '.person-side'].map(s => { const r = document.querySelector(s).getBoundingClientRect();
    return [s, {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right}]; }))"""
WHERE = """() => { const a = document.activeElement;
    return a.closest('.person-main') ? 'papers' : a.closest('.person-side') ? 'summary' : ''; }"""


@pytest.mark.parametrize("kind", ["home", "author-profile"])
def test_papers_come_before_the_summary_column(kind, browser, server):
    """After the profile, Tab reaches the papers before the chart, co-authors and venues;
    a wide screen shows the summary beside the papers, level with them, and a phone shows
    the profile, then the papers, then the summary."""
    for width in (1280, 375):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.goto(server + PAGES[kind])
            where = ""
            for _ in range(60):
                page.keyboard.press("Tab")
                where = page.evaluate(WHERE)
                if where:
                    break
            assert where == "papers", width
            box = page.evaluate(BOXES)
            main, side = box[".person-main"], box[".person-side"]
            if width == 1280:
                assert side["left"] >= main["right"] and abs(side["top"] - main["top"]) < 2
            else:
                assert box[".profile"]["bottom"] <= main["top"]
                assert side["top"] >= main["bottom"]
                link = page.get_by_role("link", name="Co-authors and venues ↓")
                assert link.is_visible()
        finally:
            context.close()


UNDER_HEADING = """(el) => {
    // The stuck group heading (at the top of the window) that covers any of el, if any.
    const r = el.getBoundingClientRect();
    for (const h of document.querySelectorAll('.group-heading')) {
      const q = h.getBoundingClientRect();
      if (getComputedStyle(h).position === 'sticky' && q.top <= 1 && r.top < q.bottom)
        return h.textContent.trim();
    }
    return null;
}"""


def test_sticky_year_headings_do_not_cover_what_is_focused_or_linked(tabs):
    """A wide screen keeps the year's heading at the top while its papers scroll under it:
    Shift+Tab back up the list, and an address ending in #p-<paper>, stop below it."""
    page = tabs("light").open(PAGES["papers"])
    for _ in range(80):
        page.keyboard.press("Tab")
    covered = []
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        heading = page.evaluate(f"({UNDER_HEADING})(document.activeElement)")
        if heading:
            covered.append(f"{page.evaluate('document.activeElement.textContent')!r} "
                           f"under {heading!r}")
    assert not covered, covered
    target = page.locator(".entries > li article").nth(12).get_attribute("id")
    page.goto(tabs("light").origin + PAGES["papers"] + "#" + target)
    assert page.evaluate("window.scrollY") > 0
    assert page.evaluate(f"({UNDER_HEADING})(document.getElementById('{target}'))") is None


def test_print_style_keeps_the_list_and_drops_the_chrome(tabs):
    page = tabs("dark").open(PAGES["author-profile"])
    page.emulate_media(media="print")
    try:
        shown = page.evaluate("""() => Object.fromEntries(
            ['.site-header', '.site-footer', '.theme-toggle', '.entry-links', '.person-side',
             '.entries', '.profile h1'].map(s => {
               const el = document.querySelector(s);
               return [s, !!el && getComputedStyle(el).display !== 'none'];
            }))""")
        assert shown == {".site-header": False, ".site-footer": False, ".theme-toggle": False,
                         ".entry-links": False, ".person-side": False, ".entries": True,
                         ".profile h1": True}
        # Black on white even when the screen shows the dark theme.
        assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            "rgb(255, 255, 255)"
    finally:
        page.emulate_media(media="screen")


def test_printed_ranked_list_keeps_the_upvotes_it_is_ranked_by(tabs):
    # The daily papers are ranked by upvotes, as the list's description says: a printout
    # without them shows an order with no reason, as citation counts do print.
    page = tabs("light").open(PAGES["listing"])
    page.emulate_media(media="print")
    try:
        votes = page.locator(".entries .upvotes")
        assert votes.count() > 10
        assert all(votes.nth(i).is_visible() for i in range(votes.count()))
    finally:
        page.emulate_media(media="screen")


PRINTED_LINKS = """() => [...document.querySelectorAll('.paper > header .entry-links a')]
    .filter(a => getComputedStyle(a).display !== 'none'
                 && getComputedStyle(a.parentElement).display !== 'none')
    .map(a => a.textContent + getComputedStyle(a, '::after').content.replace(/^"|"$/g, '')
                                                                  .replace(/^none$/, ''))"""


def test_printed_paper_page_keeps_its_links_with_their_addresses(tabs):
    # A printout without the PDF, code and DOI links would not say where the paper is.
    page = tabs("light").open(PAGES["paper-full"])
    page.emulate_media(media="print")
    try:
        printed = page.evaluate(PRINTED_LINKS)
        assert "PDF: https://example.org/showcase.pdf" in printed
        assert "DOI: https://doi.org/10.1234/showcase" in printed
        assert "Project" in printed      # a link on this site has no address worth printing
        assert "Cite" not in printed     # the jump to the citation below
        assert not page.locator(".cite-actions").is_visible()
        assert not page.locator(".site-header").is_visible()
    finally:
        page.emulate_media(media="screen")


def test_printed_search_keeps_the_results_and_drops_the_controls(tabs):
    page = tabs("light").open(PAGES["search"])
    page.emulate_media(media="print")
    try:
        assert page.locator("#search-results > li").first.is_visible()
        assert page.locator("#search-status").is_visible()    # what was searched for
        for control in ("#search-q", "#search-sort", "#search-facets", "#search-more"):
            assert not page.locator(control).is_visible(), control
    finally:
        page.emulate_media(media="screen")


def test_edition_expands_and_collapses_every_abstract(tabs):
    page = tabs("light").open(PAGES["edition"])
    count = page.locator("details.entry-abstract").count()
    assert count > 50
    page.get_by_role("button", name="Expand all abstracts").click()
    assert page.locator("details.entry-abstract[open]").count() == count
    page.get_by_role("button", name="Collapse all").click()
    assert page.locator("details.entry-abstract[open]").count() == 0


def test_edition_page_leaves_out_the_venue_badge_that_names_itself(tabs):
    """On CVPR 2023's page every entry's "CVPR 2023" badge would link to that page; the
    venue's page, grouped by year, keeps them: they lead to each edition."""
    page = tabs("light").open(PAGES["edition"])
    badges = page.locator(".entry-meta > a.venue")
    assert badges.count() > 100
    assert not any(badges.nth(i).is_visible() for i in range(0, badges.count(), 25))
    assert page.locator(".entry-meta > .category, .entry-abstract").first.is_visible()
    page = tabs("light").open(PAGES["venue"])
    assert page.locator(".entry-meta > a.venue").first.is_visible()


def test_paper_page_header_leads_to_its_citation_past_a_long_introduction(tabs):
    page = tabs("light").open(PAGES["paper"])
    intro = page.locator(".introduction")
    assert len(intro.inner_text()) > 5000
    page.locator(".paper > header .entry-links").get_by_role("link", name="Cite").click()
    page.wait_for_function("location.hash === '#cite-h'")
    assert page.locator("#bibtex").is_visible()
    assert page.evaluate("scrollY") > 3000     # past the introduction
    top = page.evaluate("document.getElementById('cite-h').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] - 100


def test_copy_button_copies_the_bibtex(browser, server):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    try:
        page = context.new_page()
        page.goto(server + PAGES["paper-full"])
        page.get_by_role("button", name="Copy BibTeX").click()
        page.wait_for_function("document.querySelector('.copy-status').textContent !== ''")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("@inproceedings{") and "Showcase" in copied
    finally:
        context.close()


def test_buttons_that_need_the_script_show_only_with_it(browser, server):
    """Copy BibTeX, RIS, CSL-JSON and expand-all work through the script: without it a
    reader sees none of them, and the .bib download, a real link, stays."""
    for scripts in (False, True):
        context = browser.new_context(java_script_enabled=scripts)
        try:
            page = context.new_page()
            page.goto(server + PAGES["paper-full"])
            shown = {name: page.locator(".cite-actions button", has_text=name).is_visible()
                     for name in ("Copy BibTeX", "Download RIS", "Download CSL-JSON")}
            assert shown == dict.fromkeys(shown, scripts), (scripts, shown)
            link = page.locator(".cite-actions a", has_text="Download .bib")
            assert link.is_visible() and link.get_attribute("href").endswith(".bib")
            # The script's own button is there only with it too.
            assert page.locator(".theme-toggle").is_visible() is scripts
            page.goto(server + PAGES["edition"])
            assert page.locator(".expand-controls").is_visible() is scripts
            assert page.locator("button", has_text="Expand all abstracts").is_visible() is scripts
        finally:
            context.close()


# --- paper pages stay small -------------------------------------------------------------

TEXT_BLOCK = re.compile(r'<div class="(?:abstract|introduction)">(.*?)</div>\s*</section>', re.S)


def test_paper_pages_stay_under_15_kb_without_their_abstract_and_introduction(site):
    pages = [p for p in (site / "_site/papers").glob("*/index.html")
             if "http-equiv=\"refresh\"" not in p.read_text("utf-8")]
    assert len(pages) > 250
    over = []
    for path in pages:
        html = path.read_text("utf-8")
        text = sum(len(m.group(1).encode()) for m in TEXT_BLOCK.finditer(html))
        size = len(html.encode()) - text
        if size >= 15_000:
            over.append(f"{path.parent.name}: {size:,} bytes")
    assert over == []


# --- what the pages show (items the reader comes for) -------------------------------------

def html_of(site: Path, kind: str) -> str:
    return page_file(site, PAGES[kind]).read_text("utf-8")


def test_author_page_shows_profile_metrics_chart_and_counts(site):
    html = html_of(site, "author-profile")
    assert re.search(r'<img class="photo" src="/img/qianru-sun.png" alt="[^"]+" '
                     r'width="128" height="128">', html)
    assert "Associate Professor, Singapore Management University" in html
    for url in ("https://example.org/qianru/", "https://orcid.org/0000-0002-1825-0097",
                "https://scholar.google.com/citations?user=abcdEFGhijkl",
                "https://github.com/example"):
        assert f'href="{url}"' in html, url
    assert "Also published as: Q. Sun" in html
    assert re.search(r"<dt>Papers</dt><dd>\d+</dd>", html)
    assert "<dt>Citations</dt><dd>42</dd>" in html and "<dt>i10-index</dt><dd>1</dd>" in html
    # The chart is drawn at build time, with its numbers in a table for screen readers.
    assert '<svg role="img" aria-labelledby="chart-title"' in html
    rows = re.findall(r"<tr><td>(\d{4})</td><td>(\d+)</td></tr>", html)
    total = int(re.search(r'Papers <span class="count">(\d+)</span>', html).group(1))
    assert rows and sum(int(n) for _, n in rows) == total
    assert len(re.findall(r"<rect ", html)) == len(rows)
    # Co-authors with counts, the most frequent shown and the rest folded away.
    side = html[html.index('<aside class="person-side"'):html.index("</aside>")]
    shown = re.findall(r'<li><a href="/authors/[^"]+/">[^<]+</a> <span class="count">\d+</span>',
                       side[:side.index('<details class="more-list">')])
    assert len(shown) == 12
    assert re.search(r"<summary>\d+ more co-authors</summary>", side)
    assert re.search(r'href="/venues/cvpr/" title="[^"]+">CVPR</a> <span class="count">\d+', side)
    # Papers grouped by year (newest first), the feed and the BibTeX of all papers.
    years = re.findall(r'<h2 class="group-heading" id="y(\d{4})">', html)
    assert years == sorted(years, reverse=True) and len(years) >= 5
    assert 'href="/authors/qianru-sun/feed.xml"' in html
    assert 'href="/authors/qianru-sun/papers.bib"' in html
    # The papers come first in the page (for the keyboard, screen readers and phones);
    # the summary column follows them, and a phone's reader can jump to it.
    assert html.index('class="section-title"') < html.index('<aside class="person-side"')
    assert '<a href="#person-side">Co-authors and venues ↓</a>' in html


def test_venue_series_and_edition_pages(site):
    series = html_of(site, "venue")
    editions = re.findall(r'<a href="/venues/cvpr/(\d{4})/">\1 <span class="count">(\d+)</span>',
                          series)
    assert ("2023", "106") in editions                  # 105 sample papers + the showcase
    assert '<svg role="img"' in series and "Papers per year at CVPR" in series
    edition = html_of(site, "edition")
    assert "<h1>CVPR 2023</h1>" in edition and "106 papers" in edition
    assert edition.count('<article class="entry') == 106
    assert edition.count('<details class="entry-abstract">') >= 100
    assert 'data-expand="true"' in edition and 'data-expand="false"' in edition


def test_paper_page_shows_marks_badges_links_and_neighbours(site):
    html = html_of(site, "paper-full")
    assert '<h1 class="paper-title">Showcase of <math' in html
    assert 'href="/authors/qianru-sun/" class="owner">Qianru Sun</a><sup title="Equal ' \
           'contribution">*</sup><sup title="Corresponding author">†</sup>' in html
    assert "* Equal contribution. † Corresponding author." in html
    for badge in ("badge venue", "badge track", "badge note"):
        assert f'class="{badge}"' in html
    labels = re.findall(r'<a class="button" href="[^"]+">([^<]+)</a>', html)
    assert labels[:5] == ["PDF", "Code", "Project", "arXiv", "DOI"]
    assert '<h2 id="intro-h">Introduction</h2>' in html and "<li>first point</li>" in html
    assert 'class="tag" href="/tags/few-shot-learning/"' in html
    assert 'data-copy="bibtex"' in html
    more = html[html.index('id="more-h"'):html.index('id="related-h"')]
    related = html[html.index('id="related-h"'):]
    assert more.count('<article class="entry compact">') == 5
    assert related.count('<article class="entry compact">') == 5
    assert '<span class="owner">Qianru Sun</span>' in more
    # The abstract is in the page and its JSON-LD, not a third time in the CSL data.
    csl = json.loads(re.search(r'<script type="application/json" id="csl-data">(.*?)</script>',
                               html, re.S).group(1))
    assert "abstract" not in csl and csl["title"].startswith("Showcase of")


def test_ris_and_csl_downloads_carry_the_abstract(tabs):
    page = tabs("light").open(PAGES["paper-full"])
    with page.expect_download() as ris:
        page.get_by_role("button", name="Download RIS").click()
    text = Path(ris.value.path()).read_text("utf-8")
    assert text.startswith("TY  - CPAPER") and "AB  - We show every field" in text
    with page.expect_download() as csl:
        page.get_by_role("button", name="Download CSL-JSON").click()
    (item,) = json.loads(Path(csl.value.path()).read_text("utf-8"))
    assert item["abstract"].startswith("We show every field")
    # A partial author list: CSL-JSON says so as Pandoc does; RIS has no way to, and
    # leaves out the name "others" that reference managers would file as an author.
    page = tabs("light").open("/papers/towards-unified-multimodal-editing-with-enhanced-"
                              "knowledge/")
    with page.expect_download() as ris:
        page.get_by_role("button", name="Download RIS").click()
    authors = [line for line in Path(ris.value.path()).read_text("utf-8").splitlines()
               if line.startswith("AU  - ")]
    assert authors == ["AU  - Pan, Kaihang", "AU  - Fan, Zhaoyu", "AU  - Li, Juncheng",
                       "AU  - Sun, Qianru"]
    with page.expect_download() as csl:
        page.get_by_role("button", name="Download CSL-JSON").click()
    (item,) = json.loads(Path(csl.value.path()).read_text("utf-8"))
    assert item["author"][-1] == {"literal": "others"} and len(item["author"]) == 5
