"""Records of Semantic Scholar's and OpenAlex's APIs → table rows.

Researchers save their list of works from these services as JSON: one record a line,
or the API's answer as it came (Semantic Scholar's `{"data": [...]}`, OpenAlex's
`{"results": [...]}`, which `jsonl` unwraps). Their records nest what a paper holds:
Semantic Scholar gives the DOI and arXiv id in `externalIds` and the date as
`publicationDate`; OpenAlex gives its own work URL as `id`, the authors in
`authorships`, the venue in `primary_location` and the abstract as an inverted index.
`values` turns a record into the columns a table of papers has (title, authors, year,
date, venue, abstract, doi, arxiv, url, pdf, type, volume, issue, pages), which
`columns.to_candidate` reads with the tables' rules: a venue that only names arXiv makes
a preprint, an arXiv or doi.org link is the id. The record's other keys stay as they
are, and are listed as ignored columns (`--map citationCount=citations`,
`--map keywords=tags`: OpenAlex's keywords are given as their names).
"""

from __future__ import annotations

from .common import ARXIV_ONLY, ARXIV_URL, arxiv_of, clean_text

_S2_TYPES = {"conference": "conference", "journalarticle": "journal", "book": "book",
             "booksection": "chapter", "dataset": "other"}
# OpenAlex's work types, and for an "article" its source's type.
_OPENALEX_TYPES = {"preprint": "preprint", "book-chapter": "chapter", "book": "book",
                   "dissertation": "thesis", "report": "report", "dataset": "other"}
_OPENALEX_SOURCES = {"journal": "journal", "conference": "conference",
                     "repository": "preprint"}


def kind(item: dict) -> str | None:
    """'s2' for a Semantic Scholar paper, 'openalex' for an OpenAlex work, else None."""
    if "paperId" in item or isinstance(item.get("externalIds"), dict):
        return "s2"
    work = item.get("id")
    if isinstance(work, str) and work.startswith("https://openalex.org/W") \
            or isinstance(item.get("authorships"), list):
        return "openalex"
    return None


def values(item: dict, known_venue=lambda text: None) -> dict:
    """The record as a table's row (the item itself if it is neither service's).
    `known_venue(text)` tells whether a venue name is one of the site's series."""
    found = kind(item)
    if found == "s2":
        return _s2(item, known_venue)
    if found == "openalex":
        return _openalex(item)
    return item


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _s2(item: dict, known_venue) -> dict:
    ids, journal = _dict(item.get("externalIds")), _dict(item.get("journal"))
    venue = _dict(item.get("publicationVenue"))
    # Its venue's other names ("CVPR" for "Computer Vision and Pattern Recognition")
    # find the site's series when the name it gives first does not.
    # (The journal's name is a last resort: "ArXiv" for a conference paper's preprint.)
    alternates = venue.get("alternate_names")
    names = [n for n in [item.get("venue"), venue.get("name"),
                         *(alternates if isinstance(alternates, list) else [])]
             if isinstance(n, str) and n.strip()] or [journal.get("name")]
    row = {k: v for k, v in item.items() if k not in (
        "externalIds", "journal", "publicationVenue", "publicationDate", "openAccessPdf",
        "publicationTypes", "url", "venue")}
    row.update(title=item.get("title"), authors=item.get("authors"), year=item.get("year"),
               date=item.get("publicationDate"), abstract=item.get("abstract"),
               doi=ids.get("DOI"), arxiv=ids.get("ArXiv"),
               venue=next((n for n in names if isinstance(n, str) and known_venue(n)),
                          names[0]),
               pdf=_dict(item.get("openAccessPdf")).get("url"), type=_s2_type(item, venue))
    if not ARXIV_ONLY.match(str(journal.get("name", ""))):   # ArXiv's "abs/2401.09876"
        row.update(volume=journal.get("volume"), pages=journal.get("pages"))
    if isinstance(item.get("url"), str):   # its page on Semantic Scholar
        row["links"] = {"semantic_scholar": item["url"]}
    return {k: v for k, v in row.items() if v not in (None, "", [], {})}


def _s2_type(item: dict, venue: dict) -> str | None:
    if venue.get("type") in ("journal", "conference"):
        return venue["type"]
    kinds = item.get("publicationTypes")
    kinds = [str(k).casefold() for k in kinds] if isinstance(kinds, list) else []
    if "conference" in kinds:   # ["JournalArticle", "Conference"]: proceedings
        return "conference"
    return next((_S2_TYPES[k] for k in kinds if k in _S2_TYPES), None)


def _openalex(item: dict) -> dict:
    primary = _dict(item.get("primary_location"))
    source, biblio = _dict(primary.get("source")), _dict(item.get("biblio"))
    row = {k: v for k, v in item.items() if k not in (
        "id", "ids", "display_name", "publication_year", "publication_date",
        "primary_location", "authorships", "is_authors_truncated", "biblio",
        "abstract_inverted_index", "type", "type_crossref", "locations",
        "best_oa_location")}
    venue = source.get("display_name")
    if source.get("type") == "repository" and isinstance(venue, str) \
            and venue.casefold().startswith("arxiv"):
        venue = "arXiv"   # "arXiv (Cornell University)"
    first, last = biblio.get("first_page"), biblio.get("last_page")
    row.update(title=item.get("title") or item.get("display_name"),
               authors=_authorships(item), year=item.get("publication_year"),
               date=item.get("publication_date"), doi=item.get("doi"), venue=venue,
               abstract=_inverted(item.get("abstract_inverted_index")),
               url=primary.get("landing_page_url"), pdf=primary.get("pdf_url"),
               arxiv=_arxiv_location(item), type=_openalex_type(item, source),
               volume=biblio.get("volume"), issue=biblio.get("issue"),
               pages=f"{first}-{last}" if first and last and first != last else first)
    if isinstance(item.get("keywords"), list):
        row["keywords"] = [k.get("display_name") if isinstance(k, dict) else k
                           for k in item["keywords"]]
    return {k: v for k, v in row.items() if v not in (None, "", [], {})}


def _authorships(item: dict) -> list | None:
    authorships = item.get("authorships")
    if not isinstance(authorships, list):
        return None
    names = []
    for authorship in authorships:
        authorship = _dict(authorship)
        name = _dict(authorship.get("author")).get("display_name") \
            or authorship.get("raw_author_name")
        if isinstance(name, str) and name.strip():
            names.append(name)
    if item.get("is_authors_truncated") is True:   # OpenAlex lists the first 100
        names.append("others")
    return names


def _inverted(index) -> str | None:
    """An abstract from OpenAlex's inverted index (word → its positions)."""
    if not isinstance(index, dict):
        return None
    at = {}
    for word, positions in index.items():
        for position in positions if isinstance(positions, list) else []:
            if isinstance(position, int):
                at[position] = word
    return clean_text(" ".join(at[p] for p in sorted(at)))


def _arxiv_location(item: dict) -> str | None:
    """The arXiv id of a location that is arXiv's page of the work (its preprint)."""
    locations = item.get("locations")
    for location in locations if isinstance(locations, list) else []:
        url = _dict(location).get("landing_page_url")
        if isinstance(url, str) and (m := ARXIV_URL.match(url)):
            return arxiv_of(m)
    return None


def _openalex_type(item: dict, source: dict) -> str | None:
    work = item.get("type")
    if work in ("article", "review"):
        return _OPENALEX_SOURCES.get(source.get("type"))
    return _OPENALEX_TYPES.get(work)
