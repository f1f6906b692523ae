"""CSL JSON items → table rows, read with CSL's own column names (`COLUMNS`).

CSL JSON is what Zotero's and Mendeley's "CSL JSON" export, Better BibTeX, Pandoc and
citeproc, doi.org's content negotiation (Crossref's and DataCite's records) and a
Papersite site's own `papers.json` write. A file is read as CSL when any of its items
is one (`is_csl`): a Zotero library mixes papers with web pages that have no CSL mark
but their type. Its items keep their keys, so `--map event-title=venue` names what the
file has; `values` turns each structured value into what a table cell holds (names as
printed, `issued` as a date, Crossref's one-element lists as their element, JATS and
HTML markup as plain text), and `columns.to_candidate` reads the row, with the tables'
rules for venues, links and details (volume, issue, page, publisher, ISBN, ISSN:
kept in the paper's `bibtex` entry).

Variables with no paper field are listed as ignored columns: among them `id` (a
citation key or Zotero's item URL, not the paper's id), `note` (Zotero's "Extra", not a
badge; an arXiv id in it is read) and `keyword` (`--map keyword=tags` takes it).
"""

from __future__ import annotations

import re

from ..model import PAPER_TYPES
from ..names import person_name
from .columns import TYPE_NAMES
from .common import (ARXIV_IN_EXTRA, ARXIV_ONLY, YEAR_IN_TEXT, arxiv_of, line_paragraphs,
                     plain_markup)

# "arXiv id" is no CSL variable: `values` gives it from `note` (Zotero's Extra).
ARXIV = "arXiv id"
# CSL variable → paper field or detail, in order of precedence: a conference paper's
# proceedings (container) before its meeting (event).
COLUMNS = {"title": "title", "author": "authors", "issued": "date", "type": "type",
           "container-title": "venue", "event-title": "venue", "event": "venue",
           "genre": "genre", "abstract": "abstract", "DOI": "doi", "URL": "url",
           ARXIV: "arxiv", "volume": "volume", "issue": "issue", "number": "issue",
           "page": "pages", "publisher": "publisher", "ISBN": "isbn", "ISSN": "issn",
           "editor": "editor", "collection-title": "series", "publisher-place": "address",
           "edition": "edition"}
# CSL's types and Crossref's (what doi.org answers) → paper types. CSL's "article" is a
# preprint or working paper; a journal's is "article-journal".
_TYPES = {"article-journal": "journal", "journal-article": "journal",
          "article-magazine": "journal", "paper-conference": "conference",
          "proceedings-article": "conference", "article": "preprint",
          "posted-content": "preprint", "chapter": "chapter", "book-chapter": "chapter",
          "book-section": "chapter", "book-part": "chapter", "reference-entry": "chapter",
          "book": "book", "monograph": "book", "edited-book": "book",
          "reference-book": "book", "thesis": "thesis", "dissertation": "thesis",
          "report": "report", "report-component": "report"}
_OTHER_TYPES = {"article-newspaper", "manuscript", "document", "dataset", "software",
                "webpage", "post", "post-weblog", "speech", "entry", "entry-encyclopedia",
                "entry-dictionary", "patent", "personal_communication", "interview",
                "motion_picture", "broadcast", "song", "graphic", "map", "legal_case",
                "legislation", "bill", "standard", "review", "review-book", "figure",
                "peer-review", "component", "other", "classic", "collection", "event",
                "hearing", "performance", "periodical", "regulation", "treaty"}
# Types a table may give too (a paper type, a BibTeX or Zotero type name): no mark of CSL.
_TABLE_TYPES = set(PAPER_TYPES) | set(TYPE_NAMES)
_MARKS = {"issued", "container-title", "citation-key", "event-title", "published-print",
          "published-online"}


def is_csl(item: dict) -> bool:
    """Whether a JSON record is a CSL item rather than a row of paper fields."""
    if not _MARKS.isdisjoint(item):
        return True
    kind = item.get("type")
    if isinstance(kind, str) and (kind in _OTHER_TYPES or kind in _TYPES) \
            and kind not in _TABLE_TYPES:
        return True
    names = item.get("author")
    names = [names] if isinstance(names, dict) else names
    return isinstance(names, list) and any(
        isinstance(n, dict) and not {"family", "literal", "sequence"}.isdisjoint(n)
        for n in names)


