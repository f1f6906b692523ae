"""Exports: per-paper .bib (also shown on the page), per-author and site-wide papers.bib,
papers.json (CSL-JSON), and RIS / CSL-JSON downloads made in the browser. Every exported
file parses back: bibtexparser 2 for BibTeX, the official CSL-JSON schema for CSL."""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import threading
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
from bibtexparser import middlewares as mw
from conftest import read, run_cli, write_files

from papersite.outputs.bibtex import citation_keys, entry_fields, latex_encode, stale_fields
from papersite.pipeline import prepare

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"

SITE = {
    "site.yaml": """\
        title: Lab Papers
        base_url: https://example.org/
        owner: ada
        """,
    "content/authors/ada.yaml": "name: Ada Lovelace\n",
    "content/venues.yaml": """\
        - {id: cvpr, short: CVPR, name: IEEE/CVF Conference on Computer Vision and Pattern Recognition, type: conference}
        - {id: tpami, short: TPAMI, name: IEEE Transactions on Pattern Analysis & Machine Intelligence, type: journal}
        - {id: eth, name: ETH Zürich, type: thesis}
        - {id: springer, name: Springer, type: book}
        - {id: lncs, name: Lecture Notes in Computer Science, type: chapter}
        - {id: mpi, name: Max Planck Institute for Informatics, type: report}
        - {id: cvprw, short: CVPRW, name: CVPR Workshops, type: workshop}
        """,
    "content/papers/solvers.yaml": """\
        title: "Learning CNNs for Über-Fast Schrödinger Solvers: 100% & $x_1$ #1"
        authors:
          - Ada Lovelace
          - José Müller
          - {name: Ludwig van der Berg, affiliation: TU Delft}
          - Martin Luther King Jr.
          - Łukasz Wałęsa
          - Søren Ærø
        date: 2023-06-18
        venue: CVPR
        track: Datasets Track
        doi: 10.1000/xyz_1
        arxiv: "2301.00001"
        category: cs.CV
        links: {pdf: "https://files.example.com/solvers.pdf"}
        abstract: We solve *things* fast.
        """,
    "content/papers/list.yaml": """\
        - id: robust
          title: Robust Estimation of {Braces} and ~Tildes~ with 50% less_underscores
          authors: [Ada Lovelace, Grace Hopper]
          et_al: true
          author_count: 5
          date: 2021-03-02
          venue: TPAMI
        - id: deep-a
          title: Deep Learning Again
          authors: [Ada Lovelace]
          year: 2022
        - id: deep-b
          title: Deep Learning Again, Revisited
          authors: [Ada Lovelace]
          year: 2022
          venue: CVPRW
        - id: custom
          title: A Paper With Its Own Entry
          authors: [Grace Hopper]
          year: 1952
          bibtex: |
            @article{hopper1952education,
              title = {The Education of a Computer},
              author = {Hopper, Grace Murray},
              journal = {Proceedings of the ACM National Meeting},
              pages = {243--249},
              year = {1952},
            }
        - id: thesis
          title: A Thesis
          authors: [Ada Lovelace]
          year: 2019
          venue: ETH Zürich
        - id: book
          title: A Book
          authors: [Ada Lovelace]
          year: 2018
          venue: Springer
        - id: chapter
          title: A Chapter
          authors: [Ada Lovelace]
          year: 2017
          venue: Lecture Notes in Computer Science
        - id: report
          title: A Report
          authors: [Ada Lovelace, ATLAS Collaboration]
          year: 2016
          venue: Max Planck Institute for Informatics
          bibtex: |
            @techreport{lovelace2016report,
              title = {A Report},
              author = {Lovelace, Ada and {ATLAS Collaboration}},
              institution = {Max Planck Institute for Informatics},
              type = {Research Report},
              year = {2016},
            }
        - id: preprint
          title: A Preprint
          authors: [Grace Hopper]
          year: 2024
          arxiv: "2401.00002"
        - id: nobody
          title: Authors Not Given
          year: 2015
          type: other
        """,
}

