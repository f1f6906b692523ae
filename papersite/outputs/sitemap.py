"""sitemap.xml (an index of several files above 50,000 URLs), robots.txt, .nojekyll, CNAME."""

from __future__ import annotations

from .feeds import escape

LIMIT = 50_000
_NOT_LISTED = {"notfound", "redirect"}


def sitemap_files(routes, router, home_repeats: str | None = None) -> dict[str, bytes]:
    """Every page's address but 404's, redirects' and that of the page the home page
    repeats (`home_repeats`, its path: routing.home_shows), whose canonical address is
    the home page's."""
    urls = [router.absolute(r.path) for r in routes
            if r.kind not in _NOT_LISTED and r.path != home_repeats]
    chunks = [urls[i:i + LIMIT] for i in range(0, len(urls), LIMIT)] or [[]]
    if len(chunks) == 1:
        return {"sitemap.xml": _urlset(chunks[0])}
    files = {f"sitemap-{i}.xml": _urlset(chunk) for i, chunk in enumerate(chunks, 1)}
    index = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    index += [f"  <sitemap><loc>{escape(router.absolute(name))}</loc></sitemap>"
              for name in files]
    index.append("</sitemapindex>")
    files["sitemap.xml"] = ("\n".join(index) + "\n").encode()
    return files


def _urlset(urls: list[str]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{escape(u)}</loc></url>" for u in urls]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def host_files(config, router) -> dict[str, bytes]:
    files = {
        "robots.txt": f"User-agent: *\nAllow: /\nSitemap: {router.absolute('sitemap.xml')}\n"
        .encode(),
        ".nojekyll": b"",
    }
    if config.cname:
        files["CNAME"] = (config.cname + "\n").encode()
    return files
