"""Link integrity: every internal `href`, `src`, `srcset` and form `action` of the output
must resolve.

An internal link is a root-relative one (`/repo/papers/x/`), a relative one (`../x/`,
resolved against the page it is on) or an absolute one on the site's own origin and
under its base path. It resolves when it names a file of the output, or a folder whose
`index.html` is in the output (a static host such as GitHub Pages serves that file).
A root-relative or relative link that leaves the base path is broken: under
`https://user.github.io/repo/`, `/papers/x/` points to another site. An absolute link to
the same origin outside the base path is left alone (a sibling project site).

HTML is scanned with literal-prefix regular expressions rather than a full parser, in
two passes: a fast one that takes every attribute value anywhere in the page and skips
values already known to resolve, and, only on a page where that finds a suspect, an
exact one in document order (an attribute counts when it sits inside a tag, outside
comments and `<script>`/`<style>` bodies). Large sites are checked by several processes.
Each problem reads `N. papers/x/index.html: href: /papers/y/ not found`, numbered in
page order.
"""

from __future__ import annotations

import html
import os
import re
from bisect import bisect_right
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urljoin, urlsplit

from ..diagnostics import Diagnostic
from ..forking import available_cores, in_runs

_VALUE = rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))"
# One pattern per attribute: a literal prefix lets the regex engine skip ahead fast.
_ATTRS = (("href", re.compile(rb"href()" + _VALUE)), ("src", re.compile(rb"src(set)?" + _VALUE)),
          ("action", re.compile(rb"action()" + _VALUE)))
# Where a link is not a link: comments, and the bodies of <script> and <style>.
_SKIP = re.compile(rb"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1", re.S)
_BEFORE = frozenset(b" \t\n\r\f\"'/")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def extract_links(data: bytes) -> list[tuple[str, str]]:
    """(attribute, URL) for the href, src, srcset and action URLs of an HTML document, each
    distinct pair once, in the order they first appear.

    An attribute counts when it sits inside a tag (after the last `<` before it, not
    after a `>`), outside comments and script or style bodies. Entities in values are
    decoded; a srcset is split into its URLs.
    """
    low = data.lower()  # same byte positions; attribute names are case-insensitive
    skip_from: list[int] = []
    skip_to: list[int] = []
    if b"<!--" in low or b"<script" in low or b"<style" in low:
        for m in _SKIP.finditer(low):
            skip_from.append(low.index(b">", m.start()) + 1 if m.group(1) else m.start())
            skip_to.append(m.end())
    found: dict[tuple[str, bytes], int] = {}
    for name, regex in _ATTRS:
        for m in regex.finditer(low):
            start = m.start()
            if start == 0 or low[start - 1] not in _BEFORE:
                continue  # part of a longer name such as data-href
            if low.rfind(b"<", 0, start) < low.rfind(b">", 0, start):
                continue  # in text, not in a tag
            if skip_from:
                i = bisect_right(skip_from, start) - 1
                if i >= 0 and start < skip_to[i]:
                    continue
            g = m.lastindex
            key = ("srcset" if m.group(1) else name, data[m.start(g):m.end(g)])
            if key not in found:
                found[key] = start
    out = []
    for attr, raw in sorted(found, key=found.__getitem__):
        value = raw.decode("utf-8", "replace")
        if "&" in value:
            value = html.unescape(value)
        if attr == "srcset":
            out += [("srcset", c.split()[0]) for c in value.split(",") if c.strip()]
        else:
            out.append((attr, value.strip()))
    return out


class LinkResolver:
    """Decides whether a link found on a page names a file of the output."""

    def __init__(self, files: Iterable[str], base_path: str, origin: str):
        self.files = set(files)
        self.base = base_path if base_path.endswith("/") else base_path + "/"
        self.origin = origin.rstrip("/")
        self._fixed: dict[str, str] = {}   # link → verdict, for page-independent links
        self._memo: dict[str, str] = {}    # resolved URL → verdict, for relative links

    def problem(self, page: str, link: str, page_base: str | None = None) -> str | None:
        """None when `link` on output file `page` resolves, else what is wrong with it.

        `page_base` is the page's `<base href>` made absolute, when it has one.
        """
        verdict = self._fixed.get(link)
        if verdict is None:
            verdict = self._fixed[link] = self._classify(link)
        if verdict == "relative":
            key = urljoin(page_base or self.base + page, link)
            verdict = self._memo.get(key)
            if verdict is None:
                verdict = self._memo[key] = self._check(urlsplit(key).path)
        return self._message(verdict, link)

    def depends_on_page(self, link: str) -> bool:
        """True for a relative link (known after `problem` has seen it)."""
        return self._fixed.get(link) == "relative"

    def _classify(self, link: str) -> str:
        """The verdict for a link whose meaning does not depend on the page, or
        'relative'."""
        if not link or link.startswith("#"):
            return "ok"
        if link.startswith("//"):
            link = urlsplit(self.origin).scheme + ":" + link
        if _SCHEME.match(link):
            if not link.lower().startswith(("http://", "https://")):
                return "ok"  # mailto:, data:, tel:, javascript: ...
            parts = urlsplit(link)
            if f"{parts.scheme}://{parts.netloc}".lower() != self.origin.lower():
                return "ok"  # another site
            path = parts.path or "/"
            if not path.startswith(self.base):
                return "ok"  # a sibling site on the same host
            return self._check(path)
        if link.startswith("/"):
            return self._check(urlsplit(link).path)
        return "relative"

    def _message(self, verdict: str, link: str) -> str | None:
        if verdict == "ok":
            return None
        if verdict == "outside":
            return f"{link} is outside the site's base path {self.base}"
        return f"{link} not found"

    def _check(self, path: str) -> str:
        """'ok', 'missing' or 'outside' for a URL path."""
        path = unquote(path)
        if not (path + "/").startswith(self.base):
            return "outside"
        rel = path[len(self.base):]
        if ".." in rel.split("/"):
            return "outside"
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if rel in self.files or f"{rel}/index.html" in self.files:
            return "ok"
        return "missing"