def values(item: dict) -> dict:
    """A CSL item's values as table cells, under its own keys (`COLUMNS`)."""
    row = dict(item)
    kind = item.get("type")
    if isinstance(kind, str):
        row["type"] = _TYPES.get(kind, "other" if kind in _OTHER_TYPES else kind)
    if "title" in item:
        title, subtitle = _text(item["title"]), _text(item.get("subtitle"))
        row["title"] = f"{title}: {subtitle}" if title and subtitle else title
    for key in ("author", "editor"):
        names = item.get(key)
        if isinstance(names, dict):
            names = [names]           # one name written without its list
        if isinstance(names, list):
            row[key] = [_name(n) for n in names]
    if "issued" in item:
        row["issued"] = _date(item["issued"])
    for key in ("container-title", "event-title", "event", "publisher", "collection-title"):
        if key in item:
            row[key] = _text(item[key])
    abstract = item.get("abstract")
    if isinstance(abstract, str):   # Crossref's JATS, or Zotero's text: a line a paragraph
        row["abstract"] = plain_markup(abstract, paragraphs=True) if "</" in abstract else \
            line_paragraphs(abstract)
    for key in ("ISSN", "ISBN"):
        if isinstance(item.get(key), list):
            row[key] = ", ".join(str(v) for v in item[key] if v)
    arxiv = _arxiv(row)
    if arxiv:
        row[ARXIV] = arxiv
    if isinstance(row.get("publisher"), str) and ARXIV_ONLY.match(row["publisher"]):
        row["publisher"] = None   # a preprint's "arXiv" says nothing more
    return row


def _arxiv(row: dict) -> str | None:
    """An arXiv id in Zotero's Extra (`note`), which is no column of its own. (One in
    `number` or in an arXiv DOI is read by `columns.to_candidate`, as in any table, and a
    container that only names arXiv as a table's venue is.)"""
    note = row.get("note")
    if isinstance(note, str) and (m := ARXIV_IN_EXTRA.search(note)):
        return arxiv_of(m)
    return None


def _text(value) -> str | None:
    """Text as a table holds it: Crossref's one-element lists unwrapped, CSL's rich
    text (<i>, <sup>, <span class="nocase">) and entities as plain text."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return value
    return plain_markup(value) if "<" in value or "&" in value else value


def _name(name):
    """A CSL name as printed: 'Jan van der Berg', '李华', 'ATLAS Collaboration' (a
    literal, or Crossref's `name`), with the first affiliation Crossref gives."""
    if not isinstance(name, dict):
        return name
    literal = name.get("literal", name.get("name"))
    if isinstance(literal, str):
        printed = literal
    else:
        parts = {k: str(name[k]).strip() for k in (
            "given", "dropping-particle", "non-dropping-particle", "family", "suffix")
            if name.get(k) not in (None, "")}
        family = " ".join(parts[k] for k in ("non-dropping-particle", "family") if k in parts)
        given = " ".join(parts[k] for k in ("given", "dropping-particle") if k in parts)
        printed = person_name(given, family) if given and family else given or family
        if "suffix" in parts:
            printed = f"{printed} {parts['suffix']}"
    affiliations = name.get("affiliation")
    if isinstance(affiliations, list) and affiliations and isinstance(affiliations[0], dict) \
            and isinstance(affiliations[0].get("name"), str) and printed:
        return {"name": printed, "affiliation": affiliations[0]["name"]}
    return printed


def _date(issued) -> str | None:
    """`issued` as a date cell: 2020-05-17, 2020-05 or 2020; of EDTF and free text
    ('2019/2020', '2020?', 'May 2018'), the first date or the first year."""
    if isinstance(issued, int):
        return str(issued)
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            try:
                numbers = [int(p) for p in parts[0][:3]]
            except (TypeError, ValueError):
                numbers = []
            if numbers:
                return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
            return None
        issued = issued.get("raw", issued.get("literal"))
    if not isinstance(issued, str):
        return None
    first = re.split(r"[/?~%]", issued.strip())[0]
    if re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", first):
        return first
    year = YEAR_IN_TEXT.search(issued)
    return year.group(1) if year else issued
