"""Validate stage: records → schema objects, every problem as `path:line: field: message`.

pydantic does the checking; this module turns its errors into messages a researcher can
act on (the field path with list indexes, the line it is written on, what was expected
and what was found) and warns about unknown fields, suggesting the field that was meant.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ValidationError

from .config import SiteConfig
from .diagnostics import Diagnostics
from .loading import SOURCE, LoadedContent, Record, describe
from .model import (PAPER_TYPES, SITE_PATHS, Page, Paper, Profile, TagInfo, Venue,
                    from_site_root, looks_like_web_address)
from .outputs.bibtex import entry_problem, stale_fields


@dataclass
class Content:
    """Validated content: the input of the resolve stage."""

    config: SiteConfig
    papers: list[Paper]
    profiles: list[Profile]
    venues: list[Venue]
    tags: list[TagInfo]
    pages: list[Page]
    # "paper:<id>", "profile:<id>", "venue:<id>", "page:<slug>" → the record it came from
    origins: dict[str, Record] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    # keys of objects written but refused by validation ("profile:ada")
    rejected: set[str] = field(default_factory=set)

    def origin(self, key: str) -> Record | None:
        return self.origins.get(key)

    def exists(self, key: str) -> bool:
        """The content has an object with this key, valid or not: a reference to one that
        was refused is not reported again (its own errors say what is wrong)."""
        return key in self.origins or key in self.rejected


# Messages for pattern checks, by field name.
_PATTERN_HINTS = {
    "arxiv": "is not an arXiv id such as 2303.12345 or cs/0601001",
    "doi": "is not a DOI such as 10.1109/CVPR.2023.00123",
    "category": "is not an arXiv subject such as cs.CV",
    "orcid": "is not an ORCID iD such as 0000-0002-1825-0097",
    "email": "is not an email address",
    "scholar": "is not a Google Scholar user id (the user= part of the profile URL)",
    "github": "is not a GitHub user name",
    "language": "is not a language code such as en or en-GB",
    "cname": "is not a domain name such as papers.example.org",
}
_LIST_HINTS = {
    "authors": "expected a list of names",
    "tags": "expected a list of tag names",
    "aliases": "expected a list of names",
    "papers": "expected a list of paper ids",
    "redirect_from": "expected a list of old paper ids",
    "listings": "expected a list of listings",
    "nav": "expected a list of {title, url} links",
    "sort": "expected a list of field names",
}
_UNION_HINTS = {
    "authors": "expected a name or a mapping with a name",
}


def _is_branch(part) -> bool:
    return isinstance(part, str) and ("[" in part or part[:1].isupper()
                                      or part in ("str", "int", "bool", "list", "dict"))


def _field_path(parts: list) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _lookup(data, parts: list):
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _message(error: dict, name: str, value) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    found = describe(value)
    if kind == "missing":
        return "required field is missing"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "string_type":
        return f"expected text, found {found}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(value, bool):
            return f"expected a whole number, found {str(value).lower()}"
        return f"expected a whole number, found {found if kind == 'int_type' else repr(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, found {repr(value) if isinstance(value, str) else found}"
    if kind == "list_type":
        return f"{_LIST_HINTS.get(name, 'expected a list')}, found {found}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of fields, found {found}"
    if kind == "greater_than_equal":
        if ctx.get("ge") == 0:
            return f"must not be negative, found {value}"
        return f"must be at least {ctx.get('ge')}, found {value}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}, found {value}"
    if kind == "string_pattern_mismatch":
        return f"'{value}' {_PATTERN_HINTS.get(name, 'has the wrong form')}"
    if kind == "literal_error":
        if name == "type":
            return f"'{value}' is not a paper type; use one of: {', '.join(PAPER_TYPES)}"
        return f"'{value}' is not one of: {ctx.get('expected', '')}"
    if kind.startswith("date") or kind.startswith("datetime"):
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                dt.date.fromisoformat(value)
            except ValueError as exc:  # written right, but no such day
                return f"'{value}' is not a real date: {exc}"
        return f"'{value}' is not a valid date; write YYYY-MM-DD"
    return error["msg"]


def report_errors(exc: ValidationError, record: Record, diags: Diagnostics,
                  prefix: str = "") -> None:
    """Turn pydantic's errors into diagnostics positioned in the record's file."""
    seen: set[str] = set()
    for error in exc.errors():
        loc = list(error["loc"])
        clean: list = []
        skip = False
        for i, part in enumerate(loc):
            if _is_branch(part):
                raw = _lookup(record.data, clean)
                wants_model = part[:1].isupper()
                if isinstance(raw, dict) != wants_model or (
                        not isinstance(raw, (dict, str))):
                    if not isinstance(raw, (dict, str)):
                        path = _field_path(clean)
                        if path not in seen:
                            seen.add(path)
                            hint = _UNION_HINTS.get(str(clean[0]), "unexpected value")
                            diags.error(record.path, record.line_of(prefix + path),
                                        prefix + path, f"{hint}, found {describe(raw)}")
                    skip = True
                    break
                continue
            clean.append(part)
        if skip:
            continue
        path = _field_path(clean)
        if path in seen:
            continue
        seen.add(path)
        value = _lookup(record.data, clean)
        name = next((p for p in reversed(clean) if isinstance(p, str)), "")
        message = _message(error, name, value)
        field_name = prefix + path
        line = record.line_of(field_name) if path else record.line
        diags.error(record.path, line, field_name, message)


def warn_unknown(obj: BaseModel, record: Record, diags: Diagnostics, kind: str,
                 prefix: str = "") -> None:
    """Unknown fields: a warning (an error under --strict), naming the likely intent."""
    for key in obj.model_extra or ():
        _warn_unknown_key(type(obj), key, record, diags, kind, prefix)
    for name in _nested_fields(type(obj)):
        value = getattr(obj, name)
        nested = value if isinstance(value, list) else [value]
        for i, item in enumerate(nested):
            if isinstance(item, BaseModel):
                sub = f"{prefix}{name}[{i}]." if isinstance(value, list) else f"{prefix}{name}."
                warn_unknown(item, record, diags, kind, sub)


# Paper fields written from BibTeX habit, which a paper gives otherwise: the warning says
# how, since no spelling of theirs is close to the field meant.
_PAPER_FIELD_HINTS = {
    **dict.fromkeys(("journal", "journaltitle", "booktitle", "conference", "proceedings"),
                    "a paper's journal or conference is its `venue`"),
    **dict.fromkeys(("volume", "issue", "number", "pages", "publisher"),
                    "no paper field holds it: write it in the paper's own `bibtex` entry, "
                    "which the site then cites and shows"),
    **dict.fromkeys(("url", "pdf", "code", "project", "slides", "video", "poster"),
                    "links go under `links`: links: {{{key}: https://...}}"),
    "keywords": "did you mean 'tags'?",
    "month": "give a `date` such as 2023-06-18",
}


def _warn_unknown_key(model: type[BaseModel], key: str, record: Record, diags: Diagnostics,
                      kind: str, prefix: str = "") -> None:
    close = difflib.get_close_matches(key, list(model.model_fields), n=1, cutoff=0.75)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    if model is Paper and not prefix and key.lower() in _PAPER_FIELD_HINTS:
        hint = f" ({_PAPER_FIELD_HINTS[key.lower()].format(key=key)})"
    diags.warning(record.path, record.line_of(prefix + key), prefix + key,
                  f"unknown {kind} field{hint}", strict=True)


def warn_stale_bibtex(paper: Paper, record: Record, diags: Diagnostics) -> None:
    """A paper's own entry that is none, or no longer agrees with its fields: a warning
    (an error under --strict), since the site would cite the paper with what the entry
    says."""
    problem = entry_problem(paper.bibtex)
    if problem:
        diags.warning(record.path, record.line_of("bibtex"), "bibtex",
                      f"{problem}; the site publishes it as the paper's citation",
                      strict=True)
        return
    for name, theirs, ours in stale_fields(paper):
        what, differ = ("authors", "differ") if name == "author" else (name, "differs")
        diags.warning(record.path, record.line_of("bibtex"), "bibtex",
                      f"the entry's {what} ({theirs}) {differ} from the paper's ({ours}); "
                      "the site cites the paper with this entry as written, so correct it, "
                      "or delete the field to have the entry made from the paper", strict=True)


# Where markdown names a link: [text](target), ![alt](target), a reference definition
# "[1]: target", and href= or src= in inline HTML.
_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^\s)>]+)|^ {0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)"
                            r"|\b(?:href|src)\s*=\s*[\"']?([^\s\"'>]+)", re.M | re.I)


class BasePath:
    """Site links written with the base path already: on a site at /repo/, a link
    '/repo/files/a.pdf' (or 'repo/files/a.pdf', read from the root) is given the base path
    like every site link, and leads to /repo/repo/files/a.pdf, a 404. `instead` names
    the link to write.

    A link is taken as written when the base's first folder is itself a name at the
    site's top (`names`: the engine's own, listings, pages, static/'s), as with a base
    /papers/, where '/papers/x/' is paper x's page, unless what follows the base is one
    too ('/papers/files/a.pdf')."""

    def __init__(self, base: str, names):
        self.base = base                       # '/repo/'
        self.word = base.strip("/")            # 'repo': the cheap test, before any parsing
        self._names = names                    # () → the names at the site's top
        self._top: set[str] | None = None

    def instead(self, link: str) -> str | None:
        link = from_site_root(link)
        path = re.split(r"[?#]", link, maxsplit=1)[0]
        if not (path.startswith(self.base) or path == self.base[:-1]):
            return None
        rest = link[len(self.base) - 1:]
        rest = rest if rest.startswith("/") else "/" + rest
        if self._top is None:
            self._top = set(self._names())
        after = re.split(r"[?#]", rest, maxsplit=1)[0].strip("/").split("/")[0]
        if self.word.split("/")[0] in self._top and after not in self._top:
            return None
        return rest

    def message(self, link: str, instead: str) -> str:
        return (f"the link '{link}' starts with the site's base path {self.base}, which "
                f"the site adds to its links itself (it would lead to "
                f"{self.base[:-1]}{from_site_root(link)}): write {instead}")


def warn_text_links(text: str | None, record: Record, field_name: str,
                    diags: Diagnostics, base: BasePath | None = None) -> None:
    """A markdown link written without its scheme ([code](github.com/x/y)): it would be
    read as a path of this site and lead nowhere; or one that carries the site's base
    path (BasePath). In `links` the first is an error; in text both are warnings (errors
    under --strict), since the page is otherwise fine. The line is the link's own in a
    page's body, the field's in YAML (whose block styles move it)."""
    if not text or ("]" not in text and "<" not in text):   # (memchr: 0.1 µs an abstract)
        return
    if base is not None and base.word not in text:
        base = None
    for match in _MARKDOWN_LINK.finditer(text):
        link = match.group(match.lastindex)
        if looks_like_web_address(link):
            message = (f"the link '{link}' looks like a web address but would be read "
                       f"as a path of this site: write https://{link}")
        elif base is not None and (instead := base.instead(link)) is not None:
            message = base.message(link, instead)
        else:
            continue
        line = record.line_of(field_name)
        if field_name == "body":
            line += text.count("\n", 0, match.start())
        diags.warning(record.path, line, field_name, message, strict=True)


def warn_base_path(link: str | None, record: Record, field_name: str, diags: Diagnostics,
                   base: BasePath | None) -> None:
    """A link field (a paper's links, a homepage, a venue's or nav item's url) that
    carries the site's base path: a warning (an error under --strict)."""
    if link and base is not None and base.word in link:
        instead = base.instead(link)
        if instead is not None:
            diags.warning(record.path, record.line_of(field_name), field_name,
                          base.message(link, instead), strict=True)


def _top_names(config: SiteConfig, pages: list[Record], static: Path | None) -> set[str]:
    """The names at the top of the site's output: the engine's own, listings', pages'
    (as written: a page refused for its slug is still one the link may mean) and
    static/'s files and folders."""
    names = set(SITE_PATHS) | {spec.slug for spec in config.listings}
    names |= {str(record.data.get("slug") or _stem(record)) for record in pages}
    if static is not None and static.is_dir():
        names |= {entry.name for entry in static.iterdir()}
    return names


def _nested_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model whose type can hold another model (a paper's authors):
    the only ones to look into for unknown fields. (Looking at every field of every
    paper took 80 µs a paper.)"""
    found = _NESTED.get(model)
    if found is None:
        def holds_model(annotation) -> bool:
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                return True
            return any(holds_model(arg) for arg in typing.get_args(annotation))
        found = _NESTED[model] = tuple(name for name, f in model.model_fields.items()
                                       if holds_model(f.annotation))
    return found


_NESTED: dict = {}


def _stem(record: Record) -> str:
    return PurePosixPath(record.path).stem


def _text_fields(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """Fields whose type takes text but no number (a number written there is its text),
    and fields whose type takes a number but not true or false."""
    def takes(annotation, kind) -> bool:
        if annotation is kind:
            return True
        return any(takes(arg, kind) for arg in typing.get_args(annotation))
    texts = frozenset(name for name, f in model.model_fields.items()
                      if takes(f.annotation, str) and not takes(f.annotation, int))
    numbers = frozenset(name for name, f in model.model_fields.items()
                        if takes(f.annotation, int) and not takes(f.annotation, bool))
    return texts, numbers


def _numbers_as_written(model: type[BaseModel], record: Record, data: dict) -> dict:
    """A number written in a text field is its text (`title: 2001`), and true or false
    in a number field is refused as text (pydantic reads `citations: true` as 1)."""
    fields = _TEXT_FIELDS.get(model)
    if fields is None:
        fields = _TEXT_FIELDS[model] = _text_fields(model)
    texts, numbers = fields
    fixed = None
    for name in texts & data.keys():   # the few fields given, not every text field
        value = data[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            source = record.lines.get(SOURCE + name)
            if source is not None:
                fixed = fixed if fixed is not None else dict(data)
                fixed[name] = source
    # (Not in site.yaml, where `paginate: false` turns pagination off, as 0 does.)
    for name in (numbers & data.keys()) if model is not SiteConfig else ():
        if isinstance(data[name], bool):
            fixed = fixed if fixed is not None else dict(data)
            fixed[name] = record.lines.get(SOURCE + name) or str(data[name]).lower()
    return data if fixed is None else fixed


_TEXT_FIELDS: dict = {}


def _validate(model: type[BaseModel], record: Record, diags: Diagnostics, kind: str,
              data: dict | None = None):
    data = _numbers_as_written(model, record, record.data if data is None else data)
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        report_errors(exc, record, diags)
        # Its unknown fields too, in the same run: a misspelt field (`tilte:`) is often
        # why a required one is reported missing.
        for key in data if isinstance(data, dict) else ():
            if isinstance(key, str) and key not in model.model_fields:
                _warn_unknown_key(model, key, record, diags, kind)
        return None
    warn_unknown(obj, record, diags, kind)
    return obj


def _with_default_id(record: Record, diags: Diagnostics, kind: str) -> dict | None:
    if "id" in record.data or not record.single:
        if "id" not in record.data:
            diags.error(record.path, record.line, "id",
                        f"required in a file that lists several {kind}s")
            return None
        return record.data
    return dict(record.data, id=_stem(record))


def validate_config(record: Record | None, diags: Diagnostics) -> SiteConfig:
    if record is None:
        diags.error("site.yaml", message="not found: this folder is not a Papersite site "
                                         "(run `papersite init DIR` to create one)")
        return SiteConfig()
    config = _validate(SiteConfig, record, diags, "site.yaml")
    if config is None:
        return SiteConfig()
    first: dict[str, int] = {}
    for i, spec in enumerate(config.listings):
        if spec.slug in first:
            where = record.line_of(f"listings[{first[spec.slug]}].slug")
            diags.error(record.path, record.line_of(f"listings[{i}].slug"),
                        f"listings[{i}].slug", f"'{spec.slug}' is the slug of another listing "
                        f"too (line {where}); choose another")
        first.setdefault(spec.slug, i)
    choices = ["owner", "papers", *(spec.slug for spec in config.listings)]
    if config.home is not None and config.home not in choices:
        diags.error(record.path, record.line_of("home"), "home",
                    f"'{config.home}' is not a page of the site; use one of: "
                    + ", ".join(choices))
    elif config.home == "owner" and config.owner is None:
        diags.error(record.path, record.line_of("home"), "home",
                    "'owner' needs `owner:` set to an author profile id")
    return config


def validate_content(loaded: LoadedContent, diags: Diagnostics, drafts: bool = False,
                     static: Path | None = None, base_url: str | None = None) -> Content:
    """Validate every record; duplicates and unknown fields reported with positions.
    `static`: the site's static/ folder, where a paper's image and a profile's photo
    must be (a missing one was only found by `--check-links`). `base_url`: the build's
    --base-url, which replaces site.yaml's."""

    def refused_in_static(data: dict, record: Record, field_name: str, since: int) -> None:
        """A file refused for another error: its image or photo is looked for too, so
        a missing one is not left for the next run (unless the path was the error)."""
        path = data.get(field_name)
        if isinstance(path, str) and not any(d.field == field_name
                                             for d in diags.items[since:]):
            in_static(path.strip(), record, field_name)

    def in_static(path: str | None, record: Record, field_name: str) -> None:
        if path and static is not None and not (static / path).is_file():
            hint = (f" (the path is inside static/ already: write {path[7:]})"
                    if path.startswith("static/") else "")
            diags.error(record.path, record.line_of(field_name), field_name,
                        f"static/{path} not found{hint}")

    config = validate_config(loaded.site, diags)
    if base_url:
        try:
            config = config.with_base_url(base_url)
        except ValueError as exc:
            diags.error("--base-url", message=str(exc))
    base = None if config.base_path == "/" else BasePath(
        config.base_path, lambda: _top_names(config, loaded.pages, static))
    if loaded.site is not None:
        for i, item in enumerate(config.nav or ()):
            warn_base_path(item.url, loaded.site, f"nav[{i}].url", diags, base)
    origins: dict[str, Record] = {}

    def unique(key: str, record: Record, what: str, field_name: str = "id") -> bool:
        if key in origins:
            first = origins[key]
            diags.error(record.path, record.line_of(field_name), field_name,
                        f"duplicate {what} '{key.split(':', 1)[1]}' "
                        f"(also at {first.path}:{first.line})")
            return False
        origins[key] = record
        return True

    rejected: set[str] = set(loaded.refused)
    papers: list[Paper] = []
    for record in loaded.papers:
        data = _with_default_id(record, diags, "paper")
        if data is None:
            continue
        since = len(diags.items)
        paper = _validate(Paper, record, diags, "paper", data)
        if paper is None:
            rejected.add(f"paper:{data['id']}")
            refused_in_static(data, record, "image", since)
            continue
        if not unique(f"paper:{paper.id}", record, "paper id"):
            continue
        if paper.bibtex:
            warn_stale_bibtex(paper, record, diags)
        in_static(paper.image, record, "image")
        for name in ("title", "abstract", "introduction", "note"):
            warn_text_links(getattr(paper, name), record, name, diags, base)
        if base is not None:
            for label, link in paper.links.items():
                warn_base_path(link, record, f"links.{label}", diags, base)
        if paper.draft and not drafts:
            continue
        papers.append(paper)
    profiles: list[Profile] = []
    for record in loaded.authors:
        data = _with_default_id(record, diags, "profile")
        since = len(diags.items)
        profile = _validate(Profile, record, diags, "author profile", data)
        if profile is None and data is not None:
            rejected.add(f"profile:{data['id']}")
            refused_in_static(data, record, "photo", since)
        elif profile is not None and unique(f"profile:{profile.id}", record, "author id"):
            in_static(profile.photo, record, "photo")
            warn_text_links(profile.bio, record, "bio", diags, base)
            warn_base_path(profile.homepage, record, "homepage", diags, base)
            profiles.append(profile)
    venues: list[Venue] = []
    for record in loaded.venues:
        venue = _validate(Venue, record, diags, "venue")
        if venue is not None and unique(f"venue:{venue.id}", record, "venue id"):
            warn_base_path(venue.url, record, "url", diags, base)
            venues.append(venue)
    tags: list[TagInfo] = []
    for record in loaded.tags:
        info = record.data.get("info")
        if info is None:
            info = {}
        if not isinstance(info, dict):
            diags.error(record.path, record.line, str(record.data["name"]),
                        f"expected a mapping such as {{description: ...}}, found {describe(info)}")
            continue
        tag = _validate(TagInfo, Record(record.path, record.line, dict(info, name=record.data["name"]),
                                        record.lines), diags, "tag")
        if tag is not None:
            tags.append(tag)
    pages: list[Page] = []
    listing_slugs = {spec.slug for spec in config.listings}
    for record in loaded.pages:
        data = dict(record.data)
        data.setdefault("slug", _stem(record))
        page = _validate(Page, record, diags, "page", data)
        if page is None or not unique(f"page:{page.slug}", record, "page slug", "slug"):
            continue
        if page.slug in listing_slugs:
            diags.error(record.path, record.line_of("slug"), "slug",
                        f"'{page.slug}' is also the slug of a listing in site.yaml; "
                        "choose another slug")
            continue
        warn_text_links(page.body, record, "body", diags, base)
        if page.draft and not drafts:
            continue
        pages.append(page)
    if loaded.site is not None:
        origins["site"] = loaded.site
    return Content(config, papers, profiles, venues, tags, pages, origins, loaded.hashes,
                   {key for key in rejected if key not in origins})