# papers.bib key → what the entry must say once decoded
EXPECTED = {
    "lovelace2023learning": {
        "type": "inproceedings",
        "title": "Learning CNNs for Über-Fast Schrödinger Solvers: 100% & $x_1$ #1",
        "authors": ["Ada Lovelace", "José Müller", "Ludwig van der Berg",
                    "Martin Luther King Jr.", "Łukasz Wałęsa", "Søren Ærø"],
        "booktitle": "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
        "note": "Datasets Track", "year": "2023", "month": "jun", "doi": "10.1000/xyz_1",
        "eprint": "2301.00001", "archiveprefix": "arXiv", "primaryclass": "cs.CV",
        "url": "https://files.example.com/solvers.pdf"},
    "lovelace2021robust": {
        "type": "article",
        "title": "Robust Estimation of {Braces} and ~Tildes~ with 50% less_underscores",
        "authors": ["Ada Lovelace", "Grace Hopper", "others"],
        "journal": "IEEE Transactions on Pattern Analysis & Machine Intelligence",
        "year": "2021", "month": "mar"},
    "lovelace2022deepa": {"type": "misc", "title": "Deep Learning Again", "year": "2022"},
    "lovelace2022deepb": {"type": "inproceedings", "booktitle": "CVPR Workshops"},
    "hopper1952education": {"type": "article", "title": "The Education of a Computer",
                            "authors": ["Grace Murray Hopper"], "pages": "243–249"},
    "lovelace2019thesis": {"type": "phdthesis", "school": "ETH Zürich"},
    "lovelace2018book": {"type": "book", "publisher": "Springer"},
    "lovelace2017chapter": {"type": "incollection",
                            "booktitle": "Lecture Notes in Computer Science"},
    "lovelace2016report": {"type": "techreport", "type field": "Research Report",
                           "institution": "Max Planck Institute for Informatics"},
    "hopper2024preprint": {"type": "misc", "eprint": "2401.00002"},
    "anon2015authors": {"type": "misc", "title": "Authors Not Given"},
}


def parse_bib(text: str):
    library = bibtexparser.parse_string(text, append_middleware=[
        mw.LatexDecodingMiddleware(), mw.SeparateCoAuthors(), mw.SplitNameParts()])
    assert library.failed_blocks == []
    return library


def decoded(entry) -> dict:
    out = {"type": entry.entry_type}
    for f in entry.fields:
        if f.key == "author":
            out["authors"] = [" ".join(n.first + n.von + n.last + n.jr) for n in f.value]
        else:   # an entry's `type` field (a report's kind) beside its entry type
            out["type field" if f.key == "type" else f.key] = f.value
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_files(tmp_path_factory.mktemp("exports") / "site", SITE)
    result = run_cli("build", "--site", str(root), "--no-search", "--check-links")
    assert result.code == 0, result.err
    return root


# --- BibTeX ---------------------------------------------------------------------------------


def test_site_bib_parses_back_with_the_right_fields(site):
    library = parse_bib(read(site, "papers.bib"))
    entries = {e.key: decoded(e) for e in library.entries}
    assert sorted(entries) == sorted(EXPECTED)
    for key, want in EXPECTED.items():
        got = entries[key]
        for name, value in want.items():
            assert got.get(name) == value, (key, name)
    assert "authors" not in entries["anon2015authors"]  # "Authors not given"


def test_every_bib_file_parses_and_agrees_with_the_site_file(site):
    out = site / "_site"
    whole = {e.key: e for e in parse_bib(read(site, "papers.bib")).entries}
    per_paper = sorted((out / "papers").glob("*.bib"))
    assert len(per_paper) == len(EXPECTED)
    for path in per_paper:
        (entry,) = parse_bib(path.read_text("utf-8")).entries
        assert decoded(entry) == decoded(whole[entry.key]), path.name
    ada = {e.key for e in parse_bib(read(site, "authors/ada/papers.bib")).entries}
    assert ada == {k for k, v in EXPECTED.items()
                   if "Ada Lovelace" in v.get("authors", ["Ada Lovelace"])
                   and not k.startswith(("hopper", "anon"))}
    grace = {e.key for e in parse_bib(read(site, "authors/grace-hopper/papers.bib")).entries}
    assert grace == {"lovelace2021robust", "hopper1952education", "hopper2024preprint"}


