"""JSON Schema for editors, generated from the models the loader validates with.

`papersite schema` writes one file per kind of content file into `schemas/`:

    paper.schema.json    content/papers/*.yaml   one paper, or a list of papers
    author.schema.json   content/authors/*.yaml  one author profile
    venues.schema.json   content/venues.yaml     a list of venue series
    tags.schema.json     content/tags.yaml       {tag name: {description}}
    site.schema.json     site.yaml               the site's settings

A YAML file points its editor at one with a first-line comment, which `papersite init`
writes into the files it creates:

    # yaml-language-server: $schema=../../schemas/paper.schema.json

The schemas come from the pydantic models (`model.py`, `config.py`) with three
additions: every field gets a description (shown on hover and in completion), unknown
fields are refused (`additionalProperties: false`, as `check --strict` does), and ids
carry the slug pattern. Checks that span fields (a `date` agreeing with `year`, ids
unique across files) stay with `papersite check`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .aside import write_aside
from .diagnostics import BuildError, Diagnostic, write_reason
from .config import SiteConfig
from .model import SLUG_PATTERN, Paper, Profile, TagInfo, Venue

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_VERSION = "v1"

PAPER_FIELDS = {
    "id": "The paper's id: lowercase letters, digits, '.', '_' and '-'. Becomes "
          "/papers/<id>/. Optional in a one-paper file (the file name is the id), "
          "required in a list of papers.",
    "title": "The title. Inline markdown and $math$ are allowed.",
    "authors": "The authors in order: each a name (\"Ada Example\") or a mapping "
               "{name, id, affiliation, equal_contribution, corresponding}.",
    "et_al": "The author list is partial: shows \"et al.\" (and `and others` in BibTeX).",
    "author_count": "The total number of authors when the list is partial or empty.",
    "year": "The year of publication; `date` sets it when absent.",
    "date": "The publication date, YYYY-MM-DD; must agree with `year`.",
    "venue": "A venue id, short name, full name or alias from content/venues.yaml "
             "(an unknown venue still gets a page).",
    "track": "A track of the venue, e.g. \"Datasets Track\" or \"Workshop\".",
    "type": "The kind of publication. Default: the venue's type; with no venue, "
            "preprint when `arxiv` is given, else other.",
    "abstract": "The abstract (markdown, $math$ allowed).",
    "introduction": "A longer introduction shown on the paper page (markdown).",
    "tags": "Tags; each becomes a page /tags/<slug>/.",
    "category": "arXiv subject in full form, e.g. cs.CV.",
    "links": "Links, label → URL, in the order given: pdf, code, project, data, video, "
             "slides, poster, supp, appendix or any other label. Only http(s) and "
             "site-relative URLs.",
    "arxiv": "arXiv identifier, e.g. 2303.12345 (adds the arXiv link).",
    "doi": "DOI, e.g. 10.1109/CVPR.2023.00123 (adds the DOI link).",
    "note": "A badge: \"Oral Presentation\", \"Spotlight\", \"Best Paper\".",
    "selected": "One of the owner's featured papers.",
    "citations": "Citation count; feeds author metrics.",
    "upvotes": "Upvotes, for daily-papers style ranking.",
    "organization": "The organisation behind the paper, e.g. a lab or company.",
    "image": "A teaser image, a path inside static/.",
    "bibtex": "Raw BibTeX that replaces the generated entry.",
    "draft": "A draft is built only with --drafts.",
    "redirect_from": "Old ids of this paper; each old URL redirects to the new one.",
}
AUTHOR_ENTRY_FIELDS = {
    "name": "The name as printed on the paper.",
    "id": "The author profile (content/authors/<id>.yaml) this name belongs to, when "
          "the name alone cannot tell.",
    "affiliation": "The affiliation printed on the paper.",
    "equal_contribution": "Marked as an equal contribution.",
    "corresponding": "The corresponding author.",
}
PROFILE_FIELDS = {
    "id": "The profile's id (default: the file name). Becomes /authors/<id>/.",
    "name": "The name shown on the author page.",
    "aliases": "Other spellings of the name in author lists.",
    "affiliation": "Current affiliation.",
    "position": "Position, e.g. Associate Professor.",
    "homepage": "Homepage URL.",
    "email": "Email address.",
    "orcid": "ORCID iD, e.g. 0000-0002-1825-0097.",
    "scholar": "Google Scholar user id (the user= part of the profile URL).",
    "github": "GitHub user name.",
    "photo": "A photo, a path inside static/.",
    "bio": "A short biography (markdown).",
    "papers": "Ids of papers this person wrote whose author list does not name them.",
    "citations": "Total citations, given by hand (otherwise computed from the papers).",
    "h_index": "h-index, given by hand (otherwise computed from the papers).",
    "i10_index": "i10-index, given by hand.",
}
VENUE_FIELDS = {
    "id": "The series' id. Becomes /venues/<id>/.",
    "short": "Short name, e.g. CVPR.",
    "name": "Full name of the series.",
    "aliases": "Other names papers may give for this series.",
    "type": "The type of the series' papers.",
    "url": "The series' website.",
}
SITE_FIELDS = {
    "title": "The site's title.",
    "description": "One sentence about the site, for search engines and feeds.",
    "base_url": "The absolute address of the site; its path prefixes every link "
                "(https://user.github.io/papers/). --base-url overrides it.",
    "language": "Language code of the content, e.g. en.",
    "owner": "The author profile id of the site's owner, highlighted everywhere.",
    "home": "What the home page shows: `owner` (profile and papers) or a listing slug.",
    "paginate": "Items per listing page; 0 turns pagination off.",
    "cname": "A custom domain for GitHub Pages (writes CNAME).",
    "nav": "The navigation bar: a list of {title, url}.",
    "listings": "Extra listing pages: {slug, title, description, filter, sort, group_by, "
                "paginate}.",
    "author_list_limit": "Authors shown in a list entry before \"et al.\".",
}
NESTED_FIELDS = {
    "NavItem": {"title": "The link text.", "url": "A site path such as /papers/ or a URL."},
    "Listing": {
        "slug": "The listing's URL: /<slug>/.",
        "title": "The listing's title.",
        "description": "Shown under the title.",
        "filter": "Paper field → value; list fields match by membership.",
        "sort": "Fields to sort by; '-' for descending; missing values sort last.",
        "group_by": "Headings: year, month, date, venue, type or none.",
        "paginate": "Items per page for this listing (default: the site's).",
    },
    "AuthorEntry": AUTHOR_ENTRY_FIELDS,
}
_SLUG_FIELDS = {"id", "slug", "owner"}
_SLUG_LIST_FIELDS = {"redirect_from", "papers"}


def _model_schema(model: type[BaseModel], descriptions: dict[str, str]) -> dict:
    schema = model.model_json_schema()
    _tighten(schema, descriptions)
    for name, sub in schema.get("$defs", {}).items():
        _tighten(sub, NESTED_FIELDS.get(name, {}))
    return schema


def _tighten(schema: dict, descriptions: dict[str, str]) -> None:
    """Unknown fields refused, descriptions added, slug patterns where pydantic has none."""
    if "properties" not in schema:
        return
    if schema.get("additionalProperties") is True:
        schema["additionalProperties"] = False
    for name, prop in schema["properties"].items():
        if name in descriptions:
            prop["description"] = descriptions[name]
        if name in _SLUG_FIELDS:
            _add_pattern(prop)
        elif name in _SLUG_LIST_FIELDS and "items" in prop:
            _add_pattern(prop["items"])


def _add_pattern(prop: dict) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "string" and "pattern" not in option:
            option["pattern"] = SLUG_PATTERN


def _document(name: str, title: str, description: str, body: dict) -> dict:
    head = {"$schema": DRAFT, "$id": f"urn:papersite:schema:{SCHEMA_VERSION}:{name}",
            "title": title, "description": description}
    return {**head, **{k: v for k, v in body.items() if k not in head}}


def paper_schema() -> dict:
    base = _model_schema(Paper, PAPER_FIELDS)
    defs = base.pop("$defs", {})
    paper = {k: v for k, v in base.items()}
    paper["required"] = [r for r in paper.get("required", []) if r != "id"]
    defs["Paper"] = paper
    return _document("paper", "Papersite paper file", (
        "A file in content/papers/: one paper (a mapping; its id defaults to the file "
        "name) or a list of papers (each with an id)."), {
        # if/then/else rather than anyOf, so an editor reports the field at fault
        # instead of "matches none of the alternatives".
        "type": ["object", "array"],
        "if": {"type": "array"},
        "then": {"description": "Several papers; each needs an id.",
                 "items": {"$ref": "#/$defs/Paper", "required": ["id"]}},
        "else": {"$ref": "#/$defs/Paper"},
        "$defs": defs,
    })


def author_schema() -> dict:
    body = _model_schema(Profile, PROFILE_FIELDS)
    body["required"] = [r for r in body.get("required", []) if r != "id"]
    body.pop("title", None)
    return _document("author", "Papersite author profile", (
        "A file in content/authors/: one author profile; its id defaults to the file "
        "name."), body)


def venues_schema() -> dict:
    venue = _model_schema(Venue, VENUE_FIELDS)
    defs = venue.pop("$defs", {})
    defs["Venue"] = venue
    return _document("venues", "Papersite venues file", (
        "content/venues.yaml: a list of venue series. A paper's venue + year is an "
        "edition of its series."), {
        "type": "array", "items": {"$ref": "#/$defs/Venue"}, "$defs": defs})


def tags_schema() -> dict:
    info = _model_schema(TagInfo, {"description": "What the tag is about, shown on its "
                                                  "page."})
    info["properties"].pop("name", None)
    info["required"] = [r for r in info.get("required", []) if r != "name"]
    if not info["required"]:
        del info["required"]
    info.pop("title", None)
    return _document("tags", "Papersite tags file", (
        "content/tags.yaml: optional descriptions of tags, {tag name: {description}}."), {
        "type": "object",
        "additionalProperties": {"anyOf": [info, {"type": "null"}]},
    })


def site_schema() -> dict:
    body = _model_schema(SiteConfig, SITE_FIELDS)
    body.pop("title", None)
    return _document("site", "Papersite site.yaml", (
        "The site's settings: title, base_url, owner, navigation and listings."), body)


SCHEMAS = {
    "paper.schema.json": paper_schema,
    "author.schema.json": author_schema,
    "venues.schema.json": venues_schema,
    "tags.schema.json": tags_schema,
    "site.schema.json": site_schema,
}


def write_schemas(out: Path) -> list[Path]:
    """Write every schema file into `out`; return their paths (unchanged files untouched)."""
    out = Path(out)
    written = []
    path = None   # the schema file being written, once the folder is there
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, make in SCHEMAS.items():
            path = out / name
            text = json.dumps(make(), indent=2, ensure_ascii=False) + "\n"
            try:
                same = path.read_text(encoding="utf-8") == text
            except OSError:
                same = False
            if not same:
                write_aside(path, text)
            written.append(path)
    except OSError as exc:   # a folder that cannot be made or written: say so, no traceback
        # The error of a write names the file written aside, not the schema file.
        shown = path if path is not None else (exc.filename or out)
        raise BuildError([Diagnostic(str(shown), message=f"cannot write: {write_reason(exc)}")],
                         summary="schemas not written",
                         outcome="each schema file is whole, as it was or new") from None
    return written


def schema_for(kind: str) -> dict:
    """One schema by kind: paper, author, venues, tags or site."""
    return SCHEMAS[f"{kind}.schema.json"]()
