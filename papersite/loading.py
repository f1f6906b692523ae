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

import difflib
import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from .aside import discard_aside, write_aside
from .diagnostics import NAME_NOT_UTF8, Diagnostics, undecodable_name
from .forking import available_cores
from .pickling import by_fields

try:  # the C parser is ~10x faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NODES = 200_000          # values constructed per file, aliases expanded
MAX_DEPTH = 40               # nesting of mappings and lists
_PRESCAN_DEPTH = 500         # above this bound we check nesting on the event stream
CACHE_VERSION = 4            # bump when a parse, or the message of a problem, changes
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
    digest: str = ""                # a paper's digest (see data_digest), by its loader

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
    if _unclosed_quote(exc):   # reported at the line of its quote (_error_line)
        return "invalid YAML: a quoted value opened on this line is never closed"
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    start = getattr(exc, "context_mark", None)
    end = getattr(exc, "problem_mark", None)
    if context and start and end and start.line != end.line:
        # The error is reported where it was noticed; say where the construct began.
        context += f" (from line {start.line + first_line})"
    text = f"{context}, {problem}" if context else problem
    hint = next((h for found, h in _YAML_HINTS if found in text), "")
    return "invalid YAML: " + " ".join(text.split()) + hint


# What the commonest slips look like to the parser, and how to mend them.
_YAML_HINTS = (
    ("mapping values are not allowed", " (a value that holds ': ' goes in quotes, as in "
                                        "title: \"InstructPix2Pix: Learning...\"; a key "
                                        "starts where the keys above it start)"),
    ("found character '\\t'", " (indent with spaces, not tabs)"),
    ("tab character", " (indent with spaces, not tabs)"),
)


def _unclosed_quote(exc: yaml.YAMLError) -> bool:
    """A quote never closed: the parser notices at the end of the file."""
    return (getattr(exc, "context", None) == "while scanning a quoted scalar"
            and "end of stream" in str(getattr(exc, "problem", "")))


def _error_line(exc: yaml.YAMLError) -> int:
    if _unclosed_quote(exc) and getattr(exc, "context_mark", None):
        return exc.context_mark.line + 1
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark else 0


_BLOCK_NEST = re.compile(r"[ \t]*(?:(?:-|\?|[^\s#'\"][^:#]*:)[ \t]+)+")


def _may_nest_deeper(text: str, depth: int) -> bool:
    """Whether a cheap upper bound of how deep the document can nest is above `depth`.

    libyaml's composer recurses in C and crashes on documents nested tens of thousands
    deep; only when this bound is high do we pay for an exact check on the event stream.
    The bound: the flow brackets, plus the longest run of indentation and block
    indicators that starts a line. A line no longer than what the brackets leave cannot
    take the bound past `depth`, so only longer lines are matched (a paper's file has one
    or two, its abstract: scanning every line start was a sixth of its parse).
    """
    room = depth - (text.count("[") + text.count("{"))
    if room < 0:
        return True
    for line in text.split("\n"):
        if len(line) > room:
            m = _BLOCK_NEST.match(line)
            if m and m.end() > room:
                return True
    return False


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
        if _may_nest_deeper(text, _PRESCAN_DEPTH):
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
        if "maximum nesting depth" in str(getattr(exc, "problem", "")):
            # libyaml's own limit (PyYAML 6.0.4 on), met while it scans ahead of the
            # events _check_depth counts: the same refusal, in the same words.
            raise YamlProblem(_error_line(exc) + first_line - 1,
                              f"nested more than {MAX_DEPTH} levels deep; "
                              "refusing to load it") from None
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
        self.added: dict[str, list] = {}
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
        self.added[digest] = entry
        self.used.add(digest)
        self.dirty = True

    def merge(self, added: dict[str, list], used: set[str]) -> None:
        """What a forked loader put into and used of its copy of this cache."""
        self.entries.update(added)
        self.used |= used
        self.dirty = self.dirty or bool(added)

    def save(self) -> None:
        """Keep only entries of files seen in this run; write when something changed."""
        if self._to_write():
            self._write()

    def _to_write(self) -> bool:
        if not self.path:
            return False
        if set(self.entries) != self.used:
            self.entries = {k: v for k, v in self.entries.items() if k in self.used}
            self.dirty = True
        return self.dirty

    def _write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_aside(self.path, json.dumps({"version": CACHE_VERSION,
                                               "entries": self.entries},
                                              ensure_ascii=False, separators=(",", ":")))
            self.dirty = False
        except OSError:
            pass  # a cache that cannot be written only costs time

    def save_meanwhile(self):
        """`save`, by a forked child when the cache is large, and a function that waits
        for it. At 100,000 files the JSON is 170 MB and takes 4–5 s to write, on one core
        while the other idles: the build resolves meanwhile instead of waiting. The
        function, given `interrupted`, stops the child instead and removes what it had
        begun to write."""
        from .forking import Child

        def done(interrupted: bool = False) -> None:
            pass

        if not self._to_write():
            return done
        if len(self.entries) < PARALLEL_FILES or not hasattr(os, "fork"):
            self._write()
            return done
        child = Child(self._write)

        def wait(interrupted: bool = False) -> None:
            pid, finished = child.pid, False
            try:
                if not interrupted:
                    child.result()
                    finished = True
            except Exception:   # noqa: BLE001 — a cache that cannot be written costs time only
                pass
            finally:   # also when this wait is interrupted
                child.stop()
                if not finished:
                    discard_aside(self.path, pid)
        return wait


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


