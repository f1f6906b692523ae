"""CSL-JSON items → records with the column names tables use (`columns.py`).

CSL-JSON is what Zotero's and Mendeley's "CSL JSON" export, Pandoc, citeproc, doi.org's
content negotiation and a Papersite site's own `papers.json` write: a JSON array of
items with structured names (`{"family", "given", "non-dropping-particle"}` or
`{"literal"}`), `issued.date-parts`, `container-title`, `DOI`, `URL`, `page`, and CSL's
own types. `from_csl` turns one item into a record that `columns.to_candidate` reads like
a table row, so the rules for venues, links, arXiv ids and details (volume, issue,
pages, publisher, ISBN, ISSN: kept in the paper's `bibtex` entry) are the tables' rules.

CSL variables with no paper field keep their names and are listed as ignored columns
(`--map keyword=tags` takes them). Two share a name with a paper field and mean another
thing, so they are renamed: `id` (a citation key, not the paper's id) and `note`
(Zotero's "Extra", not a badge) become `CSL id` and `CSL note`.
"""

from __future__ import annotations

import re

from ..names import person_name

# CSL types → paper types. "article" is CSL's preprint or working paper (a journal
# article is "article-journal").
_TYPES = {"article-journal": "journal", "article-magazine": "journal",
          "article-newspaper": "other", "paper-conference": "conference",
          "article": "preprint", "chapter": "chapter", "book": "book", "thesis": "thesis",
          "report": "report", "manuscript": "other", "document": "other",
          "dataset": "other", "software": "other", "webpage": "other", "speech": "other",
          "entry-encyclopedia": "other", "entry-dictionary": "other", "patent": "other"}
_RENAMED = {"id": "CSL id", "note": "CSL note"}
_ARXIV_NUMBER = re.compile(r"^\s*arxiv\s*:\s*(\S+)\s*$", re.I)


def is_csl(item: dict) -> bool:
    """Whether a JSON record is a CSL-JSON item rather than a row of paper fields."""
    if any(key in item for key in ("issued", "container-title", "citation-key")):
        return True
    names = item.get("author")
    return isinstance(names, list) and any(
        isinstance(n, dict) and ("family" in n or "literal" in n) for n in names)


def from_csl(item: dict) -> dict:
    """A CSL-JSON item as a table row: paper field names where CSL has them, its other
    variables under their own names."""
    row = {_RENAMED.get(key, key): value for key, value in item.items()
           if key not in ("author", "issued", "type", "container-title", "event-title",
                          "event", "number", "page", "genre", "publisher")}
    kind = _TYPES.get(str(item.get("type", "")).strip().casefold())
    if kind:
        row["type"] = kind
    elif "type" in item:
        row["CSL type"] = item["type"]
    if isinstance(item.get("author"), list):
        row["authors"] = [_name(n) for n in item["author"]]
    elif "author" in item:
        row["authors"] = item["author"]   # the paper model says what it expected
    date = _date(item.get("issued"))
    if date:
        row["date"] = date
    # Zotero gives a conference paper's proceedings as its container and the meeting
    # as its event: the venue is whichever is given, the container first.
    venue = next((item[k] for k in ("container-title", "event-title", "event")
                  if isinstance(item.get(k), str) and item[k].strip()), None)
    if venue is not None:
        row["venue"] = venue
    number = item.get("number")
    arxiv = _ARXIV_NUMBER.match(number) if isinstance(number, str) else None
    if arxiv:
        row["arxiv"] = arxiv.group(1)
    elif number is not None:
        row["number"] = number
    if "page" in item:
        row["pages"] = item["page"]
    publisher = item.get("publisher")
    if publisher is not None and not (isinstance(publisher, str)
                                      and publisher.strip().casefold() in ("arxiv",
                                                                           "arxiv.org")):
        row["publisher"] = publisher     # a preprint's "arXiv" says nothing more
    if "genre" in item:   # a conference paper's track; a thesis's kind ("PhD thesis")
        row["track" if kind == "conference" else "genre"] = item["genre"]
    return row


def _name(name) -> str | dict:
    """A CSL name as printed: 'Jan van der Berg', '李华', 'ATLAS Collaboration'."""
    if not isinstance(name, dict):
        return name
    if isinstance(name.get("literal"), str):
        return name["literal"]
    parts = {k: str(name[k]).strip() for k in ("given", "dropping-particle",
                                                 "non-dropping-particle", "family", "suffix")
             if name.get(k) not in (None, "")}
    family = " ".join(parts[k] for k in ("non-dropping-particle", "family") if k in parts)
    given = " ".join(parts[k] for k in ("given", "dropping-particle") if k in parts)
    printed = person_name(given, family) if given and family else given or family
    return f"{printed} {parts['suffix']}" if "suffix" in parts else printed


def _date(issued) -> str | None:
    """`issued` as the text a date column holds: 2020-05-17, 2020-05 or 2020."""
    if isinstance(issued, str):
        return issued
    if not isinstance(issued, dict):
        return None
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            numbers = [int(p) for p in parts[0][:3]]
        except (TypeError, ValueError):
            return None
        return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
    for key in ("raw", "literal"):
        if isinstance(issued.get(key), str):
            return issued[key]
    return None
