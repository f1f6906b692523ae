"""What every importer shares: the site's existing papers, venue lookup, the checks a
new paper passes, duplicate detection, ids, and writing one YAML file per paper.

An importer turns its input into `Candidate`s (paper fields plus where they came from);
`ImportSession.plan` validates them against the same `Paper` model the build uses,
drops optional values that would not pass (with a warning naming the input line),
skips duplicates of existing papers (same DOI, arXiv id, or normalised title + year)
and gives each new paper a unique id slugified from its title. Nothing is written until
every candidate was checked: an input with errors writes no file at all.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import html
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml
from pydantic import ValidationError

from ..diagnostics import BuildError, Diagnostic, Diagnostics, write_reason
from ..loading import Record, load_content
from ..model import PAPER_FIELDS, Paper, check_url, default_type
from ..names import normalise, slugify
from ..outputs import bibtex
from ..validate import report_errors

PAPERS_DIR = "content/papers"
SCHEMA_FILE = "schemas/paper.schema.json"
_LIST_FIELDS = {"authors", "tags", "redirect_from"}
_REQUIRED = {"id", "title", ""}
# arXiv identifiers as exports write them: an eprint, "arXiv preprint arXiv:2101.01234"
# in a journal or note, an abs or pdf URL, a DataCite DOI; a venue that only says arXiv.
ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?"
ARXIV_IN_TEXT = re.compile(r"\barxiv\b(?:\s+e-prints)?(?:\s+preprint)?[\s:,]*(?:arxiv\s*:\s*)?"
                           + ARXIV_ID, re.I)
ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/" + ARXIV_ID
                       + r"(?:\.pdf)?/?$", re.I)
ARXIV_DOI = re.compile(r"^10\.48550/arxiv\." + ARXIV_ID + "$", re.I)
ARXIV_ONLY = re.compile(r"^(?:arxiv(?:\s+preprint|\s+e-prints)?|corr|arxiv\.org)$", re.I)
# A link to a DOI's page: the DOI itself ("https://doi.org/10.1109/5.771073").
DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.I)
# Zotero's: a Number that is the id ("arXiv:1810.04805"), and an Extra that gives it among
# other lines ("arXiv: 1412.6980", "arXiv:1810.04805 [cs.CL]"; a CSV joins the lines).
ARXIV_CELL = re.compile(r"^\s*arxiv\s*:\s*" + ARXIV_ID + r"\s*$", re.I)
ARXIV_IN_EXTRA = re.compile(r"\barxiv\s*:\s*" + ARXIV_ID, re.I)
# A year in free text ("Spring 2016", "May 2018").
YEAR_IN_TEXT = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def arxiv_of(m: re.Match) -> str:
    """The arXiv id a match of the patterns above found, with its version if given."""
    return m.group(1) + (m.group(2) or "")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_ARXIV_VERSION = re.compile(r"v\d+$")


@dataclass
class Candidate:
    """One paper read from the input, before checks."""

    source: str                   # the input file, as shown in messages
    line: int                     # where the entry, row or record starts
    label: str                    # "entry 'smith2020'", "row", "record"
    data: dict                    # paper fields
    lines: dict[str, int] = field(default_factory=dict)   # paper field → input line

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class Planned:
    """A checked paper and the file it goes to."""

    candidate: Candidate
    id: str
    path: Path
    data: dict
    overwrite: bool = False
    unchanged: bool = False   # an overwrite whose file already says the same: not written


@dataclass
class Skipped:
    candidate: Candidate
    reason: str


@dataclass
class _Known:
    """An existing (or already planned) paper, for duplicate checks."""

    id: str
    where: str                    # "content/papers/x.yaml:3" or "refs.bib:12"
    record: Record | None = None  # None for a paper planned in this run
    planned: bool = False         # --force already replaces its file in this run
    # Its DOI and arXiv id: two papers that share a title and year but not these
    # ("Editorial", 2020) are two papers.
    ids: dict = field(default_factory=dict)


# An input is the researcher's own export, read once: a whole bibliography in one file
# (the ACL Anthology's, DBLP's), since splitting a .bib breaks its @string macros and
# crossrefs. 20,000 BibTeX entries are about 11 MB and take about 230 MB to import, so
# this is about 230,000 entries and 2.5 GB. Content files keep loading.MAX_FILE_BYTES.
MAX_INPUT_BYTES = 128 * 1024 * 1024


def read_input(path: Path, diags: Diagnostics) -> str | None:
    """The text of an input file (UTF-8, BOM allowed), or None after reporting why not.
    Line ends are "\n" whatever the file has: Windows' "\r\n" and old Macs' "\r" (on
    which lines would not count, and paragraphs in an abstract would run together)."""
    text = _decoded(path, diags)
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")


def _decoded(path: Path, diags: Diagnostics) -> str | None:
    shown = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            diags.error(shown, message="is not a file")
            return None
        if size > MAX_INPUT_BYTES:
            diags.error(shown, message=f"file is {size:,} bytes, over the limit of "
                                       f"{MAX_INPUT_BYTES:,}; split it into several files "
                                       "(each with the @string macros and crossref "
                                       "parents its entries use)")
            return None
        raw = path.read_bytes()
    except FileNotFoundError:
        diags.error(shown, message="file not found")
        return None
    except OSError as exc:
        diags.error(shown, message=f"cannot read: {exc.strerror or exc}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = raw[:bad].count(b"\n") + 1
    not_utf8 = f"not valid UTF-8 (byte 0x{raw[bad]:02x})"
    m = _ENCODING_LINE.search(raw[:4096])
    if m is None:
        diags.error(shown, line, message=f"{not_utf8}; save the file as UTF-8")
        return None
    declared = m.group(1).decode("ascii")
    codec = _text_codec(declared)
    if codec is None:
        message = (f"{not_utf8}, and its '% Encoding: {declared}' line names no text "
                   "encoding Python knows")
    elif _single_byte(codec) and _UTF8_SEQUENCE.search(raw):
        message = (f"{not_utf8}, though other lines are: its '% Encoding: {declared}' "
                   "line is out of date")
    else:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            message = (f"byte 0x{raw[exc.start]:02x} is not {declared}, the encoding its "
                       "'% Encoding:' line names")
    diags.error(shown, line, message=f"{message}; save the file as UTF-8")
    return None


# JabRef's first lines: "% Encoding: windows-1252" (older: "Cp1252", "ISO8859_1").
_ENCODING_LINE = re.compile(rb"^%\s*Encoding:\s*([\w.:-]+)\s*$", re.M | re.I)
# A character UTF-8 writes in several bytes ("é" as "Ã©" in Windows-1252).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")


def _text_codec(name: str) -> str | None:
    """Python's codec for an encoding a file names, if it is one for text. Latin-1 is
    read as Windows-1252, as browsers read it: files that say ISO8859_1 hold Windows'
    dashes and quotes."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        return None   # base64, rot13: no text
    return "cp1252" if info.name == "iso8859-1" else info.name