def _base_href(data: bytes) -> str | None:
    m = re.search(rb"<base\b[^>]*\shref\s*=\s*[\"']?([^\"'\s>]+)", data, re.I)
    return html.unescape(m.group(1).decode("utf-8", "replace")) if m else None


_NAMES = (b"href", b"src", b"action")


def _values(match: tuple[bytes, bytes, bytes, bytes]) -> list[str]:
    is_set, dq, sq, uq = match
    value = (dq or sq or uq).decode("utf-8", "replace")
    if "&" in value:
        value = html.unescape(value)
    if is_set:
        return [c.split()[0] for c in value.split(",") if c.strip()]
    return [value.strip()]


def _maybe_broken(data: bytes, page: str, page_base: str | None, resolver: LinkResolver,
                  known_ok: set) -> bool:
    """False when no link of the page can be broken, by a fast scan.

    The scan takes every lower-case href/src/srcset/action value wherever it is (in
    text, comments and scripts too: a superset of the exact scan), and skips values
    already known to resolve from any page. A page that spells an attribute name in
    capitals is left to the exact scan.
    """
    low = data.lower()
    if any(low.count(name) != data.count(name) for name in _NAMES):
        return True
    for _, regex in _ATTRS:
        for match in set(regex.findall(data)) - known_ok:
            anywhere = True
            for link in _values(match):
                if resolver.problem(page, link, page_base):
                    return True
                anywhere = anywhere and not resolver.depends_on_page(link)
            if anywhere:
                known_ok.add(match)
    return False


def _broken_on(pages: list[str], read: Callable[[str], bytes],
               resolver: LinkResolver) -> list[tuple[str, str, str]]:
    found = []
    known_ok: set = set()
    for page in pages:
        data = read(page)
        page_base = None
        if b"<base" in data or b"<BASE" in data:
            href = _base_href(data)
            if href:
                page_base = urljoin(resolver.base + page, href)
        # Most pages have no broken link and the fast scan proves it; a page where it
        # finds a suspect is scanned again exactly, in document order.
        if not _maybe_broken(data, page, page_base, resolver, known_ok):
            continue
        for attr, link in extract_links(data):
            message = resolver.problem(page, link, page_base)
            if message:
                found.append((page, attr, message))
    return found


PARALLEL_FROM = 2000   # pages; below this, forking costs more than it saves


def check_pages(pages: Iterable[str], read: Callable[[str], bytes],
                resolver: LinkResolver, jobs: int | None = None) -> list[Diagnostic]:
    """Every broken link on the given HTML pages, numbered in page order.

    Large sites are checked by this process and forked children, each taking the next
    run of pages (forking.in_runs, as the build's other parallel steps: a child killed by
    the system stops the check with an error, where a multiprocessing.Pool waited for its
    lost run for ever).
    """
    pages = sorted(pages)
    jobs = jobs or available_cores()
    if jobs > 1 and len(pages) >= PARALLEL_FROM and hasattr(os, "fork"):
        size = -(-len(pages) // (jobs * 4))
        runs = in_runs(len(pages), size,
                       lambda start, stop: _broken_on(pages[start:stop], read, resolver), jobs)
        found = [item for start in sorted(runs) for item in runs[start]]
    else:
        found = _broken_on(pages, read, resolver)
    width = len(str(len(found)))
    # The number is part of the path so the list stays numbered wherever it is printed;
    # right-aligned, so that sorting the strings keeps the numeric order.
    return [Diagnostic(f"{i:>{width}}. {page}", 0, attr, message)
            for i, (page, attr, message) in enumerate(found, 1)]


def _is_page(rel: str) -> bool:
    return rel.endswith((".html", ".htm"))


def check_staged_links(writer, router, jobs: int | None = None) -> list[Diagnostic]:
    """Check the build a writer holds before it is committed.

    A file written this build is read from staging, an unchanged one from the output.
    """
    read = getattr(writer, "staged_bytes", None)
    if read is None:  # a writer that stages files under their own paths
        def read(rel: str) -> bytes:
            folder = writer.staging if rel in writer.changed else writer.output
            with open(os.path.join(folder, rel), "rb") as fh:
                return fh.read()

    resolver = LinkResolver(writer.new, router.base, router.origin)
    return check_pages([rel for rel in writer.new if _is_page(rel)], read, resolver, jobs)


def check_folder(folder: Path, base_url: str, jobs: int | None = None) -> list[Diagnostic]:
    """Check an already built output folder served at `base_url`."""
    folder = Path(folder)
    parts = urlsplit(base_url)
    files = []
    for dirpath, _dirs, names in os.walk(folder):
        rel_dir = os.path.relpath(dirpath, folder)
        for name in names:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            files.append(rel)

    def read(rel: str) -> bytes:
        return (folder / rel).read_bytes()

    resolver = LinkResolver(files, parts.path or "/", f"{parts.scheme}://{parts.netloc}")
    return check_pages([rel for rel in files if _is_page(rel)], read, resolver, jobs)
