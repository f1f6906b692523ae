"""Resolve stage: names to people, venue strings to series, tags; indexes and metrics.

A name is not a person: a paper's author list holds names as printed (`Byline`); the
catalog decides which `Person` each belongs to, through one index of profile names and
aliases. Everything here is computed once, in memory, before anything is rendered, so
the output never depends on the order files were read in.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterable

from .diagnostics import Diagnostics
from .model import PAPER_TYPES, AuthorEntry, Paper, Profile, TagInfo, Venue, default_type
from .names import is_single_word, normalise, slugify, unique_slugs
from .pickling import by_fields
from .validate import Content

RELATED = 5   # papers in the "more by these authors" and "related by tags" lists


@by_fields
@dataclass(slots=True)
class Byline:
    """One name in a paper's author list, and the person it resolved to (if any)."""

    name: str
    person: str | None          # the person's key, None when shown unlinked
    entry: AuthorEntry
    is_owner: bool = False


@by_fields
@dataclass(slots=True)
class Entry:
    """A paper with everything resolved: the unit every page lists."""

    paper: Paper
    bylines: list[Byline]
    venue: str | None            # venue series key
    type: str
    tags: list[str]              # tag keys
    month: str | None            # "2025-11" when the date is known
    # The paper's id, kept here: a paper's id does not change while it is listed, and
    # `entry.id` is asked millions of times (every list's ranks, every entry's link).
    # Read through `paper`, a pydantic model, it cost about 1 µs a time at 100,000
    # papers, mostly in memory reads.
    id: str = field(init=False, compare=False)
    _linked: tuple[str, ...] | None = field(default=None, init=False, compare=False,
                                            repr=False)

    def __post_init__(self) -> None:
        self.id = self.paper.id

    def linked(self) -> tuple[str, ...]:
        """The keys of its linked authors, each once, in byline order: what author pages
        and co-author counts are made of. Made when first asked (the bylines do not
        change): the catalog asks for every paper's, and an edit's restored snapshot
        only for the few papers it shows (1.8 µs a paper, 0.18 s at 100,000)."""
        if self._linked is None:
            self._linked = tuple(dict.fromkeys([b.person for b in self.bylines if b.person]))
        return self._linked

    @property
    def year(self) -> int | None:
        return self.paper.year

    @property
    def date(self) -> dt.date | None:
        return self.paper.date


@by_fields
@dataclass(slots=True)
class Person:
    key: str
    name: str
    profile: Profile | None
    variants: list[str] = field(default_factory=list)
    papers: list[Entry] = field(default_factory=list)


