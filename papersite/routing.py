"""Route stage: every page's URL and output file, decided before anything is rendered.

All URLs are root-relative and carry the base path of `base_url` ('/' or '/repo/'), so
one output works at a domain root and under a GitHub Pages project path. Two routes
that would write the same file are an error here, not a silent overwrite later.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .catalog import Catalog
from .diagnostics import Diagnostics

# Top-level names the engine writes itself; a listing or free page may not take them.
RESERVED = {"papers", "authors", "venues", "tags", "years", "search", "pagefind", "assets",
            "page", "feed.xml", "sitemap.xml", "robots.txt", "404.html", "papers.bib",
            "papers.json", "index.html", "cname"}


class Route(NamedTuple):
    """One output file to make. A named tuple: a site of 100,000 papers has about 350,000
    of them, and a frozen dataclass costs three times as much to create."""

    kind: str            # home, papers, paper, person, people, series, edition, venues,
                         # tag, tags, year, years, listing, page, redirect, notfound, search
    key: object          # the object's key: paper id, person key, (series, year), ...
    output: str          # output file, relative: "papers/x/index.html"
    page: int = 1        # pagination: this page and the number of pages
    pages: int = 1

    @property
    def path(self) -> str:
        """The site path without the base: 'papers/x/' for papers/x/index.html."""
        return self.output[:-len("index.html")] if self.output.endswith("index.html") \
            else self.output


class Router:
    """Builds URLs under the base path; the one place that knows the URL scheme."""

    def __init__(self, base_path: str, origin: str):
        self.base = base_path if base_path.endswith("/") else base_path + "/"
        self.origin = origin

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def absolute(self, path: str = "") -> str:
        return self.origin + self.url(path)

    # One method per object kind, so templates never assemble URLs.
    def paper(self, pid: str) -> str:
        return self.url(f"papers/{pid}/")

    def paper_bib(self, pid: str) -> str:
        return self.url(f"papers/{pid}.bib")

    def person(self, key: str) -> str:
        return self.url(f"authors/{key}/")

    def series(self, key: str) -> str:
        return self.url(f"venues/{key}/")

    def edition(self, key: str, year: int) -> str:
        return self.url(f"venues/{key}/{year}/")

    def tag(self, key: str) -> str:
        return self.url(f"tags/{key}/")

    def year(self, year: int) -> str:
        return self.url(f"years/{year}/")

    def listing(self, slug: str, page: int = 1) -> str:
        return self.url(f"{slug}/" if page == 1 else f"{slug}/page/{page}/")

    def paged(self, path: str, page: int) -> str:
        return self.url(path if page == 1 else f"{path}page/{page}/")


def home_shows(catalog: Catalog) -> tuple[str, str | None, str]:
    """What the home page shows (per `home` in site.yaml), as (kind, key, path): the
    owner's author page ("person", key, "authors/<key>/"), a listing's first page
    ("listing", slug, "<slug>/") or the papers' ("papers", None, "papers/"). That page
    shows the same content at its own address; its canonical address is the home page's
    (a personal site's main address), and the sitemap leaves it out."""
    config = catalog.config
    home = config.home or ("owner" if catalog.owner else "papers")
    if home == "owner" and catalog.owner:
        return "person", catalog.owner, f"authors/{catalog.owner}/"
    if any(spec.slug == home for spec in config.listings):
        return "listing", home, f"{home}/"
    return "papers", None, "papers/"


def _pages(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page)) if per_page else 1


def _paged_routes(kind: str, key, path: str, count: int, per_page: int) -> list[Route]:
    n = _pages(count, per_page)
    return [Route(kind, key, f"{path}index.html" if i == 1 else f"{path}page/{i}/index.html",
                  i, n) for i in range(1, n + 1)]


def plan_routes(catalog: Catalog, diags: Diagnostics, site_yaml: str = "site.yaml"
                ) -> list[Route]:
    """Every page of the site, in a stable order. Collisions are reported."""
    config = catalog.config
    per = config.paginate
    routes: list[Route] = [Route("home", None, "index.html"),
                           Route("notfound", None, "404.html"),
                           Route("search", None, "search/index.html")]
    routes += _paged_routes("papers", None, "papers/", len(catalog.entries), per)
    routes += [Route("paper", e.id, f"papers/{e.id}/index.html") for e in catalog.entries]
    routes += [Route("redirect", old, f"papers/{old}/index.html")
               for old in catalog.redirects]
    routes.append(Route("people", None, "authors/index.html"))
    routes += [Route("person", k, f"authors/{k}/index.html") for k in catalog.people]
    routes.append(Route("venues", None, "venues/index.html"))
    for key, s in catalog.series.items():
        routes += _paged_routes("series", key, f"venues/{key}/", len(s.papers), per)
        routes += [Route("edition", (key, y), f"venues/{key}/{y}/index.html")
                   for y in sorted(s.editions)]
    routes.append(Route("tags", None, "tags/index.html"))
    for key, t in catalog.tags.items():
        routes += _paged_routes("tag", key, f"tags/{key}/", len(t.papers), per)
    routes.append(Route("years", None, "years/index.html"))
    for y, papers in catalog.years.items():
        routes += _paged_routes("year", y, f"years/{y}/", len(papers), per)
    for spec in config.listings:
        if spec.slug.lower() in RESERVED:
            diags.error(site_yaml, 0, "listings",
                        f"listing slug '{spec.slug}' is taken by the site's own pages")
            continue
        per_listing = spec.paginate if spec.paginate is not None else per
        routes += _paged_routes("listing", spec.slug, f"{spec.slug}/",
                                len(catalog.listings[spec.slug]), per_listing)
    for page in catalog.pages:
        if page.slug.lower() in RESERVED:
            diags.error(f"content/pages/{page.slug}.md", 0, "slug",
                        f"'{page.slug}' is taken by the site's own pages; choose another slug")
            continue
        routes.append(Route("page", page.slug, f"{page.slug}/index.html"))

    seen: dict[str, Route] = {}
    unique: list[Route] = []
    for route in routes:
        other = seen.get(route.output)
        if other is not None and (route.kind, route.key) == (other.kind, other.key):
            continue   # one slug given to two listings: said at its line (validate.py)
        if other is not None:
            diags.error(site_yaml if route.kind == "listing" else "content",
                        message=f"{route.kind} '{route.key}' and {other.kind} '{other.key}' "
                                f"would both be written to {route.output}")
            continue
        seen[route.output] = route
        unique.append(route)
    return unique