@functools.lru_cache(maxsize=None)
def _single_byte(codec: str) -> bool:
    """A codec of one character a byte (Windows-1252, MacRoman), in whose text a byte
    pair that UTF-8 reads as one character is mojibake; not so in GBK or Shift_JIS."""
    return codec != "utf-8" and len(bytes(range(256)).decode(codec, errors="replace")) == 256


_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_HEADING = re.compile(r"<(?:jats:)?title\b[^>]*>.*?</(?:jats:)?title>", re.I | re.S)
_BREAK = re.compile(r"</(?:jats:)?p>|<br\s*/?>", re.I)


def plain_markup(text: str, paragraphs: bool = False) -> str:
    """HTML or JATS markup as plain text (Zotero's and CSL's rich text, <i>Drosophila</i>;
    Crossref's abstracts); with `paragraphs`, each <p> a paragraph (its lines wrapped
    text), and a JATS "Abstract" heading left out."""
    if paragraphs:
        text = _BREAK.sub("\n\n", _HEADING.sub("", text))
    text = html.unescape(_TAG.sub("", text))
    if not paragraphs:
        return " ".join(text.split())
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())


def line_paragraphs(text: str) -> str:
    """Text of a paragraph a line, as Zotero keeps an abstract, as paragraphs parted by
    a blank line (which the site reads as paragraphs; a single line break is a space)."""
    return "\n\n".join(line.strip() for line in text.split("\n") if line.strip())


