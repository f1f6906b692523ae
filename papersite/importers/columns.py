"""Tables of papers (CSV rows, JSON Lines records) → Candidates: which column is which
field, and how a cell's text becomes a field's value.

Columns are matched by name, ignoring case, spaces and punctuation ("Publication Year"
= `publication_year`). Every paper field name is recognised as itself, plus common
names from spreadsheets and reference managers (Zotero's CSV export among them):

    title, paper title, paper                 → title
    author, authors, author list, creators    → authors
    year, publication year, pub year          → year
    date, publication date, published         → date (YYYY-MM-DD; YYYY or YYYY-MM give the year)
    venue, journal, booktitle, conference,
      publication, publication title          → venue (matched to content/venues.yaml)
    abstract, abstract note, summary          → abstract
    doi                                       → doi (https://doi.org/ prefix removed)
    arxiv, arxiv id, eprint                   → arxiv
    url, link, paper url                      → links.pdf if it ends in .pdf, else links.paper
    pdf, pdf url / code, github / project     → links.pdf / links.code / links.project
    item type, entry type                     → type (Zotero and BibTeX type names translated)
    tags, tag                                 → tags (a `keywords` column is not guessed:
                                                use --map keywords=tags)
    volume / issue / pages, page range /
      publisher / isbn / issn / editor /
      series / place / edition                → kept in the paper's `bibtex` entry (no paper
                                                field holds them): the entry the site would
                                                make, with them (a thesis's or report's
                                                publisher is its venue)

`--map COLUMN=FIELD` (repeatable) overrides or adds a mapping; FIELD is a paper field,
`url`, `links.LABEL`, or one of volume, issue, pages, publisher, isbn, issn, editor,
series, edition, address; `--map COLUMN=` ignores a column.

Authors in one cell are split by this rule: if any author cell of the file has a ";",
names are separated by ";" (Zotero: "Sun, Qianru; Schiele, Bernt", and a cell
"Okafor, Chidi" is one name; so is "Bill and Melinda Gates Foundation", and a cell
"Ann Lee and Bo Chen" gets a warning); otherwise if the cell has " and "
they are separated by " and " (and by commas too unless every part is "Last, First");
otherwise by "," (but "Smith, John A., Berg, J.", one-word family names alternating
with given names that show an initial, is two names). A name written "Last, First"
becomes "First Last" (particles kept: "van der Berg, Jan" → "Jan van der Berg"). A final
"others", "and others", "et al." or "..." sets `et_al`. Tags are separated by ";" when
there is one, else by ",".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..diagnostics import Diagnostics
from ..model import PAPER_FIELDS, PAPER_TYPES
from ..names import person_name
from ..outputs.names import PARTICLES, SUFFIXES
from .common import (ARXIV_CELL, ARXIV_DOI, ARXIV_IN_EXTRA, ARXIV_IN_TEXT, ARXIV_ONLY,
                     ARXIV_URL, DOI_URL, YEAR_IN_TEXT, Candidate, ImportSession, arxiv_of,
                     clean_text, line_paragraphs, normalise_doi, plain_markup)

_DEFAULTS = {
    "paper_title": "title", "paper": "title",
    "author": "authors", "author_list": "authors", "creators": "authors",
    "author_names": "authors",
    "publication_year": "year", "pub_year": "year",
    "publication_date": "date", "published": "date", "date_published": "date",
    "journal": "venue", "booktitle": "venue", "conference": "venue",
    "publication": "venue", "publication_title": "venue", "journal_title": "venue",
    "abstract_note": "abstract", "summary": "abstract",
    "arxiv_id": "arxiv", "eprint": "arxiv",
    "url": "url", "link": "url", "paper_url": "url",
    "pdf": "links.pdf", "pdf_url": "links.pdf", "pdf_link": "links.pdf",
    "code": "links.code", "code_url": "links.code", "github": "links.code",
    "project": "links.project", "project_page": "links.project",
    "item_type": "type", "entry_type": "type", "tag": "tags", "manual_tags": "tags",
    # Not "number" or "page": a row's index, a project page's URL (--map them if so).
    "volume": "volume", "issue": "issue", "pages": "pages", "page_range": "pages",
    "publisher": "publisher", "isbn": "isbn", "issn": "issn",
}
# Columns no paper field holds, kept in the paper's `bibtex` entry (under these names).
DETAILS = {"volume": "volume", "issue": "number", "pages": "pages", "publisher": "publisher",
           "isbn": "isbn", "issn": "issn", "editor": "editor", "series": "series",
           "edition": "edition", "address": "address", "genre": "type"}
# A thesis's or report's genre that says no more than its entry type (@phdthesis,
# @techreport) does: not worth an entry of the paper's own.
_PLAIN_GENRE = re.compile(r"^(?:(?:technical\s+|research\s+)?report|thesis|dissertation"
                          r"|(?:ph\.?\s?d\.?|doctoral)\s+(?:thesis|dissertation))$", re.I)
TYPE_NAMES = {
    # Zotero item types
    "journalarticle": "journal", "conferencepaper": "conference", "preprint": "preprint",
    "thesis": "thesis", "book": "book", "booksection": "chapter", "report": "report",
    "magazinearticle": "journal", "encyclopediaarticle": "chapter",
    "dictionaryentry": "chapter", "manuscript": "other", "webpage": "other",
    "blogpost": "other", "forumpost": "other", "document": "other", "dataset": "other",
    "computerprogram": "other", "presentation": "other", "newspaperarticle": "other",
    "patent": "other", "standard": "other", "letter": "other", "interview": "other",
    # BibTeX entry types
    "article": "journal", "inproceedings": "conference", "proceedings": "book",
    "incollection": "chapter", "inbook": "chapter", "phdthesis": "thesis",
    "mastersthesis": "thesis", "techreport": "report", "misc": "other",
}
_INT_FIELDS = {"year", "citations", "upvotes", "author_count"}
_BOOL_FIELDS = {"et_al", "selected", "draft"}
_AUTHOR_KEYS = ("name", "id", "affiliation", "equal_contribution", "corresponding")
_TRUE = {"true", "yes", "y", "1", "x", "✓"}
_FALSE = {"false", "no", "n", "0", "-"}
_ET_AL = re.compile(r"^(?:others|et\.?\s*al\.?|\.\.\.|…)$", re.I)
# A cell's closing "and others", "et al." or "...", whatever separates its names.
_ET_AL_END = re.compile(r"(?:\s+and\s+others|[,;]\s*others|(?:[,;]\s*|\s+)et\.?\s*al\.?"
                        r"|[,;]?\s*(?:\.\.\.|…))\s*$", re.I)
_LABEL = re.compile(r"^links\.([A-Za-z0-9][A-Za-z0-9 _-]*)$")


def header_key(name: str) -> str:
    """'Publication Year' → 'publication_year'."""
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")


def _default_target(column: str) -> str | None:
    key = header_key(column)
    if key in PAPER_FIELDS:
        return key
    return _DEFAULTS.get(key)


def _valid_target(target: str) -> bool:
    return (target in PAPER_FIELDS or target in DETAILS or target == "url"
            or bool(_LABEL.match(target)))


# Zotero's CSV export, by columns no other table has together. Its author cells are
# always "Last, First; Last, First" (a single "Nguyễn, Thị Minh Anh" is one name), its
# Number is a report's number or a preprint's "arXiv:1810.04805", its Extra holds
# "arXiv:1810.04805 [cs.CL]", and its Editor, Series, Place and Edition are what a
# citation gives them for (in other tables such columns are only taken with --map).
ZOTERO_COLUMNS = {"key", "item_type", "publication_year", "abstract_note"}
_ZOTERO_DEFAULTS = {"number": "issue", "extra": "extra", "editor": "editor",
                    "series": "series", "place": "address", "edition": "edition",
                    "type": "genre"}
# Rows of a Zotero export that are no papers: standalone notes and files.
ZOTERO_NOT_PAPERS = {"note", "attachment", "annotation"}


@dataclass
class ColumnMap:
    targets: dict[str, str]        # input column → field ('url', 'links.x', or a field)
    ignored: list[str]
    semicolon_authors: bool = False   # some author cell has a ';': all use ';'
    zotero: bool = False              # Zotero's CSV export
    exported_types: bool = False      # types are an export's (CSL's), not Papersite's words

    def note_rows(self, rows) -> None:
        """Look at every row's author cell once, to pick the file's separator."""
        columns = [c for c, t in self.targets.items() if t == "authors"]
        self.semicolon_authors = self.zotero or any(
            isinstance(row.get(c), str) and ";" in row[c] for row in rows for c in columns)


def build_map(columns: list[str], mapping: list[str], source: str, diags: Diagnostics,
              defaults=None) -> ColumnMap | None:
    """Default mappings (`defaults`, a column → target mapping, or else the tables'
    names), then --map overrides; None after reporting bad --map values."""
    explicit: dict[str, str] = {}
    ok = True
    for item in mapping:
        if "=" not in item:
            diags.error("--map", message=f"'{item}' must be COLUMN=FIELD")
            ok = False
            continue
        col, target = (s.strip() for s in item.split("=", 1))
        column = next((c for c in columns if c == col), None) or next(
            (c for c in columns if header_key(c) == header_key(col)), None)
        if column is None:
            diags.error("--map", message=f"no column '{col}' in {source} (columns: "
                                         f"{', '.join(columns) or 'none'})")
            ok = False
            continue
        if target and not _valid_target(target):
            close = difflib.get_close_matches(target, PAPER_FIELDS, n=1, cutoff=0.7)
            hint = f"did you mean '{close[0]}'? " if close else ""
            diags.error("--map", message=f"'{target}' is not a paper field ({hint}use a "
                                         "field of the paper schema, url, links.LABEL, or "
                                         f"one of {', '.join(DETAILS)})")
            ok = False
            continue
        explicit[column] = target
    if not ok:
        return None
    zotero = defaults is None and ZOTERO_COLUMNS <= {header_key(c) for c in columns}
    targets: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        if zotero and header_key(column) in _ZOTERO_DEFAULTS:
            default = _ZOTERO_DEFAULTS[header_key(column)]
        elif defaults is not None:
            default = defaults.get(column)
        else:
            default = _default_target(column)
        target = explicit[column] if column in explicit else default
        if target:
            targets[column] = target
        elif column not in explicit:  # `--map COLUMN=` ignores it on purpose
            ignored.append(column)
    return ColumnMap(targets, ignored, zotero=zotero)


# --- cells → values -----------------------------------------------------------------------


def split_authors(value, semicolons: bool = False) -> tuple[list, bool]:
    """Names from a cell (see the module docstring for the rule), and whether et al.

    `semicolons`: the file separates names by ';', so a cell without one is one name.
    """
    trailing_et_al = False
    if isinstance(value, list):
        items = value
    else:
        text = " ".join(str(value).split())
        text, trailing_et_al = _ET_AL_END.subn("", text)
        if ";" in text or semicolons:
            items = [_flip(p) for p in text.split(";")]
        elif re.search(r"\s+and\s+", text, re.I):
            parts = [p for p in re.split(r"\s*,?\s+and\s+", text, flags=re.I)]
            if all(p.count(",") == 1 for p in parts if p.strip()):
                items = [_flip(p) for p in parts]
            else:
                items = [q for p in parts for q in p.split(",")]
        else:
            items = _last_first_pairs(text.split(","))
    names, et_al = [], bool(trailing_et_al)
    for item in items:
        if isinstance(item, dict):
            entry = {k: item[k] for k in _AUTHOR_KEYS if k in item}
            if isinstance(entry.get("name"), str):
                entry["name"] = clean_text(entry["name"])
            names.append(entry if len(entry) > 1 else entry.get("name"))
            continue
        name = clean_text(item) if item is not None else None
        if not name:
            continue
        if _ET_AL.match(name):
            et_al = True
            continue
        names.append(name)
    return [n for n in names if n], et_al


_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.?(?:\s|$)")   # J. or the A of John A


def _last_first_pairs(items: list[str]) -> list[str]:
    """Comma-separated names: "Smith, John A., van der Berg, Jan" alternates one-word
    family names (particles aside) with given names that show an initial somewhere, and
    is two names, not four. Any other list is one name per item ("Ann Lee, Bob Chen",
    "Hinton, Bengio")."""
    parts = [p.strip() for p in items]
    if len(parts) < 2 or len(parts) % 2 or not all(parts):
        return items
    if not any(_INITIAL.search(given) for given in parts[1::2]):
        return items   # "Hinton, Bengio", "OpenAI, Anthropic", "王伟, 李娜": one name each
    for family in parts[::2]:
        words = family.split()
        while len(words) > 1 and words[0].lower() in PARTICLES:
            words.pop(0)
        if len(words) != 1:
            return items
    return [f"{given} {family}" for family, given in zip(parts[::2], parts[1::2])]


def _flip(name: str) -> str:
    """'van der Berg, Jan' → 'Jan van der Berg', '李, 华' → '李华', and Zotero's 'Brooks,
    Frederick P., Jr.' → 'Frederick P. Brooks Jr.'; other names unchanged."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 3 and all(parts) and parts[2].casefold() in SUFFIXES:
        return f"{person_name(parts[1], parts[0])} {parts[2]}"
    if len(parts) == 2 and all(parts):
        return person_name(parts[1], parts[0])
    return name


