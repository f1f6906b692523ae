"""The content schema (v1) as frozen data classes: Paper, AuthorEntry, Profile, Venue, Tag, Page.

These pydantic models are both the validator of what users write and the plain data the
later stages read; `papersite schema` exports them as JSON Schema for editors. No I/O
here: the loading stage produces records, `validate.py` turns records into these.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints,
                      ValidationInfo, field_validator, model_validator)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_SLUG = re.compile(SLUG_PATTERN)
# Names Windows refuses as file names; an id is a folder name in the output.
RESERVED_IDS = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                *(f"lpt{i}" for i in range(10))}

# An id or slug names a folder of the output, beside files the site writes.
WRITTEN_SUFFIXES = (".html", ".htm", ".bib", ".xml", ".json", ".txt")

PAPER_TYPES = ("conference", "journal", "workshop", "preprint", "thesis", "book",
               "chapter", "report", "other")
PaperType = Literal["conference", "journal", "workshop", "preprint", "thesis", "book",
                    "chapter", "report", "other"]


def _check_slug(value: str) -> str:
    if not _SLUG.match(value) or ".." in value or len(value) > 120:
        raise ValueError(f"'{value}' is not a valid id: use lowercase letters, digits, "
                         "'.', '_' and '-', starting with a letter or digit (at most 120)")
    if value.split(".")[0] in RESERVED_IDS:
        raise ValueError(f"'{value}' is a reserved file name on Windows; choose another id")
    if value.endswith(WRITTEN_SUFFIXES):   # papers/x.bib/ beside paper x's papers/x.bib
        raise ValueError(f"'{value}' ends like a file the site writes "
                         f"({value[value.rindex('.'):]}); choose an id without it")
    return value


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def check_url(value: str) -> str:
    """Only http(s) URLs and site-relative paths are links; everything else is refused."""
    v = value.strip()
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", v)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise ValueError(f"'{value}': only http(s) and site-relative links are allowed")
    bad = next((ch for ch in v if ch in "<>\"'\\" or ch.isspace()
                or unicodedata.category(ch) in ("Cc", "Cf")), None)
    if bad is not None:  # spaces, controls, invisible formatting: never in a real link
        what = ("white space" if bad.isspace() else f"the character {bad}" if bad in "<>\"'\\"
                else f"the invisible character U+{ord(bad):04X}")
        raise ValueError(f"'{value}' is not a valid URL: it holds {what}")
    if scheme:
        if not re.match(r"^https?://[^/?#]+", v, re.I):
            raise ValueError(f"'{value}': only http(s) and site-relative links are allowed")
    elif v.startswith("//"):
        raise ValueError(f"'{value}': write the full URL with https://")
    elif not v:
        raise ValueError("must not be blank")
    elif ":" in re.split(r"[/?#]", v, maxsplit=1)[0]:  # reads as a scheme somewhere
        raise ValueError(f"'{value}' is not a valid URL: a ':' before the first '/' "
                         "reads as a scheme")
    elif looks_like_web_address(v):   # would be read as a path of this site
        raise ValueError(f"'{value}' looks like a web address: write https://{v}")
    return from_site_root(v)


# A link without its scheme: github.com/user/repo, www.example.org, arxiv.org/abs/...
_WEB_ADDRESS = re.compile(r"^(?:www\.[^/]+|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|io|"
                          r"ai|co|dev|app|info|me|uk|de|fr|cn|jp|ch|nl|ca|au|eu|us)"
                          r"(?::\d+)?(?:/.*)?)$", re.I)


def looks_like_web_address(link: str) -> bool:
    """A link without its scheme (github.com/user/repo), which a page would read as a
    path of this site."""
    return _WEB_ADDRESS.match(link) is not None


_UP_OR_HERE = re.compile(r"^(?:\.\.?/)+")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def from_site_root(path: str) -> str:
    """A link read from the site's root: 'files/a.pdf' and '../../files/a.pdf' are
    '/files/a.pdf'. The same link is shown on many pages (a paper's on its page and in
    every list), so a path relative to one of them would lead somewhere else from the
    others. A URL with a scheme, a path from the root ('/x', '//host'), an anchor or a
    query ('#x', '?q=') stays as it is."""
    if path.startswith(("/", "#", "?")) or _SCHEME.match(path):
        return path
    return "/" + _UP_OR_HERE.sub("", path)


_VENUE_KINDS = (("workshop", re.compile(r"\bworkshops?\b", re.I)),
                ("journal", re.compile(r"\b(?:journal|transactions|letters)\b", re.I)),
                ("conference", re.compile(r"\b(?:conference|symposium|congress)\b", re.I)))


def type_of_venue_name(name: str) -> str | None:
    """The paper type a venue's name says, for a venue that venues.yaml does not hold:
    "... Workshop on ..." a workshop, "Journal of ..." or "... Transactions on ..." a
    journal, "... Conference on ..." a conference; None when it says none ("ICLR")."""
    return next((kind for kind, words in _VENUE_KINDS if words.search(name)), None)


def default_type(venue_type: str | None, venue: str | None, arxiv: str | None) -> str:
    """The type of a paper that names none: its venue's type in venues.yaml, else what
    the venue's name says, else a preprint when it has an arXiv id, else other. The
    catalog and the import decide it alike: an import leaves out a type equal to it."""
    return (venue_type or (type_of_venue_name(venue) if venue else None)
            or ("preprint" if arxiv else "other"))


def check_static_path(value: str) -> str:
    """A file under static/: relative, no '..', no backslashes, no drive letters."""
    v = value.strip()
    parts = v.replace("\\", "/").split("/")
    if (not v or v.startswith(("/", "~")) or "\\" in v or re.match(r"^[a-zA-Z]:", v)
            or ".." in parts or "\x00" in v):
        raise ValueError(f"'{value}' must be a path inside static/ (relative, without '..')")
    return v


# Top-level names the engine writes itself: a listing or a free page may not take them.
SITE_PATHS = frozenset({"papers", "authors", "venues", "tags", "years", "search", "pagefind",
                        "assets", "page", "feed.xml", "sitemap.xml", "robots.txt", "404.html",
                        "papers.bib", "papers.json", "index.html", "cname"})


def _check_free_slug(value: str) -> str:
    if value.lower() in SITE_PATHS:
        raise ValueError(f"'{value}' is taken by the site's own pages (/{value}/); "
                         "choose another slug")
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
# The slug of a page at the top of the site: a listing or a free page.
PageSlug = Annotated[str, AfterValidator(_check_slug), AfterValidator(_check_free_slug)]
Text = Annotated[str, AfterValidator(_check_text)]
Url = Annotated[str, AfterValidator(check_url)]
StaticPath = Annotated[str, AfterValidator(check_static_path)]
Count = Annotated[int, Field(ge=0)]
Year = Annotated[int, Field(ge=1000, le=2999)]
ArxivId = Annotated[str, StringConstraints(
    pattern=r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")]
Doi = Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")]
Category = Annotated[str, StringConstraints(pattern=r"^[a-z-]+(\.[A-Za-z-]+)?$")]
Orcid = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")]


def doi_url(doi: str) -> str:
    """The DOI's address at doi.org, with what a URL cannot hold as it is percent-encoded
    (an old SICI DOI's '<' and '>', a '#' or '?' that would end the path); '%' is left as
    written, for a DOI given encoded already."""
    return "https://doi.org/" + quote(doi, safe="/:;()[]@!$&'*+,=._~-%")


def _empty(kind: type):
    """An empty list or mapping by default, made new for each model; the JSON schema
    still shows it as the default. A default `[]` is deep-copied for every model: a
    paper took 6.8 µs to make with them, 4.2 µs with these."""
    return Field(default_factory=kind, json_schema_extra={"default": kind()})


class _Data(BaseModel):
    # Unknown fields are kept so validation can warn about them (or fail under --strict).
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=False,
                              hide_input_in_errors=True)


class AuthorEntry(_Data):
    """One name in a paper's author list, as printed on the paper."""

    name: Text
    id: Slug | None = None
    affiliation: Text | None = None
    equal_contribution: bool = False
    corresponding: bool = False


class Paper(_Data):
    """A paper, as written in content/papers/*.yaml."""

    id: Slug
    title: Text
    authors: list[Text | AuthorEntry] = _empty(list)
    et_al: bool = False
    author_count: Annotated[int, Field(ge=1)] | None = None
    year: Year | None = None
    date: dt.date | None = None
    venue: Text | None = None
    track: Text | None = None
    type: PaperType | None = None
    abstract: str | None = None
    introduction: str | None = None
    tags: list[Text] = _empty(list)
    category: Category | None = None
    links: dict[str, Url] = _empty(dict)
    arxiv: ArxivId | None = None
    doi: Doi | None = None
    note: Text | None = None
    selected: bool = False
    citations: Count | None = None
    upvotes: Count | None = None
    organization: Text | None = None
    image: StaticPath | None = None
    bibtex: str | None = None
    draft: bool = False
    redirect_from: list[Slug] = _empty(list)

    @field_validator("date")
    @classmethod
    def _date_agrees_with_year(cls, value: dt.date | None, info: ValidationInfo):
        year = info.data.get("year")
        if value is not None and not 1000 <= value.year <= 2999:   # as year's own range
            raise ValueError(f"{value} is not in a year from 1000 to 2999")
        if value is not None and year is not None and value.year != year:
            raise ValueError(f"{value} is in {value.year}, but year is {year}; make them "
                             "agree (or leave out year: the date sets it)")
        return value

    @model_validator(mode="after")
    def _year_from_date(self):
        if self.date is not None and self.year is None:
            object.__setattr__(self, "year", self.date.year)
        return self

    @property
    def author_entries(self) -> list[AuthorEntry]:
        return [a if isinstance(a, AuthorEntry) else AuthorEntry(name=a) for a in self.authors]

    def link(self, label: str) -> str | None:
        """The URL of the link with this (lower-case) label, however its case was written:
        `PDF:` is the paper's pdf link as `pdf:` is."""
        url = self.links.get(label)
        if url is None and self.links:
            url = next((u for k, u in self.links.items() if k.lower() == label), None)
        return url


class Profile(_Data):
    """An author profile, content/authors/<id>.yaml."""

    id: Slug
    name: Text
    aliases: list[Text] = _empty(list)
    affiliation: Text | None = None
    position: Text | None = None
    homepage: Url | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s<>\"']+@[^@\s<>\"']+$")] | None = None
    orcid: Orcid | None = None
    scholar: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{6,20}$")] | None = None
    github: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")] | None = None
    photo: StaticPath | None = None
    bio: str | None = None
    papers: list[Slug] = _empty(list)
    citations: Count | None = None
    h_index: Count | None = None
    i10_index: Count | None = None


class Venue(_Data):
    """A venue series from content/venues.yaml."""

    id: Slug
    short: Text | None = None
    name: Text
    aliases: list[Text] = _empty(list)
    type: PaperType = "conference"
    url: Url | None = None


class TagInfo(_Data):
    """A tag's description from content/tags.yaml."""

    name: Text
    description: str | None = None


class Page(_Data):
    """A free page: content/pages/*.md with front matter."""

    title: Text
    slug: PageSlug
    nav_order: int | None = None
    draft: bool = False
    body: str = ""


PAPER_FIELDS = tuple(Paper.model_fields)
# Fields a listing may filter or sort on: every paper field plus the derived ones.
LISTING_FIELDS = set(PAPER_FIELDS) | {"month", "author"}
