"""The preview server, as a researcher uses it: start `papersite serve` on a free port, edit
files on disk, and watch what the server answers over HTTP (and, once, in a real browser).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from papersite.serve import STATUS_PATH, inject, reload_messages, resolve_url
from papersite.serve_http import below

SITE_YAML = """\
title: Test Site
base_url: https://example.org/papers/
"""

ALPHA = """\
title: Alpha Paper
authors: [Ada Lovelace, Alan Turing]
year: 2020
"""

WAIT = 60  # generous: CI runs two test workers on two cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Preview:
    """A running `papersite serve` in a subprocess, with its output in files."""

    def __init__(self, site: Path, *args: str, port: int | None = None):
        self.site = site
        self.port = port or free_port()
        self.logs = site.parent / f"{site.name}-serve-{self.port}"
        self.out = open(f"{self.logs}.out", "w+")
        self.err = open(f"{self.logs}.err", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "papersite", "serve", "--site", str(site),
             "--port", str(self.port), *args],
            stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        self.wait_for(lambda: self.status()["state"] != "building", "the first build")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, method: str = "GET") -> tuple[int, dict, str]:
        """Send the path exactly as written (no client-side normalisation of '..')."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
        finally:
            conn.close()

    def status(self) -> dict:
        code, _, body = self.get(STATUS_PATH)
        assert code == 200
        return json.loads(body)

    def wait_for(self, condition, what: str):
        deadline = time.monotonic() + WAIT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"serve exited with {self.proc.returncode} waiting for {what}:\n"
                            + self.stderr())
            try:
                last = condition()
                if last:
                    return last
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what}; stderr:\n{self.stderr()}")

    def page(self, path: str) -> str:
        code, _, body = self.get(path)
        assert code == 200, (path, code)
        return body

    def stdout(self) -> str:
        return Path(f"{self.logs}.out").read_text()

    def stderr(self) -> str:
        return Path(f"{self.logs}.err").read_text()

    def stop(self, sig=signal.SIGINT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail("serve did not stop on " + signal.Signals(sig).name)
        self.out.close()
        self.err.close()
        return self.proc.returncode


@pytest.fixture
def serve():
    running: list[Preview] = []

    def start(site: Path, *args: str, port: int | None = None) -> Preview:
        preview = Preview(site, *args, port=port)
        running.append(preview)
        return preview

    yield start
    for preview in running:
        preview.stop()


def edit(path: Path, text: str) -> None:
    """Write like an editor that saves in place; the size changes, so mtime granularity
    cannot hide the edit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def preview_leftovers(site: Path) -> list[str]:
    cache = site / ".papersite-cache"
    if not cache.is_dir():
        return []
    return sorted(p.name for p in cache.iterdir() if "preview" in p.name)


def overlay_json(text: str) -> str:
    """How a diagnostic line appears inside the overlay script of a served page."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\u003c")


# --- end to end over HTTP ----------------------------------------------------------------------