def test_a_paper_bibtex_field_replaces_the_generated_entry(site):
    assert read(site, "papers/custom.bib") == (
        "@article{hopper1952education,\n"
        "  title = {The Education of a Computer},\n"
        "  author = {Hopper, Grace Murray},\n"
        "  journal = {Proceedings of the ACM National Meeting},\n"
        "  pages = {243--249},\n"
        "  year = {1952},\n"
        "}\n")


def test_the_page_shows_the_bibtex_with_copy_and_export_buttons(site):
    page = read(site, "papers/solvers/index.html")
    shown = re.search(r'<pre id="bibtex"[^>]*><code>(.*?)</code></pre>', page, re.S).group(1)
    assert html.unescape(shown) == read(site, "papers/solvers.bib")
    assert 'data-copy="bibtex"' in page
    assert 'href="/papers/solvers.bib" download' in page
    assert 'data-export="ris"' in page and 'data-export="csl"' in page


def test_latex_encoding():
    assert latex_encode("Über Schrödinger façade naïve") == \
        r'{\"U}ber Schr{\"o}dinger fa{\c{c}}ade na{\"\i}ve'
    assert latex_encode("100% & $5 #1 a_b {x} ~ ^") == \
        r"100\% \& \$5 \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{}"
    assert latex_encode("Straße, Øresund, Łódź – 2020") == \
        r"Stra{\ss}e, {\O}resund, {\L}{\'o}d{\'z} -- 2020"
    assert latex_encode("the $\\alpha_1$ and $$x^2$$ terms") == "the $\\alpha_1$ and $$x^2$$ terms"
    assert latex_encode("CNNs for 3D Anti-UAV End-to-End InstructPix2Pix Models", True) == \
        "{CNNs} for {3D} {Anti-UAV} End-to-End {InstructPix2Pix} Models"
    assert latex_encode("東京 ệ") == "東京 ệ"  # no LaTeX spelling: kept as UTF-8
    # Math is kept as written only when its braces pair up: `}` would end the value.
    assert latex_encode("Sets $\\{x\\}$ and $f(x)}$") == "Sets $\\{x\\}$ and \\$f(x)\\}\\$"


def test_braces_in_a_url_or_doi_do_not_break_the_entry(tmp_path):
    """A `}` in a PDF's URL would end the `url` value (and the entry with it); braces are
    percent-encoded, the URL's `%`, `#` and `~` left as written (biblatex reads `url` and
    `doi` verbatim: `\\%` would stay in the link)."""
    root = write_files(tmp_path / "s", {
        "site.yaml": "title: T\nbase_url: https://e.org/\n",
        "content/papers/a.yaml": """\
            title: Odd Links
            authors: [Ada Lovelace]
            year: 2020
            doi: 10.1000/a}b
            links: {pdf: "https://x.org/~ada/a}b{c%20d.pdf#page=2"}
            """,
        "content/papers/b.yaml": """\
            title: Site Files
            authors: [Ada Lovelace]
            year: 2021
            links: {pdf: "/files/{draft}.pdf"}
            """})
    assert run_cli("build", "--site", str(root), "--no-search").code == 0
    library = bibtexparser.parse_string(read(root, "papers.bib"))   # URLs as written
    assert library.failed_blocks == []
    entries = {e.key: e for e in library.entries}
    assert sorted(entries) == ["lovelace2020odd", "lovelace2021site"]
    odd = entries["lovelace2020odd"].fields_dict
    assert odd["url"].value == "https://x.org/~ada/a%7Db%7Bc%20d.pdf#page=2"
    assert odd["doi"].value == "10.1000/a%7Db"
    assert odd["year"].value == "2020"   # the fields after them are read too
    assert entries["lovelace2021site"].fields_dict["url"].value == \
        "https://e.org/files/%7Bdraft%7D.pdf"


