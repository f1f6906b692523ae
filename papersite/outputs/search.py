"""Index stage: the Pagefind search index behind /search/.

Only paper pages are results. Each paper goes to Pagefind as a small HTML document made
from the catalog (never re-read from the rendered site): its title as the heading (so
title matches rank first), then authors, venue, tags and abstract as the searchable
text, with filters (year, venue, type, tag, author), a `date` sort key and the metadata
a result shows in a block Pagefind does not index as text. Result URLs are relative to
the base path (`/papers/<id>/`); pagefind.js prefixes the folder it was loaded from, so
one index works at the domain root and under `/repo/`.

Pagefind runs through its Python API (`pagefind[bin]` carries the binary), one process
per shard of SHARD_SIZE papers (see `index_files`). Its files come back in memory and are
handed on as (path, bytes) pairs, which the pipeline stages like every other file: the
live site changes only in the writer's commit.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import hashlib
import html
import importlib.metadata
import json
import re
import os
import threading
from pathlib import Path
from typing import Iterator

from pagefind.service import PagefindService

from ..catalog import Catalog, Entry
from ..diagnostics import BuildError, Diagnostic
from ..markup import plain_text, readable_text, render_title
from ..views import TYPE_LABELS, date_label

FACETS = ("year", "venue", "type", "tag", "author")
OUTPUT = "pagefind"
MANIFEST = "papersite-search.json"
SHARD_SIZE = 10_000       # papers per Pagefind index (see bench/RESULTS.md, "Search")
# A word in every paper's text: the search page browses by searching for it, which loads
# one index chunk instead of every chunk (what Pagefind loads for an empty query).
EVERY_PAPER = "papersiteeverypaper"
AUTHORS_SHOWN = 10        # names in a result's author line; all are searchable
BATCH = 500               # records in flight to the Pagefind service at once
# Pagefind's ready-made UIs: the search page drives pagefind.js itself.
_UNUSED = re.compile(r"^pagefind-(?:component-ui|modular-ui|ui|highlight)\.(?:js|css)$")
_SHARD_DIR = re.compile(r"shard-\d+/")
_REPLY_LIMIT = 1 << 30    # the reply carrying a shard's files is one line of base64
try:
    _PAGEFIND_VERSION = importlib.metadata.version("pagefind")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover
    _PAGEFIND_VERSION = "unknown"


# --- documents ---------------------------------------------------------------------------


def paper_document(entry: Entry, catalog: Catalog, claimed: list[str] = ()) -> str:
    """The HTML Pagefind indexes for one paper; `claimed` names people who list it on
    their profile without appearing in its author list (behind "et al.")."""
    p = entry.paper
    esc = html.escape
    series = catalog.series[entry.venue] if entry.venue else None
    printed = [b.name for b in entry.bylines]
    # The author facet's values: linked people by their page's name, then claims.
    people = list(dict.fromkeys([catalog.people[b.person].name for b in entry.bylines
                                 if b.person] + list(claimed)))
    also = [name for name in people if name not in printed]   # profile names, "et al." claims
    authors = ", ".join(printed[:AUTHORS_SHOWN])
    if len(printed) > AUTHORS_SHOWN or (p.et_al and printed):
        authors += " et al."
    elif not printed and p.author_count:
        authors = f"{p.author_count} authors"
    venue_words = []
    if series:
        venue_words = [series.name] + ([series.short] if series.short else [])
    venue_words += [w for w in (p.track, p.note) if w]
    tags = [catalog.tags[t].name for t in entry.tags]
    year = str(p.year) if p.year is not None else ""
    venue_meta = f"{series.label} {year}".strip() if series else ""
    when = date_label(p.date) if p.date else year
    # An undated paper has no sort key: Pagefind leaves it out of results sorted by date,
    # and the search page puts it after the dated ones in either order, as listings do.
    sort_date = p.date.isoformat() if p.date else (f"{p.year:04d}-00-00" if p.year else None)

    # Math as the text it reads as (α-divergence, not $\alpha$-divergence): an excerpt
    # is text. The letters' names (alpha) go in as words of their own, so that a query
    # spelling one out still finds the paper.
    title, letters = readable_text(p.title)
    title = esc(title)
    out = [f"<html><head><title>{title}</title></head><body>",
           f'<h1 data-pagefind-meta="title">{title}</h1>']
    # The abstract right after the title, so that excerpts come from it (a placeholder
    # such as <!-- TODO --> has no text: no abstract).
    abstract, more = readable_text(p.abstract) if p.abstract else ("", ())
    letters = list(dict.fromkeys(letters + more))
    if abstract:
        out.append(f"<p>{esc(abstract)}</p>")
    if printed or also:
        out.append(f"<p>{esc(', '.join(printed + also))}</p>")
    if venue_words:
        out.append(f"<p>{esc(' · '.join(venue_words))}</p>")
    if tags:
        out.append(f"<p>{esc(', '.join(tags))}</p>")
    if letters:
        out.append(f"<p>{esc(' '.join(letters))}</p>")
    out.append(f"<p>{EVERY_PAPER}</p>")
    # Not searchable text: what a result shows, its facets and its sort key.
    sort = f' data-pagefind-sort="date:{sort_date}"' if sort_date else ""
    out.append(f"<div data-pagefind-ignore{sort}>")
    # A title with math or markup also goes as the build's sanitised HTML, shown as on
    # the site's own pages (the search page inserts no other HTML); plain ones as text.
    title_html = render_title(p.title)
    if "<" in title_html:
        out.append(f'<span data-pagefind-meta="title_html">{esc(title_html)}</span>')
    # Without an abstract the excerpt would be the title and authors again, which the
    # result shows already.
    excerpt = None if abstract else "none"
    for key, value in (("authors", authors), ("venue", venue_meta), ("date", when),
                       ("type", TYPE_LABELS.get(entry.type, entry.type)),
                       ("note", plain_text(p.note) if p.note else None),
                       ("excerpt", excerpt)):
        if value:
            out.append(f'<span data-pagefind-meta="{key}">{esc(value)}</span>')
    values = {"year": [year] if year else [],
              "venue": [series.label] if series else [],
              "type": [TYPE_LABELS.get(entry.type, entry.type)],
              "tag": tags,
              "author": people}
    for key in FACETS:
        for value in values[key]:
            out.append(f'<span data-pagefind-filter="{key}">{esc(value)}</span>')
    out.append("</div></body></html>")
    return "".join(out)


def claims(catalog: Catalog) -> dict[str, list[str]]:
    """Paper id → names of people who list it on their profile but are not in its byline."""
    out: dict[str, list[str]] = {}
    for person in catalog.people.values():
        for e in person.papers:
            if not any(b.person == person.key for b in e.bylines):
                out.setdefault(e.id, []).append(person.name)
    return out


def documents(catalog: Catalog) -> list[tuple[str, str]]:
    """(result URL relative to the base path, HTML) for every paper, oldest first."""
    claimed = claims(catalog)
    return [(f"/papers/{e.id}/", paper_document(e, catalog, claimed.get(e.id, ())))
            for e in reversed(catalog.entries)]


# --- the index ---------------------------------------------------------------------------


def index_files(site, writer=None) -> Iterator[tuple[str, bytes]]:
    """Build the index; yield its files as (path under the output, bytes).

    Papers go into shards of SHARD_SIZE in date order, oldest first, each indexed by a
    Pagefind process of its own (Pagefind holds a whole index in memory: about 140 KB per
    paper with an abstract). A shard whose papers did not change since the last build
    keeps its files: they are recorded with `writer` as they are, not indexed again, so
    a new paper usually re-indexes only the newest shard. The manifest
    pagefind/papersite-search.json lists the shards for the search page.
    """
    docs = documents(site.catalog)
    language = site.config.language.lower()
    previous = _previous_keys(writer)
    old_files = _old_shard_files(writer)
    shards = []
    for n, start in enumerate(range(0, max(len(docs), 1), SHARD_SIZE)):
        part = docs[start:start + SHARD_SIZE]
        prefix = "" if n == 0 else f"shard-{n}/"
        key = _shard_key(part, language)
        if previous.get(prefix) != key or not _keep(writer, old_files.get(prefix, [])):
            built = _run(lambda: _build(part, language))
            for path in sorted(built):
                if not _UNUSED.match(path):
                    yield f"{OUTPUT}/{prefix}{path}", built[path]
            del built
        shards.append({"path": prefix, "papers": len(part), "key": key})
    manifest = {"format": 1, "papers": len(docs), "every": EVERY_PAPER, "shards": shards}
    yield f"{OUTPUT}/{MANIFEST}", (json.dumps(manifest, indent=1) + "\n").encode()


def _shard_key(part: list[tuple[str, str]], language: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{_PAGEFIND_VERSION}\0{language}\0".encode())
    for url, doc in part:
        h.update(url.encode() + b"\0" + doc.encode() + b"\0")
    return h.hexdigest()


def _previous_keys(writer) -> dict[str, str]:
    """Shard path → key of the last build, from the manifest in the live output."""
    if writer is None or not getattr(writer, "old", None):
        return {}
    try:
        data = json.loads((Path(writer.output) / OUTPUT / MANIFEST).read_text("utf-8"))
        return {s["path"]: s["key"] for s in data["shards"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _old_shard_files(writer) -> dict[str, list[str]]:
    """The last build's index files, by shard path ('' for the first, at pagefind/)."""
    groups: dict[str, list[str]] = {}
    for rel in (writer.old if writer is not None else ()):
        if rel.startswith(f"{OUTPUT}/") and rel != f"{OUTPUT}/{MANIFEST}":
            match = _SHARD_DIR.match(rel, len(OUTPUT) + 1)
            groups.setdefault(match.group(0) if match else "", []).append(rel)
    return groups


