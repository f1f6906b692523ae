"""Scholarly metadata: Highwire `citation_*` tags on paper pages only, schema.org JSON-LD
(ScholarlyArticle with every author a Person; ProfilePage on author pages), OpenGraph,
Twitter card and canonical links."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import read, run_cli, write_files

from papersite.outputs.bibtex import own_details

BASE = "https://user.github.io/repo/"

SITE = {
    "site.yaml": f"""\
        title: Lab Papers
        description: Papers of the lab
        base_url: {BASE}
        owner: ada
        """,
    "content/authors/ada.yaml": """\
        name: Ada Lovelace
        orcid: 0000-0002-1825-0097
        affiliation: Analytical Engines Ltd
        homepage: https://ada.example.org/
        scholar: AbCdEf123
        photo: img/ada.jpg
        """,
    "static/img/ada.jpg": b"\xff\xd8\xff\xe0",
    "content/venues.yaml": """\
        - {id: cvpr, short: CVPR, name: IEEE/CVF Conference on Computer Vision and Pattern Recognition, type: conference}
        - {id: tpami, short: TPAMI, name: IEEE Transactions on Pattern Analysis and Machine Intelligence, type: journal}
        - {id: arxiv, short: arXiv, name: arXiv, type: preprint}
        """,
    "static/files/solvers.pdf": b"%PDF-1.4\n",
    "static/img/teaser.png": b"\x89PNG\r\n\x1a\n",
    "content/papers/solvers.yaml": """\
        title: "Über-Fast Schrödinger Solvers with $x_1$ & CNNs"
        authors:
          - Ada Lovelace
          - José Müller
          - {name: Ludwig van der Berg, affiliation: TU Delft}
          - Grace Hopper
        date: 2023-06-18
        venue: CVPR
        doi: 10.1000/xyz_1
        arxiv: "2301.00001"
        image: img/teaser.png
        tags: [vision]
        links: {pdf: /files/solvers.pdf}
        abstract: We solve *things* fast.
        """,
    "content/papers/script.yaml": """\
        title: "Escaping `</script><script>alert(1)</script>` in Pages"
        authors: [Ada Lovelace, Grace Hopper]
        et_al: true
        date: 2021-03-02
        venue: TPAMI
        links: {pdf: "https://arxiv.org/pdf/2101.00001"}
        abstract: "Ends with `</script>` too."
        """,
    "content/papers/volume.yaml": """\
        title: A Journal Paper With Its Own Entry
        authors: [Grace Hopper]
        year: 2020
        venue: TPAMI
        bibtex: |
          @article{hopper2020journal,
            title = {A Journal Paper With Its Own Entry},
            author = {Hopper, Grace},
            journal = {IEEE Transactions on Pattern Analysis and Machine Intelligence},
            volume = {42},
            number = {7},
            pages = {1600--1612},
            year = {2020},
          }
        """,
    "content/papers/preprint.yaml": """\
        title: A Preprint
        authors: [Grace Hopper]
        year: 2024
        venue: arXiv
        arxiv: "2401.00002"
        """,
}


class Page(HTMLParser):
    """What a Highwire-aware reader (Google Scholar, Zotero) sees in a page."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: list[tuple[str, str]] = []      # (name or property, content) in order
        self.links: list[dict] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("name" in a or "property" in a):
            self.meta.append((a.get("name") or a.get("property"), a.get("content")))
        elif tag == "link":
            self.links.append(a)
        elif tag == "script":
            self._script = a
            self.scripts.append((a, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def values(self, name: str) -> list[str]:
        return [c for n, c in self.meta if n == name]

    def one(self, name: str) -> str:
        found = self.values(name)
        assert len(found) == 1, (name, found)
        return found[0]

    def jsonld(self) -> list[dict]:
        return [json.loads(text) for a, text in self.scripts
                if a.get("type") == "application/ld+json"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_files(tmp_path_factory.mktemp("meta") / "site", SITE)
    result = run_cli("build", "--site", str(root), "--no-search", "--check-links")
    assert result.code == 0, result.err
    return root


def page(site: Path, rel: str) -> Page:
    return Page(read(site, rel))


def test_highwire_tags_of_a_conference_paper(site):
    p = page(site, "papers/solvers/index.html")
    assert p.one("citation_title") == "Über-Fast Schrödinger Solvers with $x_1$ & CNNs"
    assert p.values("citation_author") == ["Ada Lovelace", "José Müller",
                                           "Ludwig van der Berg", "Grace Hopper"]
    assert p.one("citation_publication_date") == "2023/06/18"
    assert p.one("citation_conference_title") == \
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition"
    assert p.values("citation_journal_title") == []
    assert p.one("citation_pdf_url") == BASE + "files/solvers.pdf"
    # the BibTeX names the PDF on this site by its address too (it had no url at all)
    assert "  url = {https://user.github.io/repo/files/solvers.pdf},\n" in read(
        site, "papers/solvers.bib")
    assert p.one("citation_doi") == "10.1000/xyz_1"
    assert p.one("citation_arxiv_id") == "2301.00001"
    assert p.one("citation_abstract_html_url") == BASE + "papers/solvers/"
    # An author's institution and ORCID follow that author's tag.
    names = [n for n, _ in p.meta if n.startswith("citation_author")]
    assert names[:3] == ["citation_author", "citation_author_orcid", "citation_author"]
    assert p.values("citation_author_institution") == ["TU Delft"]
    assert p.values("citation_author_orcid") == ["https://orcid.org/0000-0002-1825-0097"]


def test_highwire_tags_of_a_journal_paper_and_a_preprint(site):
    p = page(site, "papers/script/index.html")
    assert p.one("citation_journal_title") == \
        "IEEE Transactions on Pattern Analysis and Machine Intelligence"
    assert p.values("citation_conference_title") == []
    assert p.values("citation_author") == ["Ada Lovelace", "Grace Hopper"]  # et al.: as given
    assert p.one("citation_publication_date") == "2021/03/02"
    assert p.one("citation_pdf_url") == "https://arxiv.org/pdf/2101.00001"
    pre = page(site, "papers/preprint/index.html")
    assert pre.one("citation_publication_date") == "2024"
    assert pre.one("citation_arxiv_id") == "2401.00002"
    assert not [n for n, _ in pre.meta if n in ("citation_journal_title",
                                                 "citation_conference_title")]
    assert pre.values("citation_pdf_url") == []


def test_volume_issue_and_pages_of_a_papers_own_bibtex_reach_its_metadata(site):
    """No paper field holds them (an import keeps them in the paper's `bibtex`): Google
    Scholar's tags, the CSL-JSON item, which the RIS download is made from, and the
    page's facts give them."""
    p = page(site, "papers/volume/index.html")
    names = [n for n, _ in p.meta if n.startswith("citation_")]
    at = names.index("citation_journal_title")
    assert names[at + 1:at + 5] == ["citation_volume", "citation_issue",
                                    "citation_firstpage", "citation_lastpage"]
    assert [p.one(n) for n in names[at + 1:at + 5]] == ["42", "7", "1600", "1612"]
    items = {item["id"]: item for item in json.loads(read(site, "papers.json"))}
    item = items["hopper2020journal"]
    assert (item["volume"], item["issue"], item["page"]) == ("42", "7", "1600-1612")
    (data,) = p.jsonld()
    assert (data["pageStart"], data["pageEnd"]) == ("1600", "1612")
    assert not [n for n, _ in page(site, "papers/solvers/index.html").meta
                if n in ("citation_volume", "citation_firstpage")]
    # The page shows them beside the venue, for the reader.
    facts = re.search(r'<dl class="facts">(.*?)</dl>', read(site, "papers/volume/index.html"),
                      re.S).group(1)
    assert re.findall(r"<dt>(\w+)</dt><dd>([^<]*)</dd>", facts) == [
        ("Volume", "42"), ("Issue", "7"), ("Pages", "1600–1612")]
    assert "<dt>Volume</dt>" not in read(site, "papers/solvers/index.html")


@pytest.mark.parametrize("entry, details", [
    ("@article{k,\n  volume = {44},\n  number = {3},\n  pages = {1443--1456},\n}",
     {"volume": "44", "issue": "3", "first_page": "1443", "last_page": "1456"}),
    ('@article{k, volume = 12, pages = "e101234", number = {{3}}}',
     {"volume": "12", "first_page": "e101234", "issue": "3"}),
    ("@article{k, volume = {12--13}, number = {Supplement\\_1}, pages = {1443\u20101456}}",
     {"volume": "12–13", "issue": "Supplement_1", "first_page": "1443", "last_page": "1456"}),
    ("@techreport{k, number = {TR-42}, pages = {5 \u2212 9}}",   # a report's number
     {"first_page": "5", "last_page": "9"}),
    ("@inproceedings{k, number = {3}, issue = {2}, volume = {$x$}}", {"issue": "2"}),
    ("@inproceedings{k, pages = {100 – 110}, issue = {S1}, volume = {\\bf 3}}",
     {"first_page": "100", "last_page": "110", "issue": "S1"}),
    ("@misc{k, title = {On volume = {9} and pages}, note = {x}}", {}),
    ("@article{k, pages = {S1-23--S1-30}, volume = {5}}", {"volume": "5"}),
    (None, {}),
])
def test_own_details_reads_plain_values_only(entry, details):
    assert own_details(entry) == details


def test_scholarly_article_jsonld_names_every_author(site):
    (data,) = page(site, "papers/solvers/index.html").jsonld()
    assert data["@type"] == "ScholarlyArticle"
    assert data["name"] == "Über-Fast Schrödinger Solvers with $x_1$ & CNNs"
    assert data["datePublished"] == "2023-06-18"
    assert data["url"] == BASE + "papers/solvers/"
    authors = data["author"]
    assert [a["@type"] for a in authors] == ["Person"] * 4
    assert [a["name"] for a in authors] == ["Ada Lovelace", "José Müller",
                                            "Ludwig van der Berg", "Grace Hopper"]
    assert authors[0]["url"] == BASE + "authors/ada/"
    assert authors[0]["sameAs"] == "https://orcid.org/0000-0002-1825-0097"
    assert authors[1]["url"] == BASE + "authors/jose-muller/"
    assert authors[2]["affiliation"] == {"@type": "Organization", "name": "TU Delft"}
    assert data["isPartOf"]["name"].startswith("IEEE/CVF")
    assert "https://doi.org/10.1000/xyz_1" in data["sameAs"]
    assert data["image"] == BASE + "img/teaser.png"


def test_a_title_with_script_tags_cannot_break_out(site):
    html = read(site, "papers/script/index.html")
    p = Page(html)
    title = "Escaping </script><script>alert(1)</script> in Pages"
    # Exactly the page's own scripts: the title added none.
    kinds = [a.get("type") or a.get("src") for a, _ in p.scripts]
    assert kinds.count("application/ld+json") == 1
    assert kinds.count("application/json") == 1
    assert not any("alert(1)" in text and not a.get("type") for a, text in p.scripts)
    (data,) = p.jsonld()
    assert data["name"] == title
    assert data["abstract"] == "Ends with </script> too."
    (csl,) = [json.loads(t) for a, t in p.scripts if a.get("id") == "csl-data"]
    assert csl["title"] == title
    assert p.one("citation_title") == title


def test_listing_pages_carry_no_citation_tags(site):
    out = site / "_site"
    papers = {f"papers/{name}/index.html" for name in ("solvers", "script", "volume", "preprint")}
    for path in out.rglob("*.html"):
        rel = path.relative_to(out).as_posix()
        has = "citation_title" in path.read_text("utf-8")
        assert has == (rel in papers), rel


def test_author_page_is_a_profile_page(site):
    (data,) = page(site, "authors/ada/index.html").jsonld()
    assert data["@type"] == "ProfilePage"
    person = data["mainEntity"]
    assert person["@type"] == "Person"
    assert person["name"] == "Ada Lovelace"
    assert person["url"] == BASE + "authors/ada/"
    assert "https://orcid.org/0000-0002-1825-0097" in person["sameAs"]
    assert "https://ada.example.org/" in person["sameAs"]
    assert person["affiliation"]["name"] == "Analytical Engines Ltd"
    # An author without a profile is still a Person.
    (other,) = page(site, "authors/grace-hopper/index.html").jsonld()
    assert other["mainEntity"] == {"@type": "Person", "name": "Grace Hopper",
                                   "url": BASE + "authors/grace-hopper/"}
    # The owner's profile is the home page.
    (home,) = page(site, "index.html").jsonld()
    assert home["mainEntity"]["name"] == "Ada Lovelace"


def test_social_cards_and_canonical(site):
    p = page(site, "papers/solvers/index.html")
    canonical = [a["href"] for a in p.links if a.get("rel") == "canonical"]
    assert canonical == [BASE + "papers/solvers/"]
    assert p.one("og:title") == "Über-Fast Schrödinger Solvers with $x_1$ & CNNs"
    assert p.one("og:type") == "article"
    assert p.one("og:url") == BASE + "papers/solvers/"
    assert p.one("og:image") == BASE + "img/teaser.png"
    assert p.one("og:description") == "We solve things fast."
    assert p.one("twitter:card") == "summary_large_image"
    listing = page(site, "papers/index.html")
    assert [a["href"] for a in listing.links if a.get("rel") == "canonical"] == \
        [BASE + "papers/"]
    assert listing.one("og:type") == "website"
    assert listing.one("twitter:card") == "summary"
    # An author's photo is the card's image on their page and on the owner's home page,
    # as a small card (a portrait, not a banner).
    for rel in ("authors/ada/index.html", "index.html"):
        profile = page(site, rel)
        assert profile.one("og:image") == BASE + "img/ada.jpg", rel
        assert profile.one("twitter:card") == "summary", rel


def canonical_of(p: Page) -> str:
    (href,) = [a["href"] for a in p.links if a.get("rel") == "canonical"]
    assert p.one("og:url") == href
    return href


@pytest.mark.parametrize("home, repeated", [("owner", "authors/ada/"),
                                            ("papers", "papers/"), ("recent", "recent/")])
def test_the_page_the_home_page_repeats_is_canonical_to_it(make_site, build, home,
                                                           repeated):
    """The home page and the page it shows again (the owner's profile, /papers/ or a
    listing) each named itself canonical: the same content at two addresses for search
    engines. The home page is the site's main address: the other names it, and the
    sitemap lists the home page only; later pages of a list stay their own."""
    site = make_site({
        "site.yaml": f"""\
            title: Ada's papers
            base_url: {BASE}
            owner: ada
            home: {home}
            paginate: 1
            listings: [{{slug: recent, title: Recent, filter: {{year: 2023}}}}]
            """,
        "content/authors/ada.yaml": "name: Ada Lovelace\n",
        "content/papers/a.yaml": "title: A\nauthors: [Ada Lovelace]\nyear: 2023\n",
        "content/papers/b.yaml": "title: B\nauthors: [Ada Lovelace]\nyear: 2023\n"})
    result = build(site)
    assert result.code == 0, result.err
    home_page, twin = page(site, "index.html"), page(site, repeated + "index.html")
    assert canonical_of(home_page) == canonical_of(twin) == BASE
    sitemap = read(site, "sitemap.xml")
    assert f"<loc>{BASE}</loc>" in sitemap and f"<loc>{BASE}{repeated}</loc>" not in sitemap
    others = {"owner": "papers/", "papers": "recent/", "recent": "papers/"}[home]
    for rel in (others, "authors/ada/" if home != "owner" else "papers/page/2/"):
        assert canonical_of(page(site, rel + "index.html")) == BASE + rel
        assert f"<loc>{BASE}{rel}</loc>" in sitemap
    if home != "owner":
        assert canonical_of(page(site, repeated + "page/2/index.html")) == \
            BASE + repeated + "page/2/"
    else:   # the profile's JSON-LD names the same address
        assert [d["url"] for d in home_page.jsonld()] == [d["url"] for d in twin.jsonld()] \
            == [BASE]


def test_a_pdf_link_labelled_in_capitals_is_the_papers_pdf(make_site, build):
    """`PDF:` is as much the paper's PDF as `pdf:`: Google Scholar's citation_pdf_url, the
    JSON-LD's file and the BibTeX url give it, and the page's button reads PDF."""
    site = make_site({"content/papers/caps.yaml": """\
        title: Capital Labels
        authors: [Ada Lovelace]
        year: 2020
        links: {PDF: "https://example.org/caps.pdf", Code: "https://example.org/code"}
        """})
    assert build(site).code == 0
    p = Page(read(site, "papers/caps/index.html"))
    assert p.one("citation_pdf_url") == "https://example.org/caps.pdf"
    (data,) = p.jsonld()
    assert data["encoding"]["contentUrl"] == "https://example.org/caps.pdf"
    assert "url = {https://example.org/caps.pdf}" in read(site, "papers/caps.bib")
    buttons = re.findall(r'<a class="button" href="https://example.org/[^"]*">([^<]*)</a>',
                         read(site, "papers/caps/index.html"))
    assert buttons == ["PDF", "Code"]


def test_jsonld_types_a_thesis_book_chapter_and_report_and_names_their_publisher(
        make_site, build):
    """A thesis is no article that is part of its university: schema.org's Thesis, Book,
    Chapter and Report, a thesis's university, a report's institution and a book's
    publisher as its publisher, and a chapter part of its Book (as their CSL-JSON has
    them)."""
    site = make_site({
        "content/venues.yaml": """\
            - {id: eth, name: ETH Zürich, type: thesis}
            - {id: mit, name: MIT CSAIL, type: report}
            - {id: springer, name: Springer, type: book}
            - {id: lncs, name: Lecture Notes in Computer Science, type: chapter}
            - {id: tpami, name: IEEE Transactions on Pattern Analysis and Machine Intelligence, type: journal}
            """,
        "content/papers/p.yaml": """\
            - {id: thesis, title: A Thesis, authors: [Ada Lovelace], year: 2020, venue: eth}
            - {id: report, title: A Report, authors: [Ada Lovelace], year: 2020, venue: mit}
            - {id: book, title: A Book, authors: [Ada Lovelace], year: 2020, venue: springer}
            - {id: chapter, title: A Chapter, authors: [Ada Lovelace], year: 2020, venue: lncs}
            - {id: article, title: An Article, authors: [Ada Lovelace], year: 2020, venue: tpami}
            """})
    assert build(site).code == 0

    def jsonld(pid):
        (data,) = Page(read(site, f"papers/{pid}/index.html")).jsonld()
        return data["@type"], data.get("publisher"), data.get("isPartOf")

    org = {"@type": "Organization"}
    assert jsonld("thesis") == ("Thesis", {**org, "name": "ETH Zürich"}, None)
    assert jsonld("report") == ("Report", {**org, "name": "MIT CSAIL"}, None)
    assert jsonld("book") == ("Book", {**org, "name": "Springer"}, None)
    assert jsonld("chapter") == ("Chapter", None, {"@type": "Book",
                                                   "name": "Lecture Notes in Computer Science"})
    assert jsonld("article") == ("ScholarlyArticle", None, {
        "@type": "Periodical",
        "name": "IEEE Transactions on Pattern Analysis and Machine Intelligence"})


def test_an_abstract_with_no_text_gives_no_empty_abstract(make_site, build):
    """A placeholder abstract (an HTML comment, white space) has no text: the JSON-LD,
    the CSL-JSON and the feed's entry leave it out rather than give an empty one."""
    site = make_site({"content/papers/p.yaml": """\
        - {id: todo, title: Placeholder, authors: [Ada Lovelace], date: 2020-01-02,
           abstract: "<!-- TODO: paste the abstract -->"}
        - {id: blank, title: Blank, authors: [Ada Lovelace], date: 2020-01-03, abstract: "  "}
        - {id: given, title: Given, authors: [Ada Lovelace], date: 2020-01-04, abstract: Text.}
        """})
    assert build(site).code == 0
    for pid in ("todo", "blank"):
        (data,) = Page(read(site, f"papers/{pid}/index.html")).jsonld()
        assert "abstract" not in data, pid
    items = json.loads(read(site, "papers.json"))
    assert [item.get("abstract") for item in items] == ["Text.", None, None]
    assert re.findall(r"<summary>(.*?)</summary>", read(site, "feed.xml")) == ["Text."]


def test_a_doi_with_characters_a_url_cannot_hold_is_linked_encoded(make_site, build):
    """An old SICI DOI holds '<' and '>', and a '#' would end the link's path: its
    doi.org link and the JSON-LD's sameAs encode them; the DOI itself stays as written."""
    sici = "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0"
    site = make_site({"content/papers/p.yaml": f"""\
        - {{id: sici, title: Old, authors: [Ada Lovelace], year: 1998, doi: "{sici}"}}
        - {{id: hash, title: Hash, authors: [Ada Lovelace], year: 2001, doi: "10.1000/a#b"}}
        """})
    assert build(site).code == 0
    encoded = ("https://doi.org/10.1002/(SICI)1097-4571(199806)49:8%3C693::AID-ASI4%3E3.0."
               "CO;2-0")
    page = Page(read(site, "papers/sici/index.html"))
    assert f'href="{encoded}"' in read(site, "papers/sici/index.html")
    (data,) = page.jsonld()
    assert encoded in data["sameAs"] and data["identifier"]["value"] == sici
    assert page.one("citation_doi") == sici
    assert 'href="https://doi.org/10.1000/a%23b"' in read(site, "papers/hash/index.html")