# --- citation keys --------------------------------------------------------------------------


def _keys(tmp_path: Path, name: str, files: dict) -> dict[str, str]:
    root = write_files(tmp_path / name, {"site.yaml": "title: T\nbase_url: https://e.org/\n",
                                         **files})
    return dict(citation_keys(prepare(root, use_cache=False).catalog))


PAPERS = {
    "one": "title: Deep Nets\nauthors: [Ada Lovelace]\nyear: 2020\n",
    "two": "title: Deep Nets Again\nauthors: [Ada Lovelace]\nyear: 2020\n",
    "three": "title: The Shallow Nets\nauthors: [Grace Hopper]\nyear: 2021\n",
}


def test_citation_keys_are_unique_and_do_not_depend_on_file_order(tmp_path):
    split = _keys(tmp_path, "a", {f"content/papers/{k}.yaml": v for k, v in PAPERS.items()})
    assert split == {"one": "lovelace2020deepa", "two": "lovelace2020deepb",
                     "three": "hopper2021shallow"}
    listed = "".join(f"- id: {k}\n" + "".join(f"  {line}\n" for line in v.splitlines())
                     for k, v in reversed(PAPERS.items()))
    assert _keys(tmp_path, "b", {"content/papers/all.yaml": listed}) == split
    # An unrelated paper changes no key.
    more = {f"content/papers/{k}.yaml": v for k, v in PAPERS.items()}
    more["content/papers/four.yaml"] = "title: Other\nauthors: [Alan Turing]\nyear: 2020\n"
    assert {k: v for k, v in _keys(tmp_path, "c", more).items() if k != "four"} == split


def test_groups_and_names_of_han_kana_and_hangul_are_cited_as_they_stand(tmp_path):
    """"ATLAS Collaboration" is no person: BibTeX gets it braced, CSL-JSON as a literal,
    not "Collaboration, ATLAS". '山田 太郎' is family name first: cited '山田, 太郎', not
    '太郎, 山田'; '李华', written without a space, is cited whole."""
    site = write_files(tmp_path / "s", {
        "site.yaml": "title: T\nbase_url: https://e.org/\n",
        "content/papers/higgs.yaml": "title: Observation of a New Boson\nauthors: "
                                     "[ATLAS Collaboration, Ann Lee, 山田 太郎, 李华]\n"
                                     "year: 2012\n"})
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    assert ("  author = {{ATLAS Collaboration} and Lee, Ann and 山田, 太郎 and 李华},\n"
            in read(site, "papers/higgs.bib"))
    (item,) = json.loads(read(site, "papers.json"))
    assert item["author"] == [{"literal": "ATLAS Collaboration"},
                              {"family": "Lee", "given": "Ann"},
                              {"family": "山田", "given": "太郎"}, {"family": "李华"}]
    assert item["id"].startswith("atlascollaboration2012")


def test_a_particle_with_a_capital_is_part_of_the_family_name(tmp_path):
    """'van' in Anna van der Berg is a particle (CSL styles may show her as "Berg, Anna
    van der"); the 'Van' of Luc Van Gool, the 'Di' of "Di Caprio, Leo" and the 'La' of
    Jean de La Fontaine begin the family name, as citeproc-js and BibTeX read them: no
    "Gool, Luc Van". A name given "Family, Given" keeps its family name whole."""
    site = write_files(tmp_path / "s", {
        "site.yaml": "title: T\nbase_url: https://e.org/\n",
        "content/papers/p.yaml": """\
            title: Particles
            authors: [Luc Van Gool, "Di Caprio, Leo", Jean de La Fontaine,
                      Anna van der Berg, "García Márquez, Gabriel"]
            year: 2020
            """})
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    (item,) = json.loads(read(site, "papers.json"))
    assert item["author"] == [
        {"family": "Van Gool", "given": "Luc"}, {"family": "Di Caprio", "given": "Leo"},
        {"family": "La Fontaine", "given": "Jean", "non-dropping-particle": "de"},
        {"family": "Berg", "given": "Anna", "non-dropping-particle": "van der"},
        {"family": "García Márquez", "given": "Gabriel"}]
    (entry,) = parse_bib(read(site, "papers/p.bib")).entries
    assert [(" ".join(n.von), " ".join(n.last)) for n in entry.fields_dict["author"].value] \
        == [("", "Van Gool"), ("", "Di Caprio"), ("de", "La Fontaine"), ("van der", "Berg"),
            ("", "García Márquez")]
    assert item["id"] == "vangool2020particles"


