"""The context each page kind's template gets: small plain dicts, computed here.

Templates compute nothing: every URL, label, count and grouping is decided in this
module (facts about the data come from the catalog, facts about presentation from here).
Each list page names its papers by id; the renderer turns an id into the paper's list
entry once and reuses it on every page that lists it.
"""

from __future__ import annotations

import datetime as dt
from array import array

from .catalog import Catalog, Entry, Person, Series, field_value, group_rank
from .markup import plain_text, render_inline, render_markdown, render_title
from .model import doi_url
from .names import normalise, slugify, written_unspaced
from .outputs import metadata
from .outputs.bibtex import own_details, paper_bibtex
from .routing import Route, Router, home_shows

LINK_LABELS = {"pdf": "PDF", "code": "Code", "project": "Project", "data": "Data",
               "video": "Video", "slides": "Slides", "poster": "Poster",
               "supp": "Supplement", "appendix": "Appendix", "arxiv": "arXiv", "doi": "DOI"}
TYPE_LABELS = {"conference": "Conference paper", "journal": "Journal article",
               "workshop": "Workshop paper", "preprint": "Preprint", "thesis": "Thesis",
               "book": "Book", "chapter": "Book chapter", "report": "Report", "other": "Other"}
COAUTHORS_SHOWN = 12   # co-authors listed before "N more co-authors"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def month_label(month: str) -> str:
    year, m = month.split("-")
    return f"{MONTHS[int(m) - 1]} {year}"


def date_label(date: dt.date) -> str:
    return f"{MONTHS[date.month - 1][:3]} {date.day}, {date.year}"


PAGES_AROUND = 2   # page links shown on each side of the current page


def page_numbers(current: int, total: int, around: int = PAGES_AROUND) -> list[int]:
    """The page numbers a list's navigation links to: the first, the last and those
    around the current one, with 0 where pages are left out ("1 … 7 8 9 … 40"); a gap
    of a single page shows that page instead. Every page listing every other one made
    each page of a 2,000-page list 139 KB: 273 MB for all papers at 100,000 papers."""
    shown = sorted({1, total, *range(max(1, current - around),
                                     min(total, current + around) + 1)})
    numbers: list[int] = []
    for n in shown:
        if numbers and n - numbers[-1] == 2:
            numbers.append(n - 1)
        elif numbers and n - numbers[-1] > 2:
            numbers.append(0)
        numbers.append(n)
    return numbers


class LazyMarkdown:
    """A paper's abstract as HTML, rendered when a template first uses it. Every list entry
    carries it, but only the entries with abstracts show it, and markdown is the costly
    part of an entry (about 1 ms for an abstract with markup)."""

    __slots__ = ("text", "base", "_html")

    def __init__(self, text: str, base: str):
        self.text, self.base, self._html = text, base, None

    def __html__(self) -> str:
        if self._html is None:
            self._html = render_markdown(self.text, self.base)
        return self._html

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.__html__())