def _keep(writer, rels: list[str]) -> bool:
    """Carry these files over from the last build, if every one is still intact there."""
    if not rels or not all((old := writer.old.get(rel)) and writer.unchanged(rel, old[0])
                           for rel in rels):
        return False
    return all(writer.keep(rel) for rel in rels)


def _fail(message: str) -> BuildError:
    return BuildError([Diagnostic("search", message=message)])


def _run(make_coroutine):
    """Run an indexing coroutine on a thread and event loop of its own; return its result.

    The caller's thread keeps its event-loop state (a preview server or a browser driver
    may run one there), and an interrupt in the caller cancels the coroutine, whose
    cleanup stops the Pagefind process.
    """
    box: dict = {}
    started = threading.Event()

    def main() -> None:
        loop = asyncio.new_event_loop()
        try:
            box["task"] = task = loop.create_task(make_coroutine())
            box["loop"] = loop
            started.set()
            box["result"] = loop.run_until_complete(task)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            started.set()
            loop.close()

    thread = threading.Thread(target=main, name="papersite-search", daemon=True)
    thread.start()
    try:
        thread.join()
    except BaseException:
        started.wait()
        if "task" in box:
            box["loop"].call_soon_threadsafe(box["task"].cancel)
        thread.join(10)
        raise
    if "error" in box:
        raise box["error"]
    return box["result"]