def test_a_name_joined_by_and_or_ampersand_is_a_group(tmp_path):
    """'Johnson & Johnson' is one group, not a person named Johnson whose given name is
    'Johnson &': braced whole in BibTeX, a literal in CSL-JSON (and so in RIS)."""
    site = write_files(tmp_path / "s", {
        "site.yaml": "title: T\nbase_url: https://e.org/\n",
        "content/papers/r.yaml": "title: A Report\nauthors: "
                                 "[Johnson & Johnson, Barnes and Noble, Ann Lee]\n"
                                 "year: 2012\n"})
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    assert ("  author = {{Johnson \\& Johnson} and {Barnes and Noble} and Lee, Ann},\n"
            in read(site, "papers/r.bib"))
    (item,) = json.loads(read(site, "papers.json"))
    assert item["author"] == [{"literal": "Johnson & Johnson"},
                              {"literal": "Barnes and Noble"},
                              {"family": "Lee", "given": "Ann"}]


def test_raw_bibtex_keys_are_kept_and_kept_unique(tmp_path):
    raw = "bibtex: |\n  @misc{{{key},\n    title = {{X}},\n  }}\n"
    files = {
        "content/papers/a.yaml": "title: Deep Nets\nauthors: [Ada Lovelace]\nyear: 2020\n"
                                 + raw.format(key="lovelace2020deep"),
        "content/papers/b.yaml": "title: Deep Nets\nauthors: [Ada Lovelace]\nyear: 2020\n",
        "content/papers/c.yaml": "title: Other\nauthors: [Ada Lovelace]\nyear: 2020\n"
                                 + raw.format(key="lovelace2020deep"),
    }
    keys = _keys(tmp_path, "s", files)
    assert keys["a"] == "lovelace2020deep"           # its own key
    assert len({k.lower() for k in keys.values()}) == 3
    assert keys["b"] != keys["a"] and keys["b"].startswith("lovelace2020deep")
    site = tmp_path / "s"
    assert run_cli("build", "--site", str(site), "--no-search").code == 0
    library = parse_bib((site / "_site/papers.bib").read_text("utf-8"))
    assert sorted(e.key for e in library.entries) == sorted(keys.values())
    assert f"@misc{{{keys['c']}," in (site / "_site/papers/c.bib").read_text("utf-8")


STALE_SITE = {
    "content/papers/agrees.yaml": """\
        title: 'Über-Fast CNN Solvers for $\\alpha$-Nets in LaTeX'
        authors: [José Müller, Ludwig van der Berg, Jan Łukasiewicz]
        et_al: true
        year: 2022
        bibtex: |
          @article{muller2019fast,
            title = {{\\"U}ber-Fast {CNN} Solvers for $\\alpha$-Nets in \\LaTeX},
            author = {M{\\"u}ller, Jos{\\'e} and {van der} Berg, Ludwig and {\\L}ukasiewicz, Jan and others},
            journal = {TPAMI}, volume = {44}, year = 2022,
          }
        """,
    "content/papers/macros.yaml": """\
        title: Another Title
        authors: [Ada Lovelace]
        year: 2023
        bibtex: |
          @article{x, title = "Old" # " Title", author = lovelace, year = pubyear}
        """,
    "content/papers/stale.yaml": """\
        title: A New Title
        authors: [Ada Lovelace, Grace Hopper]
        year: 2023
        bibtex: |
          @article{lovelace2019old,
            title = {An Old {T}itle},
            author = {Lovelace, Ada},
            year = {2019},
          }
        """,
}
STALE_WARNINGS = [
    "content/papers/stale.yaml:4: bibtex: the entry's authors (Lovelace, Ada) differ from "
    "the paper's (Ada Lovelace and Grace Hopper); the site cites the paper with this entry "
    "as written, so correct it, or delete the field to have the entry made from the paper",
    "content/papers/stale.yaml:4: bibtex: the entry's title (An Old {T}itle) differs from "
    "the paper's (A New Title); the site cites the paper with this entry as written, so "
    "correct it, or delete the field to have the entry made from the paper",
    "content/papers/stale.yaml:4: bibtex: the entry's year (2019) differs from the paper's "
    "(2023); the site cites the paper with this entry as written, so correct it, or delete "
    "the field to have the entry made from the paper",
]


