"""A site kept in memory between the preview's rebuilds.

`pipeline.build` starts from nothing: it reads and hashes every content file, validates,
resolves and routes the whole site, and reads the output's manifest before it renders
anything (about 3.5 s at 10,000 papers). The preview calls `Session.rebuild` on every
save instead, which keeps what the last build made and redoes what the change needs:

- Content files are loaded one by one and kept per file with their size, time and inode;
  a rebuild looks at every file's and re-reads those that differ or that the watcher
  named.
- When only papers' text changed (each keeps its place in every list: see
  `Catalog.replace_paper`), the new papers replace the old ones in the catalog, the
  routes stay, only the pages that show them are rendered (`changes.pages_showing`) by a
  renderer whose templates stay compiled, and the writer commits those files with its
  manifest kept in memory. This is the path of an edited title or abstract.
- Anything else (site.yaml, templates, the theme or the engine, profiles, venues, tags,
  free pages, a paper added, removed or moved in a list, an error) takes the full path:
  validate, resolve and route the kept records again, and render what
  `changes.pages_to_render` says, as `build` would.

Either way the output is byte for byte what `build` makes of the same content (the
tests apply sequences of edits and compare), and a failed rebuild leaves the output and
the kept site as they were.

`build` itself restores a session from the last build's snapshot on disk (snapshot.py)
and takes the text-edit path only (`rebuild_text`): it keeps no records for the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .changes import (Fingerprints, fingerprints, pages_showing, pages_to_render,
                      paper_fingerprint, select_tasks, template_signature)
from .diagnostics import BuildError, Diagnostic, Diagnostics
from .loading import (FileLoad, LoadedContent, ParseCache, assemble, load_files,
                      source_files, tree_signature)
from . import pipeline
from .outputs import bibtex, feeds
from .pipeline import (CACHE_DIR, BuildOptions, BuildReport, Site, _display, copy_static,
                       file_tasks, make_renderer, output_folder, render_tasks, resolve,
                       write_site, writing)
from .rendering import Renderer, make_environment
from .validate import validate_content
from .views import Views
from .writer import OutputWriter


class _FullPath(Exception):
    """The change needs the full path (raised before anything is modified)."""


NeedsFullBuild = _FullPath


@dataclass
class Session:
    """What the last good build made, kept for the next rebuild."""

    options: BuildOptions
    loads: dict[str, FileLoad] = field(default_factory=dict)   # as last read
    built: dict[str, FileLoad] = field(default_factory=dict)   # as of the last good build
    site: Site | None = None
    fingerprints: Fingerprints | None = None   # of the site in the output
    manifest: dict | None = None               # the output's, after the last commit
    templates: str = ""                        # template_signature at the last good build
    static: tuple = ()                         # tree_signature of static/ then
    files_of: dict[str, list[str]] = field(default_factory=dict)   # paper file → ids
    env: object = None                         # the Jinja environment, templates compiled
    entries: dict | None = None                # list entries rendered (Renderer.entries)
    warnings: list[Diagnostic] = field(default_factory=list)
    restructure: bool = False                  # a citation key changed since fingerprints
    cache: ParseCache | None = None
    # Restored from disk by a build (snapshot.py) rather than kept by a preview: the
    # output's manifest is read and written as a file, and `token` says which build the
    # output must hold.
    on_disk: bool = False
    token: str | None = None

    def __post_init__(self) -> None:
        self.site_dir = Path(self.options.site_dir)
        self.output = output_folder(self.options)
        if self.options.use_cache and not self.on_disk:
            self.cache = ParseCache(self.site_dir / CACHE_DIR / "parsed.json")

    # --- the entry point -------------------------------------------------------------------

    def rebuild(self, named=(), progress=None) -> BuildReport:
        """Bring the output up to date with the site folder; raises BuildError (the
        output and the kept site stay as they were). `named`: site-relative paths the
        watcher saw change, re-read whatever their size and time say."""
        start = time.perf_counter()
        timings: dict[str, float] = {}
        with pipeline.without_cycle_collector():
            scan, templates, static = self._reload(named, timings)
            try:
                report = self._text_edit(scan, templates, static, timings)
            except _FullPath:
                report = self._full(scan, templates, static, timings, progress)
        report.seconds = time.perf_counter() - start
        return report

    def rebuild_text(self, sources=None, signatures=None) -> BuildReport:
        """The text-edit path only, for a session restored from disk (which keeps no
        records to take the full path with): raises NeedsFullBuild when the change is
        more than papers' text, before the output is touched. `sources`: the content
        files with their signatures, and `signatures`: the templates' and static files'
        (`snapshot.inputs_now`), when the caller has just looked at them."""
        start = time.perf_counter()
        timings: dict[str, float] = {}
        scan, templates, static = self._reload((), timings, sources, signatures)
        report = self._text_edit(scan, templates, static, timings)
        report.seconds = time.perf_counter() - start
        return report

    def _reload(self, named, timings: dict, sources=None, signatures=None
                ) -> tuple[Diagnostics, str, tuple]:
        """Look at every content file; re-read those that differ from the last reading
        or that the watcher named. Returns the scan's problems and the signatures of the
        templates and static files."""
        start = time.perf_counter()
        if not self.site_dir.is_dir():
            raise BuildError([Diagnostic(str(self.site_dir), message="site folder not found")])
        scan = Diagnostics()
        if sources is None:
            sources = source_files(self.site_dir, scan, signatures=True)
        named = set(named)
        unread = [source for source in sources if source.rel in named
                  or (old := self.loads.get(source.rel)) is None or old.source != source]
        # A first build reads every file: in parallel, as `build` does.
        read = load_files(unread, self.site_dir, Diagnostics(), self.cache, self.options.jobs)
        fresh = {load.source.rel: load for load in read}
        self.loads = {source.rel: fresh[source.rel] if source.rel in fresh
                      else self.loads[source.rel] for source in sources}
        timings["load"] = time.perf_counter() - start
        templates, static = signatures or (template_signature(self.site_dir),
                                           tree_signature(self.site_dir / "static"))
        return scan, templates, static

    # --- the full path -----------------------------------------------------------------------

    def _full(self, scan: Diagnostics, templates: str, static: tuple, timings: dict,
              progress) -> BuildReport:
        options = self.options
        say = progress or (lambda message: None)
        diags = Diagnostics()
        diags.extend(scan.items)
        for load in self.loads.values():
            diags.extend(load.problems)
        site = resolve(self.site_dir, assemble(list(self.loads.values())), diags,
                       options.drafts, options.strict, options.base_url, timings)
        if self.cache is not None and self.site is None:
            self.cache.save()      # the first build's parsed files, for the next start
        t = time.perf_counter()
        if self.env is None or templates != self.templates:
            self.env = make_environment(self.site_dir, self.site_dir / CACHE_DIR)
        renderer = make_renderer(site, self.env)
        current = fingerprints(site, options.drafts, options.search)
        previous = self.fingerprints
        if previous is not None and self.restructure and self.site is not None:
            # A text edit changed citation keys: the structure part is recomputed from
            # the site the output holds (the global part cannot be: it names templates).
            now = fingerprints(self.site, options.drafts, options.search)
            previous = Fingerprints(previous.global_, now.structure, now.papers)
        pages = pages_to_render(site.catalog, previous if self.manifest is not None else None,
                                current)
        timings["plan"] = time.perf_counter() - t
        writer = OutputWriter(self.output, _display(self.output, self.site_dir))
        with writing(writer):
            writer.open(wait_message=say, manifest=self.manifest)
            rendered = write_site(site, writer, options, pages, say, timings, renderer)
            t = time.perf_counter()
            changed = sorted(writer.changed)
            written, removed = writer.commit()
            timings["commit"] = time.perf_counter() - t
        self.site, self.fingerprints = site, current
        self.entries = renderer.entries
        self.manifest, self.templates, self.static = writer.manifest, templates, static
        self.built = dict(self.loads)
        self.restructure = False
        self.files_of = papers_by_file(site.content.origins)
        self.warnings = site.diagnostics.warnings
        return BuildReport(self.output, pages=len(site.routes), files=len(writer.new),
                           written=written, removed=removed, warnings=self.warnings,
                           timings=timings, changed=changed, rendered=rendered)

    # --- the fast path: papers' text ----------------------------------------------------------

    def _changed(self) -> list[str]:
        """Content files whose content differs from the last good build's."""
        changed = [rel for rel, load in self.loads.items()
                   if load.digest is None or rel not in self.built
                   or self.built[rel].digest != load.digest]
        return changed + [rel for rel in self.built if rel not in self.loads]

    def _text_edit(self, scan: Diagnostics, templates: str, static: tuple,
                   timings: dict) -> BuildReport:
        """Re-render what shows the papers whose text changed; _FullPath if the change
        is more than that. Nothing is modified before the change is known to fit."""
        site, options = self.site, self.options
        if site is None or options.search or scan.items or templates != self.templates \
                or self.manifest is None or not self.output.is_dir():
            raise _FullPath()
        if [rel for rel, _, _ in static] != [rel for rel, _, _ in self.static]:
            raise _FullPath()      # a static file added or removed: check for clashes
        t = time.perf_counter()
        changed = self._changed()
        ids, warnings = self.patch(changed)
        timings["resolve"] = time.perf_counter() - t
        try:
            return self._render_some(pages_showing(site.catalog, sorted(ids)),
                                     static != self.static, warnings, changed, timings)
        except BaseException:
            # Half changed: the next rebuild starts afresh and renders every page (the
            # writer still writes only what differs from the output).
            self.site = self.fingerprints = self.entries = None
            raise

    def patch(self, changed: list[str]) -> tuple[set[str], list[Diagnostic]]:
        """Put the papers of these changed files in place in the catalog: the ids of the
        papers whose pages must be rendered again, and the site's warnings now.
        _FullPath when a file holds more than new text for the same papers."""
        site, options = self.site, self.options
        papers, warnings = [], [d for d in self.warnings if d.path not in changed]
        for rel in changed:
            load, old = self.loads.get(rel), self.built.get(rel)
            if load is None or old is None or load.source.kind != "paper" or load.problems:
                raise _FullPath()
            diags = Diagnostics()
            part = validate_content(LoadedContent(
                self._site_record(), load.records, [], [], [], [], {}, set()), diags,
                drafts=options.drafts, static=site.site_dir / "static",
                base_url=options.base_url)
            if options.strict:
                diags.apply_strict()
            mine = [d for d in diags.items if d.path == rel]
            if any(d.severity == "error" for d in mine):
                raise _FullPath()
            # A warning of the file that validation does not give came from resolving
            # the catalog (a venue that nearly names one, an author written family name
            # first): only a full resolve gives it again, at its line now.
            again = {(d.field, d.message) for d in mine}
            if any((d.field, d.message) not in again for d in self.warnings
                   if d.path == rel):
                raise _FullPath()
            ids = [key[len("paper:"):] for key in part.origins if key.startswith("paper:")]
            shown = [pid for pid in self.files_of.get(rel, []) if pid in site.catalog.by_id]
            if sorted(ids) != sorted(self.files_of.get(rel, [])) or \
                    sorted(p.id for p in part.papers) != sorted(shown):
                raise _FullPath()
            papers += [(p, part.origins[f"paper:{p.id}"]) for p in part.papers]
            warnings += [d for d in mine if d.severity == "warning"]
        catalog = site.catalog
        papers = [(p, record) for p, record in papers if p != catalog.by_id[p.id].paper]
        stems = {p.id: _key_stem(catalog.by_id[p.id]) for p, _ in papers}
        keys = bibtex.citation_keys(catalog) if papers else {}
        self._replace([p for p, _ in papers])
        ids = {p.id for p, _ in papers}
        try:
            for paper, record in papers:
                site.content.origins[f"paper:{paper.id}"] = record
                if self.fingerprints is not None:
                    self.fingerprints.papers[paper.id] = paper_fingerprint(record)
            site.content.papers = [catalog.by_id[p.id].paper if p.id in ids else p
                                   for p in site.content.papers]
            if any(_key_stem(catalog.by_id[pid]) != stems[pid] for pid in ids):
                # A citation key may have changed, and with it the suffixes of others.
                bibtex._key_memo = None
                new_keys = bibtex.citation_keys(catalog)
                ids |= {pid for pid, key in new_keys.items() if keys.get(pid) != key}
                self.restructure = True
            _forget(catalog, site.router, ids, self.entries)
        except BaseException:
            self.site = self.fingerprints = self.entries = None
            raise
        return ids, warnings

    def _replace(self, papers: list) -> None:
        """Replace the papers in the catalog, all or none (then _FullPath)."""
        catalog = self.site.catalog
        olds = []
        try:
            for paper in papers:
                olds.append(catalog.by_id[paper.id].paper)
                if not catalog.replace_paper(paper):
                    olds.pop()
                    raise _FullPath()
            for paper in papers:   # again, now that their neighbours are new too
                if not catalog.replace_paper(paper):
                    raise _FullPath()
        except _FullPath:
            for old in olds:
                catalog.by_id[old.id].paper = old
            raise

    def _site_record(self):
        site = self.built.get("site.yaml") or self.built.get("site.yml")
        return site.records[0] if site is not None and site.records else None

    def _render_some(self, pages: set, static_changed: bool, warnings: list,
                     changed: list[str], timings: dict) -> BuildReport:
        site = self.site
        t = time.perf_counter()
        tasks = select_tasks(site.routes, pages)[0] + file_tasks(site.catalog, pages)
        writer = OutputWriter(self.output, _display(self.output, self.site_dir))
        with writing(writer):
            writer.open(manifest=self.manifest)
            if self.on_disk and writer.output_token() != self.token:
                raise _FullPath()   # another build wrote the output since it was checked
            # A new renderer and views (cheap; the environment keeps the compiled
            # templates): what they memoise of the papers is made afresh, but for the
            # list entries of papers that did not change.
            renderer = Renderer(Views(site.catalog, site.router), self.env, self.site_dir,
                                self.entries)
            self.entries = renderer.entries
            rendered = render_tasks(site, writer, 1, tasks, renderer)
            if static_changed:
                copy_static(site, writer)
            timings["render"] = time.perf_counter() - t
            t = time.perf_counter()
            written_files = sorted(writer.changed)
            written, removed = writer.commit(partial=True, write_manifest=self.on_disk)
            timings["commit"] = time.perf_counter() - t
        self.manifest, self.token = writer.manifest, writer.token
        self.built.update((rel, self.loads[rel]) for rel in changed)
        self.warnings = sorted(set(warnings))
        return BuildReport(self.output, pages=len(site.routes), files=len(self.manifest),
                           written=written, removed=removed, warnings=self.warnings,
                           timings=timings, changed=written_files, rendered=rendered)


