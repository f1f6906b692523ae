"""GitHub Pages output and link integrity: every link follows base_url, and the checker
(`check --links`, `build --check-links`) reports each broken one as a numbered list."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import ROOT, read, run_cli, write_files

from papersite.forking import WorkerDied
from papersite.outputs import links
from papersite.outputs.links import LinkResolver, check_folder, extract_links

REPO_URL = "https://user.github.io/repo/"

# A small site that uses every kind of link a page can carry: nav from site.yaml,
# markdown links in abstracts and bios, a site-relative PDF, a photo, pagination, a
# listing, a free page, redirects from old ids.
SITE = {
    "site.yaml": """\
        title: Lab Papers
        description: Papers of the lab
        base_url: https://example.org/
        owner: ada
        paginate: 2
        nav:
          - {title: Papers, url: /papers/}
          - {title: Recent, url: /recent/}
          - {title: About, url: /about/}
        listings:
          - {slug: recent, title: Recent, sort: [-date]}
        """,
    "content/authors/ada.yaml": """\
        name: Ada Lovelace
        photo: img/ada.png
        bio: Works on [engines](/papers/engines/) and [more](/tags/vision/).
        """,
    "content/venues.yaml": """\
        - {id: cvpr, short: CVPR, name: Computer Vision and Pattern Recognition}
        """,
    "content/pages/about.md": """\
        ---
        title: About
        ---
        See [all papers](/papers/) and [the feed](/feed.xml).
        """,
    "content/papers/engines.yaml": """\
        title: Analytical Engines
        authors: [Ada Lovelace, Charles Babbage]
        date: 2023-05-01
        venue: CVPR
        tags: [vision]
        links: {pdf: /files/engines.pdf, code: https://github.com/ada/engines}
        abstract: Builds on [notes](/papers/notes/) and [the PDF](/files/engines.pdf).
        redirect_from: [engines-old]
        """,
    "content/papers/notes.yaml": """\
        title: Notes on the Engine
        authors: [Ada Lovelace]
        date: 2022-01-10
        tags: [vision, history]
        """,
    "content/papers/third.yaml": """\
        title: A Third Paper
        authors: [Charles Babbage]
        year: 2021
        """,
    "content/papers/undated.yaml": """\
        title: Undated Musings
        authors: [Ada Lovelace]
        """,
    "static/files/engines.pdf": b"%PDF-1.4\n",
    "static/img/ada.png": b"\x89PNG\r\n\x1a\n",
}


def build_site(root: Path, *args: str):
    result = run_cli("build", "--site", str(root), "--no-search", *args)
    assert result.code == 0, result.err
    return result


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory):
    """The small site built under /repo/ (base URL given on the command line)."""
    root = write_files(tmp_path_factory.mktemp("repo") / "site", SITE)
    build_site(root, "--base-url", REPO_URL, "--check-links")
    return root


# --- the extractor and the resolver ---------------------------------------------------------


def test_extract_links_finds_attributes_in_tags_only():
    html = (b'<a href="/x/">x</a> href="/in-text/" <IMG SRC=/y.png srcset="a.png 1x, b.png 2x">'
            b'<!-- <a href="/commented/"> --><script src="/app.js">var s = "<a href=\'/js/\'>";'
            b'</script><style>a{background:url(/css.png)}</style>'
            b'<a data-href="/data/" href=\'/single/?q=1&amp;r=2\'>'
            b'<link rel="stylesheet" href="/x/"><form action="/search/" method="get">')
    assert extract_links(html) == [
        ("href", "/x/"), ("src", "/y.png"), ("srcset", "a.png"), ("srcset", "b.png"),
        ("src", "/app.js"), ("href", "/single/?q=1&r=2"), ("action", "/search/")]


def test_resolver_rules():
    files = {"index.html", "papers/a/index.html", "papers/a.bib", "assets/x.css",
             "files/my paper.pdf"}
    r = LinkResolver(files, "/repo/", "https://user.github.io")
    page = "papers/a/index.html"
    ok = ["/repo/", "/repo/papers/a/", "/repo/papers/a", "/repo/papers/a/#cite",
          "/repo/assets/x.css?v=2", "../a.bib", "./", "../../", "#top", "",
          "/repo/files/my%20paper.pdf", "https://user.github.io/repo/papers/a/",
          "https://user.github.io/other-project/", "https://elsewhere.org/x",
          "//elsewhere.org/x", "mailto:a@b.c", "data:image/png;base64,xx"]
    for link in ok:
        assert r.problem(page, link) is None, link
    assert r.problem(page, "/repo/papers/b/") == "/repo/papers/b/ not found"
    assert r.problem(page, "https://user.github.io/repo/nope/") == \
        "https://user.github.io/repo/nope/ not found"
    assert r.problem(page, "../b/") == "../b/ not found"
    assert r.problem(page, "/papers/a/") == \
        "/papers/a/ is outside the site's base path /repo/"
    assert r.problem(page, "../../../x/") == \
        "../../../x/ is outside the site's base path /repo/"


def test_check_pages_reports_real_links_only():
    pages = {
        "index.html": b'<a href="a/">a</a> <!-- <a href="/gone-in-comment/"> --> '
                      b'text href="/gone-in-text/" <script>x = "<a href=\'/gone-js/\'>"</script>',
        "a/index.html": b'<A HREF="/gone-upper/">x</A><a href="b/">b</a><img src="../logo.png">',
        "a/b/index.html": b'<a href="b/">b</a><link href="/a/">',  # a/b/b/ does not exist
        "c/index.html": b'<base href="/a/"><a href="b/">b</a>',  # resolves through <base>
    }
    files = [*pages, "logo.png"]
    resolver = LinkResolver(files, "/", "https://example.org")
    found = links.check_pages(pages, pages.__getitem__, resolver)
    assert [str(d) for d in found] == [
        "1. a/b/index.html: href: b/ not found",
        "2. a/index.html: href: /gone-upper/ not found",
    ]


# --- the command line -----------------------------------------------------------------------


BROKEN = {
    "site.yaml": "title: T\nbase_url: https://user.github.io/repo/\n",
    "content/papers/a.yaml": """\
        title: A
        authors: [Ann Lee]
        year: 2020
        links: {pdf: /missing.pdf}
        abstract: "[b](/papers/b/) [rel](../nope/) [up](../../../x/) [ok](/papers/a/)"
        """,
}

BROKEN_REPORT = [
    "1. authors/ann-lee/index.html: href: /repo/missing.pdf not found",
    "2. index.html: href: /repo/missing.pdf not found",
    "3. papers/a/index.html: href: /repo/missing.pdf not found",
    "4. papers/a/index.html: href: /repo/papers/b/ not found",
    # links in text are read from the site's root (a paper's abstract is on many pages)
    "5. papers/a/index.html: href: /repo/nope/ not found",
    "6. papers/a/index.html: href: /repo/x/ not found",
    "7. papers/index.html: href: /repo/missing.pdf not found",
    "8. years/2020/index.html: href: /repo/missing.pdf not found",
    "broken links: 8 errors; the previous output is untouched",
]


def test_build_check_links_reports_a_numbered_list(make_site, build):
    site = make_site(BROKEN)
    result = build(site, "--check-links")
    assert result.code == 1
    assert result.lines == BROKEN_REPORT
    assert not (site / "_site").exists()  # nothing was committed


def test_relative_links_are_read_from_the_sites_root(make_site, build):
    """A link without a scheme or a leading '/' is shown on many pages (a paper's in
    every list, a bio on the home page too): it is read from the site's root, so that
    it leads to the same file from all of them. It was left as written, and broke on
    every page but one, with `--strict` passing."""
    site = make_site({
        "site.yaml": "title: T\nbase_url: https://user.github.io/repo/\nowner: ann-lee\n",
        "content/papers/a.yaml": """\
            title: A
            authors: [Ann Lee]
            year: 2020
            links: {slides: files/a-slides.pdf, poster: ./files/a-poster.pdf}
            """,
        "content/authors/ann-lee.yaml": "name: Ann Lee\nbio: 'See [paper A](../../papers/a/).'\n",
        "static/files/a-slides.pdf": b"%PDF-1.4 slides",
        "static/files/a-poster.pdf": b"%PDF-1.4 poster",
    })
    result = build(site, "--strict", "--check-links")
    assert result.code == 0, result.err
    for page in ("papers/a/index.html", "papers/index.html", "authors/ann-lee/index.html",
                 "index.html"):
        html = (site / "_site" / page).read_text("utf-8")
        assert 'href="/repo/files/a-slides.pdf"' in html, page
        assert 'href="/repo/files/a-poster.pdf"' in html, page
    for page in ("authors/ann-lee/index.html", "index.html"):   # the owner's bio
        assert '<a href="/repo/papers/a/"' in (site / "_site" / page).read_text("utf-8")


def test_check_links_builds_in_a_temporary_folder(make_site):
    site = make_site(BROKEN)
    result = run_cli("check", "--site", str(site), "--links")
    assert result.code == 1
    assert result.lines == BROKEN_REPORT[:-1] + ["broken links: 8 errors"]   # no output
    assert not (site / "_site").exists()
    ok = make_site({"content/papers/a.yaml": "title: A\nauthors: [Ann Lee]\nyear: 2020\n"
                                             "pgaes: 3\n"})
    result = run_cli("check", "--site", str(ok), "--links")
    assert result.code == 0, result.err
    assert result.out == ("OK: 1 paper, 1 author, 0 venues, 0 tags, 11 pages, "
                          "all links resolve\n")
    warning = "warning: content/papers/a.yaml:4: pgaes: unknown paper field\n"
    assert result.err == warning                        # said once
    result = run_cli("check", "--site", str(ok))
    assert (result.out, result.err) == ("OK: 1 paper, 1 author, 0 venues, 0 tags, 11 pages\n",
                                        warning)


def test_check_links_loads_the_content_once(make_site, monkeypatch):
    """The build it makes validates as `check` does: the site is not prepared twice
    (twice the time, and the first site was kept in memory while the build made its
    own)."""
    from papersite import cli, pipeline

    site = make_site({"content/papers/a.yaml": "title: A\nauthors: [Ann Lee]\nyear: 2020\n"})
    prepared, real = [], pipeline.prepare

    def counted(*args, **options):
        prepared.append(args[0])
        return real(*args, **options)

    monkeypatch.setattr(pipeline, "prepare", counted)
    assert cli.main(["check", "--site", str(site), "--links"]) == 0
    assert prepared == [site]


def test_a_long_list_stays_in_numeric_order(make_site, build):
    papers = {f"content/papers/p{i:02d}.yaml": f"title: P{i}\nauthors: [Ann Lee]\nyear: 2020\n"
              f"abstract: '[x](/gone-{i:02d}/)'\n" for i in range(12)}
    site = make_site({"site.yaml": "title: T\nbase_url: https://example.org/\npaginate: 0\n",
                      **papers})
    result = build(site, "--check-links")
    numbers = [int(line.split(".")[0]) for line in result.lines[:-1]]
    assert numbers == list(range(1, 13))
    assert result.lines[9] == "10. papers/p09/index.html: href: /gone-09/ not found"


def test_the_sample_site_has_no_broken_links_at_the_root(tmp_path):
    result = run_cli("check", "--site", str(ROOT), "--links")
    assert result.code == 0, result.err
    assert "all links resolve" in result.out


def test_the_sample_site_has_no_broken_links_under_a_repo_path(tmp_path):
    result = run_cli("build", "--site", str(ROOT), "--no-search", "--check-links",
                     "--output", str(tmp_path / "out"), "--base-url", REPO_URL)
    assert result.code == 0, result.err
    assert check_folder(tmp_path / "out", REPO_URL) == []


def test_check_folder_and_parallel_check_agree(repo_site, monkeypatch):
    out = repo_site / "_site"
    assert check_folder(out, REPO_URL) == []
    # The same folder seen as served from the domain root: every link leaves the base.
    serial = check_folder(out, "https://user.github.io/", jobs=1)
    assert serial and all("not found" in d.message for d in serial)
    monkeypatch.setattr(links, "PARALLEL_FROM", 1)
    assert check_folder(out, "https://user.github.io/", jobs=2) == serial


def test_a_link_checker_killed_by_the_system_stops_the_check_with_an_error(
        repo_site, monkeypatch, tmp_path):
    """A child checking a run of pages is killed (the out-of-memory killer): the check
    stops with a build error naming it, instead of waiting for the lost run for ever."""
    me, check = os.getpid(), links._broken_on
    started = tmp_path / "child-took-a-run"

    def broken_on(pages, read, resolver):
        if os.getpid() != me:
            started.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        # This process waits for the child to take a run: on a busy host it could
        # otherwise take every run before the child is scheduled, and nothing dies.
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return check(pages, read, resolver)

    def hung(signum, frame):
        raise TimeoutError("the link check waited for a killed child")

    monkeypatch.setattr(links, "PARALLEL_FROM", 1)
    monkeypatch.setattr(links, "_broken_on", broken_on)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        with pytest.raises(WorkerDied, match="was killed by SIGKILL"):
            check_folder(repo_site / "_site", REPO_URL, jobs=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_link_to_a_redirected_paper_resolves(make_site, build):
    site = make_site({
        "content/papers/new.yaml": "title: New\nauthors: [Ann Lee]\nyear: 2020\n"
                                   "redirect_from: [old]\n",
        "content/papers/other.yaml": "title: Other\nauthors: [Ann Lee]\nyear: 2021\n"
                                     "abstract: 'Moved: [old](/papers/old/)'\n",
    })
    result = build(site, "--check-links")
    assert result.code == 0, result.err
    page = read(site, "papers/old/index.html")
    assert '<meta name="robots" content="noindex">' in page
    assert 'content="0; url=/papers/new/"' in page


# --- GitHub Pages hosting files -------------------------------------------------------------


def test_hosting_files(make_site, build):
    site = make_site({"site.yaml": "title: T\nbase_url: https://user.github.io/repo/\n"
                                   "cname: papers.example.org\n"})
    assert build(site).code == 0
    assert (site / "_site/.nojekyll").read_bytes() == b""
    assert read(site, "CNAME") == "papers.example.org\n"
    assert "Sitemap: https://user.github.io/repo/sitemap.xml\n" in read(site, "robots.txt")
    plain = make_site({})
    assert build(plain).code == 0
    assert not (plain / "_site/CNAME").exists()
    assert (plain / "_site/.nojekyll").exists()


# --- served under /repo/ by a static server -------------------------------------------------


class _Links(HTMLParser):
    """An independent collector (the standard parser, not the checker's scanner)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.refresh: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("href", "src", "action"):
            if a.get(name) is not None:
                self.urls.append(a[name])
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.refresh = a["content"].split("url=", 1)[1]


def _serve(folder: Path, prefix: str):
    """A static server that serves `folder` under `prefix` only, with its 404.html for
    missing files, like GitHub Pages does for a project site."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            path = urlsplit(path).path
            if not path.startswith(prefix):
                return str(folder / "__outside__")
            return super().translate_path("/" + path[len(prefix):])

        def send_error(self, code, message=None, explain=None):
            if code != 404:
                return super().send_error(code, message, explain)
            body = (folder / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get_content_type()


def test_every_link_works_when_served_under_the_repo_path(repo_site):
    out = repo_site / "_site"
    server = _serve(out, "/repo/")
    host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        start = f"{host}/repo/"
        queue, seen, checked, broken = [start], {start}, 0, []
        while queue:
            url = queue.pop()
            status, body, kind = _fetch(url)
            checked += 1
            if status != 200:
                broken.append(url)
                continue
            if kind != "text/html":
                continue
            parser = _Links()
            parser.feed(body.decode("utf-8"))
            targets = parser.urls + ([parser.refresh] if parser.refresh else [])
            for link in targets:
                # The site's own absolute URLs (canonical, feeds) are checked on this server.
                link = link.replace(REPO_URL, "/repo/")
                target = urljoin(url, link).split("#")[0]
                if target.startswith(host) and target not in seen:
                    seen.add(target)
                    queue.append(target)
        assert broken == []
        # Every page of the output but the redirects was reached from the home page.
        pages = {p for p in out.rglob("index.html")} - {out / "papers/engines-old/index.html"}
        assert checked > len(pages)
        reached = {urlsplit(u).path for u in seen}
        for page in pages:
            rel = page.parent.relative_to(out).as_posix()
            assert ("/repo/" + rel + "/").replace("/./", "/") in reached, rel

        # An old URL redirects to the paper's page.
        status, body, _ = _fetch(f"{host}/repo/papers/engines-old/")
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        assert status == 200 and parser.refresh == "/repo/papers/engines/"
        assert _fetch(f"{host}{parser.refresh}")[0] == 200

        # The 404 page works from any depth: its links are root-relative under /repo/.
        deep = f"{host}/repo/papers/no/such/thing/here/"
        status, body, _ = _fetch(deep)
        assert status == 404 and b"Page not found" in body
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        assert parser.urls
        for link in parser.urls:
            if link.startswith("#") or link.startswith("http"):
                continue
            assert link.startswith("/repo/"), link
            assert _fetch(urljoin(deep, link))[0] == 200, link
    finally:
        server.shutdown()
        server.server_close()


def test_base_url_reaches_canonical_feed_and_sitemap(repo_site):
    page = read(repo_site, "papers/engines/index.html")
    assert '<link rel="canonical" href="https://user.github.io/repo/papers/engines/">' in page
    assert 'href="/repo/assets/papersite.css"' in page
    # The tab icon: a browser would otherwise ask the domain's root for /favicon.ico.
    assert '<link rel="icon" href="/repo/assets/favicon.svg" type="image/svg+xml">' in page
    assert read(repo_site, "assets/favicon.svg").startswith("<svg ")
    assert 'href="/repo/feed.xml"' in page
    assert 'href="/repo/files/engines.pdf"' in page
    assert 'content="https://user.github.io/repo/files/engines.pdf"' in page  # citation_pdf_url
    assert "https://user.github.io/repo/papers/engines/" in read(repo_site, "feed.xml")
    sitemap = read(repo_site, "sitemap.xml")
    assert "<loc>https://user.github.io/repo/papers/engines/</loc>" in sitemap
    assert "<loc>https://user.github.io/" not in sitemap.replace(
        "<loc>https://user.github.io/repo/", "")
