"""The preview server under abuse: a hundred rapid saves, files deleted and re-created,
folders renamed, requests that try to leave the output. It must keep serving the last
good site (every answer a complete page) and end up showing exactly what is on disk.
"""

from __future__ import annotations

import socket
import threading
import time

from test_serve import ALPHA, SITE_YAML, TRAVERSALS, Preview, edit, serve  # noqa: F401

PAGE = "/papers/papers/alpha/"


class Poller(threading.Thread):
    """Requests a page over and over while the test edits files; keeps every answer."""

    def __init__(self, preview: Preview, path: str):
        super().__init__(daemon=True)
        self.preview, self.path = preview, path
        self.answers: list[tuple[int, str]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                code, _, body = self.preview.get(self.path)
            except OSError as exc:          # a refused or dropped connection is a failure
                self.answers.append((-1, repr(exc)))
            else:
                self.answers.append((code, body))
            time.sleep(0.005)

    def stop(self) -> list[tuple[int, str]]:
        self.stopped.set()
        self.join(timeout=30)
        return self.answers


def shows(preview: Preview, path: str, text: str) -> bool:
    code, _, body = preview.get(path)
    return code == 200 and text in body


def complete(body: str) -> bool:
    return body.lstrip().startswith("<!doctype html>") and body.rstrip().endswith("</html>")


def test_a_hundred_rapid_saves_end_in_the_last_one(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    poller = Poller(preview, PAGE)
    poller.start()
    paper = site / "content/papers/alpha.yaml"
    for i in range(100):
        if i % 7 == 3:
            edit(paper, f"title: [Alpha broken {i}\n")          # some saves are half-typed
        else:
            edit(paper, ALPHA.replace("Alpha Paper", f"Alpha v{i:02d}"))
    preview.wait_for(lambda: shows(preview, PAGE, "Alpha v99"), "the last save")
    preview.wait_for(lambda: preview.status()["ok"], "a clean status")
    answers = poller.stop()
    assert answers and all(code == 200 and complete(body) for code, body in answers), \
        [(code, body[-200:]) for code, body in answers if code != 200 or not complete(body)][:3]
    assert preview.status()["errors"] == []
    assert preview.proc.poll() is None and "Traceback" not in preview.stderr()


def test_a_file_deleted_and_recreated(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA,
                      "content/papers/beta.yaml": "title: Beta Paper\nyear: 2021\n"})
    preview = serve(site)
    beta = site / "content/papers/beta.yaml"
    assert preview.get("/papers/papers/beta/")[0] == 200
    beta.unlink()
    preview.wait_for(lambda: preview.get("/papers/papers/beta/")[0] == 404, "beta gone")
    assert "Alpha Paper" in preview.page(PAGE)
    edit(beta, "title: Beta Again\nyear: 2021\n")
    preview.wait_for(lambda: shows(preview, "/papers/papers/beta/", "Beta Again"), "beta back")
    # site.yaml itself deleted: an error, the last good site stays; re-created: recovers
    (site / "site.yaml").unlink()
    preview.wait_for(lambda: preview.status()["errors"], "the missing site.yaml")
    assert "Beta Again" in preview.page("/papers/papers/beta/")
    edit(site / "site.yaml", SITE_YAML.replace("Test Site", "Renamed Site"))
    preview.wait_for(lambda: shows(preview, PAGE, "Renamed Site"), "site.yaml back")
    preview.wait_for(lambda: preview.status()["ok"], "a clean status")
    assert "Traceback" not in preview.stderr()


def test_folders_renamed_away_and_back(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA,
                      "static/img/teaser.png": b"\x89PNG one"})
    preview = serve(site)
    assert preview.get("/papers/img/teaser.png")[0] == 200
    (site / "content/papers").rename(site / "content/old-papers")
    preview.wait_for(lambda: preview.get(PAGE)[0] == 404, "papers gone with their folder")
    (site / "content/old-papers").rename(site / "content/papers")
    preview.wait_for(lambda: preview.get(PAGE)[0] == 200, "papers back")
    (site / "static").rename(site / "static-away")
    preview.wait_for(lambda: preview.get("/papers/img/teaser.png")[0] == 404, "static gone")
    (site / "static-away").rename(site / "static")
    preview.wait_for(lambda: preview.get("/papers/img/teaser.png")[0] == 200, "static back")
    (site / "content").rename(site / "content-away")   # the whole watched folder
    preview.wait_for(lambda: preview.get(PAGE)[0] == 404, "content gone")
    (site / "content-away").rename(site / "content")
    preview.wait_for(lambda: shows(preview, PAGE, "Alpha Paper"), "content back")
    preview.wait_for(lambda: preview.status()["ok"], "a clean status")
    assert "Traceback" not in preview.stderr()


def test_a_folder_replaced_by_a_copy_is_watched_and_a_link_loop_is_an_error(make_site,
                                                                            serve):
    """`mv content old && mv copy content` left the watch on the old folder: later
    edits were not seen. A symbolic link that loops, made while the preview ran, ended
    it with a traceback."""
    import os
    import shutil

    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    shutil.copytree(site / "content", site / "copy")
    (site / "content").rename(site / "content-old")
    (site / "copy").rename(site / "content")
    time.sleep(0.5)   # the preview takes the swap (the same papers: nothing to show)
    edit(site / "content/papers/alpha.yaml", ALPHA.replace("Alpha Paper", "Alpha Swapped"))
    preview.wait_for(lambda: shows(preview, PAGE, "Alpha Swapped"), "an edit after the swap")
    os.symlink("loop.yaml", site / "content/papers/loop.yaml")
    preview.wait_for(lambda: preview.status()["errors"], "the loop reported")
    assert "loops back on itself" in str(preview.status()["errors"])
    (site / "content/papers/loop.yaml").unlink()
    preview.wait_for(lambda: preview.status()["ok"], "a clean status")
    assert preview.proc.poll() is None and "Traceback" not in preview.stderr()


def raw_request(port: int, target: str) -> tuple[int, bytes]:
    """An HTTP/1.0 request with the target exactly as given (no client normalisation)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


ESCAPES = TRAVERSALS + [
    "/../../../../../../etc/passwd", "http://127.0.0.1/../site.yaml", "/papers/..;/site.yaml",
    "/papers/%2e%2e%2f.papersite-cache%2fparsed.json", "/papers/../content/papers/alpha.yaml",
    "/papers/.." + "/.." * 40 + "/site.yaml", "/papers/" + "a/" * 2000 + "../" * 2000 + "x",
]


def test_requests_that_try_to_leave_the_output(make_site, serve):
    site = make_site({"site.yaml": SITE_YAML, "content/papers/alpha.yaml": ALPHA})
    preview = serve(site)
    for target in ESCAPES:
        status, data = raw_request(preview.port, target)
        assert status in (400, 404, 414), (target, data[:200])
        assert b"base_url:" not in data and b"root:" not in data, target
        assert b"Alpha Paper" not in data, target
    assert preview.proc.poll() is None
    assert "Alpha Paper" in preview.page(PAGE)
    assert "Traceback" not in preview.stderr()