def clean_text(value) -> str | None:
    """Whitespace collapsed to single spaces; None when nothing is left."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def normalise_doi(value: str) -> str:
    return _DOI_PREFIX.sub("", value.strip())


def _doi_key(value) -> str | None:
    return normalise_doi(value).casefold() if isinstance(value, str) and value.strip() else None


def _arxiv_key(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _ARXIV_VERSION.sub("", value.strip().casefold())


def _year_of(data: dict):
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        return year
    date = data.get("date")
    text = date.isoformat() if isinstance(date, dt.date) else date
    if isinstance(text, str) and re.match(r"^\d{4}-", text):
        return int(text[:4])
    return None


def duplicate_keys(data: dict) -> list[tuple[str, str]]:
    """(kind, key) pairs that identify a paper: DOI, arXiv id, normalised title + year."""
    keys = []
    if doi := _doi_key(data.get("doi")):
        keys.append(("DOI", doi))
    if arxiv := _arxiv_key(data.get("arxiv")):
        keys.append(("arXiv id", arxiv))
    title = data.get("title")
    if isinstance(title, str) and normalise(title):
        keys.append(("title and year", f"{normalise(title)}|{_year_of(data)}"))
    return keys


def _ids(data: dict) -> dict:
    """The DOI and arXiv id a paper gives; an arXiv DOI (10.48550/...) is its preprint's,
    no sign of another paper."""
    return {kind: key for kind, key in duplicate_keys(data) if kind != "title and year"
            and not (kind == "DOI" and key.startswith("10.48550/"))}


def _same_work(known: _Known, data: dict) -> bool:
    """Whether a paper of the same title and year is this one: no DOI or arXiv id that
    both give differs ("Editorial", 2020, in two journals)."""
    ours = _ids(data)
    return all(ours[kind] == key for kind, key in known.ids.items() if kind in ours)


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so abstracts stay readable."""


class _CDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """The same with libyaml's emitter: 8 times as fast (10 of an import's 25 s at 20,000
    entries) and the same files for those entries; but it escapes the characters beyond
    U+FFFF (emoji, math letters) that the Python emitter writes as they are."""


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_CDumper.add_representer(str, _represent_str)
_DUMP_OPTIONS = {"allow_unicode": True, "sort_keys": False, "width": 88,
                 "default_flow_style": False}


def dump_paper(data: dict, header: list[str]) -> str:
    """A paper as YAML: header comment lines, then its fields in schema order. Written
    by libyaml, unless its text holds a backslash-U: its escape of an emoji, say, or one
    of the paper's own (rare, and then the Python emitter is only slower)."""
    ordered = {k: data[k] for k in PAPER_FIELDS if k in data}
    body = yaml.dump(ordered, Dumper=_CDumper, **_DUMP_OPTIONS)
    if "\\U" in body:
        body = yaml.dump(ordered, Dumper=_Dumper, **_DUMP_OPTIONS)
    return "".join(f"# {line}\n" for line in header) + body