def _split_list(value) -> list:
    if isinstance(value, list):
        return [clean_text(v) for v in value if clean_text(v)]
    text = str(value)
    sep = ";" if ";" in text else ","
    return [t for t in (clean_text(p) for p in text.split(sep)) if t]


def _int(value):
    if isinstance(value, bool):   # JSON's true is no count (pydantic would read 1)
        return str(value).lower()
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if re.fullmatch(r"-?\d{1,18}(\.0+)?", text):   # (longer: text, which the model refuses)
        return int(text.split(".")[0])
    return str(value).strip()


def _bool(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return str(value)


def _date(value, data: dict):
    """An ISO date, or the year (and month) alone when that is all the cell gives:
    2015-05, "June 2016" or "2016 June" as Zotero writes dates it does not parse, and the
    one year of other text ("Spring 2016")."""
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$", text)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    if m := re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text):
        year, number = m.group(1), int(m.group(2) or 0)
        month = _MONTH_NAMES[number - 1] if 1 <= number <= 12 else None
    elif (m := _MONTH_YEAR.fullmatch(text)) and \
            (m["name"] or m["name2"]).casefold()[:3] in _MONTH_NAMES:
        year, month = m["year"] or m["year2"], (m["name"] or m["name2"]).casefold()[:3]
    elif len(years := YEAR_IN_TEXT.findall(text)) == 1 and not re.search(r"\d-\d", text):
        year, month = years[0], None   # "Spring 2016", "2016 (accepted)": its one year
    else:
        return text
    data.setdefault("_year", int(year))
    if month:
        data.setdefault("_month", month)
    return None


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec")
_MONTH_YEAR = re.compile(r"(?P<name>[A-Za-z]{3,})\.?\s+(?P<year>\d{4})"
                         r"|(?P<year2>\d{4})\s+(?P<name2>[A-Za-z]{3,})\.?")


_CATEGORY = re.compile(r"\[[\w.-]+\]")   # arXiv:1412.6980 [cs]


def _arxiv_or_workshop(data: dict, venue_text: str | None, type_given: bool,
                       session: ImportSession) -> None:
    """As for BibTeX: a venue that only names arXiv (Zotero filed preprints as journal
    articles in "arXiv:1412.6980 [cs]") is the arXiv id, and the paper a preprint; a
    workshop's name makes a conference paper a workshop paper. A type the row gives in
    Papersite's words (not an export's "journalArticle") stays."""
    if not venue_text:
        return
    m = ARXIV_IN_TEXT.search(venue_text)
    rest = _CATEGORY.sub("", ARXIV_IN_TEXT.sub("", venue_text)).strip(" ,:;.")
    if ARXIV_ONLY.match(venue_text) or (m and (not rest or ARXIV_ONLY.match(rest))):
        if m:
            data.setdefault("arxiv", arxiv_of(m))
        arxiv_venue = session.resolve_venue("arXiv")
        if arxiv_venue:
            data["venue"] = arxiv_venue
        else:
            data.pop("venue", None)
        if not type_given and data.get("type") in ("journal", "other", None):
            data["type"] = "preprint"
    elif "workshop" in venue_text.casefold() and not type_given and data.get("type") in (
            "conference", "journal", None):
        data["type"] = "workshop"


def _arxiv(value) -> str:
    text = str(value).strip()
    text = re.sub(r"^(?:https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/|arxiv:\s*)", "", text,
                  flags=re.I)
    return re.sub(r"\.pdf$", "", text)


def to_candidate(values: dict, cmap: ColumnMap, source: str, line: int, label: str,
                 session: ImportSession, diags: Diagnostics) -> Candidate | None:
    """One row or record → a Candidate; None when every mapped cell is empty."""
    data: dict = {}
    links: dict = {}
    details: dict = {}
    for column, target in cmap.targets.items():
        raw = values.get(column)
        if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
            continue
        if target == "extra" or target in DETAILS and isinstance(raw, str) \
                and ARXIV_CELL.match(raw):   # Zotero's Number and Extra: an arXiv id
            if isinstance(raw, str) and (m := ARXIV_IN_EXTRA.search(raw)):
                data.setdefault("_arxiv", arxiv_of(m))
            continue
        if target == "editor":
            raw = _editors(raw, cmap.semicolon_authors)
            if raw is None:
                diags.warning(source, line, target, f"expected names in column '{column}'; "
                                                    "left out")
                continue
        if target in DETAILS:
            text, problem = _detail(target, raw)
            if problem:
                diags.warning(source, line, target, f"{problem} in column '{column}'; left out")
            elif text:
                details.setdefault(DETAILS[target], text)
            continue
        if target == "url" or target.startswith("links."):
            url = clean_text(raw) if not isinstance(raw, (dict, list)) else None
            if url is None:
                diags.warning(source, line, target, f"expected a URL in column '{column}'; "
                                                    "left out")
                continue
            name = target[6:] if target.startswith("links.") else (
                "pdf" if url.casefold().split("?")[0].endswith(".pdf") else "paper")
            links.setdefault(name, url)
            continue
        if target in data:
            continue  # two columns for one field: the first one given wins
        value = _convert(target, raw, data, session, cmap.semicolon_authors)
        if value is not None:
            data[target] = value
    if cmap.zotero and isinstance(data.get("abstract"), str):   # as in its CSL JSON
        data["abstract"] = line_paragraphs(data["abstract"])
    if (joined := data.pop("_one_name_with_and", None)) is not None and not cmap.zotero:
        diags.warning(source, line, "authors", f"'{joined}' is taken as one name, as the "
                      "file separates names by ';' (write 'A; B' for two)")
    in_cell = data.pop("_arxiv", None)
    doi = data.get("doi")
    if isinstance(doi, str) and (m := ARXIV_DOI.match(doi)):
        in_cell = in_cell or arxiv_of(m)
    if in_cell:
        data.setdefault("arxiv", in_cell)
    # Zotero's Type and CSL's genre: a thesis's degree or a report's kind, for its
    # citation when it says more than the entry type; a conference paper's track.
    genre = details.pop("type", None)
    if genre and data.get("type") in ("thesis", "report") and not _PLAIN_GENRE.match(genre):
        details["type"] = genre
    elif genre and data.get("type") in ("conference", "workshop"):
        data.setdefault("track", genre)
    date_year, month = data.pop("_year", None), data.pop("_month", None)
    if date_year is not None and data.setdefault("year", date_year) != date_year:
        diags.warning(source, line, "date", f"a date of {date_year}, but the year is "
                                            f"{data['year']}; the date is left out")
        month = None
    venue_text = data.pop("_venue_text", None)
    type_given = data.pop("_type_given", False) and not cmap.exported_types
    if not data and not links:
        return None
    # A month without a day goes into the citation when the row has one made for it.
    if month and details and "date" not in data and "bibtex" not in data:
        details.setdefault("month", month)
    _arxiv_or_workshop(data, venue_text, type_given, session)
    # Zotero gives a thesis's university and a report's institution as its Publisher.
    if data.get("type") in ("thesis", "report") and "venue" not in data \
            and details.get("publisher"):
        publisher = details.pop("publisher")
        data["venue"] = session.venue(publisher)
    if details:
        data["_details"] = details
    if "links" in data and isinstance(data["links"], dict):
        links = {**data["links"], **links}
    for name, url in list(links.items()):  # a link that only repeats the arXiv id or DOI
        m = ARXIV_URL.match(str(url))
        if m and data.get("arxiv") in (None, arxiv_of(m)):
            data["arxiv"] = arxiv_of(m)
            del links[name]
        elif (m := DOI_URL.match(str(url))) and data.get("doi") in (None, m.group(1)):
            data["doi"] = m.group(1)
            del links[name]
    if links:
        data["links"] = links
    else:
        data.pop("links", None)
    venue = data.get("venue")
    known = venue if isinstance(venue, str) and venue in session.venue_types else None
    if data.get("type") == session.default_type(known, data.get("arxiv")):
        del data["type"]
    if data.get("et_al") is None and data.pop("_et_al", False):
        data["et_al"] = True
    data.pop("_et_al", None)
    return Candidate(source, line, label, data, {})


def _editors(raw, semicolons: bool) -> str | None:
    """Editors as "A and B" (printed names) for the citation, or None if the cell holds
    no names: text, a list of names or name mappings, one mapping."""
    if isinstance(raw, dict):
        raw = [raw]
    if isinstance(raw, list):
        if not all(isinstance(n, str) or isinstance(n, dict) and isinstance(n.get("name"), str)
                   for n in raw):
            return None
    elif not isinstance(raw, str):
        return None
    names = [n["name"] if isinstance(n, dict) else n for n in split_authors(raw, semicolons)[0]]
    return " and ".join(n for n in names if isinstance(n, str) and n.strip()) or None


_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")           # 12.0: a spreadsheet's number
_PAGES_WORD = re.compile(r"^(?:pp?\.|pages?)\s*", re.I)   # pp. 1443-1456
_PAGE_COUNT = re.compile(r"^\d+\s*(?:pp\.?|pages?)$", re.I)   # 12 pp.: how many, not which


def _detail(target: str, raw) -> tuple[str | None, str | None]:
    """A cell for a detail column as text, or why it is left out."""
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None, "expected a number or text, found " + str(raw)
        raw = int(raw) if raw.is_integer() else raw
    if isinstance(raw, (dict, list, bool)):
        return None, "expected text"
    text = clean_text(raw)
    if text is None:
        return None, None
    if "://" in text:
        return None, "expected text, found a URL"
    text = _WHOLE_FLOAT.sub(r"\1", text)
    if target == "pages":
        if _PAGE_COUNT.match(text):
            return None, f"'{text}' is a number of pages, not the pages"
        text = _PAGES_WORD.sub("", text)
    return text or None, None


def _convert(target: str, raw, data: dict, session: ImportSession, semicolons: bool):
    if target == "authors":
        names, et_al = split_authors(raw, semicolons)
        if semicolons and len(names) == 1 and re.search(r"\s+and\s+", names[0], re.I):
            data["_one_name_with_and"] = names[0]
        if et_al:
            data["_et_al"] = True
        return names
    if target in ("tags", "redirect_from"):
        return _split_list(raw)
    if target in _INT_FIELDS:
        if target == "year" and isinstance(raw, str) and re.match(r"^\d{4}-\d{2}", raw):
            return int(raw[:4])
        return _int(raw)
    if target in _BOOL_FIELDS:
        return _bool(raw)
    if target == "links":
        if isinstance(raw, dict):
            return {str(k): v for k, v in raw.items()}
        pairs = re.findall(r"([A-Za-z][\w -]*?)\s*[=:]\s*(https?://\S+?)(?=[;,\s]|$)",
                           str(raw))
        return dict(pairs) or raw
    if isinstance(raw, (dict, list)):
        return raw  # the paper model reports what it expected
    if target == "date":
        return _date(raw, data)
    if target == "type":
        text = header_key(str(raw)).replace("_", "")
        if str(raw).strip().casefold() in PAPER_TYPES:
            data["_type_given"] = True   # in Papersite's words: no venue overrides it
            return str(raw).strip().casefold()
        return TYPE_NAMES.get(text, str(raw).strip())
    if target == "venue":
        text = clean_text(raw)
        data["_venue_text"] = text
        return session.venue(text) if text else text
    if target == "doi":
        return normalise_doi(str(raw))
    if target == "arxiv":
        return _arxiv(raw)
    if target in ("abstract", "introduction", "bibtex"):
        return str(raw).strip()
    if target == "title" and "</" in str(raw):
        return plain_markup(str(raw))   # Zotero's rich text: <i>Drosophila</i>
    return clean_text(raw)
