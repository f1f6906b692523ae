"""What to re-render: compares this build's content with the last build's.

Between route and render. A full render happens when anything global changed (site.yaml,
templates, the theme, the engine, profiles, venues, tags, free pages) or when any paper
moved in a list (added, removed, new authors, venue, tags, year or sort keys). Otherwise
only the papers whose text changed are re-rendered, through the catalog's explicit map
of the pages that show each paper (`Catalog.pages_of`). Every skipped page must still be
intact in the output, or it is rendered after all; the result is always byte-identical
to a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .aside import write_aside
from .catalog import Catalog, Entry
from .loading import data_digest
from .outputs.bibtex import citation_keys
from .routing import Route

STATE_VERSION = 1
_ENGINE = Path(__file__).parent


def _hash(*parts: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _tree_hash(folder: Path, suffixes: tuple[str, ...]) -> str:
    """Hash of the names, sizes and mtimes of files under folder (cheap, no reads)."""
    if not folder.is_dir():
        return ""
    items = []
    for dirpath, _, files in os.walk(folder):
        for name in files:
            if name.endswith(suffixes):
                p = os.path.join(dirpath, name)
                st = os.stat(p)
                items.append(f"{os.path.relpath(p, folder)}:{st.st_size}:{st.st_mtime_ns}")
    return _hash(*sorted(items))


@dataclass
class Fingerprints:
    """What a build's output depends on, hashed at three levels."""

    global_: str
    structure: str
    papers: dict[str, str] = field(default_factory=dict)


def template_signature(site_dir: Path) -> str:
    """The engine (its code, theme templates and assets) and the site's templates."""
    return _hash(_tree_hash(_ENGINE, (".py", ".html", ".css", ".js")),
                 _tree_hash(Path(site_dir) / "templates", (".html", ".xml", ".txt")))


def paper_fingerprint(record) -> str:
    """A paper's data as written (its text as much as its place): the digest its loader
    made, or made now for a record that has none."""
    if record is None:
        return data_digest({})
    return record.digest or data_digest(record.data)


def fingerprints(site, drafts: bool, search: bool) -> Fingerprints:
    content = site.content
    catalog: Catalog = site.catalog
    others = [json.dumps([m.model_dump(mode="json") for m in group], sort_keys=True)
              for group in (content.profiles, content.venues, content.tags, content.pages)]
    global_ = _hash(__version__, template_signature(site.site_dir),
                    content.config.model_dump_json(),
                    str(drafts), str(search), *others)
    keys = citation_keys(catalog)
    # The order of every list, and what places each paper in lists (not its text).
    orders = [",".join(e.id for e in catalog.entries)]
    orders += [",".join(e.id for e in items) for items in catalog.listings.values()]
    # People's names are derived from every byline (the most common spelling of a name
    # without a profile): shown on many pages, they change with the lists' shapes.
    names = [f"{k}:{p.name}:{','.join(p.variants)}" for k, p in catalog.people.items()]
    fields = sorted({f.lstrip("+-") for spec in catalog.config.listings
                     for f in [*spec.sort, *spec.filter]})
    structure = _hash(*orders, *names,
                      *[_structure(e, keys[e.id], fields) for e in catalog.entries])
    papers = {e.id: paper_fingerprint(content.origins.get(f"paper:{e.id}"))
              for e in catalog.entries}
    return Fingerprints(global_, structure, papers)


def _structure(e: Entry, key: str, listing_fields: list[str]) -> str:
    """The facts that place a paper in lists: if none changed, no list changes shape.
    `listing_fields`: the paper fields the site's listings filter and sort by."""
    p = e.paper
    return "|".join([e.id, repr(p.year), e.month or "", e.venue or "", e.type,
                     ",".join([b.person or "" for b in e.bylines]), ",".join(e.tags), key,
                     *[repr(getattr(p, f, None)) for f in listing_fields]])


def output_key(output: Path) -> str:
    """What names the files a build keeps for one output folder (its state here, its
    snapshot in snapshot.py): a hash of the folder's path."""
    return _hash(os.path.abspath(output))[:12]


def state_path(site_dir: Path, output: Path, cache_dir: str) -> Path:
    return site_dir / cache_dir / f"render-{output_key(output)}.json"