class ImportSession:
    """The site being imported into: its existing papers, ids and venues."""

    def __init__(self, site_dir: Path, diags: Diagnostics):
        self.site_dir = site_dir
        self.diags = diags
        self.known: dict[tuple[str, str], _Known] = {}
        self.taken_ids: set[str] = set()
        self.venues: dict[str, str] = {}          # normalised id/short/name/alias → id
        self.venue_types: dict[str, str] = {}     # venue id → its type
        self.venue_names: dict[str, str] = {}     # venue id → its name, as BibTeX gives it
        self.entry_keys: set[str] = set()         # keys of the entries this import made
        # a venue named by papers only (not in venues.yaml): normalised → its first spelling
        self.venue_spellings: dict[str, str] = {}

    @classmethod
    def open(cls, site_dir: Path) -> "ImportSession":
        """Read the site's content (through the loader); refuse a folder that is no site."""
        if not site_dir.is_dir():
            raise BuildError([Diagnostic(str(site_dir), message="site folder not found")],
                             "nothing imported")
        if not any((site_dir / name).is_file() for name in ("site.yaml", "site.yml")):
            raise BuildError([Diagnostic(str(site_dir), message=(
                "no site.yaml here: this folder is not a Papersite site (pass --site DIR, "
                "or run `papersite init DIR` to create one)"))], "nothing imported")
        loaded_diags = Diagnostics()
        loaded = load_content(site_dir, loaded_diags)
        # Duplicate checks cannot be trusted while a paper or venue file does not load.
        blocking = [d for d in loaded_diags.errors
                    if d.path.startswith(PAPERS_DIR + "/") or d.path.startswith("content/venues.")]
        if blocking:
            raise BuildError(blocking, "nothing imported (fix these files first)")
        session = cls(site_dir, Diagnostics())
        papers_dir = site_dir / PAPERS_DIR
        if papers_dir.is_dir():
            session.taken_ids.update(p.stem for p in papers_dir.rglob("*")
                                     if p.suffix in (".yaml", ".yml"))
        for record in loaded.papers:
            session._remember_existing(record)
        for record in loaded.venues:
            vid = record.data.get("id")
            if not isinstance(vid, str):
                continue
            vtype = record.data.get("type", "conference")
            session.venue_types[vid] = vtype if isinstance(vtype, str) else "conference"
            name = record.data.get("name")
            session.venue_names[vid] = name if isinstance(name, str) else vid
            names = [vid, record.data.get("short"), record.data.get("name")]
            aliases = record.data.get("aliases")
            if isinstance(aliases, list):
                names.extend(aliases)
            for name in names:
                if isinstance(name, str) and normalise(name):
                    session.venues.setdefault(normalise(name), vid)
        return session

    def _remember_existing(self, record: Record) -> None:
        data = record.data
        pid = data.get("id")
        if not isinstance(pid, str):
            pid = PurePosixPath(record.path).stem if record.single else None
        if pid is None:
            return
        self.taken_ids.add(pid)
        old = data.get("redirect_from")
        if isinstance(old, list):
            self.taken_ids.update(x for x in old if isinstance(x, str))
        known = _Known(pid, f"{record.path}:{record.line}", record, ids=_ids(data))
        for key in duplicate_keys(data):
            self.known.setdefault(key, known)
        venue = data.get("venue")
        if isinstance(venue, str) and normalise(venue):
            self.venue_spellings.setdefault(normalise(venue), venue)

    # --- venues ---------------------------------------------------------------------

    def resolve_venue(self, text: str | None) -> str | None:
        """The id of the venues.yaml series the text names, or None."""
        if not text:
            return None
        for candidate in venue_candidates(text):
            key = normalise(candidate)
            if key in self.venues:
                return self.venues[key]
        return None

    def venue(self, text: str) -> str:
        """What a paper's `venue` should say for text: the id of the venues.yaml series it
        names, or the spelling the site's papers (or this import) already give the same
        venue: the site names a venue after the first spelling it meets, and a paper's
        BibTeX should agree ("Physical review letters", "Physical Review Letters")."""
        known = self.resolve_venue(text)
        if known is not None or not normalise(text):
            return known or text
        return self.venue_spellings.setdefault(normalise(text), text)

    def default_type(self, venue: str | None, arxiv: str | None) -> str:
        """The type a paper gets when it names none (as the catalog decides it)."""
        return default_type(self.venue_types.get(venue) if venue else None, venue, arxiv)

    # --- checking -------------------------------------------------------------------

    def check(self, c: Candidate) -> dict | None:
        """The candidate's fields once they pass the Paper model, or None on error.

        Optional values the model refuses are left out with a warning; a missing or
        blank title is an error.
        """
        data = {k: v for k, v in c.data.items() if not _empty(v)}
        details = data.pop("_details", None)
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            self.diags.error(c.source, c.lines.get("title", c.line), "title",
                             f"{c.label} has no title; every paper needs one")
            return None
        if "links" in data:
            data["links"] = self._check_links(c, data["links"])
            if not data["links"]:
                del data["links"]
        for _ in range(64):  # each round removes at least one value
            explicit_id = data.get("id")
            probe = dict(data, id=explicit_id if explicit_id is not None else "imported")
            try:
                paper = Paper.model_validate(probe)
            except ValidationError as exc:
                found = Diagnostics()
                record = Record(c.source, c.line, probe, c.lines)
                report_errors(exc, record, found)
                for d in found.items:
                    top, index = _split_field(d.field)
                    if top in _REQUIRED or top not in data:
                        self.diags.error(c.source, d.line or c.line, d.field,
                                         f"{d.message} ({c.label})")
                        return None
                    self.diags.warning(c.source, d.line or c.line, d.field,
                                       f"{d.message}; left out")
                    if index is not None and isinstance(data[top], list):
                        data[top] = [v for i, v in enumerate(data[top]) if i != index]
                        if not data[top]:
                            del data[top]
                    else:
                        del data[top]
                continue
            if details and paper.bibtex:
                self.diags.warning(c.source, c.line, "bibtex", f"{', '.join(details)}: left "
                                   "out; the row's own BibTeX entry is kept as given")
            elif details:
                data["bibtex"] = self._entry_with(c, paper, details)
            return data
        self.diags.error(c.source, c.line, "", f"{c.label} could not be checked")
        return None

    def _entry_with(self, c: Candidate, paper: Paper, details: dict[str, str]) -> str:
        """A table's row with volume, pages, publisher...: the BibTeX entry the site would
        make for the paper, with those details, to be kept as its `bibtex` (the site
        cites the paper with it, and reads volume, issue and pages for its metadata).
        Keys are made unique within the import, with a letter as the site adds one."""
        venue = paper.venue
        venue_name = self.venue_names.get(venue, venue)
        paper_type = paper.type or self.default_type(venue, paper.arxiv)
        publisher = details.get("publisher")
        if publisher and venue_name and bibtex.venue_field(paper_type) == "publisher" \
                and publisher != venue_name:
            self.diags.warning(c.source, c.line, "publisher", f"left out: in BibTeX, a book's "
                               f"venue ({venue_name}) is its publisher")
        names = [a.name for a in paper.author_entries]
        stem = bibtex.base_key(names[0] if names else None, paper.title, paper.year)
        key, n = stem, 0
        while key.lower() in self.entry_keys:
            key, n = stem + bibtex.key_suffix(n), n + 1
        self.entry_keys.add(key.lower())
        return bibtex.made_entry(key, paper_type, paper, names, venue_name, details)

    def _check_links(self, c: Candidate, links: dict) -> dict:
        out = {}
        for label, url in links.items():
            label = clean_text(label)
            if not label or _empty(url):
                continue
            try:
                out[label] = check_url(str(url))
            except ValueError as exc:
                self.diags.warning(c.source, c.lines.get(f"links.{label}", c.line),
                                   f"links.{label}", f"{exc}; left out")
        return out

    # --- planning -------------------------------------------------------------------

    def plan(self, candidates: list[Candidate], force: bool, input_cites: bool = False
             ) -> tuple[list[Planned], list[Skipped]]:
        """New papers and, with `force`, updates of papers the site has; `input_cites`:
        the input is BibTeX, whose entries are the papers' citations."""
        planned: list[Planned] = []
        skipped: list[Skipped] = []
        for c in candidates:
            data = self.check(c)
            if data is None:
                continue
            keys = duplicate_keys(data)
            dup = next((key for key in keys if key in self.known and (
                key[0] != "title and year" or _same_work(self.known[key], data))), None)
            if dup is not None:
                known = self.known[dup]
                target = self._overwritable(known) if force else None
                if target is None:
                    skipped.append(Skipped(c, self._reason(dup[0], known, force)))
                    continue
                known.planned = True
                pid, path = target
                data = with_hand_additions(data, known.record.data, input_cites)
                planned.append(Planned(c, pid, path, data, overwrite=True))
            else:
                pid = self._new_id(c, data)
                if pid is None:
                    continue
                path = self.site_dir / PAPERS_DIR / f"{pid}.yaml"
                planned.append(Planned(c, pid, path, data))
                self.taken_ids.add(pid)
            data.pop("id", None)
            mine = _Known(pid, f"{c.where} ({c.label})", ids=_ids(data))
            for key in keys:
                self.known.setdefault(key, mine)
        return planned, skipped

    def _overwritable(self, known: _Known) -> tuple[str, Path] | None:
        """(id, file) of an existing one-paper file that --force may replace."""
        record = known.record
        if record is None or not record.single or known.planned:
            return None
        return known.id, self.site_dir / record.path

    def _reason(self, kind: str, known: _Known, force: bool) -> str:
        if known.record is None:
            return f"same {kind} as {known.where} earlier in this import"
        text = f"same {kind} as paper '{known.id}' in {known.where}"
        if force and not known.record.single:
            text += " (a file of several papers: not overwritten; edit it by hand)"
        return text

    def _new_id(self, c: Candidate, data: dict) -> str | None:
        explicit = data.get("id")
        if isinstance(explicit, str):
            if explicit in self.taken_ids:
                self.diags.error(c.source, c.lines.get("id", c.line), "id",
                                 f"'{explicit}' is already used by another paper or file "
                                 f"in {PAPERS_DIR}/ ({c.label})")
                return None
            return explicit
        base = slugify(data["title"], "paper")[:80].rstrip("-._") or "paper"
        year = _year_of(data)
        # Made one at a time as needed: a list of every option (10,000 of them) for each
        # paper was most of an import of 20,000 papers.
        options = itertools.chain([base], [f"{base}-{year}"] if year else [],
                                  (f"{base}-{n}" for n in itertools.count(2)))
        return next(o for o in options if o not in self.taken_ids)

    # --- writing --------------------------------------------------------------------

    def write(self, planned: list[Planned], fmt: str, input_name: str) -> None:
        schema = self.site_dir / SCHEMA_FILE
        written = 0
        for p in planned:
            header = []
            if schema.is_file():
                rel = Path(os.path.relpath(schema, p.path.parent)).as_posix()
                header.append(f"yaml-language-server: $schema={rel}")
            header.append(f"Imported by `papersite import {fmt}` from {input_name}, "
                          f"{p.candidate.label} (line {p.candidate.line}).")
            data = dict(p.data)
            if p.path.stem != p.id:
                data["id"] = p.id
            if isinstance(data.get("date"), str):
                data["date"] = dt.date.fromisoformat(data["date"])
            text = dump_paper(data, header)
            if p.overwrite and _reads(p.path) == text:   # --force on the same input
                p.unchanged = True
                continue
            tmp = p.path.with_name(f".{p.path.name}.{os.getpid()}.tmp")
            try:
                p.path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, p.path)
            except (OSError, KeyboardInterrupt) as exc:   # each file is written whole or not
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
                raise _stopped(exc, p, written, len(planned), self.site_dir) from None
            written += 1


