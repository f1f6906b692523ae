"""The pieces of each paper that many pages and files repeat, made once per build.

A paper's list entries (the full and the compact style), its Atom <entry> and its BibTeX
entry appear on its authors', tags', venue's and year's pages, feeds and .bib files. A
render worker memoises each piece it makes, but the work is dealt out page by page, so
every worker meets nearly every paper and made every piece again: at 10,000 papers with
two workers, about a fifth of the build's CPU time. A large build therefore makes the
pieces first, in parallel, each process taking runs of papers in turn, and hands them to
the process that then forks the render workers: those start with all of them.
"""

from __future__ import annotations

from . import markup
from .outputs import bibtex, feeds

Row = tuple   # id, entry, compact entry (Markup), feed entry (or None), BibTeX


def make(site, renderer, entries) -> list[Row]:
    """The pieces of these papers, to send to another process."""
    catalog, router = site.catalog, site.router
    return [(e.id, renderer.entry(e.id, "entry"), renderer.entry(e.id, "entry_compact"),
             feeds.entry_xml(e, router, catalog.tags) if feeds.in_feeds(e) else None,
             bibtex.paper_bibtex(e, catalog))
            for e in entries]


def adopt(site, renderer, rows: list[Row]) -> None:
    """Take pieces made by other processes of this build into this one's memos."""
    catalog, router = site.catalog, site.router
    for pid, entry, compact, feed, bib in rows:
        renderer.keep_entry(pid, "entry", entry)
        renderer.keep_entry(pid, "entry_compact", compact)
        if feed is not None:
            feeds.memo.of(router)[pid] = feed
        bibtex.entry_memo.of(catalog)[pid] = bib


def forget() -> None:
    """Drop what a one-off build memoised of every paper, once it is rendered (a preview
    keeps these between edits instead)."""
    feeds.memo.forget()
    bibtex.entry_memo.forget()
    markup.render_markdown.cache_clear()
    markup.plain_text.cache_clear()