def test_an_own_entry_the_paper_no_longer_agrees_with_is_a_warning(tmp_path):
    """Title, year or authors edited in the YAML but not in the paper's own entry: the
    site would cite the old ones, so check says where (an error under --strict). LaTeX,
    braces, "Last, First" names and `and others` agree with the paper's plain text;
    values given by macro are not compared."""
    site = write_files(tmp_path / "s", {"site.yaml": "title: T\nbase_url: https://e.org/\n",
                                       **STALE_SITE})
    check = run_cli("check", "--site", str(site))
    assert check.code == 0, check.err
    assert check.lines == ["warning: " + w for w in STALE_WARNINGS]
    strict = run_cli("check", "--site", str(site), "--strict")
    assert strict.code == 1
    assert [line for line in strict.lines if "bibtex" in line] == STALE_WARNINGS
    built = run_cli("build", "--site", str(site), "--no-search")
    assert built.code == 0 and built.lines[:3] == ["warning: " + w for w in STALE_WARNINGS]
    assert "title = {An Old {T}itle}" in (site / "_site/papers/stale.bib").read_text("utf-8")
    (site / "content/papers/stale.yaml").write_text(
        STALE_SITE["content/papers/stale.yaml"].replace("Lovelace, Ada}", "Lovelace, Ada and "
        "Hopper, Grace}").replace("An Old", "A New").replace("{2019}", "{2023}"), "utf-8")
    assert run_cli("check", "--site", str(site), "--strict").lines == []


def _stale(bib_fields: str, **paper) -> list[str]:
    from papersite.model import Paper
    data = {"id": "p", "title": "Attention", "authors": ["Ashish Vaswani"], "year": 2017,
            **paper, "bibtex": "@article{k,\n" + bib_fields + "\n}"}
    return [name for name, _, _ in stale_fields(Paper.model_validate(data))]


@pytest.mark.parametrize("bib_fields, paper, stale", [
    # Double family names without a particle, as an import writes them.
    ("author = {Garc{\\'\\i}a M{\\'a}rquez, Gabriel and Ortega y Gasset, Jos{\\'e}}",
     {"authors": ["Gabriel García Márquez", "José Ortega y Gasset"]}, []),
    ("author = {Gabriel Garc{\\'\\i}a M{\\'a}rquez}", {"authors": ["García Márquez, Gabriel"]},
     []),
    ("author = {Donald~E.~Knuth and {van der} Berg, Jan}",
     {"authors": ["Donald E. Knuth", "Jan van der Berg"]}, []),
    # Google Scholar shortens long lists with "and others"; a paper may too (et_al).
    ("author = {Vaswani, Ashish and others}", {"authors": ["Ashish Vaswani", "Noam Shazeer"]},
     []),
    ("author = {Vaswani, Ashish and Shazeer, Noam}",
     {"authors": ["Ashish Vaswani"], "et_al": True}, []),
    ("author = {Shazeer, Noam and others}", {"authors": ["Ashish Vaswani", "Noam Shazeer"]},
     ["author"]),
    ("author = {Vaswani, Ashish and Shazeer, Noam}", {"authors": ["Ashish Vaswani"]},
     ["author"]),
    ("author = {}", {"authors": []}, []),
    # Greek letters in math and in Unicode.
    ("title = {{\\(\\beta\\)}-{VAE}: Disentangling}", {"title": "β-VAE: Disentangling"}, []),
    ("title = {{$\\beta$}-VAE}", {"title": "$\\beta$-VAE"}, []),
    ("title = {$\\alpha$-Nets}", {"title": "$\\beta$-Nets"}, ["title"]),
    ("title = {$\\ell_1$ Norms}", {"title": "ℓ1 Norms"}, []),
    # biblatex's date; a % comment between fields; years that are no number.
    ("date = {1999-01-01}", {}, ["year"]),
    ("% a note\n  title = {Attention Is Not It}, year = {1999}", {}, ["title", "year"]),
    ("year = {2017²}", {}, []),
    ("year = {2018a}", {}, []),
])
def test_what_counts_as_a_stale_entry(bib_fields, paper, stale):
    assert _stale(bib_fields, **paper) == stale


