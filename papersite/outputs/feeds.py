"""Atom feeds (RFC 4287): the site's, and one per author, venue and tag.

Newest first, undated papers left out, the abstract as summary. `updated` comes from the
newest paper's date, never from the clock, so a rebuild of the same content writes the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re

from ..markup import plain_text
from ..memo import PaperMemo

FEED_SIZE = 50
# Characters XML 1.0 forbids; text pasted from PDFs sometimes carries them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# Written here as xml.sax.saxutils writes them: importing that module imports
# urllib.request, http.client, ssl and email, 10 ms of every build's start.

def escape(text: str) -> str:
    """Text for XML: `&`, `<` and `>` as entities, the characters XML forbids left out."""
    return (_NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def quoteattr(text: str) -> str:
    """An attribute's value in its quotes (double ones unless the value holds them)."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


def _stamp(entry) -> str | None:
    p = entry.paper
    if p.date:
        return f"{p.date.isoformat()}T00:00:00Z"
    if p.year is not None:
        return f"{p.year:04d}-01-01T00:00:00Z"
    return None


def _newest(entry) -> tuple:
    """A dated paper's place in feeds, in the order of its (stamp, id): a date compares
    as its ISO form does, and is cheaper to make than the stamp (the site's feed looks
    at every paper)."""
    p = entry.paper
    return p.date or dt.date(p.year, 1, 1), p.id


def atom_feed(title: str, feed_path: str, page_path: str, entries, router,
              site_title: str, tags: dict) -> str:
    """An Atom document for the newest dated entries of a list."""
    dated = heapq.nlargest(FEED_SIZE, (e for e in entries if e.paper.year is not None),
                           key=_newest)
    updated = _stamp(dated[0]) if dated else "1970-01-01T00:00:00Z"
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<feed xmlns="http://www.w3.org/2005/Atom">',
           f"  <title>{escape(title)}</title>",
           f"  <id>{escape(router.absolute(page_path))}</id>",
           f"  <link rel=\"self\" type=\"application/atom+xml\" "
           f"href={quoteattr(router.absolute(feed_path))}/>",
           f"  <link rel=\"alternate\" type=\"text/html\" "
           f"href={quoteattr(router.absolute(page_path))}/>",
           f"  <updated>{updated}</updated>",
           f"  <author><name>{escape(site_title)}</name></author>",
           "  <generator>Papersite</generator>"]
    out += [entry_xml(e, router, tags) for e in dated]
    out.append("</feed>")
    return "\n".join(out) + "\n"


memo = PaperMemo()   # a paper's <entry>, per router


def in_feeds(e) -> bool:
    """Whether a paper can be in a feed at all (undated papers are left out)."""
    return _stamp(e) is not None


def entry_xml(e, router, tags: dict) -> str:
    """A paper's <entry>, made once per build (keyed by the build's router): the same
    entry is in the site's feed and in its authors', venue's and tags' feeds. `tags`:
    the catalog's, for each category's label (its term is the tag's slug)."""
    made = memo.of(router)
    text = made.get(e.id)
    if text is None:
        p = e.paper
        url = router.absolute(f"papers/{p.id}/")
        out = ["  <entry>",
               f"    <title>{escape(plain_text(p.title))}</title>",
               f"    <id>{escape(url)}</id>",
               f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(url)}/>",
               f"    <updated>{_stamp(e)}</updated>",
               f"    <published>{_stamp(e)}</published>"]
        out += [f"    <author><name>{escape(b.name)}</name></author>" for b in e.bylines]
        if p.abstract and (summary := plain_text(p.abstract)):   # not a blank one
            out.append(f"    <summary>{escape(summary)}</summary>")
        out += [f"    <category term={quoteattr(t)} label={quoteattr(tags[t].name)}/>"
                for t in e.tags]
        out.append("  </entry>")
        text = made[e.id] = "\n".join(out)
    return text
