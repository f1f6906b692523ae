"""Load stage: content files → records with line numbers.

This is the only module that reads a site's content files. YAML is parsed with PyYAML's
C parser into a node tree (which carries line numbers) and converted here into plain
data, so that every field keeps the line it was written on, unknown YAML tags are
refused instead of constructing objects, and alias bombs or absurd nesting are stopped
with a clear message instead of hanging or crashing the parser.

Parsed files are cached by content hash in a JSON file (never pickle: the cache sits in
the site folder and must not be able to run code).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .diagnostics import Diagnostics

try:  # the C parser is ~10x faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NODES = 200_000          # values constructed per file, aliases expanded
MAX_DEPTH = 40               # nesting of mappings and lists
_PRESCAN_DEPTH = 500         # above this bound we check nesting on the event stream
CACHE_VERSION = 3
SOURCE = "#source:"          # key prefix in Record.lines: the text of a number as written

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_BINARY = "tag:yaml.org,2002:binary"
_constructor = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, slots=True)
class Record:
    """One content object (a paper, a profile, a venue...) as written by the user."""

    path: str                       # site-relative, with forward slashes
    line: int                       # where the object starts
    data: dict
    lines: dict = field(default_factory=dict)   # "authors", "authors[2].name" → line
    single: bool = False            # the file holds just this object (id defaults to stem)

    def line_of(self, field_path: str) -> int:
        """The line of a field, or of its nearest written parent, or of the record."""
        key = field_path
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return self.line


@dataclass
class LoadedContent:
    """Everything a site folder's content holds, as records."""

    site: Record | None
    papers: list[Record]
    authors: list[Record]
    venues: list[Record]
    tags: list[Record]
    pages: list[Record]
    # site-relative path → content hash of every file read, for incremental rebuilds
    hashes: dict[str, str]
    # "paper:<stem>", "profile:<stem>" of files that gave no record (already reported),
    # so that references to them are not reported a second time
    refused: set[str] = field(default_factory=set)


class YamlProblem(Exception):
    def __init__(self, line: int, message: str, field: str = ""):
        super().__init__(message)
        self.line = line
        self.message = message
        self.field = field


# --- YAML → plain data with lines ------------------------------------------------------