def _reads(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def with_hand_additions(new: dict, old: dict, input_cites: bool) -> dict:
    """An updated paper for `--force`: what the input gives, and what the old file has
    that the input does not (tags, `selected`, a code link added by hand, the authors of
    a table without an authors column), so refreshing papers from a new export keeps
    what was added to them on the site. Fields that must agree move together:

    - the input's author list replaces the file's with its `et_al` and `author_count`,
      and a name the file annotated (`equal_contribution`, `id`...) keeps its mapping;
    - a year alone keeps the file's date when the date is of that year;
    - a track or type the input does not give stays only while the venue is the same;
    - `input_cites` (a BibTeX import): the entry read is the paper's citation, so the
      file's own `bibtex` goes unless the input keeps one."""
    merged = dict(new)
    same_venue = "venue" not in new or _same_venue(new["venue"], old.get("venue"))
    for key, value in old.items():
        if key in merged or key in ("id", "title"):
            if key == "links":
                merged[key] = _merged_links(merged[key], value)
            elif key == "authors":
                merged[key] = _annotated(merged[key], value)
            continue
        if key in ("et_al", "author_count") and "authors" in new:
            continue
        if key == "date" and "year" in new and not _of_year(value, new["year"]):
            continue
        if key == "year" and "date" in new:
            continue
        if key in ("track", "type") and not same_venue:
            continue
        if key == "bibtex" and input_cites:
            continue
        merged[key] = value
    return merged


def _merged_links(given, old):
    """The input's links, then the file's other labels and URLs."""
    if not isinstance(given, dict) or not isinstance(old, dict):
        return given
    return {**given, **{k: v for k, v in old.items()
                        if k not in given and v not in given.values()}}


def _annotated(given, old):
    """The input's authors, each name the file gave as a mapping (an `id`, marks) with
    that mapping, spelled as the input spells it."""
    if not isinstance(given, list) or not isinstance(old, list):
        return given
    mappings = {normalise(a["name"]): a for a in old
                if isinstance(a, dict) and isinstance(a.get("name"), str)}
    return [dict(mappings[normalise(a)], name=a)
            if isinstance(a, str) and normalise(a) in mappings else a for a in given]


def _same_venue(venue, old) -> bool:
    return isinstance(venue, str) and isinstance(old, str) and normalise(venue) == normalise(old)


def _of_year(date, year) -> bool:
    text = date.isoformat() if isinstance(date, (dt.date, dt.datetime)) else str(date)
    return text[:4] == str(year)


def _stopped(exc: BaseException, p: Planned, written: int, total: int,
             site_dir: Path) -> BaseException:
    """What to raise when writing the papers stopped at p: it says how far the import
    got, the papers written so far being whole and kept."""
    so_far = (f"{written} of {total} papers were written, each whole; the same import "
              "again adds the rest" if written else "no paper was written")
    if isinstance(exc, KeyboardInterrupt):
        return KeyboardInterrupt(so_far)
    rel = Path(os.path.relpath(p.path, site_dir)).as_posix()
    return BuildError([Diagnostic(rel, message=f"cannot write: {write_reason(exc)}")],
                      summary="import stopped", outcome=so_far)


def _empty(value) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not
                             (value.strip() if isinstance(value, str) else value))