@pytest.mark.parametrize("text, fields", [
    ("@article{k,\n  title = {A {CNN} of {{nested}} braces},\n  year = 2020,\n}",
     {"title": "A {CNN} of {{nested}} braces", "year": "2020"}),
    ('@misc(k, Title = "Quoted {"}inside{"} braces", note = {a "quote"})',
     {"title": 'Quoted {"}inside{"} braces', "note": 'a "quote"'}),
    ("@article{k, month = mar, journal = jpami, title = {A} # { B}, volume = {3}}",
     {"month": None, "journal": None, "title": None, "volume": "3"}),
    ("@misc{k, title = {On volume = {9}, and pages}, note = {x}}",
     {"title": "On volume = {9}, and pages", "note": "x"}),
    ("@misc{k, title = {Escaped \\} brace}, year = {2021}}",
     {"title": "Escaped \\} brace", "year": "2021"}),
    ("@misc{k, year = {2020}, title = {cut off", {"year": "2020"}),
    ("@misc{k, title = {first}, title = {second}}", {"title": "first"}),
    ('@String{ieee = "IEEE, Inc."}\n@article{k, publisher = ieee, year = 1999}',
     {"publisher": None, "year": "1999"}),
    ("no entry here", {}),
    (None, {}),
])
def test_entry_fields_reads_the_values_between_braces_or_quotes(text, fields):
    assert entry_fields(text) == fields


# --- CSL-JSON -------------------------------------------------------------------------------


