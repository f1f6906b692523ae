"""Runs the stages in order: load → validate → resolve → route → render → index → commit.

Each stage is a plain function of the previous one's output. Rendering runs in worker
processes (forked after the catalog is built, so nothing is pickled but results); every
file goes through the writer's staging folder, and the live output changes only in the
final commit.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .aside import remove_abandoned
from .catalog import Catalog, build_catalog
from .changes import (fingerprints, input_signature, load_state, nothing_changed,
                      pages_to_render, quiet_path, quiet_state, save_quiet_state, save_state,
                      select_tasks, state_path)
from .config import SiteConfig
from . import fragments
from .forking import RunDealer, available_cores, in_children, in_runs
from .memo import PaperMemo
from .diagnostics import BuildError, Diagnostic, Diagnostics
from .loading import LoadedContent, ParseCache, load_content, read_bytes, static_files
from .outputs.bibtex import collection_bibtex, paper_bibtex
from .outputs.feeds import atom_feed
from .outputs.metadata import csl_item
from .outputs.sitemap import host_files, sitemap_files
from .rendering import THEME, Renderer, make_environment
from .routing import Route, Router, home_shows, plan_routes
from .validate import Content, validate_content
from .views import Views

CACHE_DIR = ".papersite-cache"


@dataclass
class BuildOptions:
    site_dir: Path
    output: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int | None = None
    search: bool = True
    check_links: bool = False
    use_cache: bool = True


@dataclass
class BuildReport:
    output: Path
    pages: int = 0
    files: int = 0
    written: int = 0
    removed: int = 0
    seconds: float = 0.0
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)   # output files written this time
    rendered: int = 0                                    # pages and files rendered
    counts: dict[str, int] = field(default_factory=dict)  # site_counts, when it prepared one

    def summary(self) -> str:
        return (f"Built {self.pages:,} pages ({self.files:,} files, {self.written:,} written, "
                f"{self.removed:,} removed) into {self.output} in {self.seconds:.2f} s")


@dataclass
class Site:
    """Everything known about a site before rendering: the output of `prepare`."""

    site_dir: Path
    content: Content
    catalog: Catalog
    routes: list[Route]
    router: Router
    diagnostics: Diagnostics

    @property
    def config(self) -> SiteConfig:
        return self.catalog.config


@contextlib.contextmanager
def without_cycle_collector():
    """The cyclic garbage collector paused, and left as it was found. Loading,
    validating and resolving make millions of objects and almost no garbage cycles, and
    the collector's passes over the growing heap were about a third of validating and
    resolving (10,000 papers: 1.3 to 0.8 s); a whole build runs paused too (`build`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        else:
            gc.disable()   # what was inside may have turned it on (snapshot.py)


def prepare(site_dir: Path, drafts: bool = False, strict: bool = False,
            base_url: str | None = None, use_cache: bool = True,
            timings: dict | None = None, files: list | None = None,
            sources: list | None = None, jobs: int | None = None) -> Site:
    """Load, validate, resolve and route; raise BuildError with every problem found.
    `files` and `sources`: see load_content; `jobs`: processes that parse (default: the
    cores this process may use)."""
    with without_cycle_collector():
        return _prepare(Path(site_dir), drafts, strict, base_url, use_cache, timings, files,
                        sources, jobs)


def _prepare(site_dir: Path, drafts: bool, strict: bool, base_url: str | None,
             use_cache: bool, timings: dict | None, files: list | None,
             sources: list | None, jobs: int | None) -> Site:
    timings = timings if timings is not None else {}
    if not site_dir.is_dir():
        raise BuildError([Diagnostic(str(site_dir), message="site folder not found")])
    diags = Diagnostics()
    t0 = time.perf_counter()
    cache = ParseCache(site_dir / CACHE_DIR / "parsed.json" if use_cache else None)
    loaded = load_content(site_dir, diags, cache, jobs=jobs, files=files, sources=sources)
    # Saved while the content is resolved, and let go: at 100,000 papers the cache holds
    # every file's parse (about 350 MB as objects), and the catalog can take its place.
    saved = cache.save_meanwhile()
    cache = None
    timings["load"] = time.perf_counter() - t0
    try:
        site = resolve(site_dir, loaded, diags, drafts, strict, base_url, timings)
    except BaseException as exc:
        saved(interrupted=not isinstance(exc, BuildError))
        raise
    saved()
    return site


def resolve(site_dir: Path, loaded: LoadedContent, diags: Diagnostics, drafts: bool = False,
            strict: bool = False, base_url: str | None = None,
            timings: dict | None = None) -> Site:
    """Validate, resolve and route loaded content; raise BuildError with every problem."""
    with without_cycle_collector():
        return _resolve(site_dir, loaded, diags, drafts, strict, base_url, timings)


def _resolve(site_dir: Path, loaded: LoadedContent, diags: Diagnostics, drafts: bool,
             strict: bool, base_url: str | None, timings: dict | None) -> Site:
    timings = timings if timings is not None else {}
    t0 = time.perf_counter()
    content = validate_content(loaded, diags, drafts=drafts, static=site_dir / "static",
                               base_url=base_url)
    timings["validate"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    catalog = build_catalog(content, diags)
    router = Router(content.config.base_path, content.config.origin)
    routes = plan_routes(catalog, diags)
    timings["resolve"] = time.perf_counter() - t1
    if strict:
        diags.apply_strict()
    if diags.has_errors:
        raise BuildError(diags)
    return Site(site_dir, content, catalog, routes, router, diags)


# --- files besides pages ------------------------------------------------------------------


def file_tasks(catalog: Catalog, pages: set[tuple] | None = None) -> list[Route]:
    """Every generated non-HTML file: BibTeX, feeds, CSL-JSON. Given pages (as
    `changes.pages_showing` names them), only the files that follow them: what
    `select_tasks` picks from all the files, without making all of them (a text edit at
    100,000 papers renders about 40 of 190,000)."""
    if pages is None:
        papers = [e.id for e in catalog.entries]
        people, series, tags = catalog.people, catalog.series, catalog.tags
    elif not pages:
        return []
    else:
        scopes = {(page[0], page[1]) for page in pages}
        papers, people, series, tags = (sorted(key for kind, key in scopes if kind == wanted)
                                        for wanted in ("paper", "person", "series", "tag"))
    tasks = [Route("site_bib", None, "papers.bib"), Route("site_csl", None, "papers.json"),
             Route("feed", ("site", None), "feed.xml")]
    tasks += [Route("paper_bib", pid, f"papers/{pid}.bib") for pid in papers]
    for key in people:
        tasks += [Route("person_bib", key, f"authors/{key}/papers.bib"),
                  Route("feed", ("person", key), f"authors/{key}/feed.xml")]
    tasks += [Route("feed", ("series", k), f"venues/{k}/feed.xml") for k in series]
    tasks += [Route("feed", ("tag", k), f"tags/{k}/feed.xml") for k in tags]
    return tasks


def produce_file(task: Route, catalog: Catalog, router: Router) -> bytes | list[bytes]:
    """A file's bytes; BibTeX collections and the site's CSL-JSON as a list of parts (see
    OutputWriter.stage: at 100,000 papers each site-wide file is 50–150 MB, not joined
    in memory)."""
    kind = task.kind
    if kind == "paper_bib":
        return paper_bibtex(catalog.by_id[task.key], catalog).encode()
    if kind == "person_bib":
        return collection_bibtex(catalog.people[task.key].papers, catalog)
    if kind == "site_bib":
        return collection_bibtex(catalog.entries, catalog)
    if kind == "site_csl":
        return _csl_json(catalog, router)
    if kind == "feed":
        scope, key = task.key
        title = catalog.config.title
        if scope == "site":
            return atom_feed(title, "feed.xml", "", catalog.entries, router, title,
                             catalog.tags).encode()
        if scope == "person":
            p = catalog.people[key]
            return atom_feed(f"{p.name} — {title}", task.output, f"authors/{key}/", p.papers,
                             router, title, catalog.tags).encode()
        if scope == "series":
            s = catalog.series[key]
            return atom_feed(f"{s.name} — {title}", task.output, f"venues/{key}/", s.papers,
                             router, title, catalog.tags).encode()
        t = catalog.tags[key]
        return atom_feed(f"{t.name} — {title}", task.output, f"tags/{key}/", t.papers,
                         router, title, catalog.tags).encode()
    raise ValueError(f"unknown file kind {kind}")  # pragma: no cover


def _csl_json(catalog: Catalog, router: Router) -> list[bytes]:
    """papers.json: a JSON array with one paper's item per line, made one item at a time
    (the whole list and the encoder's pieces took about 1 GB at 100,000 papers). Each item
    is memoised per catalog and router, as BibTeX entries are. Compact lines, not an
    indented layout: json.dumps with `indent` runs Python's own encoder, three times
    slower than its C one (1 s of a 10,000-paper build), and the file is 10% smaller."""
    import json
    memo = csl_memo.of(catalog, router)
    parts = []
    for e in catalog.entries:
        part = memo.get(e.id)
        if part is None:
            part = memo[e.id] = json.dumps(csl_item(e, catalog, router), ensure_ascii=False,
                                           sort_keys=True, separators=(",", ":")).encode()
        parts += (b",\n", part)
    if not parts:
        return [b"[]\n"]
    parts[0] = b"[\n"   # written part by part: no copy of the file (150 MB at 100,000)
    parts.append(b"\n]\n")
    return parts


csl_memo = PaperMemo()   # a paper's CSL-JSON item in papers.json, per catalog and router


# --- rendering in workers ----------------------------------------------------------------

_work: dict = {}


# Tasks a worker takes at a time. Pages cost from 0.05 ms to over 100 ms (an author of
# thousands of papers): dealt out in turn before the fork, one worker ended up to 2 s
# after the other at 100,000 papers, with the other core idle.
CHUNK = 64


def _render_share(index: int) -> list[tuple[str, str, bool]]:
    """Worker body: take the next chunk of tasks no worker has taken, render and stage
    it, until none is left. State comes from the fork, the dealer's file too."""
    tasks = _work["tasks"]
    results = []
    for start in _work["dealer"].runs():
        results += _render_list(tasks[start:start + CHUNK])
    return results


def _render_list(tasks: list[Route]) -> list[tuple[str, str, bool]]:
    site: Site = _work["site"]
    writer = _work["writer"]
    renderer = _work["renderer"]
    results = []
    for task in tasks:
        if task.kind in _FILE_KINDS:
            data = produce_file(task, site.catalog, site.router)
        else:
            data = renderer.render(task)
        results.append(writer.stage(task.output, data))
    return results


_FILE_KINDS = {"paper_bib", "person_bib", "site_bib", "site_csl", "feed"}
_SITE_FILES = {"site_bib", "site_csl"}


# Papers a process takes at a time when making their pieces (about 30 ms).
FRAGMENTS_RUN = 200


def _share_fragments(site: Site, renderer: Renderer, jobs: int) -> None:
    """Each paper's repeated pieces made once, in parallel, before the render workers
    fork (see fragments.py): those the children made are taken into this process's
    memos, where those it made itself already are."""
    papers = site.catalog.entries
    runs = in_runs(len(papers), FRAGMENTS_RUN,
                   lambda start, stop: fragments.make(site, renderer, papers[start:stop]), jobs,
                   keep_mine=False)
    for start in sorted(runs):
        fragments.adopt(site, renderer, runs[start])


def make_renderer(site: Site, env=None) -> Renderer:
    """A renderer for the site, its templates compiled (`env`: a Jinja environment to
    reuse, as a preview does while the templates stay the same)."""
    env = env or make_environment(site.site_dir, site.site_dir / CACHE_DIR)
    renderer = Renderer(Views(site.catalog, site.router), env, site.site_dir)
    renderer.warm()
    return renderer


def render_all(site: Site, writer, jobs: int, pages=None, renderer: Renderer | None = None,
               keep: bool = True) -> int:
    """Render the pages (kind, key) given, or all; returns how many were rendered.

    The files of pages not given are carried over from the last build (`keep`), or left
    out of this build's writer (a preview's partial commit)."""
    tasks, kept = select_tasks(site.routes + file_tasks(site.catalog), pages)
    if keep:
        tasks += [task for task in kept if not writer.keep(task.output)]
    return render_tasks(site, writer, jobs, tasks, renderer or make_renderer(site))


def render_tasks(site: Site, writer, jobs: int, tasks: list[Route], renderer: Renderer) -> int:
    """Render and stage the tasks, in forked workers when there are many.

    With workers, this process makes the site-wide BibTeX and CSL-JSON files itself
    meanwhile: they are made of every paper's entry, which it then keeps (memoised), so
    that a preview's next rebuild makes only the edited papers' entries again."""
    _work.clear()
    _work.update(site=site, writer=writer, renderer=renderer)
    try:
        if jobs <= 1 or len(tasks) < 400 or not hasattr(os, "fork"):
            results = [_render_list(tasks)]
        else:
            here = [task for task in tasks if task.kind in _SITE_FILES]
            _work["tasks"] = [task for task in tasks if task.kind not in _SITE_FILES]
            frozen_by_caller = gc.get_freeze_count() > 0   # the caller unfreezes it
            gc.collect()
            gc.freeze()  # children share the catalog's pages instead of copying them
            try:
                if len(tasks) > len(site.catalog.entries):   # most of the site, not an edit
                    _share_fragments(site, renderer, jobs)
                    gc.freeze()
                dealer = _work["dealer"] = RunDealer(len(_work["tasks"]), CHUNK)
                try:
                    results = in_children(_render_share, jobs, lambda: _render_list(here))
                finally:
                    dealer.close()
            finally:
                if not frozen_by_caller:
                    gc.unfreeze()
        for share in results:
            for item in share:
                writer.record(*item)
    finally:
        _work.clear()
    return len(tasks)


def copy_static(site: Site, writer) -> None:
    """Theme assets, then the site's static/ (a same-named site file wins)."""
    files = static_files(THEME / "static")
    files.update(static_files(site.site_dir / "static", site.site_dir))
    for rel, path in sorted(files.items()):
        if rel in writer.new:
            raise BuildError([Diagnostic(f"static/{rel}", message=(
                "has the same output path as a generated page; rename it"))])
        writer.put(rel, read_bytes(path))


class Interrupted(Exception):
    pass


def _raise_interrupted(signum, frame):
    raise Interrupted()


def build(options: BuildOptions, progress=None) -> BuildReport:
    """Build a site into its output folder. Raises BuildError; the old output stays.

    The build and the processes it forks run without the cyclic garbage collector. What
    they make is freed by reference counting: rendering every file of a 10,000-paper site
    left no cycle to collect, and the sample site's 1,105 files left 660 objects. At
    100,000 papers the collector walked what came after the frozen model (the workers'
    results, the manifest, the state) for about 3 s of the build process's time, most of
    it after the workers were done, on one core, and freed nothing."""
    with without_cycle_collector():
        return _build(options, progress)


def _build(options: BuildOptions, progress) -> BuildReport:
    from .writer import OutputWriter

    from . import snapshot

    start, started = time.perf_counter(), time.time_ns()
    timings: dict[str, float] = {}
    site_dir = Path(options.site_dir)
    output = output_folder(options)
    say = progress or (lambda message: None)
    state_file = state_path(site_dir, output, CACHE_DIR)
    quiet_file = quiet_path(state_file)
    inputs, sources = None, []
    if options.use_cache:
        remove_abandoned(site_dir / CACHE_DIR)
    # A snapshot of the last build, for a change of papers' text (snapshot.py). The
    # templates' and static files' signatures are taken before anything is read.
    signatures = snapshot.inputs_now(site_dir) if snapshot.wanted(options) else None
    if options.use_cache and not options.check_links:
        found = (snapshot.start_build(options, signatures, say, start, started)
                 if signatures is not None else None)
        if isinstance(found, BuildReport):
            return found
        if found is not None:   # the content files as the snapshot's check found them
            inputs, sources = found.inputs, found.sources or []
        else:
            inputs = input_signature(site_dir, _options_key(options), sources)
            report = (_unchanged_build(output, site_dir, quiet_file, inputs, say, start)
                      if inputs is not None else None)
            if report is not None:
                return report
    # A new snapshot only when no file changed too recently to be told apart later by its
    # size and time.
    keep_snapshot = signatures is not None and inputs is not None
    files: list | None = [] if keep_snapshot else None
    saving = None
    writer = OutputWriter(output, _display(output, site_dir))
    # The site's model is most of the heap and lives to the build's end: frozen, a
    # collection (render_tasks) skips it, and forked children do not write to its pages.
    site = prepare(site_dir, options.drafts, options.strict, options.base_url,
                   options.use_cache, timings, files, sources or None, options.jobs)
    gc.freeze()
    try:
        with writing(writer):
            writer.open(wait_message=say)
            t = time.perf_counter()
            current = fingerprints(site, options.drafts, options.search)
            last = (load_state(state_file, writer.old_token)
                    if options.use_cache and writer.old else None)
            pages = pages_to_render(site.catalog, last, current)
            timings["plan"] = time.perf_counter() - t
            kept = snapshot.kept_files(site, files, started) if files is not None else None
            files = None
            # The records as loaded served the errors' positions and the fingerprints: the
            # render workers, forked next, need not carry them (about 30% of the memory).
            site.content.origins.clear()
            if pages is None:
                _made_before_forking(site.catalog)
            if kept is not None:   # pickled by a child while this process renders
                saving = snapshot.start_saving(site, options, kept, current, signatures,
                                               writer)
            kept = None
            renderer = make_renderer(site)
            rendered = write_site(site, writer, options, pages, say, timings, renderer)
            snapshot.save_pieces(saving, site, renderer)   # the memos hold every paper's now
            renderer = None
            fragments.forget()   # what the build memoised of each paper, before the commit
            csl_memo.forget()
            t = time.perf_counter()
            changed = sorted(writer.changed)
            written, removed = writer.commit()
            with _committed():
                if options.use_cache:
                    save_state(state_file, current, writer.token)
                if inputs is not None:
                    save_quiet_state(quiet_file, inputs, writer.token, len(site.routes),
                                     site.diagnostics.warnings)
                elif options.use_cache:
                    with contextlib.suppress(OSError):
                        quiet_file.unlink(missing_ok=True)
            timings["commit"] = time.perf_counter() - t
        with _committed():
            snapshot.finish_saving(saving, writer.token, timings)
            saving = None
            if options.use_cache:
                snapshot.forget_other_outputs(site_dir, output)
    finally:
        snapshot.cancel_saving(saving)
        gc.unfreeze()
    return BuildReport(output, pages=len(site.routes), files=len(writer.new), written=written,
                       removed=removed, seconds=time.perf_counter() - start,
                       warnings=site.diagnostics.warnings, timings=timings, changed=changed,
                       rendered=rendered, counts=site_counts(site))


def site_counts(site: Site) -> dict[str, int]:
    """What the site holds, as `check` reports it."""
    c = site.catalog
    return {"papers": len(c.entries), "authors": len(c.people), "venues": len(c.series),
            "tags": len(c.tags), "pages": len(site.routes)}


def _made_before_forking(catalog: Catalog) -> None:
    """What every process of a full build asks of the catalog, made here once before
    this process forks the snapshot's writer, the fragment makers and the render
    workers, which share it: the ranks of every list (for related papers and the pages
    of a list). Each process made its own, about 1 s of CPU in all at 10,000 papers.
    (The citation keys are made before too, by the fingerprints.)"""
    catalog.rank_all()


def _options_key(options: BuildOptions) -> str:
    """The options that shape a build's output (the output folder has its own state)."""
    return repr((options.drafts, options.strict, options.base_url, options.search))


def _unchanged_build(output: Path, site_dir: Path, quiet_file: Path, inputs: str, say,
                     start: float) -> BuildReport | None:
    """The report of a build that has nothing to do (see changes.nothing_changed), after
    checking under the output's lock; None when there is work."""
    from .writer import OutputWriter

    state = quiet_state(quiet_file, inputs)
    if state is None:
        return None   # other inputs: no need to read the output's manifest
    writer = OutputWriter(output, _display(output, site_dir))
    with writing(writer):
        writer.open(wait_message=say)
        unchanged = nothing_changed(state, writer)
        writer.abort()   # nothing staged: only the lock and an empty staging folder
    return quiet_report(state, output, len(writer.old), start) if unchanged else None


def quiet_report(state: dict, output: Path, files: int, start: float) -> BuildReport:
    """The report of a build with nothing to do, from the last build's quiet state."""
    warnings = [Diagnostic(path, line, name, message, "warning", strict)
                for path, line, name, message, strict in state.get("warnings", [])]
    return BuildReport(output, pages=state.get("pages", 0), files=files,
                       seconds=time.perf_counter() - start, warnings=warnings,
                       timings={"check": time.perf_counter() - start})


def output_folder(options: BuildOptions) -> Path:
    return Path(options.output) if options.output else Path(options.site_dir) / "_site"


@contextlib.contextmanager
def writing(writer):
    """Around a writer's work: SIGTERM raises like Ctrl-C (unless the build was started
    to ignore it), and an interrupt or a failure drops what was staged (the output stays
    as it was)."""
    handles = (threading.current_thread() is threading.main_thread()
               and signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN)
    previous = signal.signal(signal.SIGTERM, _raise_interrupted) if handles else None
    try:
        yield writer
    except (KeyboardInterrupt, Interrupted) as exc:
        writer.abort()
        raise KeyboardInterrupt(*exc.args) from None
    except BaseException:
        writer.abort()
        raise
    finally:
        if handles:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _committed():
    """After the commit the new site is in place, whatever comes next (what is saved to
    speed up the next build): an interrupt says so, rather than that the previous
    output is untouched."""
    try:
        yield
    except (KeyboardInterrupt, Interrupted):
        raise KeyboardInterrupt("the new site is in place; the next build may take "
                                "longer") from None


def write_site(site: Site, writer, options: BuildOptions, pages, say, timings: dict,
               renderer: Renderer | None = None) -> int:
    """Everything a build stages between planning and commit: the pages given (or all),
    the sitemap and host files, static files, the search index, the link check.
    Returns how many pages and files were rendered."""
    jobs = options.jobs or available_cores()
    say(f"rendering {len(site.routes) if pages is None else len(pages):,} pages")
    t = time.perf_counter()
    rendered = render_all(site, writer, jobs, pages, renderer)
    timings["render"] = time.perf_counter() - t
    repeated = home_shows(site.catalog)[2]   # canonical to the home page: not listed
    for rel, data in sorted(sitemap_files(site.routes, site.router, repeated).items()):
        writer.put(rel, data)
    for rel, data in sorted(host_files(site.config, site.router).items()):
        writer.put(rel, data)
    copy_static(site, writer)
    if options.search:
        t = time.perf_counter()
        from .outputs import search
        say("indexing for search")
        for rel, data in search.index_files(site, writer):
            writer.put(rel, data)
        timings["search"] = time.perf_counter() - t
    if options.check_links:
        from .outputs.links import check_staged_links
        problems = check_staged_links(writer, site.router, jobs)
        if problems:
            raise BuildError(problems, summary="broken links")
    return rendered


def _display(output: Path, site_dir: Path) -> str:
    try:
        return Path(os.path.abspath(output)).relative_to(
            Path(os.path.abspath(site_dir))).as_posix()
    except ValueError:
        return str(output)