def _split_field(path: str) -> tuple[str, int | None]:
    """'authors[2].name' → ('authors', 2); 'doi' → ('doi', None)."""
    match = re.match(r"^([^.\[]*)(?:\[(\d+)\])?", path)
    top = match.group(1) if match else path
    index = int(match.group(2)) if match and match.group(2) else None
    return top, index


_PROCEEDINGS = re.compile(
    r"^(?:in:?\s+)?(?:(?:the\s+)?proceedings\s+of\s+(?:the\s+)?|proc\.?\s+(?:of\s+)?"
    r"(?:the\s+)?|advances\s+in\s+)", re.I)
_LEADING_EDITION = re.compile(
    r"^(?:(?:19|20)\d{2}|\d+(?:st|nd|rd|th)|[a-z]+-?(?:first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|teenth|tieth)(?:-[a-z]+)?)\s+",
    re.I)
_TRAILING_YEAR = re.compile(r"[\s,]*(?:'\d{2}|(?:19|20)\d{2}|(?<=\s)\d{1,3})\s*$")
_PAREN = re.compile(r"\s*\(([^()]*)\)")


def venue_candidates(text: str) -> list[str]:
    """Forms of a booktitle or journal to look up, most literal first.

    'Proceedings of the 2019 IEEE/CVF Conference on Computer Vision and Pattern
    Recognition (CVPR)' gives itself, then the series name with the proceedings wording,
    edition and year removed, then 'CVPR'.
    """
    out = [text]
    core = _PAREN.sub(" ", text).strip()
    for _ in range(3):
        before = core
        core = _PROCEEDINGS.sub("", core).strip()
        core = _LEADING_EDITION.sub("", core).strip()
        core = _TRAILING_YEAR.sub("", core).strip(" ,")
        if core == before:
            break
    out.append(core)
    out.append(re.sub(r"^annual\s+", "", core, flags=re.I))
    out.append(re.sub(r"\s*workshops?$", "", core, flags=re.I))
    # DBLP: 'IEEE/CVF International Conference on Computer Vision, ICCV 2023, Paris, France'
    for segment in core.split(",")[:3] if "," in core else []:
        out.append(_TRAILING_YEAR.sub("", segment).strip())
    for inner in _PAREN.findall(text):
        inner = _TRAILING_YEAR.sub("", inner).strip()
        out.append(inner)
        out.append(re.sub(r"\s*workshops?$", "", inner, flags=re.I))
    return [o for o in out if o]


