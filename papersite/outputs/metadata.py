"""Scholarly metadata for paper and author pages, and CSL-JSON.

Highwire Press `citation_*` tags are what Google Scholar and Zotero read; schema.org
JSON-LD names every author as a Person. JSON embedded in a page escapes `<` so that a
`</script>` in a title cannot close the script block.
"""

from __future__ import annotations

import json

from ..markup import plain_text
from .names import split_name

_CSL_TYPES = {"conference": "paper-conference", "workshop": "paper-conference",
              "journal": "article-journal", "preprint": "article", "thesis": "thesis",
              "book": "book", "chapter": "chapter", "report": "report", "other": "document"}


def script_json(data) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survive unescaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _pdf_url(entry, router) -> str | None:
    url = entry.paper.links.get("pdf")
    if not url:
        return None
    return router.origin + router.url(url) if url.startswith("/") else url


def _venue(entry, catalog):
    return catalog.series.get(entry.venue) if entry.venue else None


def citation_meta(entry, catalog, router) -> list[tuple[str, str]]:
    """Highwire Press tags, in the order Google Scholar documents them."""
    p = entry.paper
    tags = [("citation_title", plain_text(p.title))]
    tags += [("citation_author", b.name) for b in entry.bylines]
    if p.date:
        tags.append(("citation_publication_date", p.date.strftime("%Y/%m/%d")))
    elif p.year is not None:
        tags.append(("citation_publication_date", str(p.year)))
    series = _venue(entry, catalog)
    if series is not None:
        name = "citation_journal_title" if entry.type == "journal" else (
            "citation_conference_title" if entry.type in ("conference", "workshop")
            else "citation_publisher" if entry.type != "preprint" else "citation_technical_report_institution")
        tags.append((name, series.name))
    pdf = _pdf_url(entry, router)
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    if p.doi:
        tags.append(("citation_doi", p.doi))
    if p.arxiv:
        tags.append(("citation_arxiv_id", p.arxiv))
    tags.append(("citation_abstract_html_url", router.absolute(f"papers/{p.id}/")))
    return tags


def paper_jsonld(entry, catalog, router) -> str:
    p = entry.paper
    authors = []
    for b in entry.bylines:
        person = {"@type": "Person", "name": b.name}
        if b.person:
            person["url"] = router.absolute(f"authors/{b.person}/")
            profile = catalog.people[b.person].profile
            if profile and profile.orcid:
                person["sameAs"] = f"https://orcid.org/{profile.orcid}"
        if b.entry.affiliation:
            person["affiliation"] = {"@type": "Organization", "name": b.entry.affiliation}
        authors.append(person)
    data = {"@context": "https://schema.org", "@type": "ScholarlyArticle",
            "headline": plain_text(p.title)[:110], "name": plain_text(p.title),
            "url": router.absolute(f"papers/{p.id}/")}
    if authors:
        data["author"] = authors
    if p.date:
        data["datePublished"] = p.date.isoformat()
    elif p.year is not None:
        data["datePublished"] = str(p.year)
    if p.abstract:
        data["abstract"] = plain_text(p.abstract)
    series = _venue(entry, catalog)
    if series is not None:
        data["isPartOf"] = {"@type": "PublicationIssue" if entry.type == "journal"
                            else "CreativeWork", "name": series.name}
    if p.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": p.doi}
        data["sameAs"] = f"https://doi.org/{p.doi}"
    if entry.tags:
        data["keywords"] = [catalog.tags[t].name for t in entry.tags]
    return script_json(data)


def person_jsonld(person, router, config) -> str:
    prof = person.profile
    data = {"@type": "Person", "name": person.name,
            "url": router.absolute(f"authors/{person.key}/")}
    if prof:
        same = []
        if prof.homepage:
            same.append(prof.homepage)
        if prof.orcid:
            same.append(f"https://orcid.org/{prof.orcid}")
        if prof.scholar:
            same.append(f"https://scholar.google.com/citations?user={prof.scholar}")
        if prof.github:
            same.append(f"https://github.com/{prof.github}")
        if same:
            data["sameAs"] = same
        if prof.affiliation:
            data["affiliation"] = {"@type": "Organization", "name": prof.affiliation}
        if prof.position:
            data["jobTitle"] = prof.position
        if prof.photo:
            data["image"] = router.absolute(prof.photo)
    if person.variants:
        data["alternateName"] = list(person.variants)
    return script_json({"@context": "https://schema.org", "@type": "ProfilePage",
                        "mainEntity": data})


def csl_item(entry, catalog, router) -> dict:
    """One CSL-JSON item (the format Zotero, Pandoc and citeproc read)."""
    from .bibtex import citation_keys

    p = entry.paper
    item = {"id": citation_keys(catalog)[p.id], "type": _CSL_TYPES.get(entry.type, "document"),
            "title": plain_text(p.title), "URL": router.absolute(f"papers/{p.id}/")}
    names = []
    for b in entry.bylines:
        given, particle, family = split_name(b.name)
        name = {"family": family}
        if given:
            name["given"] = given
        if particle:
            name["non-dropping-particle"] = particle
        names.append(name)
    if names:
        item["author"] = names
    if p.date:
        item["issued"] = {"date-parts": [[p.date.year, p.date.month, p.date.day]]}
    elif p.year is not None:
        item["issued"] = {"date-parts": [[p.year]]}
    series = _venue(entry, catalog)
    if series is not None:
        item["container-title"] = series.name
    if p.doi:
        item["DOI"] = p.doi
    if p.arxiv:
        item["number"] = f"arXiv:{p.arxiv}"
    if p.abstract:
        item["abstract"] = plain_text(p.abstract)
    if p.note:
        item["note"] = p.note
    return item