def test_serves_under_the_base_path_and_follows_edits(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    assert f"{preview.url}/papers/" in preview.stdout()

    code, headers, _ = preview.get("/")
    assert code in (301, 302) and headers["location"] == "/papers/"
    code, headers, _ = preview.get("/papers")
    assert code in (301, 302) and headers["location"] == "/papers/"
    code, headers, _ = preview.get("/papers/papers/alpha")
    assert code == 301 and headers["location"] == "/papers/papers/alpha/"
    assert preview.get("/papers/alpha/")[0] == 404           # outside the base path

    page = preview.page("/papers/papers/alpha/")
    assert "Alpha Paper" in page
    assert 'src="/livereload.js?port=' in page and 'id="papersite-preview"' in page
    code, headers, _ = preview.get("/papers/feed.xml")
    assert code == 200 and headers["content-type"].startswith("application/xml")
    assert preview.get("/papers/papers/alpha/", "HEAD")[0] == 200

    edit(site / "content/papers/alpha.yaml", ALPHA.replace("Alpha Paper", "Alpha Renamed"))
    preview.wait_for(lambda: "Alpha Renamed" in preview.page("/papers/papers/alpha/"),
                     "the new title")
    edit(site / "content/papers/beta.yaml", "title: Beta Paper\nauthors: [Ada Lovelace]\n")
    preview.wait_for(lambda: preview.get("/papers/papers/beta/")[0] == 200, "a new paper")
    assert "Beta Paper" in preview.page("/papers/authors/ada-lovelace/")
    assert "Beta Paper" in preview.page("/papers/papers/beta/")

    assert not (site / "_site").exists(), "the preview must not touch the user's _site"
    assert "Traceback" not in preview.stderr()


def test_a_changed_base_url_sends_the_old_addresses_on(make_site, serve):
    """An open tab reloads its own address when base_url changes: it was a 404 page."""
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    edit(site / "site.yaml", SITE_YAML.replace("example.org/papers/", "example.org/docs/"))
    preview.wait_for(lambda: "now serving at" in preview.stdout(), "the new base path")
    assert f"base_url changed: now serving at {preview.url}/docs/" in preview.stdout()
    code, headers, _ = preview.get("/papers/papers/alpha/?q=x")
    assert code == 302 and headers["location"] == "/docs/papers/alpha/?q=x"
    assert "Alpha Paper" in preview.page("/docs/papers/alpha/")
    assert preview.get("/elsewhere/")[0] == 404               # under neither base path
    edit(site / "site.yaml", SITE_YAML)                       # and back again
    preview.wait_for(lambda: preview.status()["base_path"] == "/papers/", "the old base")
    code, headers, _ = preview.get("/docs/authors/")
    assert code == 302 and headers["location"] == "/papers/authors/"
    assert "Alpha Paper" in preview.page("/papers/papers/alpha/")


def test_old_addresses_are_sent_on_when_base_url_goes_up_to_a_path_that_holds_them(make_site,
                                                                                   serve):
    """/papers/ → / (or /a/b/ → /a/): the old address is under the new base path, where
    it names no page; it was a 404, and the open tab that reloads it was left on it."""
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    edit(site / "site.yaml", SITE_YAML.replace("example.org/papers/", "example.org/"))
    preview.wait_for(lambda: preview.status()["base_path"] == "/", "the root base path")
    code, headers, _ = preview.get("/papers/papers/alpha/?q=x")
    assert code == 302 and headers["location"] == "/papers/alpha/?q=x"
    assert "Alpha Paper" in preview.page("/papers/alpha/")
    assert "Alpha Paper" in preview.page("/papers/")           # a page of the site wins
    code, headers, _ = preview.get("/papers/nothing/")
    assert code == 302 and headers["location"] == "/nothing/"
    assert preview.get("/nothing/")[0] == 404                  # and no loop of redirects

    edit(site / "site.yaml", SITE_YAML.replace("example.org/papers/", "example.org/a/b/"))
    preview.wait_for(lambda: preview.status()["base_path"] == "/a/b/", "a deeper base path")
    edit(site / "site.yaml", SITE_YAML.replace("example.org/papers/", "example.org/a/"))
    preview.wait_for(lambda: preview.status()["base_path"] == "/a/", "the shorter base path")
    code, headers, _ = preview.get("/a/b/papers/alpha/")
    assert code == 302 and headers["location"] == "/a/papers/alpha/"
    code, headers, _ = preview.get("/papers/papers/alpha/")    # the first base path too
    assert code == 302 and headers["location"] == "/a/papers/alpha/"


def test_a_base_path_that_is_not_plain_ascii_is_served(make_site, serve):
    """base_url https://example.org/~me/publicaciónes/: the browser asks for
    /~me/publicaci%C3%B3nes/, which did not start with the base path as written, so every
    address was sent on to the base path again, without end (the tab showed "redirected
    you too many times")."""
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    edit(site / "site.yaml", SITE_YAML.replace("example.org/papers/",
                                               "example.org/~me/publicaciónes/"))
    preview.wait_for(lambda: preview.status()["base_path"] == "/~me/publicaciónes/",
                     "the new base path")
    code, headers, _ = preview.get("/")
    assert code == 302 and headers["location"] == "/~me/publicaci%C3%B3nes/"
    assert "Alpha Paper" in preview.page("/~me/publicaci%C3%B3nes/papers/alpha/")
    assert "Alpha Paper" in preview.page("/%7Eme/publicaci%c3%b3nes/papers/alpha/")
    code, headers, _ = preview.get("/~me/publicaci%C3%B3nes")
    assert code == 302 and headers["location"] == "/~me/publicaci%C3%B3nes/"
    code, headers, _ = preview.get("/papers/papers/alpha/")   # the former base path
    assert code == 302 and headers["location"] == "/~me/publicaci%C3%B3nes/papers/alpha/"


def test_a_bad_edit_shows_errors_and_keeps_the_last_good_site(make_site, serve, build,
                                                               tmp_path):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    paper = site / "content/papers/alpha.yaml"

    # Broken YAML: the same lines as `build` prints, in the terminal and in every page.
    broken = "title: [Alpha Broken\nauthors: [Ada Lovelace]\n"
    edit(paper, broken)
    status = preview.wait_for(lambda: (s := preview.status())["errors"] and s, "the error")
    copy = shutil.copytree(site, tmp_path / "copy", ignore=shutil.ignore_patterns(".papersite*"))
    expected = [line for line in build(copy).lines if line.startswith("content/")]
    assert expected and status["errors"] == expected
    assert status["built"] and not status["ok"]
    preview.wait_for(lambda: expected[0] in preview.stderr(), "the error in the terminal")
    page = preview.page("/papers/papers/alpha/")
    assert "Alpha Paper" in page                         # the last good site
    assert overlay_json(expected[0]) in page             # ... with the overlay's data
    code, _, missing = preview.get("/papers/no-such-page/")
    assert code == 404 and overlay_json(expected[0]) in missing

    # A template syntax error is shown the same way.
    edit(paper, ALPHA)
    preview.wait_for(lambda: preview.status()["ok"], "the fix")
    edit(site / "templates/paper.html", "{% extends 'base.html' %}\n{% block content %}\n"
                                        "{% if %}\n{% endblock %}\n")
    status = preview.wait_for(lambda: (s := preview.status())["errors"] and s,
                              "the template error")
    assert status["errors"][0].startswith("templates/paper.html:3: ")
    assert "Alpha Paper" in preview.page("/papers/papers/alpha/")

    # The fix recovers: new content, no errors in the page.
    (site / "templates/paper.html").unlink()
    edit(paper, ALPHA.replace("Alpha Paper", "Alpha Fixed"))
    # A rebuild writes the pages, then says it is done: wait for both. (A save in place
    # can trigger a rebuild that reads the file empty, fails, and is followed by this one.)
    preview.wait_for(lambda: "Alpha Fixed" in preview.page("/papers/papers/alpha/")
                     and preview.status()["ok"], "the fix")
    assert preview.status()["errors"] == []
    assert '"errors": []' in preview.page("/papers/papers/alpha/")

    # An unknown profile field is a warning: the site builds, and the overlay says so.
    edit(site / "content/authors/ada.yaml", "name: Ada Lovelace\nfavourite_colour: blue\n")
    line = "warning: content/authors/ada.yaml:2: favourite_colour: unknown author profile field"
    preview.wait_for(lambda: preview.status()["warnings"] == [line], "the warning")
    preview.wait_for(lambda: line in preview.stderr(), "the warning in the terminal")
    assert overlay_json(line) in preview.page("/papers/papers/alpha/")
    assert "Traceback" not in preview.stderr()


TRAVERSALS = [
    "/../site.yaml", "/papers/../site.yaml", "/papers/../../site.yaml",
    "/papers/../../../site.yaml", "/papers/%2e%2e/%2e%2e/%2e%2e/site.yaml",
    "/papers/%2E%2E%2F%2E%2E%2F%2E%2E%2Fsite.yaml", "/papers/..%2f..%2f..%2fsite.yaml",
    "/papers/.%2e/.%2e/.%2e/site.yaml", "/papers/%252e%252e%252f%252e%252e%252fsite.yaml",
    "/papers/%2e%2e%5c%2e%2e%5c%2e%2e%5csite.yaml", "/papers/..\\..\\..\\site.yaml",
    "/papers/%c0%ae%c0%ae/%c0%ae%c0%ae/site.yaml", "/papers/%00/../site.yaml",
    "/papers/.papersite-manifest.json", "/papers//etc/passwd", "/%2e%2e/%2e%2e/site.yaml",
]


def test_paths_outside_the_output_are_not_found(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA,
                      "content/papers/draft.yaml": "title: Draft Paper\ndraft: true\n"})
    preview = serve(site)
    for path in TRAVERSALS:
        code, _, body = preview.get(path)
        assert code == 404, path
        assert "base_url: https://example.org" not in body, path
    assert preview.get("/papers/papers/draft/")[0] == 404    # drafts only with --drafts

    # A second preview on the same port says so, without a traceback.
    proc = subprocess.run([sys.executable, "-m", "papersite", "serve", "--site", str(site),
                           "--port", str(preview.port)], capture_output=True, text=True,
                          timeout=WAIT)
    assert proc.returncode == 1
    assert f"port {preview.port} on 127.0.0.1 is already in use" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stops_cleanly_and_removes_the_preview_folder(make_site, serve, sig):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA,
                      "content/papers/draft.yaml": "title: Draft Paper\ndraft: true\n"})
    preview = serve(site, "--drafts")
    assert "Draft Paper" in preview.page("/papers/papers/draft/")
    assert preview_leftovers(site), "the preview builds inside .papersite-cache"
    code = preview.stop(sig)
    assert code in (0, 130)
    assert "Traceback" not in preview.stderr()
    assert preview_leftovers(site) == []
    assert not (site / "_site").exists()