_inside_folders: dict[str, bool] = {}   # folder → whether its real path is in the site


def _folder_inside(folder: Path, site_dir: Path) -> bool:
    """Whether a folder's real path is inside the site's: asked once per folder and load,
    not once per file."""
    key = str(folder)
    inside = _inside_folders.get(key)
    if inside is None:
        inside = _inside_folders[key] = _real_folder(folder).is_relative_to(
            _real_folder(site_dir))
    return inside


def read_text(path: Path, site_dir: Path, diags: Diagnostics,
              rel: str | None = None) -> tuple[str, str] | None:
    """Read a user file safely: inside the site, under the size limit, UTF-8 (BOM ok).
    `rel`: the path relative to the site, when the caller has it.

    Returns (text, content hash) or None after reporting the problem. A file that is not
    a link costs one lstat and one read (its folder is resolved once per load): at
    100,000 papers, path objects made for each file were about a fifth of loading.
    """
    rel = rel if rel is not None else _relative(path, site_dir)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            real = _link_target(path)
            if real is None:
                diags.error(rel, message=_LOOP)
                return None
            inside = real.is_relative_to(_real_folder(site_dir))
            if inside:
                info = real.stat()
        else:
            real, inside = path, _folder_inside(path.parent, site_dir)
        if not inside:
            diags.error(rel, message="is a link to a file outside the site folder; refused")
            return None
        size = info.st_size
        if not stat.S_ISREG(info.st_mode):   # a pipe would wait for a writer forever
            diags.error(rel, message="is a folder, not a file" if stat.S_ISDIR(info.st_mode)
                        else "is not a regular file (a pipe, a socket or a device); refused")
            return None
        if size > MAX_FILE_BYTES:
            diags.error(rel, message=f"file is {size:,} bytes, over the limit of "
                                     f"{MAX_FILE_BYTES:,}; split it into several files")
            return None
        with open(real, "rb") as fh:
            raw = fh.read()
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
                   cache: ParseCache | None = None,
                   rel: str | None = None) -> tuple[object, dict, int, str] | None:
    """(data, lines, line, digest) of a YAML file, or None after reporting problems."""
    rel = rel if rel is not None else _relative(path, site_dir)
    read = read_text(path, site_dir, diags, rel)
    if read is None:
        return None
    text, digest = read
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
             allow_list: bool = True, file_digest: str | None = None) -> list[Record]:
    """Split a file's data into records: a mapping is one, a list gives one per item.
    With `file_digest` (papers), each record gets a digest (`data_digest`): a record
    alone in its file, the file's own, made as it was read."""
    if isinstance(data, dict):
        return [Record(rel, line, data, lines, single=True, digest=file_digest or "")]
    if isinstance(data, list) and allow_list:
        out = []
        by_item = _lines_by_item(lines)
        for i, item in enumerate(data):
            prefix = f"[{i}]"
            item_line = lines.get(prefix, line)
            if not isinstance(item, dict):
                diags.error(rel, item_line, message=f"expected {_a(kind)} (a mapping of "
                                                    f"fields), found {_describe(item)}")
                continue
            out.append(Record(rel, item_line, item, by_item.get(prefix, {}),
                              digest=data_digest(item) if file_digest else ""))
        return out
    if data is None:
        diags.error(rel, line, message=f"file is empty; expected {_a(kind)}"
                                       + (" or a list of them" if allow_list else ""))
        return []
    want = f"{_a(kind)} or a list of them" if allow_list else f"{_a(kind)} (a mapping of fields)"
    diags.error(rel, line, message=f"expected {want}, found {_describe(data)}")
    return []