def print_report(planned: list[Planned], skipped: list[Skipped], input_name: str,
                 diags: Diagnostics, ignored_columns: list[str] = ()) -> str:
    """Print warnings and skips; return the summary line."""
    import sys

    for d in diags.warnings:
        print(str(d), file=sys.stderr)
    if ignored_columns:
        print("ignored columns: " + ", ".join(ignored_columns)
              + " (import them with --map COLUMN=FIELD)")
    for s in skipped:
        print(f"skipped {s.candidate.where} ({s.candidate.label}): {s.reason}")
    new = sum(1 for p in planned if not p.overwrite)
    same = sum(1 for p in planned if p.unchanged)
    over = len(planned) - new - same
    text = (f"Imported {new:,} new paper{'s' if new != 1 else ''} from {input_name} "
            f"into {PAPERS_DIR}/")
    extras = []
    if over:
        extras.append(f"{over:,} updated")
    if same:
        extras.append(f"{same:,} unchanged")
    if skipped:
        extras.append(f"{len(skipped):,} duplicate{'s' if len(skipped) != 1 else ''} "
                      "skipped")
    warnings = len(diags.warnings)
    if warnings:
        extras.append(f"{warnings:,} warning{'s' if warnings != 1 else ''}")
    if extras:
        text += " (" + ", ".join(extras) + ")"
    return text