def load_state(path: Path, output: str | None = None) -> Fingerprints | None:
    """The last build's fingerprints, if the output still holds that build (`output`
    is the writer's token): another site or a concurrent build may have written it since."""
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("version") != STATE_VERSION or data.get("output") != output:
            return None
        return Fingerprints(data["global"], data["structure"], data["papers"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_state(path: Path, fp: Fingerprints, output: str | None = None) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_aside(path, json.dumps({"version": STATE_VERSION, "global": fp.global_,
                                      "structure": fp.structure, "papers": fp.papers,
                                      "output": output}, sort_keys=True))
    except OSError:
        pass  # without state the next build is a full one; nothing is lost


def pages_to_render(catalog: Catalog, previous: Fingerprints | None,
                    current: Fingerprints) -> set[tuple[str, object]] | None:
    """The (kind, key) pages to re-render, or None for everything."""
    if previous is None or previous.global_ != current.global_ \
            or previous.structure != current.structure:
        return None
    changed = [pid for pid, h in current.papers.items() if previous.papers.get(pid) != h]
    return pages_showing(catalog, changed)


def pages_showing(catalog: Catalog, ids) -> set[tuple]:
    """The pages that show these papers, when their text changed but not their place.

    `Catalog.pages_of` names every paper page near the paper in a shared author's or
    tag's list (any of them may list it under "more by these authors" or "related by
    tags"); of those, only the pages whose lists do hold it are kept. Those lists depend
    on places alone, so they are the same before and after a change of text."""
    pages: set[tuple] = set()
    for pid in ids:
        entry = catalog.by_id[pid]
        for page in catalog.pages_of(entry):
            if page[0] == "paper" and page[1] != pid:
                other = catalog.by_id[page[1]]
                shown = catalog.more_by_authors(other) + catalog.related_by_tags(other)
                if all(e is not entry for e in shown):
                    continue
            pages.add(page)
    return pages


def select_tasks(tasks: list[Route], pages: set[tuple] | None
                 ) -> tuple[list[Route], list[Route]]:
    """Split tasks into (render, keep) for the given pages; files follow their page."""
    if pages is None:
        return tasks, []
    kinds = {page[0] for page in pages}
    # (kind, key), or (kind, key, page number) for one page of a paginated list
    keys = {(page[0], tuple(page[1]) if isinstance(page[1], list) else page[1], *page[2:])
            for page in pages}
    scopes = {key[:2] for key in keys}
    render, keep = [], []
    for task in tasks:
        if _affected(task, keys, kinds, scopes):
            render.append(task)
        else:
            keep.append(task)
    return render, keep


def _affected(task: Route, keys: set, kinds: set, scopes: set) -> bool:
    kind, key = task.kind, task.key
    if kind in ("site_bib", "site_csl"):
        return bool(kinds)
    if kind == "feed":
        scope, k = key
        if scope == "site":
            return bool(kinds)
        return ({"person": "person", "series": "series", "tag": "tag"}[scope], k) in scopes
    if kind == "paper_bib":
        return ("paper", key) in keys
    if kind == "person_bib":
        return ("person", key) in keys
    return (kind, key) in keys or (kind, key, task.page) in keys


# --- a build with nothing to do --------------------------------------------------------
#
# Loading, validating and resolving a site of 100,000 papers takes about half a minute
# even with every file's parse cached. When nothing a build reads has changed since the
# last build into the same output, and that output is exactly as the build left it, the
# result would be the same bytes: the build stops after checking, as make does.

_LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "latex2mathml", "pydantic",
              "pyyaml", "python-slugify", "text-unidecode")


# A file changed this close to the start of a build may have changed again since, within
# one tick of the file system's clock and to the same size: such a build is not trusted
# to be the last word (git calls such files "racily clean").
RACY_SECONDS = 0.05


def input_signature(site_dir: Path, options: str, sources: list | None = None) -> str | None:
    """Everything a build reads, by name, size, mtime and inode (no file is read): the
    content files, static files and templates, the engine and the versions of the
    libraries that shape its output, and the build's options. None when a file changed
    too recently to tell by its mtime. `sources`: a list that receives the content files
    found (loading.SourceFile, with their signatures)."""
    from importlib import metadata

    from .diagnostics import Diagnostics
    from .loading import source_files, tree_signature

    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    started = time.time_ns()
    scan = Diagnostics()
    found = source_files(Path(site_dir), scan, signatures=True)
    if sources is not None and not scan.items:   # a link out of the site: the build says so
        sources.extend(found)
    content = [f"{s.rel}:{s.signature}" for s in found]
    # Static files, and templates whatever their names: by name, size and mtime.
    trees = [tree_signature(Path(site_dir) / "static"),
             tree_signature(Path(site_dir) / "templates")]
    newest = max([s.signature[1] for s in found if len(s.signature) == 3]
                 + [mtime for tree in trees for _, _, mtime in tree] + [0])
    if newest > started - RACY_SECONDS * 1e9:
        return None
    static, templates = ([f"{rel}:{size}:{mtime}" for rel, size, mtime in tree]
                         for tree in trees)
    return _hash(__version__, *versions, template_signature(site_dir), options,
                 *content, "static", *static, "templates", *templates)


def quiet_path(state_file: Path) -> Path:
    return state_file.with_name("inputs-" + state_file.name.removeprefix("render-"))


def save_quiet_state(path: Path, signature: str, token: str | None, pages: int,
                     warnings: list) -> None:
    """What the next build needs to tell that it has nothing to do."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_aside(path, json.dumps({"version": STATE_VERSION, "inputs": signature,
                                      "output": token, "pages": pages,
                                      "warnings": [[d.path, d.line, d.field, d.message,
                                                    d.strict] for d in warnings]}))
    except OSError:
        pass   # the next build does the work instead


def quiet_state(path: Path, signature: str) -> dict | None:
    """The last build's state if its inputs were these (see `nothing_changed`)."""
    try:
        state = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION \
            or state.get("inputs") != signature or state.get("output") is None:
        return None
    return state


def nothing_changed(state: dict, writer) -> bool:
    """Whether this build would write exactly what the output holds: the last build's
    `quiet_state` had the same inputs, and the output is as that build left it (its
    manifest, and every file's size and mtime as the manifest says). `writer` is open,
    its manifest read."""
    return state.get("output") == writer.old_token and output_intact(writer)


def output_intact(writer) -> bool:
    """Whether every file of the output's manifest is there at the size and mtime the
    manifest says (a file edited or removed by hand is not)."""
    if not writer.old:
        return False
    root = os.path.join(str(writer.output), "")
    for rel, (_, size, mtime) in writer.old.items():
        try:
            st = os.stat(root + rel)
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True
