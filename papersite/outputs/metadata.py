"""Scholarly metadata for paper and author pages, and CSL-JSON.

Highwire Press `citation_*` tags are what Google Scholar and Zotero read: the title, one
`citation_author` per author in order, the date as `YYYY/MM/DD` (or the year alone), the
conference or journal title, the volume, issue and pages a paper's own BibTeX entry gives
(`bibtex.own_details`), an absolute PDF URL, DOI and arXiv id. Only paper pages get
them (Google Scholar indexes one paper per page). schema.org JSON-LD names every author
as a Person, linked to the author page, with the ORCID as `sameAs`. JSON embedded in a
page escapes `<`, `>` and `&` so that a `</script>` in a title cannot close the script
block. A partial author list (`et_al`) ends its CSL-JSON authors with
`{"literal": "others"}`, as Pandoc writes BibTeX's `and others`.
"""

from __future__ import annotations

import json

from ..markup import plain_text
from ..model import doi_url
from .bibtex import citation_keys, own_details
from .names import split_name

_CSL_TYPES = {"conference": "paper-conference", "workshop": "paper-conference",
              "journal": "article-journal", "preprint": "article", "thesis": "thesis",
              "book": "book", "chapter": "chapter", "report": "report", "other": "document"}

# schema.org's type of each kind of paper (ScholarlyArticle for the others), and the kinds
# whose venue is their publisher (a university, an institution, a book's publisher) in
# CSL-JSON and JSON-LD, rather than the work they are part of.
_SCHEMA_TYPES = {"thesis": "Thesis", "book": "Book", "chapter": "Chapter", "report": "Report"}
_PUBLISHED_BY_VENUE = {"thesis", "report", "book"}

# The Highwire tag that names the venue, by paper type (none for preprints and others).
_CONTAINER_TAGS = {"journal": "citation_journal_title",
                   "conference": "citation_conference_title",
                   "workshop": "citation_conference_title",
                   "chapter": "citation_inbook_title",
                   "book": "citation_publisher",
                   "thesis": "citation_dissertation_institution",
                   "report": "citation_technical_report_institution"}


def script_json(data) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survive unescaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def pdf_url(entry, router) -> str | None:
    """The paper's PDF as an absolute URL: its `pdf` link, made absolute when it is on
    this site."""
    url = entry.paper.link("pdf")
    if not url:
        return None
    return router.absolute(url) if url.startswith("/") else url


def _venue(entry, catalog):
    return catalog.series.get(entry.venue) if entry.venue else None


def _orcid(b, catalog) -> str | None:
    if not b.person:
        return None
    person = catalog.people.get(b.person)
    profile = person.profile if person else None
    return profile.orcid if profile and profile.orcid else None


def citation_meta(entry, catalog, router) -> list[tuple[str, str]]:
    """Highwire Press tags, in the order Google Scholar documents them."""
    p = entry.paper
    tags = [("citation_title", plain_text(p.title))]
    for b in entry.bylines:
        tags.append(("citation_author", b.name))
        if b.entry.affiliation:
            tags.append(("citation_author_institution", b.entry.affiliation))
        orcid = _orcid(b, catalog)
        if orcid:
            tags.append(("citation_author_orcid", f"https://orcid.org/{orcid}"))
    if p.date:
        tags.append(("citation_publication_date", p.date.strftime("%Y/%m/%d")))
    elif p.year is not None:
        tags.append(("citation_publication_date", str(p.year)))
    series = _venue(entry, catalog)
    tag = _CONTAINER_TAGS.get(entry.type)
    if series is not None and tag:
        tags.append((tag, series.name))
    details = own_details(p.bibtex)
    for key in ("volume", "issue", "first_page", "last_page"):
        if key in details:
            tags.append((f"citation_{key.replace('_', '')}", details[key]))
    pdf = pdf_url(entry, router)
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    if p.doi:
        tags.append(("citation_doi", p.doi))
    if p.arxiv:
        tags.append(("citation_arxiv_id", p.arxiv))
    if entry.tags:
        tags.append(("citation_keywords", "; ".join(catalog.tags[t].name for t in entry.tags)))
    tags.append(("citation_abstract_html_url", router.absolute(f"papers/{p.id}/")))
    return tags


def _person(b, catalog, router) -> dict:
    person = {"@type": "Person", "name": b.name}
    if b.person:
        person["url"] = router.absolute(f"authors/{b.person}/")
    orcid = _orcid(b, catalog)
    if orcid:
        person["sameAs"] = f"https://orcid.org/{orcid}"
    if b.entry.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": b.entry.affiliation}
    return person


