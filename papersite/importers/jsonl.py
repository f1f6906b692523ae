"""JSON Lines or a JSON array → papers: each object a paper, keys mapped like CSV columns.

Values may be JSON types: `authors` a list of names (or of {name, affiliation, ...}
mappings), `tags` a list, `links` an object of label → URL, numbers and booleans as
such. Blank lines are skipped. CSL-JSON items (Zotero's and Mendeley's CSL JSON export,
Pandoc, doi.org, a Papersite site's `papers.json`) are read as `csl.values` says, and
Semantic Scholar's and OpenAlex's records as `apis.values` does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..diagnostics import Diagnostics
from ..loading import describe
from . import apis, csl
from .columns import ColumnMap, build_map, to_candidate
from .common import Candidate, ImportSession, read_input


def read(path: Path, session: ImportSession, diags: Diagnostics,
         mapping: list[str] = ()) -> tuple[list[Candidate], ColumnMap | None]:
    text = read_input(path, diags)
    if text is None:
        return [], None
    source = str(path)
    array = text.lstrip().startswith("[")
    if array:
        parsed = _array(text, source, diags)
    else:
        parsed = _one_object(text, source, diags)
        if parsed is None:
            parsed = _lines(text, source, diags)
    records: list[tuple[int, str, dict]] = []
    for number, obj, at in parsed:
        if not isinstance(obj, dict):
            where = "in the array" if array else "per line"
            diags.error(source, number, "", f"expected one JSON object {where}, found "
                                            f"{describe(obj)}")
            continue
        records.extend(_records(text, number, at, obj))
    if diags.has_errors:
        return [], None
    if not records:
        diags.error(source, message="file is empty; expected one JSON object per line, "
                                    "or a JSON array of objects")
        return [], None
    from_api = any(apis.kind(obj) for _, _, obj in records)
    as_csl = not from_api and any(csl.is_csl(obj) for _, _, obj in records)
    if from_api:
        records = [(number, label, apis.values(obj, session.resolve_venue))
                   for number, label, obj in records]
    elif as_csl:
        records = [(number, label, csl.values(obj)) for number, label, obj in records]
    columns = list(dict.fromkeys(str(k) for _, _, obj in records for k in obj))
    if as_csl:   # which of two columns for one field wins: the container, then the event
        rank = {k: i for i, k in enumerate(csl.COLUMNS)}
        columns.sort(key=lambda k: rank.get(k, len(rank)))
    cmap = build_map(columns, mapping, source, diags, csl.COLUMNS if as_csl else None)
    if cmap is None:
        return [], None
    cmap.exported_types = as_csl or from_api
    cmap.note_rows(obj for _, _, obj in records)
    candidates = []
    for number, label, obj in records:
        values = {str(k): v for k, v in obj.items()}
        cand = to_candidate(values, cmap, source, number, label, session, diags)
        if cand is None:
            cand = Candidate(source, number, label, {}, {})
        candidates.append(cand)
    return candidates, cmap


def _wrapping(obj: dict) -> tuple[tuple[str, ...], str | None]:
    """Where the records are inside what web APIs wrap them in, as the keys that lead to
    them and, for a list, the key of the record in each element ("" for the element
    itself; None when the keys lead to one record): Crossref's {"status", "message"} (one
    work, or {"items": [...]}), Zotero's {"items": [...]}, Semantic Scholar's
    {"data": [...]}, OpenAlex's {"results": [...]}, a citation's
    {"citationItems": [{"itemData": ...}]}. No keys: the object is the record."""
    keys: tuple[str, ...] = ()
    if "status" in obj and isinstance(obj.get("message"), dict):
        keys, obj = ("message",), obj["message"]
    wrapped = next((k for k in ("items", "data", "results") if isinstance(obj.get(k), list)),
                   None)
    if wrapped and "title" not in obj:
        return keys + (wrapped,), ""
    if isinstance(obj.get("citationItems"), list):
        return keys + ("citationItems",), "itemData"
    return keys, None


def _records(text: str, line: int, at: int, obj: dict) -> list[tuple[int, str, dict]]:
    """(line, label, record) for each record of `obj`, the JSON object at text[at:] that
    starts on `line`. Records in a wrapping list are told apart by their number ("record
    3"), since a minified API answer holds them all on one line, and each has the line
    where it starts, found by reading the text again from the object's start."""
    keys, inner = _wrapping(obj)
    value = obj
    for key in keys:
        value = value[key]
    if inner is None:
        return [(line, "record", value)]
    place = at
    for key in keys:
        place = _member_start(text, place, key)
    records = []
    for number, (element, start) in enumerate(zip(value, _element_starts(text, place)), 1):
        record = element.get(inner) if inner and isinstance(element, dict) else element
        if isinstance(record, dict):
            line += text.count("\n", at, start)
            records.append((line, f"record {number}", record))
            at = start
    return records


def _member_start(text: str, at: int, key: str) -> int:
    """Where the value of `key` starts in the JSON object at text[at:] (the last, if the
    key is there twice, as json.loads keeps). The text is known to be valid JSON."""
    decoder = json.JSONDecoder()
    at = _SPACE.match(text, at).end() + 1     # past "{"
    found = at
    while True:
        at = _SPACE.match(text, at).end()
        if text.startswith("}", at):
            return found
        name, at = decoder.raw_decode(text, at)
        at = _SPACE.match(text, _SPACE.match(text, at).end() + 1).end()    # past ":"
        if name == key:
            found = at
        _, at = decoder.raw_decode(text, at)
        at = _SPACE.match(text, at).end()
        at += text.startswith(",", at)


def _element_starts(text: str, at: int):
    """Where each element of the JSON array at text[at:] starts (valid JSON, as above)."""
    decoder = json.JSONDecoder()
    at = _SPACE.match(text, at + 1).end()
    while not text.startswith("]", at):
        yield at
        _, at = decoder.raw_decode(text, at)
        at = _SPACE.match(text, at).end()
        at = _SPACE.match(text, at + text.startswith(",", at)).end()


def _error(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return "not valid JSON: nested too deeply"
    if not isinstance(exc, json.JSONDecodeError):   # Python reads at most 4,300 digits
        return "not valid JSON: a number too long to read"
    if exc.msg == "Extra data":
        return ("several JSON values one after another: put them in a JSON array, or one "
                "object on each line")
    return f"not valid JSON: {exc.msg} (column {exc.colno})"


def _lines(text: str, source: str, diags: Diagnostics) -> list[tuple[int, object, int]]:
    """JSON Lines: (line, value, where it starts in the text) for each line that is not
    blank. Lines end at "\n" only: U+2028 in a string is text."""
    values = []
    at = 0
    for number, line in enumerate(text.split("\n"), start=1):
        at, start = at + len(line) + 1, at
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line), start))
        except json.JSONDecodeError as exc:
            diags.error(source, number, "", f"not valid JSON: {exc.msg} (column {exc.colno})")
        except (RecursionError, ValueError) as exc:
            diags.error(source, number, "", _error(exc))
    return values