async def _build(docs: list[tuple[str, str]], language: str) -> dict[str, bytes]:
    """Index these papers in a Pagefind process of their own; return its files by path."""
    try:
        service = await _Service().launch()
    except (FileNotFoundError, PermissionError) as exc:
        raise _fail(f"cannot start Pagefind ({exc}); install it with "
                    "`pip install 'pagefind[bin]'`, or build with --no-search") from None
    try:
        index = await service.create_index({"force_language": language})
        for start in range(0, len(docs), BATCH):
            await asyncio.gather(*[index.add_html_file(content=doc, url=url)
                                   for url, doc in docs[start:start + BATCH]])
        # In memory, not write_files: Pagefind answers that before its files are complete.
        return {f["path"]: f["content"] for f in await index.get_files()}
    except (_ServiceDied, BrokenPipeError, ConnectionResetError) as exc:
        raise _fail(f"Pagefind stopped while indexing: {exc}{service.last_words()}") from None
    except BuildError:
        raise
    except Exception as exc:  # an error reply from Pagefind
        raise _fail(f"Pagefind could not index the site: {exc.args[0] if exc.args else exc}"
                    ) from None
    finally:
        await service.close()


# --- the Pagefind service ----------------------------------------------------------------


class _ServiceDied(Exception):
    pass


class _Service(PagefindService):
    """Pagefind's Python service, with a process and a reply loop that keep up.

    The packaged service sleeps 0.1 s before reading each reply, which caps indexing at
    ten papers a second (17 minutes for 10,000 papers); reads replies of at most 2 MiB,
    so the files of a larger index never arrive; mixes the binary's error output into
    its replies; and leaves every request waiting forever when the binary exits. Here
    replies are read as they arrive, of any size, error output is kept apart (its tail
    goes into the error message), and requests still waiting fail if the binary exits.
    """

    async def launch(self) -> "_Service":
        self._backend = await asyncio.create_subprocess_exec(
            self._bin, "--service", cwd=os.getcwd(), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            limit=_REPLY_LIMIT)
        self._stderr: collections.deque[bytes] = collections.deque(maxlen=5)
        self._poll_task = self._loop.create_task(self._wait_for_responses())
        self._err_task = self._loop.create_task(self._keep_stderr())
        return self

    async def _keep_stderr(self) -> None:
        async for line in self._backend.stderr:
            if line.strip():
                self._stderr.append(line.strip())

    def last_words(self) -> str:
        text = b" / ".join(self._stderr).decode("utf-8", "replace")
        return f" ({text[-300:]})" if text else ""

    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        try:
            while True:
                raw = await stdout.readuntil(b",")
                try:
                    reply = json.loads(base64.b64decode(raw[:-1].strip(), validate=True))
                except (binascii.Error, ValueError):
                    raise _ServiceDied("Pagefind sent an unreadable reply") from None
                if not isinstance(reply, dict):
                    continue
                payload = reply.get("payload") or {}
                message_id = reply.get("message_id")
                if message_id is None and payload.get("original_message"):
                    try:
                        message_id = json.loads(payload["original_message"]).get("message_id")
                    except (ValueError, AttributeError):
                        message_id = None
                future = self._responses.pop(message_id, None)
                if future is None or future.done():
                    continue
                if payload.get("type") == "Error":
                    future.set_exception(Exception(payload.get("message", "unknown error")))
                else:
                    future.set_result(payload)
        except asyncio.CancelledError:
            raise
        except (_ServiceDied, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                OSError) as exc:
            reason = "the Pagefind process exited" \
                if isinstance(exc, asyncio.IncompleteReadError) else str(exc)
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(_ServiceDied(reason))
            self._responses.clear()

    async def close(self) -> None:
        self._poll_task.cancel()
        if self._backend.returncode is None:
            try:
                self._backend.terminate()
            except ProcessLookupError:
                pass
        await self._backend.wait()
        self._err_task.cancel()