def data_digest(data) -> str:
    """A digest of a record's data as written: a build compares each paper's with the
    last build's to find the papers whose text changed (changes.py). The loader gives
    each paper one (`Record.digest`): a paper alone in its file takes the file's digest,
    made as it was read. Made from the data for every paper after resolving, it took
    1.7 s of one core at 100,000 papers."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _lines_by_item(lines: dict) -> dict[str, dict]:
    """The lines of a list file's fields, grouped by item ("[3]") and relative to it, in
    one pass (asking `_sub_lines` for each item was quadratic in the file's length)."""
    out: dict[str, dict] = {}
    for k, v in lines.items():
        source = k.startswith(SOURCE)
        key = k[len(SOURCE):] if source else k
        end = key.find("].")
        if key.startswith("[") and end > 0:
            out.setdefault(key[:end + 1], {})[
                (SOURCE if source else "") + key[end + 2:]] = v
    return out


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


_FRONT_OPENED = re.compile(r"---[ \t]*\r?\n")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def load_page(path: Path, site_dir: Path, diags: Diagnostics,
              read: tuple[str, str] | None = None) -> Record | None:
    """A free page: YAML front matter between '---' lines, then markdown (`read`: the
    file's (text, hash) when already read)."""
    read = read or read_text(path, site_dir, diags)
    if read is None:
        return None
    text, _ = read
    rel = _relative(path, site_dir)
    match = _FRONT.match(text)
    if not match:
        if _FRONT_OPENED.match(text):
            diags.error(rel, 1, message="front matter opened by '---' is never closed: end "
                                        "it with a line of '---' before the page's text")
            return None
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


def _walk(folder: str, suffixes: tuple[str, ...], skip_hidden: bool, rel: str = ""):
    """(site-relative path, os.DirEntry) of the files under folder whose names end in
    one of the suffixes, as `Path.rglob` finds them (links to folders are not entered);
    with os.scandir, so that a link costs no system call of its own."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return
    for entry in entries:
        if skip_hidden and entry.name.startswith("."):
            continue
        sub = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name.endswith(suffixes):
            yield sub, entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, suffixes, skip_hidden, sub)


def _path_order(item: tuple[str, object]) -> str:
    """Sort key of a (relative path, entry) pair: folder by folder, as comparing the
    paths' parts would, at a fraction of the cost ('/' made the lowest character)."""
    return item[0].replace("/", "\0")


def _check_links_inside(folder: Path, site_dir: Path, diags: Diagnostics,
                        listing: list | None = None) -> None:
    """Symlinks under content/ or static/ must stay inside the site folder. `listing`:
    everything under folder, when the caller has walked it already."""
    if listing is None:
        if not folder.exists():
            return
        listing = list(_walk(str(folder), ("",), False))
    root = _real_folder(site_dir)
    links = sorted((item for item in listing if item[1].is_symlink()), key=_path_order)
    for _, entry in links:
        p = Path(entry.path)
        target = _link_target(p)
        if target is None:
            diags.error(_relative(p, site_dir), message=_LOOP)
            continue
        if not target.is_relative_to(root):
            diags.error(_relative(p, site_dir),
                        message="is a link to a file outside the site folder; refused")


def _link_target(link: Path) -> Path | None:
    """Where a symbolic link leads (a missing file too), or None when it loops back on
    itself. Up to Python 3.12, `resolve()` raises RuntimeError for a loop; from 3.13 it
    returns the link's own path, and only `strict=True` says so, with ELOOP."""
    try:
        return link.resolve(strict=True)
    except RuntimeError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None
    try:
        return link.resolve()
    except RuntimeError:
        return None


@by_fields
@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file to load: where it is and what it holds."""

    rel: str                        # site-relative, with forward slashes
    kind: str                       # paper | profile | venues | tags | page | site
    path: str                       # the file (a str: a Path per file costs 10 µs)
    signature: tuple = ()           # (size, mtime_ns, inode) when asked for: a cheap
                                    # way to tell that the file may have changed


@by_fields
@dataclass
class FileLoad:
    """One content file as loaded: its records and what it adds to `LoadedContent`.

    Loading is a function of the file alone, so a long-running preview keeps these per
    file and re-reads only the files that changed."""

    source: SourceFile
    records: list[Record]
    digest: str | None              # content hash, when the file could be read and parsed
    refused: str | None = None      # "paper:<stem>" of a file that gave no record
    problems: list = field(default_factory=list)   # its Diagnostic items

    @property
    def rel(self) -> str:
        return self.source.rel


_KIND_ORDER = {"paper": 0, "profile": 1, "venues": 2, "tags": 3, "page": 4, "site": 5}


def source_files(site_dir: Path, diags: Diagnostics, signatures: bool = False
                 ) -> list[SourceFile]:
    """Every content file of a site folder, in the order `load_content` reads them;
    links that leave the site folder are reported here."""
    _real_folders.clear()
    _inside_folders.clear()
    content = site_dir / "content"
    # content/ is walked once, for its links and its files (100,000 papers: 0.3 s a walk).
    listing = list(_walk(str(content), ("",), False)) if content.is_dir() else []
    _check_links_inside(content, site_dir, diags, listing)
    _note_unread(listing, diags)
    _check_links_inside(site_dir / "static", site_dir, diags)
    found: list[SourceFile] = []
    root = os.path.join(str(site_dir), "")   # with its separator: a join per file is 10 µs

    def add(rel: str, kind: str, entry) -> None:
        if (shown := undecodable_name(rel)) is not None:
            diags.error(shown, message=NAME_NOT_UTF8)
            return
        sig: tuple = ()
        if signatures:
            try:
                st = entry.stat()
            except OSError:
                st = None
            sig = (st.st_size, st.st_mtime_ns, st.st_ino) if st else (None,)
        found.append(SourceFile(rel, kind, root + rel, sig))

    for sub, kind, suffixes, hidden in (("papers", "paper", (".yaml", ".yml"), True),
                                        ("authors", "profile", (".yaml", ".yml"), True)):
        for rel, entry in _files_under(content, sub, listing, suffixes, hidden):
            add(f"content/{sub}/{rel}", kind, entry)
    for kind in ("venues", "tags"):
        for name in (f"{kind}.yaml", f"{kind}.yml"):
            if (content / name).is_file():
                add(f"content/{name}", kind, _Stat(content / name))
    for rel, entry in _files_under(content, "pages", listing, (".md",), False):
        add(f"content/pages/{rel}", "page", entry)
    for name in ("site.yaml", "site.yml"):
        if (site_dir / name).is_file():
            add(name, "site", _Stat(site_dir / name))
            break
    return found


# An editor's backup or lock file (venues.yaml~, #tags.yaml#, a.yaml.orig): no mistake.
_EDITOR_LEFTOVER = re.compile(r"~$|^#.*#$|\.(?:bak|orig|swp|swo|tmp)$", re.I)
# What content/ holds that Papersite reads: folders, and files.
_CONTENT_FOLDERS = ("papers", "authors", "pages")
_CONTENT_FILES = ("venues.yaml", "venues.yml", "tags.yaml", "tags.yml")


def _note_unread(listing: list, diags: Diagnostics) -> None:
    """Warn about what stands at the top of content/ and is not read: `content/paper/`
    (a typo: an error under --strict), `papers` that is a file, `venues.yaml` that is a
    folder. Their papers were left out of the site without a word."""
    for rel, entry in listing:
        if "/" in rel or rel.startswith(".") or _EDITOR_LEFTOVER.search(rel):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:   # a link that loops: reported as such (_check_links_inside)
            continue
        if rel in _CONTENT_FOLDERS and not is_dir:
            diags.warning(f"content/{rel}", message="is a file, not a folder: nothing in it "
                                                    "is read", strict=True)
        elif rel in _CONTENT_FILES and is_dir:
            diags.warning(f"content/{rel}", message="is a folder, not a file: it is not "
                                                    "read", strict=True)
        elif rel not in _CONTENT_FOLDERS and rel not in _CONTENT_FILES:
            close = difflib.get_close_matches(rel, _CONTENT_FOLDERS + _CONTENT_FILES, n=1,
                                              cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            diags.warning(f"content/{rel}", message=f"not read: content/ holds papers/, "
                          f"authors/, pages/, venues.yaml and tags.yaml{hint}",
                          strict=bool(close))


def _files_under(content: Path, sub: str, listing: list, suffixes: tuple[str, ...],
                 skip_hidden: bool) -> list:
    """(path under content/sub, entry) of the files there with one of the suffixes, in
    path order: taken from the walk of content/, or walked here when content/sub is a
    link to a folder (which that walk did not enter)."""
    folder = content / sub
    if not folder.is_dir():
        return []
    if folder.is_symlink():
        return sorted(_walk(str(folder), suffixes, skip_hidden), key=_path_order)
    prefix = sub + "/"
    found = []
    for rel, entry in listing:
        if rel.startswith(prefix) and rel.endswith(suffixes):
            rel = rel[len(prefix):]
            if not (skip_hidden and (rel.startswith(".") or "/." in rel)):
                found.append((rel, entry))
    return sorted(found, key=_path_order)


class _Stat:
    """The `stat` of an os.DirEntry, for a file found by name."""

    def __init__(self, path: Path):
        self.path = path

    def stat(self):
        return os.stat(self.path)


def load_file(source: SourceFile, site_dir: Path, diags: Diagnostics,
              cache: ParseCache | None = None) -> FileLoad:
    """One content file → its records; problems go to diags and into the result."""
    mark = len(diags.items)
    kind, path, rel = source.kind, Path(source.path), source.rel
    stem = PurePosixPath(rel).stem
    records: list[Record] = []
    digest = refused = None
    if kind == "page":
        read = read_text(path, site_dir, diags)
        page = load_page(path, site_dir, diags, read) if read is not None else None
        records = [page] if page is not None else []
        digest = read[1] if read is not None and page is not None else None
        return FileLoad(source, records, digest, None, diags.items[mark:])
    got = load_yaml_file(path, site_dir, diags, cache, rel)
    if got is not None:
        digest = got[3]
    if kind in ("paper", "profile"):
        if got is not None:
            records = _records(got[0], got[1], got[2], rel,
                               "paper" if kind == "paper" else "author profile", diags,
                               allow_list=kind == "paper",
                               file_digest=digest if kind == "paper" else None)
        if not records:
            refused = f"{kind}:{stem}"
    elif kind == "venues" and got is not None and got[0] is not None:
        if isinstance(got[0], list):
            records = _records(got[0], got[1], got[2], rel, "venue", diags)
        else:
            diags.error(rel, got[2],
                        message=f"expected a list of venues, found {_describe(got[0])}")
    elif kind == "tags" and got is not None and got[0] is not None:
        data, lines = got[0], got[1]
        if isinstance(data, dict):
            records = [Record(rel, lines.get(tag_name, 1), {"name": tag_name, "info": info},
                              _sub_lines(lines, tag_name)) for tag_name, info in data.items()]
        else:
            diags.error(rel, got[2],
                        message=f"expected a mapping of tag names, found {_describe(data)}")
    elif kind == "site":
        # A site.yaml that cannot be used is reported as such, not as a missing one.
        records = [Record(rel, 1, {}, {})]
        if got is not None:
            data = got[0] if got[0] is not None else {}
            if isinstance(data, dict):
                records = [Record(rel, got[2], data, got[1])]
            else:
                diags.error(rel, got[2], message=f"expected a mapping of settings, "
                                                 f"found {_describe(data)}")
    return FileLoad(source, records, digest, refused, diags.items[mark:])


def assemble(loads: list[FileLoad]) -> LoadedContent:
    """LoadedContent from files loaded one by one, given in `source_files` order."""
    groups: dict[str, list[Record]] = {kind: [] for kind in _KIND_ORDER}
    hashes: dict[str, str] = {}
    refused: set[str] = set()
    for load in loads:
        groups[load.source.kind].extend(load.records)
        if load.digest is not None and load.source.kind != "page":
            hashes[load.rel] = load.digest
        if load.refused:
            refused.add(load.refused)
    site = groups["site"][0] if groups["site"] else None
    return LoadedContent(site, groups["paper"], groups["profile"], groups["venues"],
                         groups["tags"], groups["page"], hashes, refused)


# From this many files on, a load is split over one forked process per core: parsing
# YAML is most of a cold build's first seconds (about 0.3 ms a file).
PARALLEL_FILES = 2000


def load_content(site_dir: Path, diags: Diagnostics, cache: ParseCache | None = None,
                 jobs: int | None = None, files: list | None = None,
                 sources: list[SourceFile] | None = None) -> LoadedContent:
    """Read every content file of a site folder into records. `files`: a list that
    receives each file's FileLoad, its size, time and inode included (for snapshot.py).
    `sources`: the files as `source_files` just found them, with their signatures and
    without a problem, so as not to walk the folder again."""
    if sources is None:
        sources = source_files(site_dir, diags, signatures=files is not None)
    loads = load_files(sources, site_dir, diags, cache, jobs)
    if files is not None:
        files.extend(loads)
    return assemble(loads)


def load_files(sources: list[SourceFile], site_dir: Path, diags: Diagnostics,
               cache: ParseCache | None = None, jobs: int | None = None) -> list[FileLoad]:
    """load_file for each source, in order: in `jobs` processes (default: the cores this
    process may use) from PARALLEL_FILES files on."""
    jobs = jobs or available_cores()
    if jobs > 1 and len(sources) >= PARALLEL_FILES and hasattr(os, "fork"):
        return _load_in_children(sources, site_dir, diags, cache, jobs)
    return [load_file(source, site_dir, diags, cache) for source in sources]


# Files a process of a parallel load takes at a time (about 30 ms of parsing).
LOAD_RUN = 250


def _load_in_children(sources: list[SourceFile], site_dir: Path, diags: Diagnostics,
                      cache: ParseCache | None, jobs: int) -> list[FileLoad]:
    """load_file for every source, in `jobs` processes (this one included, runs of
    files taken in turn: `forking.in_runs`); the results in source order, as one
    process gives them."""
    from .forking import in_runs

    def load_run(start: int, stop: int):
        scratch = Diagnostics()   # problems travel inside each FileLoad
        loads = [load_file(source, site_dir, scratch, cache) for source in sources[start:stop]]
        if cache is None:
            return loads, {}, set()
        # What the run put into and used of the cache, sent with the loads that share
        # their data: pickled once.
        added, used = cache.added, cache.used
        cache.added, cache.used = {}, set()
        return loads, added, used

    runs = in_runs(len(sources), LOAD_RUN, load_run, jobs)
    loads: list[FileLoad] = []
    for start in sorted(runs):
        run, added, used = runs[start]
        loads += run
        if cache is not None:
            cache.merge(added, used)
    diags.extend(problem for load in loads for problem in load.problems)
    return loads


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


def tree_signature(folder: Path) -> tuple:
    """(path, size, mtime_ns) of the files under folder, hidden ones left out: a cheap
    way to tell whether anything in it changed."""
    found = []
    for rel, entry in _walk(str(folder), ("",), True):
        try:
            st = entry.stat()
        except OSError:
            continue
        if not entry.is_dir():
            found.append((rel, st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()