class Views:
    """Builds template contexts from the catalog, one method per page kind."""

    def __init__(self, catalog: Catalog, router: Router):
        self.catalog = catalog
        self.router = router
        self.config = catalog.config
        self.base = router.base
        self._owner = catalog.people.get(catalog.owner) if catalog.owner else None
        self._home = home_shows(catalog)
        self._site: dict | None = None
        self._last_entry: tuple | None = None   # (paper, its entry): see entry()
        self._spreads: dict[tuple, dict] = {}     # see _spread()

    # --- pieces shared by every page ------------------------------------------------------

    def site(self) -> dict:
        c = self.config
        r = self.router
        nav = c.nav
        if nav is None:
            items = [("Papers", "/papers/"), ("Authors", "/authors/"), ("Venues", "/venues/"),
                     ("Tags", "/tags/"), ("Years", "/years/")]
            items = [(s.title, f"/{s.slug}/") for s in c.listings] + items
            items += [(p.title, f"/{p.slug}/") for p in self.catalog.pages]
        else:
            items = [(n.title, n.url) for n in nav]
        return {
            "title": c.title,
            "description": c.description,
            "language": c.language,
            "base": self.base,
            "home_url": r.url(),
            "nav": [{"title": t, "url": self._site_url(u)} for t, u in items],
            "search_url": r.url("search/"),
            "feed_url": r.url("feed.xml"),
            "css_url": r.url("assets/papersite.css"),
            "icon_url": r.url("assets/favicon.svg"),
            "js_url": r.url("assets/papersite.js"),
            "bib_url": r.url("papers.bib"),
            "json_url": r.url("papers.json"),
        }

    def _site_url(self, url: str) -> str:
        """A link as validated (model.check_url): http(s) as it is; a path of this site
        under the base path; an anchor or a query as it is."""
        if url.startswith(("http://", "https://", "#", "?")):
            return url
        return self.router.url(url)

    def canonical(self, path: str) -> str:
        """A page's canonical address: its own, but the home page's for the page that the
        home page repeats (routing.home_shows)."""
        return self.router.absolute("" if path == self._home[2] else path)

    def _page(self, route: Route, title: str, description: str = "", feeds=(),
              meta=(), jsonld: str | None = None, noindex: bool = False,
              image: str | None = None, og_type: str = "website") -> dict:
        canonical = self.canonical(route.path)
        full_title = title if title == self.config.title else f"{title} · {self.config.title}"
        return {
            "kind": route.kind,
            "title": title,
            "full_title": full_title,
            "description": description or self.config.description,
            "canonical": canonical,
            "feeds": list(feeds),
            "meta": list(meta),
            "jsonld": jsonld,
            "noindex": noindex,
            "og_type": og_type,
            "image": image,
            "path": route.path,
        }

    # --- a paper as an entry in a list ----------------------------------------------------

    def entry(self, pid: str) -> dict:
        """What the list entry template shows for one paper (owner highlighted). The
        last one made is kept: a paper's list styles are rendered one after the other.
        Templates only read it."""
        e = self.catalog.by_id[pid]
        p = e.paper
        if self._last_entry is not None and self._last_entry[0] is p:
            return self._last_entry[1]
        made = self._entry(e)
        self._last_entry = (p, made)
        return made

    def _entry(self, e: Entry) -> dict:
        p = e.paper
        limit = self.config.author_list_limit
        authors = self._bylines(e)
        shown = authors if len(authors) <= limit + 1 else authors[:limit]
        if self._owner and not any(a["is_owner"] for a in shown):
            owner_rows = [a for a in authors if a["is_owner"]]
            shown = shown[:limit - 1] + owner_rows[:1] if owner_rows else shown
        hidden = len(authors) - len(shown)
        if hidden:
            _mark_last(shown)
        return {
            "id": p.id,
            "url": self.router.paper(p.id),
            "title_html": render_title(p.title, self.base),
            "authors": shown,
            "hidden_authors": hidden,
            "author_note": self._author_note(e),
            "venue": self._venue(e),
            "year": p.year,
            # A preprint without a venue says where it is: "arXiv 2024", not "2024".
            "year_label": (f"arXiv {p.year}" if e.type == "preprint" and p.arxiv
                           and p.year is not None else p.year),
            "date": date_label(p.date) if p.date else None,
            "date_iso": p.date.isoformat() if p.date else None,
            "type": e.type,
            "track": p.track,
            "category": p.category,
            "note": render_inline(p.note, self.base, math=False) if p.note else None,
            "links": self._links(e),
            "upvotes": p.upvotes,
            "organization": p.organization,
            "citations": p.citations,
            "abstract_html": LazyMarkdown(p.abstract, self.base) if p.abstract else None,
            "selected": p.selected,
        }

    def _bylines(self, e: Entry) -> list[dict]:
        """A paper's author rows, the last one marked (the theme's templates read
        `a.last` rather than Jinja's `loop.last`: its loop object was half the cost of a
        compact list entry, a tenth of a full one)."""
        return _mark_last([{"name": b.name,
                            "url": self.router.person(b.person) if b.person else None,
                            "is_owner": b.is_owner,
                            "equal": b.entry.equal_contribution,
                            "corresponding": b.entry.corresponding,
                            "affiliation": b.entry.affiliation} for b in e.bylines])

    def _author_note(self, e: Entry) -> str | None:
        p = e.paper
        if not e.bylines:
            return f"{p.author_count} authors" if p.author_count else "Authors not given"
        if p.et_al:
            return f"et al. ({p.author_count} authors)" if p.author_count else "et al."
        return None

    def _venue(self, e: Entry) -> dict | None:
        if not e.venue:
            return None
        s = self.catalog.series[e.venue]
        year = e.paper.year
        return {"label": s.label + (f" {year}" if year else ""),
                "name": s.name,
                "url": self.router.edition(s.key, year) if year else self.router.series(s.key),
                "series_url": self.router.series(s.key)}

    def _links(self, e: Entry) -> list[dict]:
        p = e.paper
        links = [{"label": LINK_LABELS.get(k.lower(), k.replace("_", " ").capitalize()),
                  "url": self._site_url(v) if v.startswith("/") else v}
                 for k, v in p.links.items()]
        labels = {k.lower() for k in p.links}
        if p.arxiv and "arxiv" not in labels:
            links.append({"label": "arXiv", "url": f"https://arxiv.org/abs/{p.arxiv}"})
        if p.doi and "doi" not in labels:
            links.append({"label": "DOI", "url": doi_url(p.doi)})
        return links

    # --- grouping -------------------------------------------------------------------------

    def groups(self, entries: list[Entry], by: str = "year",
               part: tuple | None = None) -> list[dict]:
        """Consecutive entries sharing a heading, e.g. papers by year ("Undated" last).

        `part` is (the whole list, where this page starts in it, the list's path, papers
        a page) when `entries` is one page of a longer list: a group then counts the whole
        list's papers (2024 has 52 papers, 34 of them on page 1 and 18 on page 2), says
        whether it began on an earlier page ("(continued)"), and links the page where it
        goes on."""
        if by == "none":
            return [{"heading": None, "anchor": None, "ids": [e.id for e in entries],
                     "count": len(entries), "continued": False, "more": None}]
        # Gather each group's entries, keeping the list's own order inside a group
        # (a listing ranked by upvotes and grouped by month stays ranked in each month).
        buckets: dict[object, list[str]] = {}
        for e in entries:
            buckets.setdefault(field_value(e, by), []).append(e.id)
        keys = sorted(buckets, key=lambda k: group_rank(k, by, self.catalog.series))
        if part:
            whole, start, path, per = part
            spread = self._spread(whole, by, path)
        out = []
        for value in keys:
            heading, anchor = self._heading(value, by)
            group = {"heading": heading, "anchor": anchor, "ids": buckets[value],
                     "count": len(buckets[value]), "continued": False, "more": None}
            if part:   # a list keeps a group's papers together (select)
                at = spread[value]          # where this group's papers are in the list
                group["count"] = len(at)
                group["continued"] = at[0] < start
                if at[-1] >= start + len(entries):
                    group["more"] = {"text": f"{heading} continues on the next page",
                                     "url": self.router.paged(path, start // per + 2)}
            out.append(group)
        return out

    def _spread(self, entries: list[Entry], by: str, path: str) -> dict:
        """Group value → the positions of its papers in a paginated list (ascending), made
        once per list and kept while its pages render."""
        key = (path, by)
        got = self._spreads.get(key)
        if got is None:
            got = {}
            for i, e in enumerate(entries):
                got.setdefault(field_value(e, by), array("l")).append(i)
            self._spreads[key] = got
        return got

    def _heading(self, value, by: str) -> tuple[str, str]:
        if value is None:
            return ("Undated" if by in ("year", "month", "date") else "Other", "other")
        if by == "month":
            return month_label(value), f"m{value}"
        if by == "date":
            return date_label(value), f"d{value.isoformat()}"
        if by == "venue":
            s = self.catalog.series[value]
            return s.name, f"v-{value}"
        if by == "type":
            return TYPE_LABELS.get(value, value), f"t-{value}"
        return str(value), f"y{value}"

    def _paged(self, route: Route, entries: list[Entry], path: str, by: str,
               per_page: int | None = None, first: bool = False) -> dict:
        """One page of a list: its groups, the navigation between pages and a line
        saying which page this is. `first`: the list's first page only, shown elsewhere
        (a home page), without the navigation."""
        per = self.config.paginate if per_page is None else per_page
        total = len(entries)
        start, shown = 0, entries
        if per and (route.pages > 1 or first) and total > per:
            start = (route.page - 1) * per
            shown = entries[start:start + per]
        r = self.router
        pages = None
        if route.pages > 1 and not first:
            pages = {
                "page": route.page,
                "pages": route.pages,
                "label": (f"Page {route.page} of {route.pages} · papers {start + 1:,}–"
                          f"{start + len(shown):,} of {total:,}"),
                "prev": r.paged(path, route.page - 1) if route.page > 1 else None,
                "next": r.paged(path, route.page + 1) if route.page < route.pages else None,
                "links": [{"n": i, "url": r.paged(path, i), "current": i == route.page}
                          if i else None for i in page_numbers(route.page, route.pages)],
            }
        part = (entries, start, path, per) if len(shown) < total else None
        return {"groups": self.groups(shown, by, part), "pagination": pages,
                "count": len(shown)}

    def _title_page(self, title: str, route: Route) -> str:
        return title if route.page == 1 else f"{title} (page {route.page} of {route.pages})"

    # --- page kinds -------------------------------------------------------------------------

    def context(self, route: Route) -> dict:
        ctx = getattr(self, "view_" + route.kind)(route)
        if self._site is None:
            self._site = self.site()
        ctx["site"] = self._site
        return ctx

    def view_home(self, route: Route) -> dict:
        kind, key, _ = self._home
        if kind == "person":
            ctx = self.view_person(route, self.catalog.people[key], home=True)
            ctx["page"] = self._page(route, self.config.title, jsonld=ctx["page"]["jsonld"],
                                     feeds=ctx["page"]["feeds"], og_type="profile",
                                     image=ctx["page"]["image"])
            return ctx
        if kind == "listing":
            spec = next(s for s in self.config.listings if s.slug == key)
            entries = self.catalog.listings[spec.slug]
            per = spec.paginate if spec.paginate is not None else self.config.paginate
            first = Route("home", None, "index.html", 1, 1)
            ctx = self._paged(first, entries, f"{spec.slug}/", spec.group_by, per_page=per,
                              first=True)
            ctx.update(heading=spec.title, intro=spec.description,
                       more_url=self.router.listing(spec.slug)
                       if per and len(entries) > per else None,
                       entry_variant=self._variant(spec.group_by),
                       page=self._page(route, self.config.title))
            return ctx
        entries = self.catalog.entries
        per = self.config.paginate
        ctx = self._paged(Route("home", None, "index.html"), entries, "papers/", "year",
                          per_page=per, first=True)
        ctx.update(heading=self.config.title, intro=self.config.description or None,
                   more_url=self.router.url("papers/") if per and len(entries) > per else None,
                   entry_variant="entry", page=self._page(route, self.config.title))
        return ctx

    def _variant(self, group_by: str) -> str:
        return "entry"

    def view_papers(self, route: Route) -> dict:
        ctx = self._paged(route, self.catalog.entries, "papers/", "year")
        # A paginated list says "Page 2 of 6 · papers 51–100 of 276" instead.
        ctx.update(heading="All papers", intro=None if ctx["pagination"]
                   else f"{len(self.catalog.entries):,} papers",
                   entry_variant="entry",
                   page=self._page(route, self._title_page("All papers", route),
                                   feeds=[("All papers", self.router.url("feed.xml"))]))
        return ctx

    def view_listing(self, route: Route) -> dict:
        spec = next(s for s in self.config.listings if s.slug == route.key)
        per = spec.paginate if spec.paginate is not None else self.config.paginate
        entries = self.catalog.listings[spec.slug]
        ctx = self._paged(route, entries, f"{spec.slug}/", spec.group_by, per_page=per)
        ctx.update(heading=spec.title, intro=spec.description, entry_variant="entry",
                   total=len(entries),
                   page=self._page(route, self._title_page(spec.title, route),
                                   spec.description or ""))
        return ctx

    def view_tag(self, route: Route) -> dict:
        tag = self.catalog.tags[route.key]
        ctx = self._paged(route, tag.papers, f"tags/{tag.key}/", "year")
        feed = self.router.url(f"tags/{tag.key}/feed.xml")
        ctx.update(heading=tag.name, intro=tag.description, total=len(tag.papers),
                   entry_variant="entry", feed_url=feed, up={"title": "Tags",
                                                              "url": self.router.url("tags/")},
                   page=self._page(route, self._title_page(f"Tag: {tag.name}", route),
                                   tag.description or "", feeds=[(tag.name, feed)]))
        return ctx

    def view_year(self, route: Route) -> dict:
        papers = self.catalog.years[route.key]
        ctx = self._paged(route, papers, f"years/{route.key}/", "none")
        years = list(self.catalog.years)
        i = years.index(route.key)
        ctx.update(heading=f"Papers from {route.key}", intro=None, total=len(papers),
                   entry_variant="entry",
                   up={"title": "Years", "url": self.router.url("years/")},
                   newer=({"title": str(years[i - 1]), "url": self.router.year(years[i - 1])}
                          if i > 0 else None),
                   older=({"title": str(years[i + 1]), "url": self.router.year(years[i + 1])}
                          if i + 1 < len(years) else None),
                   page=self._page(route, self._title_page(str(route.key), route)))
        return ctx

    def view_series(self, route: Route) -> dict:
        s: Series = self.catalog.series[route.key]
        ctx = self._paged(route, s.papers, f"venues/{s.key}/", "year")
        editions = [{"year": y, "url": self.router.edition(s.key, y), "count": len(p)}
                    for y, p in sorted(s.editions.items(), reverse=True)]
        feed = self.router.url(f"venues/{s.key}/feed.xml")
        ctx.update(heading=s.name, short=s.short, intro=None, total=len(s.papers),
                   venue_url=self._site_url(s.venue.url) if s.venue and s.venue.url else None,
                   venue_type=TYPE_LABELS.get(s.venue.type) if s.venue else None,
                   editions=editions, chart=bar_chart(
                       [(y, len(p)) for y, p in sorted(s.editions.items())],
                       f"Papers per year at {s.label}"),
                   entry_variant="entry", feed_url=feed,
                   up={"title": "Venues", "url": self.router.url("venues/")},
                   page=self._page(route, self._title_page(s.name, route),
                                   feeds=[(s.label, feed)]))
        return ctx

    def view_edition(self, route: Route) -> dict:
        key, year = route.key
        s = self.catalog.series[key]
        papers = s.editions[year]
        # The editions before and after this one, as a year page links its neighbours.
        years = sorted(s.editions, reverse=True)
        i = years.index(year)

        def edition(y: int) -> dict:
            return {"title": f"{s.label} {y}", "url": self.router.edition(key, y)}

        return {
            "heading": f"{s.label} {year}",
            "newer": edition(years[i - 1]) if i > 0 else None,
            "older": edition(years[i + 1]) if i + 1 < len(years) else None,
            "series": {"name": s.name, "url": self.router.series(key), "label": s.label},
            "venue_url": self._site_url(s.venue.url) if s.venue and s.venue.url else None,
            "count": len(papers),
            "groups": self.groups(papers, "none"),
            "entry_variant": "entry_abstract",
            "page": self._page(route, f"{s.label} {year}", f"{len(papers):,} papers at "
                               f"{s.name} {year}",
                               feeds=[(s.label, self.router.url(f"venues/{key}/feed.xml"))]),
        }

    def view_person(self, route: Route, person: Person | None = None,
                    home: bool = False) -> dict:
        person = person or self.catalog.people[route.key]
        c = self.catalog
        r = self.router
        prof = person.profile
        metrics = c.metrics(person)
        links = []
        if prof:
            if prof.homepage:
                links.append({"label": "Homepage", "url": self._site_url(prof.homepage)})
            if prof.orcid:
                links.append({"label": "ORCID", "url": f"https://orcid.org/{prof.orcid}"})
            if prof.scholar:
                links.append({"label": "Google Scholar",
                              "url": f"https://scholar.google.com/citations?user={prof.scholar}"})
            if prof.github:
                links.append({"label": "GitHub", "url": f"https://github.com/{prof.github}"})
            if prof.email:
                links.append({"label": "Email", "url": f"mailto:{prof.email}"})
        feed = r.url(f"authors/{person.key}/feed.xml")
        coauthors = [{"name": p.name, "url": r.person(p.key), "count": n}
                     for p, n in c.coauthors(person)]
        # The most frequent co-authors show; the rest fold away (an author page can
        # name hundreds, and on a phone this column comes before the papers).
        shown = COAUTHORS_SHOWN if len(coauthors) > COAUTHORS_SHOWN + 2 else len(coauthors)
        venues = [{"name": s.label, "title": s.name, "url": r.series(s.key), "count": n}
                  for s, n in c.venue_counts(person.papers)]
        years = c.year_counts(person.papers)
        # `selected` marks the owner's featured papers (DESIGN.md): not a co-author's.
        selected = ([e.id for e in person.papers if e.paper.selected]
                    if person.key == c.owner else [])
        jsonld = metadata.person_jsonld(person, r, self.canonical(f"authors/{person.key}/"))
        return {
            "heading": person.name,
            "person": {
                "key": person.key,
                "name": person.name,
                "has_profile": prof is not None,
                "affiliation": prof.affiliation if prof else None,
                "position": prof.position if prof else None,
                "photo": r.url(prof.photo) if prof and prof.photo else None,
                "bio_html": (render_markdown(prof.bio, self.base, math=False)
                             if prof and prof.bio else None),
                "links": links,
                "variants": person.variants,
                "is_owner": person.key == c.owner,
            },
            "metrics": metrics,
            "chart": bar_chart(years, f"Papers per year by {person.name}"),
            "coauthors": coauthors[:shown],
            "coauthors_more": coauthors[shown:],
            "venues": venues,
            "selected": selected,
            "groups": self.groups(person.papers, "year"),
            "count": len(person.papers),
            "feed_url": feed,
            "bib_url": r.url(f"authors/{person.key}/papers.bib"),
            "profile_url": r.person(person.key),
            "is_home": home,
            "entry_variant": "entry",
            "up": None if home else {"title": "Authors", "url": r.url("authors/")},
            "page": self._page(route, person.name,
                               f"Papers by {person.name}" + (f", {prof.affiliation}"
                                                             if prof and prof.affiliation else ""),
                               feeds=[(person.name, feed)], jsonld=jsonld, og_type="profile",
                               image=r.absolute(prof.photo) if prof and prof.photo else None),
        }

    def view_people(self, route: Route) -> dict:
        letters: dict[str, list] = {}
        for p in sorted(self.catalog.people.values(),
                        key=lambda p: (_sort_name(p.name), p.key)):
            letter = _initial(p.name)
            letters.setdefault(letter, []).append(
                {"name": p.name, "url": self.router.person(p.key), "count": len(p.papers),
                 "is_owner": p.key == self.catalog.owner})
        groups = [{"letter": k, "anchor": f"l-{k.lower()}" if k.isalpha() else "l-other",
                   "people": v} for k, v in sorted(letters.items(),
                                                   key=lambda kv: (not kv[0].isalpha(), kv[0]))]
        return {"heading": "Authors", "groups": groups, "count": len(self.catalog.people),
                "page": self._page(route, "Authors")}

    def view_venues(self, route: Route) -> dict:
        rows = [{"name": s.name, "short": s.short, "url": self.router.series(s.key),
                 "count": len(s.papers),
                 "editions": [{"year": y, "url": self.router.edition(s.key, y),
                               "count": len(p)} for y, p in sorted(s.editions.items(),
                                                                   reverse=True)]}
                for s in sorted(self.catalog.series.values(),
                                key=lambda s: (-len(s.papers), s.label.casefold()))]
        return {"heading": "Venues", "venues": rows, "page": self._page(route, "Venues")}

    def view_tags(self, route: Route) -> dict:
        rows = [{"name": t.name, "url": self.router.tag(t.key), "count": len(t.papers),
                 "description": t.description}
                for t in sorted(self.catalog.tags.values(), key=lambda t: t.name.casefold())]
        return {"heading": "Tags", "tags": rows, "page": self._page(route, "Tags")}

    def view_years(self, route: Route) -> dict:
        rows = [{"year": y, "url": self.router.year(y), "count": len(p)}
                for y, p in self.catalog.years.items()]
        return {"heading": "Years", "years": rows,
                "undated": len(self.catalog.undated),
                "chart": bar_chart(sorted((y, len(p)) for y, p in self.catalog.years.items()),
                                   "Papers per year"),
                "page": self._page(route, "Years")}

    def view_paper(self, route: Route) -> dict:
        c = self.catalog
        e = c.by_id[route.key]
        p = e.paper
        r = self.router
        entry = self.entry(p.id)
        venue = self._venue(e)
        bibtex = paper_bibtex(e, c)
        meta = metadata.citation_meta(e, c, r)
        # The page's JSON-LD already carries the abstract: the export buttons take it
        # from there rather than embedding it a third time (paper pages stay small).
        csl = metadata.csl_item(e, c, r, abstract=False)
        details = own_details(p.bibtex)   # the paper's own entry's volume, issue, pages
        first, last = details.get("first_page"), details.get("last_page")
        return {
            "heading": plain_text(p.title),
            "paper": dict(
                entry,
                authors=self._bylines(e),
                hidden_authors=0,
                venue_name=venue["name"] if venue else None,
                volume=details.get("volume"), issue=details.get("issue"),
                pages=f"{first}–{last}" if last else first,
                introduction_html=render_markdown(p.introduction, self.base, math=False)
                if p.introduction else None,
                tags=[{"name": c.tags[t].name, "url": r.tag(t)} for t in e.tags],
                category=p.category,
                type_label=TYPE_LABELS.get(e.type, e.type),
                year_url=r.year(p.year) if p.year is not None else None,
                image=r.url(p.image) if p.image else None,
                bibtex=bibtex,
                bib_url=r.paper_bib(p.id),
                csl_json=metadata.script_json(csl),
                has_equal=any(b.entry.equal_contribution for b in e.bylines),
                has_corresponding=any(b.entry.corresponding for b in e.bylines),
            ),
            "more_by": [x.id for x in c.more_by_authors(e)],
            "related": [x.id for x in c.related_by_tags(e)],
            "page": self._page(route, plain_text(p.title),
                               _summary(p.abstract), meta=meta,
                               jsonld=metadata.paper_jsonld(e, c, r),
                               image=r.absolute(p.image) if p.image else None,
                               og_type="article"),
        }

    def view_page(self, route: Route) -> dict:
        page = next(p for p in self.catalog.pages if p.slug == route.key)
        return {"heading": page.title,
                "body_html": render_markdown(page.body, self.base, math=False),
                "page": self._page(route, page.title)}

    def view_notfound(self, route: Route) -> dict:
        return {"heading": "Page not found",
                "page": self._page(route, "Page not found", noindex=True)}

    def view_search(self, route: Route) -> dict:
        return {"heading": "Search", "page": self._page(route, "Search", noindex=False)}

    def view_redirect(self, route: Route) -> dict:
        target = self.router.paper(self.catalog.redirects[route.key])
        return {"target": target, "target_abs": self.router.absolute(target[len(self.base):]),
                "page": self._page(route, "Moved", noindex=True)}


def _mark_last(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["last"] = False
    if rows:
        rows[-1]["last"] = True
    return rows


def _summary(text: str | None, limit: int = 160) -> str:
    """A page's meta description: search results show about 160 characters of it."""
    plain = plain_text(text or "")
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0] + "…"


def _sort_name(name: str) -> str:
    """Where a name goes in the authors index: by its last word, accents folded ('Zoë
    Müller' among the M), and a name in another script by its slug's letters ('李华' as
    'li hua', 'Иван Петров' as 'petrov ivan'), so it joins the letters instead of '#'."""
    parts = name.split()
    if len(parts) > 1 and not all(map(written_unspaced, parts)):   # 山田 太郎 stays
        parts = parts[-1:] + parts[:-1]
    key = normalise(" ".join(parts))
    return key if key.isascii() else slugify(key, "").replace("-", " ")


def _initial(name: str) -> str:
    first = _sort_name(name)[:1].upper()
    return first if first.isascii() and first.isalpha() else "#"


def bar_chart(counts: list[tuple[int, int]], title: str) -> dict | None:
    """A papers-per-year bar chart, laid out here so the template only draws rectangles."""
    if not counts:
        return None
    lo, hi = counts[0][0], counts[-1][0]
    by_year = dict(counts)
    years = list(range(lo, hi + 1)) if hi - lo <= 60 else [y for y, _ in counts]
    top = max(by_year.values())
    width, height, gap = 24, 80, 4
    bars = []
    for i, y in enumerate(years):
        n = by_year.get(y, 0)
        h = round(height * n / top) if top else 0
        bars.append({"x": i * (width + gap), "y": height - h, "w": width, "h": h,
                     "year": y, "count": n,
                     "label": str(y)[2:] if len(years) > 8 else str(y)})
    return {"title": title, "bars": bars, "width": len(years) * (width + gap) - gap,
            "height": height, "rows": [{"year": y, "count": by_year.get(y, 0)} for y in years]}