def test_papers_json_validates_against_the_csl_schema(site):
    schema = json.loads((FIXTURES / "csl-data.json").read_text("utf-8"))
    items = json.loads(read(site, "papers.json"))
    jsonschema.validate(items, schema, cls=jsonschema.Draft7Validator)
    assert len(items) == len(EXPECTED)
    # One item per line, in the array's order: a paper's change is a one-line diff.
    lines = read(site, "papers.json").splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert [json.loads(line.removesuffix(",")) for line in lines[1:-1]] == items
    by_id = {item["id"]: item for item in items}
    assert sorted(by_id) == sorted(EXPECTED)  # ids are the citation keys
    solvers = by_id["lovelace2023learning"]
    assert solvers["type"] == "paper-conference"
    assert solvers["author"][2] == {"given": "Ludwig", "non-dropping-particle": "van der",
                                    "family": "Berg"}
    assert solvers["author"][3] == {"given": "Martin Luther", "family": "King",
                                    "suffix": "Jr."}
    assert solvers["issued"] == {"date-parts": [[2023, 6, 18]]}
    assert solvers["DOI"] == "10.1000/xyz_1"
    assert by_id["lovelace2021robust"]["type"] == "article-journal"
    # A partial list ends as Pandoc reads BibTeX's `and others` (its citeproc: "et al.").
    assert by_id["lovelace2021robust"]["author"] == [
        {"given": "Ada", "family": "Lovelace"}, {"given": "Grace", "family": "Hopper"},
        {"literal": "others"}]
    assert {"literal": "others"} not in solvers["author"]
    assert by_id["lovelace2019thesis"]["type"] == "thesis"
    assert "genre" not in by_id["lovelace2019thesis"]
    # a report's kind, which only its own BibTeX entry gives
    assert (by_id["lovelace2016report"]["genre"], by_id["lovelace2016report"]["publisher"]) \
        == ("Research Report", "Max Planck Institute for Informatics")
    # The data a paper page embeds for the browser exports is the same item (the
    # abstract may be left to the page's JSON-LD).
    page = read(site, "papers/solvers/index.html")
    embedded = json.loads(re.search(
        r'<script type="application/json" id="csl-data">(.*?)</script>', page, re.S).group(1))
    assert {k: v for k, v in embedded.items() if k != "abstract"} == \
        {k: v for k, v in solvers.items() if k != "abstract"}
    jsonschema.validate([embedded], schema, cls=jsonschema.Draft7Validator)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_ris_and_csl_downloads_in_the_browser(site):
    playwright = pytest.importorskip("playwright.sync_api")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _QuietHandler, directory=str(site / "_site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
            try:
                page = browser.new_page(accept_downloads=True)
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/papers/solvers/")
                with page.expect_download() as info:
                    page.click("button[data-export=ris]")
                ris = info.value
                assert ris.suggested_filename == "lovelace2023learning.ris"
                lines = Path(ris.path()).read_text("utf-8").splitlines()
                with page.expect_download() as info:
                    page.click("button[data-export=csl]")
                csl = info.value
                assert csl.suggested_filename == "lovelace2023learning.json"
                items = json.loads(Path(csl.path()).read_text("utf-8"))
                # Pages that only the paper's own BibTeX entry gives.
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/papers/custom/")
                with page.expect_download() as info:
                    page.click("button[data-export=ris]")
                custom = Path(info.value.path()).read_text("utf-8").splitlines()
                # A group's name, as it stands.
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/papers/report/")
                with page.expect_download() as info:
                    page.click("button[data-export=ris]")
                report = Path(info.value.path()).read_text("utf-8").splitlines()
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert lines[0] == "TY  - CPAPER"
    assert "TI  - Learning CNNs for Über-Fast Schrödinger Solvers: 100% & $x_1$ #1" in lines
    assert [line[6:] for line in lines if line.startswith("AU  - ")] == [
        "Lovelace, Ada", "Müller, José", "van der Berg, Ludwig", "King, Martin Luther, Jr.",
        "Wałęsa, Łukasz", "Ærø, Søren"]
    assert "DA  - 2023/06/18" in lines and "DO  - 10.1000/xyz_1" in lines
    assert lines[-1].rstrip() == "ER  -"
    assert "SP  - 243" in custom and "EP  - 249" in custom
    assert [line for line in report if line.startswith("AU  - ")] == [
        "AU  - Lovelace, Ada", "AU  - ATLAS Collaboration"]
    assert "PB  - Max Planck Institute for Informatics" in report   # the institution
    assert "M3  - Research Report" in report   # its kind: RIS's "type of work"
    assert not [line for line in lines if line.startswith(("SP  -", "VL  -"))]
    schema = json.loads((FIXTURES / "csl-data.json").read_text("utf-8"))
    jsonschema.validate(items, schema, cls=jsonschema.Draft7Validator)
    assert items[0]["title"].startswith("Learning CNNs")
    assert items[0]["abstract"] == "We solve things fast."
    assert "AB  - We solve things fast." in lines


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_schema_fixture_is_the_official_csl_data_schema():
    schema = json.loads((FIXTURES / "csl-data.json").read_text("utf-8"))
    assert schema["$id"] == \
        "https://resource.citationstyles.org/schema/v1.0/input/json/csl-data.json"
    jsonschema.Draft7Validator.check_schema(schema)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject bad data
        jsonschema.validate([{"id": "x", "type": "paper", "title": "T"}], schema)