def paper_jsonld(entry, catalog, router) -> str:
    """schema.org ScholarlyArticle for a paper page (a Thesis, Book, Chapter or Report
    for those kinds of paper)."""
    p = entry.paper
    title = plain_text(p.title)
    url = router.absolute(f"papers/{p.id}/")
    kind = _SCHEMA_TYPES.get(entry.type, "ScholarlyArticle")
    data = {"@context": "https://schema.org", "@type": kind,
            "@id": url, "url": url, "name": title,
            "headline": title if len(title) <= 110 else title[:109].rstrip() + "…"}
    if entry.bylines:
        data["author"] = [_person(b, catalog, router) for b in entry.bylines]
    if p.date:
        data["datePublished"] = p.date.isoformat()
    elif p.year is not None:
        data["datePublished"] = str(p.year)
    if p.abstract and (text := plain_text(p.abstract)):   # not a placeholder <!-- -->
        data["abstract"] = text
    series = _venue(entry, catalog)
    if series is not None and entry.type in _PUBLISHED_BY_VENUE:
        data["publisher"] = {"@type": "Organization", "name": series.name}
    elif series is not None:
        data["isPartOf"] = {"@type": {"journal": "Periodical", "chapter": "Book"}.get(
            entry.type, "CreativeWork"), "name": series.name}
    details = own_details(p.bibtex)
    if "first_page" in details and kind not in ("Book", "Thesis"):   # no pages of a whole
        data["pageStart"] = details["first_page"]
        if "last_page" in details:
            data["pageEnd"] = details["last_page"]
    same = []
    if p.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": p.doi}
        same.append(doi_url(p.doi))
    if p.arxiv:
        same.append(f"https://arxiv.org/abs/{p.arxiv}")
    if same:
        data["sameAs"] = same
    pdf = pdf_url(entry, router)
    if pdf:
        data["encoding"] = {"@type": "MediaObject", "contentUrl": pdf,
                            "encodingFormat": "application/pdf"}
    if p.image:
        data["image"] = router.absolute(p.image)
    if entry.tags:
        data["keywords"] = [catalog.tags[t].name for t in entry.tags]
    return script_json(data)


def person_jsonld(person, router, url: str) -> str:
    """schema.org ProfilePage whose main entity is the Person; `url`: the page's
    canonical address."""
    prof = person.profile
    data = {"@type": "Person", "name": person.name,
            "url": router.absolute(f"authors/{person.key}/")}
    if prof:
        same = []
        if prof.homepage:   # a path of this site is made absolute
            same.append(prof.homepage if prof.homepage.startswith(("http://", "https://"))
                        else router.absolute(prof.homepage))
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
                        "url": url,
                        "mainEntity": data})


def csl_item(entry, catalog, router, abstract: bool = True) -> dict:
    """One CSL-JSON item (the format Zotero, Pandoc and citeproc read); `abstract=False`
    leaves the abstract out."""
    p = entry.paper
    key = citation_keys(catalog)[p.id]
    item = {"id": key, "citation-key": key, "type": _CSL_TYPES.get(entry.type, "document"),
            "title": plain_text(p.title), "URL": router.absolute(f"papers/{p.id}/")}
    names = []
    for b in entry.bylines:
        given, particle, family, suffix = split_name(b.name)
        if not given and not particle and " " in family:   # a group: ATLAS Collaboration
            names.append({"literal": family})
            continue
        name = {"family": family}
        if given:
            name["given"] = given
        if particle:
            name["non-dropping-particle"] = particle
        if suffix:
            name["suffix"] = suffix
        names.append(name)
    if names and p.et_al:
        # CSL has no "et al."; a last name {"literal": "others"} is what Pandoc makes of
        # BibTeX's `and others`, and its citeproc prints it as "et al." (citeproc-js
        # prints "others": still no list that claims to be whole). The import reads it
        # back as et_al.
        names.append({"literal": "others"})
    if names:
        item["author"] = names
    if p.date:
        item["issued"] = {"date-parts": [[p.date.year, p.date.month, p.date.day]]}
    elif p.year is not None:
        item["issued"] = {"date-parts": [[p.year]]}
    series = _venue(entry, catalog)
    if series is not None:
        field = "publisher" if entry.type in _PUBLISHED_BY_VENUE else "container-title"
        item[field] = series.name
        if series.short and field == "container-title" and series.short != series.name:
            item["container-title-short"] = series.short
    details = own_details(p.bibtex)
    if p.track or "genre" in details:
        item["genre"] = p.track or details["genre"]
    for key in ("volume", "issue"):
        if key in details:
            item[key] = details[key]
    if "first_page" in details:
        item["page"] = "-".join(details[k] for k in ("first_page", "last_page") if k in details)
    if p.doi:
        item["DOI"] = p.doi
    if p.arxiv:
        item["number"] = f"arXiv:{p.arxiv}"
        if entry.type == "preprint" and series is None:
            item["publisher"] = "arXiv"
    if abstract and p.abstract and (text := plain_text(p.abstract)):
        item["abstract"] = text
    if p.note:
        item["note"] = p.note
    if entry.tags:
        item["keyword"] = ", ".join(catalog.tags[t].name for t in entry.tags)
    return item