class _Builder:
    """Converts a composed node tree into plain data, recording each field's line."""

    def __init__(self) -> None:
        self.count = 0
        self.lines: dict[str, int] = {}

    def build(self, node, path: str = "", depth: int = 0):
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(node.start_mark.line + 1,
                              f"document too large: more than {MAX_NODES:,} values "
                              "(aliases expanded); refusing to load it")
        if depth > MAX_DEPTH:
            raise YamlProblem(node.start_mark.line + 1,
                              f"nested more than {MAX_DEPTH} levels deep; refusing to load it")
        if path and path not in self.lines:
            self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, path)
            if path and isinstance(value, (int, float)) and not isinstance(value, bool):
                # Keep what was written: `arxiv: 2301.00010` is text to the schema.
                self.lines[SOURCE + path] = node.value
            return value
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise _tag_problem(node, path)
            return [self.build(item, f"{path}[{i}]", depth + 1)
                    for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise _tag_problem(node, path)
            if any(k.tag == _MERGE for k, _ in node.value):
                try:
                    _constructor.flatten_mapping(node)
                except yaml.YAMLError as exc:
                    raise YamlProblem(node.start_mark.line + 1, _yaml_message(exc)) from None
            result = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(key_node.start_mark.line + 1,
                                      "mapping keys must be plain text")
                key = self._scalar(key_node, path)
                key = key if isinstance(key, str) else _key_text(key)
                if key in result:
                    raise YamlProblem(key_node.start_mark.line + 1,
                                      f"duplicate key '{key}'", _join(path, key))
                result[key] = self.build(value_node, _join(path, key), depth + 1)
            return result
        raise YamlProblem(node.start_mark.line + 1, "unsupported YAML node")  # pragma: no cover

    def _scalar(self, node, path: str = ""):
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _TIMESTAMP:  # kept as text; the schema parses dates and refuses bad ones
            return node.value
        if tag in (_INT, _FLOAT, _BOOL, _NULL):
            try:
                value = _constructor.yaml_constructors[tag](_constructor, node)
            except (ValueError, IndexError, KeyError, yaml.YAMLError):
                # `!!int` with no digits, `!!bool maybe`: the text, for the schema to judge
                return node.value
            if isinstance(value, float) and value != value:  # NaN is never meant
                return node.value
            return value
        raise _tag_problem(node, path)


def _tag_problem(node, path: str) -> YamlProblem:
    """Any tag beyond plain text, numbers, booleans, dates, lists and mappings."""
    tag = node.tag
    if tag.startswith("tag:yaml.org,2002:"):
        tag = "!!" + tag[len("tag:yaml.org,2002:"):]
    return YamlProblem(node.start_mark.line + 1,
                       f"unsupported YAML tag {tag}: content is data, and tags that "
                       "construct objects are refused", path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _key_text(key) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def _yaml_message(exc: yaml.YAMLError, first_line: int = 1) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    start = getattr(exc, "context_mark", None)
    end = getattr(exc, "problem_mark", None)
    if context and start and end and start.line != end.line:
        # The error is reported where it was noticed; say where the construct began.
        context += f" (from line {start.line + first_line})"
    text = f"{context}, {problem}" if context else problem
    return "invalid YAML: " + " ".join(text.split())


def _error_line(exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark else 0


_BLOCK_NEST = re.compile(r"^[ \t]*(?:(?:-|\?|[^\s#'\"][^:#]*:)[ \t]+)+", re.M)


def _nesting_bound(text: str) -> int:
    """A cheap upper bound of how deep the document can nest.

    libyaml's composer recurses in C and crashes on documents nested tens of thousands
    deep; only when this bound is high do we pay for an exact check on the event stream.
    """
    flow = text.count("[") + text.count("{")
    indent = max((len(m.group(0)) for m in _BLOCK_NEST.finditer(text)), default=0)
    return flow + indent


def _check_depth(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlProblem(event.start_mark.line + 1,
                                  f"nested more than {MAX_DEPTH} levels deep; "
                                  "refusing to load it")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def parse_yaml(text: str, first_line: int = 1) -> tuple[object, dict[str, int], int]:
    """Parse one YAML document into (data, field lines, line of the document).

    Raises YamlProblem with a 1-based line. An empty document gives None.
    """
    try:
        if _nesting_bound(text) > _PRESCAN_DEPTH:
            _check_depth(text)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.composer.ComposerError as exc:
        if "expected a single document" in str(exc):
            raise YamlProblem(_error_line(exc) + first_line - 1,
                              "more than one YAML document ('---') in one file") from None
        raise YamlProblem(_error_line(exc) + first_line - 1,
                          _yaml_message(exc, first_line)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, unquoted
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        at = text.find(char)
        raise YamlProblem(text.count("\n", 0, max(at, 0)) + first_line,
                          f"invalid YAML: the control character U+{ord(char):04X} is not "
                          f"allowed; remove it, or write it as \\x{ord(char):02x} inside "
                          "double quotes") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(_error_line(exc) + first_line - 1,
                          _yaml_message(exc, first_line)) from None
    except RecursionError:
        raise YamlProblem(first_line, f"nested more than {MAX_DEPTH} levels deep") from None
    if node is None:
        return None, {}, first_line
    builder = _Builder()
    try:
        data = builder.build(node)
    except YamlProblem as problem:
        problem.line += first_line - 1
        raise
    shift = first_line - 1
    lines = {k: v + shift if isinstance(v, int) else v for k, v in builder.lines.items()}
    return data, lines, node.start_mark.line + first_line


# --- files -------------------------------------------------------------------------------


class ParseCache:
    """Parsed YAML keyed by the file's content hash, stored as JSON between builds."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, list] = {}
        self.used: set[str] = set()
        self.dirty = False
        if path and path.is_file():
            try:
                stored = json.loads(path.read_text("utf-8"))
                if stored.get("version") == CACHE_VERSION:
                    self.entries = stored.get("entries", {})
            except (OSError, ValueError, AttributeError):
                self.entries = {}

    def get(self, digest: str):
        entry = self.entries.get(digest)
        if entry is not None:
            self.used.add(digest)
        return entry

    def put(self, digest: str, entry) -> None:
        self.entries[digest] = entry
        self.used.add(digest)
        self.dirty = True

    def save(self) -> None:
        """Keep only entries of files seen in this run; write when something changed."""
        if not self.path:
            return
        if set(self.entries) != self.used:
            self.entries = {k: v for k, v in self.entries.items() if k in self.used}
            self.dirty = True
        if not self.dirty:
            return
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"version": CACHE_VERSION, "entries": self.entries},
                                      ensure_ascii=False, separators=(",", ":")), "utf-8")
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass  # a cache that cannot be written only costs time
        finally:  # a full disk or an interrupt leaves no half-written file behind
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass


def _relative(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


_real_folders: dict[str, Path] = {}   # folder → its real path, for one load_content


def _real_folder(folder: Path) -> Path:
    real = _real_folders.get(str(folder))
    if real is None:
        real = _real_folders[str(folder)] = folder.resolve()
    return real


def _resolve(path: Path) -> Path:
    """path.resolve(), each folder resolved once per load: a file that is not a link
    costs one lstat instead of one per component of its path."""
    if path.is_symlink():
        return path.resolve()
    return _real_folder(path.parent) / path.name


def read_text(path: Path, site_dir: Path, diags: Diagnostics) -> tuple[str, str] | None:
    """Read a user file safely: inside the site, under the size limit, UTF-8 (BOM ok).

    Returns (text, content hash) or None after reporting the problem.
    """
    rel = _relative(path, site_dir)
    try:
        real = _resolve(path)
        if not real.is_relative_to(_real_folder(site_dir)):
            diags.error(rel, message="is a link to a file outside the site folder; refused")
            return None
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.error(rel, message=f"file is {size:,} bytes, over the limit of "
                                     f"{MAX_FILE_BYTES:,}; split it into several files")
            return None
        raw = real.read_bytes()
    except RuntimeError:  # pathlib's report of a symlink loop
        diags.error(rel, message=_LOOP)
        return None
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            diags.error(rel, message="is a symbolic link to a file that does not exist")
        else:
            diags.error(rel, message=f"cannot read: {exc.strerror or exc}")
        return None
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diags.error(rel, line, message=f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                       "save the file as UTF-8")
        return None
    if "\x00" in text:
        diags.error(rel, text[: text.index("\x00")].count("\n") + 1,
                    message="contains a NUL character; is this a binary file?")
        return None
    return text, digest


def load_yaml_file(path: Path, site_dir: Path, diags: Diagnostics,
                   cache: ParseCache | None = None) -> tuple[object, dict, int, str] | None:
    """(data, lines, line, digest) of a YAML file, or None after reporting problems."""
    read = read_text(path, site_dir, diags)
    if read is None:
        return None
    text, digest = read
    rel = _relative(path, site_dir)
    cached = cache.get(digest) if cache else None
    if cached is not None:
        if cached[0] == "error":
            diags.error(rel, cached[1], cached[3], cached[2])
            return None
        return cached[1], cached[2], cached[3], digest
    try:
        data, lines, line = parse_yaml(text)
    except YamlProblem as problem:
        diags.error(rel, problem.line, problem.field, problem.message)
        if cache:
            cache.put(digest, ["error", problem.line, problem.message, problem.field])
        return None
    if cache:
        cache.put(digest, ["ok", data, lines, line])
    return data, lines, line, digest


def _records(data, lines: dict, line: int, rel: str, kind: str, diags: Diagnostics,
             allow_list: bool = True) -> list[Record]:
    """Split a file's data into records: a mapping is one, a list gives one per item."""
    if isinstance(data, dict):
        return [Record(rel, line, data, lines, single=True)]
    if isinstance(data, list) and allow_list:
        out = []
        for i, item in enumerate(data):
            prefix = f"[{i}]"
            item_line = lines.get(prefix, line)
            if not isinstance(item, dict):
                diags.error(rel, item_line, message=f"expected {_a(kind)} (a mapping of "
                                                    f"fields), found {_describe(item)}")
                continue
            sub = _sub_lines(lines, prefix)
            out.append(Record(rel, item_line, item, sub))
        return out
    if data is None:
        diags.error(rel, line, message=f"file is empty; expected {_a(kind)}"
                                       + (" or a list of them" if allow_list else ""))
        return []
    want = f"{_a(kind)} or a list of them" if allow_list else f"{_a(kind)} (a mapping of fields)"
    diags.error(rel, line, message=f"expected {want}, found {_describe(data)}")
    return []


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _sub_lines(lines: dict, prefix: str) -> dict:
    """The lines of the fields under `prefix`, relative to it (sources included)."""
    out = {}
    for k, v in lines.items():
        source = k.startswith(SOURCE)
        key = k[len(SOURCE):] if source else k
        if key.startswith(prefix + "."):
            out[(SOURCE if source else "") + key[len(prefix) + 1:]] = v
    return out


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing"


describe = _describe


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml")
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def load_page(path: Path, site_dir: Path, diags: Diagnostics) -> Record | None:
    """A free page: YAML front matter between '---' lines, then markdown."""
    read = read_text(path, site_dir, diags)
    if read is None:
        return None
    text, _ = read
    rel = _relative(path, site_dir)
    match = _FRONT.match(text)
    if not match:
        return Record(rel, 1, {"body": text}, {"body": 1})
    try:
        data, lines, _ = parse_yaml(match.group(1), first_line=2)
    except YamlProblem as problem:
        diags.error(rel, problem.line, problem.field, problem.message)
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        diags.error(rel, 2, message=f"front matter must be a mapping, found {_describe(data)}")
        return None
    body_line = text[: match.end()].count("\n") + 1
    data = dict(data, body=text[match.end():])
    return Record(rel, 1, data, dict(lines, body=body_line))


_LOOP = "is a symbolic link that loops back on itself; refused"


def _check_links_inside(folder: Path, site_dir: Path, diags: Diagnostics) -> None:
    """Symlinks under content/ or static/ must stay inside the site folder."""
    if not folder.exists():
        return
    root = site_dir.resolve()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            if p.is_symlink():
                try:
                    target = p.resolve()
                except RuntimeError:
                    diags.error(_relative(p, site_dir), message=_LOOP)
                    continue
                if not target.is_relative_to(root):
                    diags.error(_relative(p, site_dir),
                                message="is a link to a file outside the site folder; refused")


def load_content(site_dir: Path, diags: Diagnostics, cache: ParseCache | None = None
                 ) -> LoadedContent:
    """Read every content file of a site folder into records."""
    content = site_dir / "content"
    hashes: dict[str, str] = {}
    _real_folders.clear()
    _check_links_inside(content, site_dir, diags)
    _check_links_inside(site_dir / "static", site_dir, diags)

    def one(path: Path):
        got = load_yaml_file(path, site_dir, diags, cache)
        if got is not None:
            hashes[_relative(path, site_dir)] = got[3]
        return got

    refused: set[str] = set()
    papers: list[Record] = []
    for path in _yaml_files(content / "papers"):
        got = one(path)
        found = [] if got is None else _records(got[0], got[1], got[2],
                                                _relative(path, site_dir), "paper", diags)
        papers.extend(found)
        if not found:
            refused.add(f"paper:{path.stem}")
    authors: list[Record] = []
    for path in _yaml_files(content / "authors"):
        got = one(path)
        found = [] if got is None else _records(got[0], got[1], got[2],
                                                _relative(path, site_dir), "author profile",
                                                diags, allow_list=False)
        authors.extend(found)
        if not found:
            refused.add(f"profile:{path.stem}")
    venues: list[Record] = []
    for name in ("venues.yaml", "venues.yml"):
        path = content / name
        if path.is_file() and (got := one(path)) is not None:
            if got[0] is None:
                continue
            if not isinstance(got[0], list):
                diags.error(_relative(path, site_dir), got[2],
                            message=f"expected a list of venues, found {_describe(got[0])}")
                continue
            venues.extend(_records(got[0], got[1], got[2], _relative(path, site_dir),
                                   "venue", diags))
    tags: list[Record] = []
    for name in ("tags.yaml", "tags.yml"):
        path = content / name
        if path.is_file() and (got := one(path)) is not None:
            data, lines = got[0], got[1]
            if data is None:
                continue
            if not isinstance(data, dict):
                diags.error(_relative(path, site_dir), got[2],
                            message=f"expected a mapping of tag names, found {_describe(data)}")
                continue
            for tag_name, info in data.items():
                sub = _sub_lines(lines, tag_name)
                tags.append(Record(_relative(path, site_dir), lines.get(tag_name, 1),
                                   {"name": tag_name, "info": info}, sub))
    pages: list[Record] = []
    pages_dir = content / "pages"
    if pages_dir.is_dir():
        for path in sorted(pages_dir.rglob("*.md")):
            page = load_page(path, site_dir, diags)
            if page is not None:
                pages.append(page)
    site = None
    for name in ("site.yaml", "site.yml"):
        path = site_dir / name
        if path.is_file():
            # A site.yaml that cannot be used is reported below, not as a missing one.
            site = Record(name, 1, {}, {})
            got = one(path)
            if got is not None:
                data = got[0] if got[0] is not None else {}
                if isinstance(data, dict):
                    site = Record(_relative(path, site_dir), got[2], data, got[1])
                else:
                    diags.error(name, got[2], message=f"expected a mapping of settings, "
                                                      f"found {_describe(data)}")
            break
    return LoadedContent(site, papers, authors, venues, tags, pages, hashes, refused)


def static_files(folder: Path, site_dir: Path | None = None) -> dict[str, Path]:
    """Files to copy verbatim into the output: output path → source file.

    Hidden files are skipped; links leaving the site were reported by load_content.
    """
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    root = site_dir.resolve() if site_dir else None
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if root is not None and not path.resolve().is_relative_to(root):
            continue
        found[rel.as_posix()] = path
    return found


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()