def papers_by_file(origins: dict) -> dict[str, list[str]]:
    """Which papers each paper file holds, from the records they were validated from."""
    found: dict[str, list[str]] = {}
    for key, record in origins.items():
        if key.startswith("paper:"):
            found.setdefault(record.path, []).append(key[len("paper:"):])
    return found


def _key_stem(entry) -> tuple:
    """What a paper's citation key is made of (outputs.bibtex): its own BibTeX entry's
    key, or its first author's family name, year and first title word. When neither
    changed, no paper's key changed."""
    raw = bibtex._raw_key(entry.paper.bibtex) if entry.paper.bibtex else None
    return (raw.group(1) if raw else None, bibtex._base_key(entry))


def _forget(catalog, router, ids: set[str], entries: dict | None) -> None:
    """Drop what was made of these papers from the memos that outlive a build while the
    catalog and router objects stay the same: BibTeX entries and keys, feed entries and
    CSL-JSON items (memoised per catalog or router: for a one-off build, made once), and
    the session's list entries."""
    for memo, owners in ((bibtex.entry_memo, (catalog,)), (feeds.memo, (router,)),
                         (pipeline.csl_memo, (catalog, router))):
        if memo.owned_by(*owners):
            memo.forget(ids)
    for kept in (entries or {}).values():
        for pid in ids:
            kept.pop(pid, None)