@dataclass(slots=True)
class Series:
    """A venue series (CVPR); `editions` maps a year to that edition's papers."""

    key: str
    name: str
    short: str | None
    venue: Venue | None          # None when the venue string matched no venues.yaml entry
    papers: list[Entry] = field(default_factory=list)
    editions: dict[int, list[Entry]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass(slots=True)
class Tag:
    key: str
    name: str
    description: str | None
    papers: list[Entry] = field(default_factory=list)


@dataclass(slots=True)
class Metrics:
    papers: int
    citations: int | None
    h_index: int | None
    i10_index: int | None
    counted: bool = False   # some figure is counted from this site's papers, not given


@dataclass
class Catalog:
    """The resolved site: the input of routing and views."""

    config: object
    entries: list[Entry]                    # newest first
    by_id: dict[str, Entry]
    people: dict[str, Person]
    series: dict[str, Series]
    tags: dict[str, Tag]
    years: dict[int, list[Entry]]
    undated: list[Entry]
    listings: dict[str, list[Entry]]
    pages: list
    owner: str | None
    redirects: dict[str, str]               # old paper id → current id
    rank: dict[str, int] = field(init=False, repr=False)   # id → place in `entries`
    _rank_lists: dict = field(init=False, repr=False)
    _name_ranks: dict | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Every list of entries is sorted like `entries`, so a paper's place there (its
        # rank) orders any of them: ints to compare instead of sort keys to build.
        self.rank = {e.id: i for i, e in enumerate(self.entries)}
        self._rank_lists = {}
        self._name_ranks = None

    def metrics(self, person: Person) -> Metrics | None:
        """Paper count, citations, h-index and i10 (by hand when the profile gives them).

        Shown only when the profile gives a value or some paper has a citation count.
        """
        counts = [e.paper.citations for e in person.papers if e.paper.citations is not None]
        profile = person.profile
        given = profile and any(v is not None for v in
                                (profile.citations, profile.h_index, profile.i10_index))
        if not counts and not given:
            return None
        ranked = sorted(counts, reverse=True)
        h = sum(1 for i, c in enumerate(ranked, 1) if c >= i)
        computed = (sum(counts), h, sum(1 for c in counts if c >= 10)) if counts else (None,) * 3

        def pick(value, fallback):
            return value if value is not None else fallback

        by_hand = [getattr(profile, name, None) if profile else None
                   for name in ("citations", "h_index", "i10_index")]
        return Metrics(
            papers=len(person.papers),
            citations=pick(by_hand[0], computed[0]),
            h_index=pick(by_hand[1], computed[1]),
            i10_index=pick(by_hand[2], computed[2]),
            counted=any(mine is None and theirs is not None
                        for mine, theirs in zip(by_hand, computed)),
        )

    def coauthors(self, person: Person) -> list[tuple[Person, int]]:
        """Linked co-authors with the number of shared papers, most frequent first, then
        by name. Counted and sorted in C (two stable sorts, by name and then by count):
        an author page's co-authors were 85 of its 400 µs at 100,000 papers."""
        counts = Counter(chain.from_iterable([entry.linked() for entry in person.papers]))
        counts.pop(person.key, None)
        by_name = sorted(counts, key=self._name_order().__getitem__)
        return [(self.people[k], counts[k])
                for k in sorted(by_name, key=counts.__getitem__, reverse=True)]

    def _name_order(self) -> dict[str, int]:
        """Each person's place in the order of names (one place for a shared name), made
        once per process."""
        if self._name_ranks is None:
            names = sorted({p.name for p in self.people.values()})
            place = {name: i for i, name in enumerate(names)}
            self._name_ranks = {k: place[p.name] for k, p in self.people.items()}
        return self._name_ranks

    def venue_counts(self, papers: Iterable[Entry]) -> list[tuple[Series, int]]:
        counts = Counter(e.venue for e in papers if e.venue)
        return [(self.series[k], n) for k, n in
                sorted(counts.items(), key=lambda kv: (-kv[1], self.series[kv[0]].label))]

    def year_counts(self, papers: Iterable[Entry]) -> list[tuple[int, int]]:
        counts = Counter(e.year for e in papers if e.year is not None)
        return sorted(counts.items())

    def more_by_authors(self, entry: Entry, limit: int = RELATED) -> list[Entry]:
        """Papers sharing the most linked authors with this one, nearest in time first."""
        return self._neighbours(entry, [self._ranks("person", b.person) for b in entry.bylines
                                        if b.person], limit)

    def related_by_tags(self, entry: Entry, limit: int = RELATED) -> list[Entry]:
        return self._neighbours(entry, [self._ranks("tag", t) for t in entry.tags], limit)

    def pages_of(self, entry: Entry) -> set[tuple]:
        """Every page that shows this paper, as (page kind, key), or (kind, key, page) for
        the one page of a paginated list it is on: the explicit map an incremental build
        re-renders from when the paper's text changes but not its place in any list (its
        authors, venue, tags, year and sort keys are the same).
        """
        per = self.config.paginate
        pages: set[tuple] = {("paper", entry.id), ("home", None),
                             ("papers", None, _page_of(self.rank[entry.id], per))}
        people = [*entry.linked()]
        people += [k for k, p in self.people.items()
                   if p.profile and entry.id in p.profile.papers]
        for key in people:
            pages.add(("person", key))
        if entry.venue:
            pages.add(("series", entry.venue, self._page_in("series", entry.venue, entry)))
            if entry.year is not None:
                pages.add(("edition", (entry.venue, entry.year)))
        pages.update(("tag", t, self._page_in("tag", t, entry)) for t in entry.tags)
        if entry.year is not None:
            pages.add(("year", entry.year, self._page_in("year", entry.year, entry)))
        for spec in self.config.listings:
            at = next((i for i, e in enumerate(self.listings[spec.slug]) if e is entry), None)
            if at is not None:
                pages.add(("listing", spec.slug, _page_of(
                    at, spec.paginate if spec.paginate is not None else per)))
        # Papers whose "more by these authors" / "related by tags" may show this one:
        # those within the look-around window of it in a shared group.
        groups = [self._ranks("person", k) for k in people] + [self._ranks("tag", t)
                                                                 for t in entry.tags]
        window = RELATED * 2
        me = self.rank[entry.id]
        for ranks in groups:
            at = bisect_left(ranks, me)
            pages.update(("paper", self.entries[r].id) for r in
                         ranks[max(0, at - window): at + window + 1])
        return pages

    def replace_paper(self, paper: Paper) -> bool:
        """Put a new version of a paper in place of the old one, if the change leaves it
        in the same place in every list: the same authors, venue, type, tags, date,
        redirects and values of the fields listings filter by, and the same neighbours
        in `entries` and in every listing. False (the catalog untouched) when it must be
        built again. A preview's edit of a title or an abstract takes this path."""
        entry = self.by_id.get(paper.id)
        if entry is None:
            return False
        old = entry.paper
        if (paper.authors != old.authors or paper.venue != old.venue or paper.tags != old.tags
                or paper.year != old.year or paper.date != old.date or paper.draft != old.draft
                or paper.redirect_from != old.redirect_from
                or _paper_type(paper, self.series.get(entry.venue) if entry.venue else None)
                != entry.type):
            return False
        filters = {f for spec in self.config.listings for f in spec.filter}
        if any(getattr(paper, f, None) != getattr(old, f, None) for f in filters):
            return False
        moved = Entry(paper, entry.bylines, entry.venue, entry.type, entry.tags, entry.month)
        key, rank = _sort_key(moved), self.rank[paper.id]
        if (rank > 0 and not _sort_key(self.entries[rank - 1]) < key) or (
                rank + 1 < len(self.entries) and not key < _sort_key(self.entries[rank + 1])):
            return False
        for spec in self.config.listings:     # the same neighbours in every listing
            items = self.listings[spec.slug]
            at = next((i for i, e in enumerate(items) if e is entry), None)
            if at is not None and (
                    (at > 0 and not self._listed_before(items[at - 1], moved, spec))
                    or (at + 1 < len(items)
                        and not self._listed_before(moved, items[at + 1], spec))):
                return False
        entry.paper = paper
        return True

    def _listed_before(self, a: Entry, b: Entry, listing) -> bool:
        """Whether `select` puts a before b: by their groups, then by each sort field in
        turn, missing values last, then in the order of `entries`."""
        by = listing.group_by
        if by != "none":
            x, y = (group_rank(field_value(e, by), by, self.series) for e in (a, b))
            if x != y:
                return x < y
        for spec in listing.sort:
            name = spec.lstrip("+-")
            x, y = _sortable(field_value(a, name)), _sortable(field_value(b, name))
            if x is None or y is None:
                if (x is None) != (y is None):
                    return y is None
            elif x != y:
                return x > y if spec.startswith("-") else x < y
        return self.rank[a.id] < self.rank[b.id]

    def _page_in(self, kind: str, key, entry: Entry) -> int:
        """The page of a person's, tag's, venue's or year's list that shows entry."""
        return _page_of(bisect_left(self._ranks(kind, key), self.rank[entry.id]),
                        self.config.paginate)

    def _ranks(self, kind: str, key) -> list[int]:
        """The ranks of a person's, tag's, venue's or year's papers, in list order (made
        once per process)."""
        ranks = self._rank_lists.get((kind, key))
        if ranks is None:
            papers = self.years[key] if kind == "year" else {
                "person": self.people, "tag": self.tags, "series": self.series}[kind][key].papers
            ranks = self._rank_lists[kind, key] = [self.rank[e.id] for e in papers]
        return ranks

    def rank_all(self) -> None:
        """Every list's ranks, made now: a snapshot keeps them (snapshot.py), and an edit
        restored from it looks up the lists of the papers near the edited one."""
        for kind, groups in (("person", self.people), ("tag", self.tags),
                             ("series", self.series), ("year", self.years)):
            for key in groups:
                self._ranks(kind, key)

    def _neighbours(self, entry: Entry, groups: list[list[int]], limit: int) -> list[Entry]:
        # Look only at the papers next to this one in each (date-sorted) group: linear in
        # the window, not in the size of the group, so large tags stay cheap.
        me = self.rank[entry.id]
        window = limit * 2
        near: list[int] = []
        for ranks in groups:
            at = bisect_left(ranks, me)
            near += ranks[max(0, at - window): at + window + 1]
        score = Counter(near)
        score.pop(me, None)
        # Most shared first, then by rank: ranks in order, then a stable sort by count
        # (two sorts in C; a heap of (-count, rank) tuples took a quarter longer).
        best = sorted(sorted(score), key=score.__getitem__, reverse=True)[:limit]
        return [self.entries[r] for r in best]


def _page_of(index: int, per: int | None) -> int:
    """The page (from 1) of a paginated list that holds its index-th item."""
    return index // per + 1 if per else 1


def _sort_key(entry: Entry):
    """Newest first; undated last; then by title and id for a stable order."""
    p = entry.paper
    year = p.year if p.year is not None else -1
    ordinal = p.date.toordinal() if p.date else 0
    return (-year, -ordinal, p.title.casefold(), p.id)


# --- building ------------------------------------------------------------------------------


class _ProfileIndex:
    """Normalised name or alias → profile ids claiming it."""

    def __init__(self, profiles: list[Profile]):
        self.by_id = {p.id: p for p in profiles}
        self.by_name: dict[str, set[str]] = {}
        for p in profiles:
            for name in [p.name, *p.aliases]:
                self.by_name.setdefault(normalise(name), set()).add(p.id)

    def lookup(self, name: str) -> set[str]:
        return self.by_name.get(normalise(name), set())


def _resolve_people(content: Content, diags: Diagnostics
                    ) -> tuple[dict[str, list[Byline]], dict[str, Person]]:
    index = _ProfileIndex(content.profiles)
    owner = content.config.owner
    # Each distinct name is looked up once, not once per byline: 550,000 bylines at
    # 100,000 papers, 50,000 distinct names. A name given as plain text becomes one
    # AuthorEntry (they are frozen) and one Byline, shared by every paper that prints it
    # (nothing changes a byline once made; a snapshot pickles each one once).
    looked: dict[str, tuple[str | None, str | None, str | None]] = {}
    loose: dict[str, Counter[str]] = {}   # a person without a profile: spellings, uses
    # First pass: per paper, its names as given (a plain name, or an AuthorEntry with
    # the profile and the loose key it resolved to).
    given: dict[str, list] = {}
    turned: dict[str, str | None] = {}    # "Sun, Qianru" → the warning, if it is a profile's
    for paper in content.papers:
        rows: list = []
        for i, author in enumerate(paper.authors):
            name = author if author.__class__ is str else author.name
            if name is not author and author.id is not None:
                profile_id, key, problem = author.id, None, None
                if author.id not in index.by_id:
                    profile_id = None
                    if not content.exists(f"profile:{author.id}"):
                        problem = (f"authors[{i}].id", f"no author profile '{author.id}' "
                                   f"(expected content/authors/{author.id}.yaml)")
            else:
                found = looked.get(name)
                if found is None:
                    found = looked[name] = _look_up(name, index)
                profile_id, key, problem = found
                if problem is not None:
                    problem = (f"authors[{i}]", problem)
            if problem is not None:
                diags.error(*_where(content.origin(f"paper:{paper.id}"), i), *problem)
            if key is not None and "," in name:
                if name not in turned:
                    turned[name] = _family_first_of(name, index)
                if turned[name] is not None:
                    diags.warning(*_where(content.origin(f"paper:{paper.id}"), i),
                                  f"authors[{i}]", turned[name])
            if key is not None:
                spellings = loose.get(key)
                if spellings is None:
                    spellings = loose[key] = Counter()
                spellings[name] += 1
            rows.append(author if name is author else (author, profile_id, key))
        given[paper.id] = rows

    profile_keys = set(index.by_id)
    display = {key: _most_common(spellings) for key, spellings in loose.items()}
    loose_slugs = unique_slugs(display, taken=profile_keys)
    people: dict[str, Person] = {}
    for p in content.profiles:
        people[p.id] = Person(p.id, p.name, p, variants=list(p.aliases))
    for key, slug in loose_slugs.items():
        spellings = sorted(loose[key], key=lambda s: (-loose[key][s], s))
        people[slug] = Person(slug, display[key], None, variants=spellings[1:])

    def byline(entry: AuthorEntry, profile_id: str | None, key: str | None) -> Byline:
        person = profile_id or (loose_slugs[key] if key else None)
        # Names printed differently from the profile's name are its variants too.
        profiled = people.get(profile_id) if profile_id else None
        if profiled is not None and entry.name != profiled.name \
                and entry.name not in profiled.variants:
            profiled.variants.append(entry.name)
        return Byline(entry.name, person, entry, is_owner=bool(owner and person == owner))

    shared: dict[str, Byline] = {}
    bylines: dict[str, list[Byline]] = {}
    for paper_id, rows in given.items():
        out = []
        for row in rows:
            if row.__class__ is str:
                b = shared.get(row)
                if b is None:
                    profile_id, key, _ = looked[row]
                    b = shared[row] = byline(AuthorEntry(name=row), profile_id, key)
                out.append(b)
            else:
                out.append(byline(*row))
        bylines[paper_id] = out
    for person in people.values():
        person.variants.sort()
    return bylines, people


def _look_up(name: str, index: _ProfileIndex) -> tuple[str | None, str | None, str | None]:
    """A name given without an id: the profile it names, or else its key as a person
    without a profile (none for a single word, which cannot tell people apart); and the
    error when it names several profiles."""
    matches = index.lookup(name)
    if len(matches) > 1:
        return None, None, (f"'{name}' matches {len(matches)} author profiles "
                            f"({', '.join(sorted(matches))}); add `id:` to say which")
    if matches:
        return next(iter(matches)), None, None
    if is_single_word(name):
        return None, None, None
    return None, normalise(name), None


def _family_first_of(name: str, index: _ProfileIndex) -> str | None:
    """A name written "Last, First" as BibTeX has it, which names no profile but whose
    turned form does: the warning that says so, since as written it is a person of its
    own, with a page apart from the profile's. (Imports turn such names themselves.)"""
    family, _, given = name.partition(",")
    if "," in given or not family.strip() or not given.strip():
        return None
    matches = index.lookup(f"{given.strip()} {family.strip()}")
    if len(matches) != 1:
        return None
    profile = index.by_id[next(iter(matches))]
    return (f"'{name}' is written family name first, so it is not {profile.name}'s "
            f"profile ({profile.id}) but a person with an author page of their own; write "
            f"'{given.strip()} {family.strip()}' (or add '{name}' to the profile's aliases)")


def _where(record, i: int) -> tuple[str, int]:
    return (record.path, record.line_of(f"authors[{i}]")) if record else ("", 0)


def _most_common(spellings: Counter[str]) -> str:
    return sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _resolve_venues(content: Content, diags: Diagnostics) -> tuple[dict[str, str | None],
                                                                    dict[str, Series]]:
    lookup: dict[str, str] = {}
    for v in content.venues:
        for text in (v.id, v.short, v.name, *v.aliases):
            if not text:
                continue
            key = normalise(text)
            if key in lookup and lookup[key] != v.id:
                record = content.origin(f"venue:{v.id}")
                diags.error(record.path if record else "content/venues.yaml",
                            record.line if record else 0, "aliases",
                            f"'{text}' also names venue '{lookup[key]}'")
                continue
            lookup[key] = v.id
    series = {v.id: Series(v.id, v.name, v.short, v) for v in content.venues}
    first: dict[str, Paper] = {}   # each unknown venue's first paper
    for paper in content.papers:
        if paper.venue and normalise(paper.venue) not in lookup:
            first.setdefault(normalise(paper.venue), paper)
    unknown = {key: paper.venue for key, paper in first.items()}
    _warn_near_misses(first, content, diags)
    for key, slug in unique_slugs(unknown, taken=set(series)).items():
        series[slug] = Series(slug, unknown[key], None, None)
        lookup[key] = slug
    paper_venue = {p.id: (lookup[normalise(p.venue)] if p.venue else None)
                   for p in content.papers}
    return paper_venue, series


def _resolve_tags(content: Content) -> tuple[dict[str, str], dict[str, Tag]]:
    described = {normalise(t.name): t for t in content.tags}
    names: dict[str, str] = {}
    for paper in content.papers:
        for tag in paper.tags:
            names.setdefault(normalise(tag), tag)
    slugs = unique_slugs(names)
    tags = {}
    for key, slug in slugs.items():
        info: TagInfo | None = described.get(key)
        tags[slug] = Tag(slug, info.name if info else names[key],
                         info.description if info else None)
    return {k: slugs[k] for k in names}, tags


def _warn_near_misses(first: dict[str, Paper], content: Content, diags: Diagnostics) -> None:
    """A short venue that venues.yaml does not hold but nearly names ("CPVR" beside
    CVPR) gets its own venue page: a warning, at its first paper (`first`, by the
    venue's normalised name), says which was meant. (Not an error under --strict:
    "ICCVW" may be a venue of its own.)"""
    shorts = {normalise(t): t for v in content.venues for t in (v.id, v.short)
              if t and len(t) <= 15}
    if not shorts:
        return
    for key, paper in first.items():
        if len(key) > 15:
            continue
        meant = next((known for known in shorts if _slip_of(key, known)), None)
        if meant is not None:
            record = content.origin(f"paper:{paper.id}")
            diags.warning(record.path if record else "content",
                          record.line_of("venue") if record else 0, "venue",
                          f"'{paper.venue}' is not in venues.yaml (did you mean "
                          f"{shorts[meant]}?); it gets a venue page of its own")


def _slip_of(typed: str, known: str) -> bool:
    """Whether `typed` is `known` with two neighbouring letters swapped ("cpvr", "cvpr")
    or, in a name of six letters or more, one letter wrong, added or left out
    ("neurlps"). Short names one letter apart are often other venues (ACCV, ECCV)."""
    if typed == known:
        return False
    if len(typed) == len(known):
        diff = [i for i, (a, b) in enumerate(zip(typed, known)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and typed[diff[0]] == known[diff[1]] \
                and typed[diff[1]] == known[diff[0]]:
            return True
        return len(diff) == 1 and len(known) >= 6
    if abs(len(typed) - len(known)) != 1 or min(len(typed), len(known)) < 6:
        return False
    short, long_ = sorted((typed, known), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _paper_type(paper: Paper, series: Series | None) -> str:
    if paper.type:
        return paper.type
    return default_type(series.venue.type if series and series.venue else None,
                        paper.venue, paper.arxiv)


def build_catalog(content: Content, diags: Diagnostics) -> Catalog:
    """Resolve every cross-reference and build the indexes the pages are made from."""
    config = content.config
    bylines, people = _resolve_people(content, diags)
    paper_venue, series = _resolve_venues(content, diags)
    tag_of, tags = _resolve_tags(content)

    entries: list[Entry] = []
    for paper in content.papers:
        venue_key = paper_venue[paper.id]
        entries.append(Entry(
            paper=paper,
            bylines=bylines[paper.id],
            venue=venue_key,
            type=_paper_type(paper, series.get(venue_key) if venue_key else None),
            tags=list(dict.fromkeys(tag_of[normalise(t)] for t in paper.tags)),
            month=paper.date.strftime("%Y-%m") if paper.date else None,
        ))
    entries.sort(key=_sort_key)
    by_id = {e.id: e for e in entries}

    # Profiles claim papers whose author list does not name them ("et al.").
    claimed: dict[str, set[str]] = {}
    for profile in content.profiles:
        record = content.origin(f"profile:{profile.id}")
        for i, pid in enumerate(profile.papers):
            if pid not in by_id:
                if record and not content.exists(f"paper:{pid}"):
                    diags.error(record.path, record.line_of(f"papers[{i}]"), f"papers[{i}]",
                                f"no paper with id '{pid}'")
                continue
            claimed.setdefault(profile.id, set()).add(pid)

    years: dict[int, list[Entry]] = {}
    undated: list[Entry] = []
    for entry in entries:
        for key in entry.linked():
            people[key].papers.append(entry)
        if entry.venue:
            s = series[entry.venue]
            s.papers.append(entry)
            if entry.year is not None:
                s.editions.setdefault(entry.year, []).append(entry)
        for t in entry.tags:
            tags[t].papers.append(entry)
        if entry.year is None:
            undated.append(entry)
        else:
            years.setdefault(entry.year, []).append(entry)
    for key, ids in claimed.items():
        have = {e.id for e in people[key].papers}
        extra = [by_id[i] for i in ids if i not in have]
        if extra:
            people[key].papers = sorted(people[key].papers + extra, key=_sort_key)

    owner = config.owner
    if owner and owner not in people:
        record = content.origin("site")
        if not content.exists(f"profile:{owner}"):
            diags.error(record.path if record else "site.yaml",
                        record.line_of("owner") if record else 0, "owner",
                        f"no author profile '{owner}' (expected content/authors/{owner}.yaml)")
        owner = None

    redirects: dict[str, str] = {}
    for entry in entries:
        record = content.origin(f"paper:{entry.id}")
        for i, old in enumerate(entry.paper.redirect_from):
            if old in by_id or old in redirects:
                diags.error(record.path if record else "", record.line_of(
                    f"redirect_from[{i}]") if record else 0, f"redirect_from[{i}]",
                    f"'{old}' is the id of another paper or redirect")
                continue
            redirects[old] = entry.id

    listings = {spec.slug: select(entries, spec.filter, spec.sort, series, tag_of,
                                  spec.group_by, people) for spec in config.listings}
    _warn_unmatched_filters(config, listings, entries, series, tag_of, people,
                            content.origin("site"), diags)
    return Catalog(config, entries, by_id, dict(sorted(people.items())),
                   dict(sorted(series.items())), dict(sorted(tags.items())),
                   dict(sorted(years.items(), reverse=True)), undated, listings,
                   sorted(content.pages, key=lambda p: (p.nav_order if p.nav_order
                                                        is not None else 10**6, p.title)),
                   owner, dict(sorted(redirects.items())))


# --- listings --------------------------------------------------------------------------------


def field_value(entry: Entry, name: str):
    """The value of a paper field for filtering and sorting (derived fields included)."""
    if name == "month":
        return entry.month
    if name == "venue":
        return entry.venue
    if name == "type":
        return entry.type
    if name == "tags":
        return entry.tags
    if name == "authors" or name == "author":
        return [b.person or normalise(b.name) for b in entry.bylines]
    return getattr(entry.paper, name, None)


def _wanted(name: str, wanted, series: dict, tag_of: dict, people: dict) -> list:
    """A listing filter's values as field_value gives them: a tag's key, a venue's key
    (by its key, name, short name or alias, as a paper names it), the people an author
    filter names (by id, name or a spelling of it)."""
    values = wanted if isinstance(wanted, list) else [wanted]
    if name == "tags":
        return [tag_of.get(normalise(str(v)), slugify(str(v))) for v in values]
    if name == "venue":
        names = {normalise(text): key for key, s in series.items()
                 for text in (s.name, s.short, *(s.venue.aliases if s.venue else ()))
                 if text}
        return [str(v) if str(v) in series else names.get(normalise(str(v)), str(v))
                for v in values]
    if name in ("authors", "author"):
        ids, spelled = {str(v) for v in values}, {normalise(str(v)) for v in values}
        keys = {key for key, person in people.items()
                if key in ids or not spelled.isdisjoint(
                    normalise(n) for n in (person.name, *person.variants))}
        return sorted(keys) + sorted(spelled)   # (a name no page links: field_value's)
    return values


_NAMED_BY = {"tags": "a tag's name or key", "venue": "a venue's id, short or full name, or "
             "alias", "authors": "an author's id or name", "author": "an author's id or name"}


def _warn_unmatched_filters(config, listings: dict, entries: list[Entry], series: dict,
                            tag_of: dict, people: dict, record, diags: Diagnostics) -> None:
    """A listing filter's tag, venue or author that no paper of the site has: most
    likely a typo (`venue: CPVR`), which left the listing without those papers and said
    nothing. Only a warning, even under --strict: a listing may wait for papers to come.
    Not while the content has errors: the paper it names may be one refused for them."""
    if diags.has_errors:
        return
    for i, spec in enumerate(config.listings):
        chosen = listings[spec.slug]
        for name, wanted in spec.filter.items():
            if name not in _NAMED_BY:
                continue
            values = wanted if isinstance(wanted, list) else [wanted]
            for j, value in enumerate(values):
                passes = _passes(name, _wanted(name, [value], series, tag_of, people),
                                 people)
                if any(map(passes, chosen)) or any(map(passes, entries)):
                    continue
                field_name = f"listings[{i}].filter.{name}" + (
                    f"[{j}]" if isinstance(wanted, list) else "")
                diags.warning(record.path if record else "site.yaml",
                              record.line_of(field_name) if record else 0, field_name,
                              f"'{value}' matches no paper of the site (it is matched as "
                              f"{_NAMED_BY[name]}); check its spelling")


def _passes(name: str, values: list, people: dict):
    """Whether a paper passes one filter (`values` as _wanted gives them): its field has
    one of them, or, for an author filter, a person it names has the paper among theirs,
    as their page lists them, with those their profile claims (`papers:`, where the list
    ends in "et al." before their name)."""
    claimed = ({e.id for key in values if key in people for e in people[key].papers}
               if name in ("authors", "author") else set())
    return lambda e: _matches(e, name, values) or e.id in claimed


def _matches(entry: Entry, name: str, values: list) -> bool:
    have = field_value(entry, name)
    if isinstance(have, list):
        return any(v in have for v in values)
    if isinstance(have, dt.date):
        return any(str(v) == have.isoformat() for v in values)
    return any(v == have for v in values)


class _Last:
    """Sorts after every value, ascending or descending: missing values go last."""


def select(entries: list[Entry], filters: dict, sort: list[str], series: dict,
           tag_of: dict, group_by: str = "none", people: dict | None = None) -> list[Entry]:
    """A listing's papers in the order it shows them: group by group (see group_rank),
    and by `sort` within a group. Pages are cut from this order, so a group runs on over
    consecutive pages: a listing ranked by upvotes and grouped by month shows its newest
    month first, ranked, and page 2 goes on from there."""
    people = people or {}
    tests = [_passes(k, _wanted(k, v, series, tag_of, people), people)
             for k, v in filters.items()]
    chosen = [e for e in entries if all(passes(e) for passes in tests)]
    # Stable sorts from the last key to the first; missing values always last.
    for spec in reversed(sort):
        name = spec.lstrip("+-")
        descending = spec.startswith("-")
        present = [e for e in chosen if _sortable(field_value(e, name)) is not None]
        missing = [e for e in chosen if _sortable(field_value(e, name)) is None]
        present.sort(key=lambda e: _sortable(field_value(e, name)), reverse=descending)
        chosen = present + missing
    if group_by != "none":
        chosen.sort(key=lambda e: group_rank(field_value(e, group_by), group_by, series))
    return chosen


def group_rank(value, by: str, series: dict) -> tuple:
    """Where the group of papers whose field `by` has this value (field_value: a year, a
    month "2025-11", a date, a venue series key, a type) comes in a list: years, months
    and dates newest first, venues by name, types in the order of PAPER_TYPES (conference
    papers, journal articles, ...); "Undated" and "Other" last."""
    if value is None:
        return (1, 0)
    if by == "year":
        return (0, -value)
    if by == "date":
        return (0, -value.toordinal())
    if by == "month":
        year, month = value.split("-")
        return (0, -(int(year) * 12 + int(month)))
    if by == "venue":
        return (0, series[value].name.casefold(), value)
    if by == "type":
        return (0, PAPER_TYPES.index(value) if value in PAPER_TYPES else len(PAPER_TYPES))
    return (0, str(value))


def _sortable(value):
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(value) if value else None
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, dt.date):
        return value.toordinal()
    return value