def _one_object(text: str, source: str, diags: Diagnostics) -> list | None:
    """A file that is one JSON object over several lines (doi.org's answer for one
    paper, pretty-printed), or None for JSON Lines (its first line a whole object)."""
    stripped = text.strip()
    if not stripped.startswith("{") or "\n" not in stripped:
        return None
    try:
        json.loads(stripped.split("\n", 1)[0])
        return None
    except (RecursionError, ValueError):
        pass
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        diags.error(source, exc.lineno, "", _error(exc))
        return []
    except (RecursionError, ValueError) as exc:
        diags.error(source, 1, "", _error(exc))
        return []
    at = len(text) - len(text.lstrip())
    return [(text.count("\n", 0, at) + 1, value, at)]


_SPACE = re.compile(r"\s*")


def _array(text: str, source: str, diags: Diagnostics) -> list[tuple[int, object, int]]:
    """A JSON array: (line where it starts, value, where it starts in the text) for each
    element, read one by one so that each paper has its line."""
    decoder = json.JSONDecoder()
    values: list[tuple[int, object, int]] = []
    at = _SPACE.match(text, text.index("[") + 1).end()
    line, counted = 1, 0     # the line at `counted`
    try:
        closed = text.startswith("]", at)
        at += closed
        while not closed:
            value, end = decoder.raw_decode(text, at)
            line, counted = line + text.count("\n", counted, at), at
            values.append((line, value, at))
            at = _SPACE.match(text, end).end()
            closed = text.startswith("]", at)
            if not closed and not text.startswith(",", at):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
            at = _SPACE.match(text, at + 1).end()
    except json.JSONDecodeError as exc:   # (no "Extra data": each value is read alone)
        diags.error(source, exc.lineno, "", _error(exc))
        return []
    except (RecursionError, ValueError) as exc:
        diags.error(source, line + text.count("\n", counted, at), "", _error(exc))
        return []
    if text[at:].strip():
        line += text.count("\n", counted, at)
        diags.error(source, line, "", "not valid JSON: text after the array's end")
        return []
    return values