def test_a_folder_that_is_not_a_site_is_left_as_it_was(tmp_path, serve):
    """`serve` in the wrong folder (a mistyped --site, the wrong terminal tab) says so and
    keeps waiting for a site.yaml; stopped, it left an empty .papersite-cache/ there."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("nothing\n")
    preview = serve(folder)
    assert "this folder is not a Papersite site" in preview.stderr()
    assert preview.stop() in (0, 130)
    assert sorted(p.name for p in folder.iterdir()) == ["todo.txt"]


def test_a_preview_that_was_killed_is_cleaned_up_by_the_next(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    first = serve(site)
    assert preview_leftovers(site) == [f"preview-{first.proc.pid}"]
    first.stop(signal.SIGKILL)
    assert preview_leftovers(site) == [f"preview-{first.proc.pid}"]
    second = serve(site)
    assert second.page("/papers/papers/alpha/")
    second.wait_for(lambda: preview_leftovers(site) == [f"preview-{second.proc.pid}"],
                    "the killed preview's folder to go")
    assert second.stop() in (0, 130)
    assert preview_leftovers(site) == []


def test_a_site_that_never_built_shows_its_errors_then_recovers(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML,
                      "content/papers/alpha.yaml": "title: Alpha\nyear: not a year\n"})
    preview = serve(site)
    status = preview.status()
    assert not status["built"] and status["errors"]
    code, _, body = preview.get("/papers/")
    assert code == 503 and "could not be built" in body
    assert overlay_json(status["errors"][0]) in body
    edit(site / "content/papers/alpha.yaml", ALPHA)
    preview.wait_for(lambda: preview.get("/papers/papers/alpha/")[0] == 200, "the first good build")


# --- in a browser ------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_an_open_page_follows_edits_by_itself(make_site, serve):
    sync_api = pytest.importorskip("playwright.sync_api")
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    paper = site / "content/papers/alpha.yaml"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{preview.url}/papers/papers/alpha/")
            page.wait_for_function("window.LiveReload && LiveReload.connector.protocol >= 7",
                                   timeout=WAIT * 1000)
            page.evaluate("window.notReloaded = true")

            # A stylesheet change is applied in place: the page is not reloaded.
            edit(site / "static/assets/papersite.css", "body { background: rgb(1, 2, 3); }\n")
            page.wait_for_function("getComputedStyle(document.body).backgroundColor"
                                   " === 'rgb(1, 2, 3)'", timeout=WAIT * 1000)
            assert page.evaluate("window.notReloaded === true")

            # A content edit reloads the page by itself.
            edit(paper, ALPHA.replace("Alpha Paper", "Alpha Live"))
            page.wait_for_function("document.title.startsWith('Alpha Live')",
                                   timeout=WAIT * 1000)
            assert page.evaluate("window.notReloaded === undefined")

            # A broken file shows the overlay over the last good page ...
            page.wait_for_function("window.LiveReload && LiveReload.connector.protocol >= 7",
                                   timeout=WAIT * 1000)
            edit(paper, "title: [Alpha Broken\n")
            overlay = page.locator("#papersite-error-overlay")
            alert = overlay.locator("[role=alert]")
            alert.wait_for(timeout=WAIT * 1000)
            assert "content/papers/alpha.yaml:" in alert.inner_text()
            assert "invalid YAML" in alert.inner_text()
            assert page.title().startswith("Alpha Live")

            # ... which goes away by itself when the file is fixed.
            edit(paper, ALPHA.replace("Alpha Paper", "Alpha Again"))
            page.wait_for_function("document.title.startsWith('Alpha Again')",
                                   timeout=WAIT * 1000)
            overlay.wait_for(state="detached", timeout=WAIT * 1000)
        finally:
            browser.close()


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Debian's chromium is not installed (/usr/bin/chromium)")
def test_an_open_page_reloads_when_a_new_preview_has_other_content(make_site, serve):
    """Ctrl-C, an edit (a `git pull`) while no preview runs, `serve` again: the open tab
    reconnects once the new preview has built, and its generation (1) was the new one's,
    so it kept showing the old page."""
    sync_api = pytest.importorskip("playwright.sync_api")
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    first = serve(site)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{first.url}/papers/papers/alpha/")
            page.wait_for_function("window.LiveReload && LiveReload.connector.protocol >= 7",
                                   timeout=WAIT * 1000)
            # The tab's next attempt to reconnect comes after the new preview's first
            # build (its backoff grows to a minute while no preview runs).
            page.evaluate("LiveReload.connector.disconnect()")
            assert first.stop() in (0, 130)
            edit(site / "content/papers/alpha.yaml", ALPHA.replace("Alpha Paper", "Alpha Pulled"))
            second = serve(site, port=first.port)
            assert "Alpha Pulled" in second.page("/papers/papers/alpha/")
            page.evaluate("LiveReload.connector.connect()")
            page.wait_for_function("document.title.startsWith('Alpha Pulled')",
                                   timeout=WAIT * 1000)
        finally:
            browser.close()


# --- units: decisions that are easy to get subtly wrong ---------------------------------------


def test_stylesheet_only_changes_reload_live_everything_else_reloads_the_page():
    css = reload_messages(["assets/papersite.css"], 0, "/p/", status_changed=False)
    assert css == [{"command": "reload", "path": "/p/assets/papersite.css", "liveCSS": True,
                    "liveImg": True}]
    mixed = reload_messages(["assets/papersite.css", "papers/a/index.html"], 0, "/",
                            status_changed=True)
    assert [m["path"] for m in mixed] == ["/papers/a/index.html"]
    assert reload_messages([], 0, "/", status_changed=False) == []
    assert [m["path"] for m in reload_messages([], 0, "/", True)] == [STATUS_PATH]
    assert [m["path"] for m in reload_messages([], 2, "/", False)] == ["/"]
    fixed_css = reload_messages(["a.css"], 0, "/", status_changed=True)
    assert [m["path"] for m in fixed_css] == [STATUS_PATH, "/a.css"]


def test_below_compares_the_base_path_decoded():
    assert below("/papers/x/", "/") == "papers/x/"
    assert below("/a/b/papers/x/", "/a/b/") == "papers/x/"
    assert below("/a/b/", "/a/b/") == ""
    assert below("/a/b", "/a/b/") is None
    assert below("/a/bc/x", "/a/b/") is None
    assert below("/x/caf%C3%A9/p%20q/", "/x/café/") == "p%20q/"   # the rest stays encoded
    assert below("/%7Eme/x", "/~me/") == "x"
    assert below("/~me/x", "/%7eme/") == "x"


def test_resolve_url_stays_inside_the_output(tmp_path):
    root = tmp_path / "out"
    (root / "papers/a").mkdir(parents=True)
    (root / "papers/a/index.html").write_text("a")
    (root / "feed.xml").write_text("f")
    (tmp_path / "secret.txt").write_text("s")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert resolve_url(root, "") == ("missing", None)
    assert resolve_url(root, "papers/a/") == ("file", Path(os.path.realpath(
        root / "papers/a/index.html")))
    assert resolve_url(root, "papers/a") == ("slash", None)
    assert resolve_url(root, "feed.xml")[0] == "file"
    assert resolve_url(root, "feed.xml/") == ("missing", None)
    for rel in ["../secret.txt", "%2e%2e/secret.txt", "%2e%2e%2fsecret.txt", "link.txt",
                "papers/../../secret.txt", "..%5csecret.txt", "%252e%252e/secret.txt"]:
        assert resolve_url(root, rel) == ("missing", None), rel


def test_a_ctrl_c_held_and_dropped_by_a_commit_still_stops_the_preview(make_site, monkeypatch):
    """A stage that holds SIGINT and then drops it (as the writer's commit once did) must
    not leave the preview running after Ctrl-C."""
    import papersite.serve as serve_module
    from papersite.diagnostics import BuildError, Diagnostic

    def build_that_swallows_ctrl_c(changed=()):
        seen = []
        previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
        try:
            os.kill(os.getpid(), signal.SIGINT)
            deadline = time.monotonic() + 10
            while not seen and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            signal.signal(signal.SIGINT, previous)
        assert seen
        raise BuildError([Diagnostic("content/papers/a.yaml", 1, "title", "required")])

    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve_module.Preview(site, "127.0.0.1", drafts=False, search=False)
    monkeypatch.setattr(preview.session, "rebuild", build_that_swallows_ctrl_c)
    preview.signals = serve_module._SignalLog()
    try:
        with pytest.raises(KeyboardInterrupt):
            preview.rebuild()
    finally:
        preview.close()
    assert preview_leftovers(site) == []


def test_a_large_preview_folder_is_removed_in_the_background(tmp_path):
    from papersite.serve import remove_in_background

    folder = tmp_path / "preview-1"
    for i in range(100):
        (folder / f"papers/p{i}").mkdir(parents=True)
        (folder / f"papers/p{i}/index.html").write_text("x")
    assert remove_in_background(folder)
    assert not folder.exists()                      # renamed away at once ...
    deadline = time.monotonic() + WAIT
    while any(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.iterdir()) == []           # ... and then removed


def test_inject_goes_before_the_end_of_head():
    assert inject(b"<html><HEAD><title>x</title></HEAD><body>", "<s>") == \
        b"<html><HEAD><title>x</title><s></HEAD><body>"
    assert inject(b"<p>no head</p>", "<s>") == b"<s><p>no head</p>"
