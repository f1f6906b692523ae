"""`papersite import bibtex|csv|jsonl`: real-world exports in, checked YAML files out."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import read, run_cli
from papersite.importers.columns import split_authors
from papersite.importers.common import venue_candidates

FIXTURES = Path(__file__).parent / "fixtures" / "import"

VENUES = """\
- id: cvpr
  short: CVPR
  name: IEEE/CVF Conference on Computer Vision and Pattern Recognition
  aliases: [Conference on Computer Vision and Pattern Recognition]
- id: iccv
  short: ICCV
  name: IEEE/CVF International Conference on Computer Vision
  aliases: [International Conference on Computer Vision]
- id: neurips
  short: NeurIPS
  name: Conference on Neural Information Processing Systems
  aliases: [NIPS, Neural Information Processing Systems]
- id: arxiv
  short: arXiv
  name: arXiv
  type: preprint
"""


@pytest.fixture
def site(make_site):
    return make_site({"content/venues.yaml": VENUES})


def do_import(site: Path, fmt: str, name: str, *args: str):
    """Copy a fixture into the site folder and import it from there (short paths)."""
    src = FIXTURES / name
    if src.exists():
        shutil.copy(src, site / name)
    return run_cli("import", fmt, name, *args, cwd=site)


def paper(site: Path, pid: str) -> dict:
    return yaml.safe_load((site / "content" / "papers" / f"{pid}.yaml").read_text("utf-8"))


def papers(site: Path) -> list[str]:
    return sorted(p.stem for p in (site / "content" / "papers").glob("*.yaml"))


def assert_clean_failure(result) -> None:
    assert result.code == 1
    assert "Traceback" not in result.err


# --- BibTeX ----------------------------------------------------------------------------


def test_google_scholar_export(site):
    result = do_import(site, "bibtex", "scholar.bib")
    assert result.code == 0, result.err
    assert result.out.strip() == "Imported 4 new papers from scholar.bib into content/papers/"
    p = paper(site, "sparse-prototype-memory-for-few-shot-cnn-adaptation")
    assert p == {
        "title": "Sparse prototype memory for few-shot CNN adaptation",
        "authors": ["Jan van der Berg", "Zoë Müller", "Lucía García", "Tobias Straßer"],
        "year": 2023,
        "venue": "cvpr",  # lowercase "Proceedings of the IEEE/CVF conference on ..."
        # The pages, which no paper field holds, are kept with the entry as written.
        "bibtex": textwrap.dedent(r"""
            @inproceedings{berg2023sparse,
              title = {Sparse prototype memory for few-shot {CNN} adaptation},
              author = {van der Berg, Jan and M{\"u}ller, Zo{\"e} and Garc{\'\i}a, Luc{\'\i}a and Stra{\ss}er, Tobias},
              booktitle = {Proceedings of the IEEE/CVF conference on computer vision and pattern recognition},
              pages = {1234--1243},
              year = {2023},
            }
            """).lstrip(),
    }
    p = paper(site, "diffusion-priors-for-3d-scene-completion")
    assert p["authors"] == ["Aiko Nakamura", "Chidi Okafor", "Élodie Lefebvre"]
    assert p["et_al"] is True
    assert (p["arxiv"], p["venue"]) == ("2401.01234", "arxiv")
    assert "type" not in p  # arXiv's venue type, preprint, applies
    assert "bibtex" not in p  # nothing the paper's fields do not hold
    p = paper(site, "token-merging-without-retraining")
    # "Advances in Neural Information Processing Systems" as an @article: the venue's
    # type (conference) wins over Scholar's entry type.
    assert (p["venue"], p.get("type")) == ("neurips", None)
    assert p["authors"] == ["Chidi Okafor", "María de la Cruz"]
    p = paper(site, "a-benchmark-for-ocr-on-historical-maps")
    assert (p["venue"], p["type"]) == ("cvpr", "workshop")
    assert p["authors"] == ["Élodie Lefebvre", "François René"]


def test_zotero_export(site):
    result = do_import(site, "bibtex", "zotero.bib")
    assert result.code == 0, result.err
    p = paper(site, "robust-depth-estimation-with-vision-transformers")
    assert p["title"] == "Robust Depth Estimation with Vision Transformers"
    assert p["authors"] == ["Tobias Straßer", "Mette Søndergaard", "Emre Çelik"]
    assert p["venue"] == "cvpr"  # "2022 {IEEE}/{CVF} Conference on ... ({CVPR})"
    assert p["year"] == 2022 and "date" not in p  # month = jun, no day: no invented date
    # A bare % in a BibTeX field is text, not a LaTeX comment eating the line.
    assert p["abstract"] == ("We improve depth estimation by 12% on average. "
                             "The method needs no extra labels.")
    assert p["links"] == {"pdf": "https://example.org/papers/strasser2022.pdf"}
    assert p["doi"] == "10.1109/CVPR52688.2022.01234"
    assert not {"keywords", "file", "urldate", "isbn"} & set(p)
    p = paper(site, "tiny-language-models-can-plan")
    assert p["authors"] == ["Emre Çelik", "John Smith Jr.", "Siobhán O'Neil"]
    assert (p["arxiv"], p["venue"]) == ("2305.01234", "arxiv")
    assert p["abstract"] == "Small models plan well when prompted with structured goals."
    assert "links" not in p  # the URL is the arXiv abstract page the arxiv field links
    p = paper(site, "a-survey-of-self-supervised-learning-for-medical-images")
    assert p["doi"] == "10.1016/j.media.2021.101234"  # https://doi.org/ prefix removed
    assert p["authors"] == ["Mette Søndergaard", "Jean d'Alembert"]
    assert (p["venue"], p["type"]) == ("Journal of Imaginary Medical Imaging", "journal")
    assert p["links"] == {"paper": "https://example.org/journal/survey"}


def test_string_macros_crossref_and_months(site):
    result = do_import(site, "bibtex", "macros.bib")
    assert result.code == 0, result.err
    # The @proceedings volume other entries point to is not a paper.
    assert papers(site) == ["event-cameras-at-night", "geometry-aware-representations",
                            "learning-to-segment-lidar-sweeps", "on-the-optimal-step-size",
                            "sharper-bounds-for-ell-1-regularisation"]
    p = paper(site, "learning-to-segment-lidar-sweeps")
    # booktitle inherited from the crossref parent's title, built from @string macros
    # and '#' concatenation: "Proceedings of the IEEE/CVF International Conference on
    # Computer Vision, ICCV 2023, Paris, France" → the iccv series.
    assert p["venue"] == "iccv"
    assert p["authors"] == ["Jan van der Berg", "María de la Cruz"]
    assert p["date"].isoformat() == "2023-10-02"  # month = oct # "~2", day = {2}
    assert p["doi"] == "10.1109/ICCV51070.2023.00011"  # its own, not the volume's
    p = paper(site, "event-cameras-at-night")
    assert (p["venue"], p["year"]) == ("iccv", 2023)
    assert "doi" not in p  # the proceedings' DOI is not this paper's
    p = paper(site, "on-the-optimal-step-size")
    assert p["title"] == "On the Öptimal Step Size"
    assert (p["arxiv"], p["venue"]) == ("2402.05678", "arxiv")  # DBLP's CoRR entry
    p = paper(site, "sharper-bounds-for-ell-1-regularisation")
    assert p["title"] == r"Sharper Bounds for $\ell_1$ Regularisation"  # math kept
    assert (p["arxiv"], p["category"]) == ("2403.01234", "math.OC")
    p = paper(site, "geometry-aware-representations")
    assert p == {"title": "Geometry-Aware Representations", "authors": ["María de la Cruz"],
                 "year": 2020, "venue": "Universidad Imaginaria", "type": "thesis"}


def test_details_no_paper_field_holds_are_kept_in_the_papers_bibtex(site, build):
    """Volume, pages, publisher, a month without a day: the entry is kept as written,
    macros and crossref resolved, export clutter left out, and the site's BibTeX of the
    paper is that entry, under its own key."""
    assert do_import(site, "bibtex", "macros.bib").code == 0
    assert paper(site, "learning-to-segment-lidar-sweeps")["bibtex"] == textwrap.dedent(r"""
        @inproceedings{DBLP:conf/iccv/BergC23,
          title = {Learning to Segment {L}i{DAR} Sweeps},
          author = {Jan van der Berg and Mar{\'{\i}}a de la Cruz},
          booktitle = {Proceedings of the IEEE/CVF International Conference on Computer Vision, {ICCV} 2023, Paris, France},
          publisher = {IEEE},
          pages = {100--110},
          year = {2023},
          month = oct,
          doi = {10.1109/ICCV51070.2023.00011},
        }
        """).lstrip()
    assert do_import(site, "bibtex", "zotero.bib").code == 0
    survey = paper(site, "a-survey-of-self-supervised-learning-for-medical-images")
    kept = survey["bibtex"]
    assert "volume = {12}" in kept and "month = mar," in kept and "issn = {1234-5678}" in kept
    assert "doi = {10.1016/j.media.2021.101234}" in kept   # as the paper's doi field has it
    assert not {"abstract", "keywords", "file", "urldate"} & {
        line.split("=")[0].strip() for line in kept.splitlines()[1:-1]}
    (site / "months.bib").write_text(
        "@article{lee2020only, title={Only a Month}, author={Lee, Ann}, journal={J. Tests},"
        " year={2020}, month=feb}\n"
        "@article{lee2021day, title={A Day}, author={Lee, Ann}, journal={J. Tests},"
        " year={2021}, month=mar, day={3}}\n")
    assert do_import(site, "bibtex", "months.bib").code == 0
    assert "month = feb," in paper(site, "only-a-month")["bibtex"]   # no date holds it
    assert paper(site, "a-day")["date"].isoformat() == "2021-03-03"
    assert "bibtex" not in paper(site, "a-day")
    assert build(site, "--strict").code == 0
    bib = (site / "_site/papers/a-survey-of-self-supervised-learning-for-medical-images.bib"
           ).read_text("utf-8")
    assert bib == kept
    import bibtexparser
    entry = bibtexparser.parse_string(bib).entries[0]
    assert (entry.key, entry["volume"], entry["pages"]) == (
        "sondergaard_survey_2021", "12", "101234")


def test_written_file_has_header_and_schema_order(site):
    assert do_import(site, "bibtex", "zotero.bib").code == 0
    text = (site / "content/papers/robust-depth-estimation-with-vision-transformers.yaml"
            ).read_text("utf-8")
    lines = text.splitlines()
    assert lines[0] == ("# Imported by `papersite import bibtex` from zotero.bib, "
                        "entry 'strasser_robust_2022' (line 2).")
    keys = [line.split(":")[0] for line in lines if line and line[0].isalpha()]
    assert keys == ["title", "authors", "year", "venue", "abstract", "links", "doi", "bibtex"]
    assert "Straßer" in text  # written as UTF-8, not escaped


def test_schema_comment_when_the_site_has_schemas(tmp_path):
    site = tmp_path / "site"
    assert run_cli("init", str(site)).code == 0
    shutil.copy(FIXTURES / "scholar.bib", site / "scholar.bib")
    assert run_cli("import", "bibtex", "scholar.bib", cwd=site).code == 0
    first = (site / "content/papers/token-merging-without-retraining.yaml"
             ).read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/paper.schema.json"


def test_imported_content_passes_strict_check_and_builds(site, build):
    for fmt, name in [("bibtex", "scholar.bib"), ("bibtex", "zotero.bib"),
                      ("bibtex", "macros.bib"), ("csv", "papers.csv"),
                      ("jsonl", "papers.jsonl")]:
        result = do_import(site, fmt, name)
        assert result.code == 0, result.err
        assert result.err == ""  # no warnings on these files
    check = run_cli("check", "--strict", "--site", str(site))
    assert check.code == 0, check.err
    assert check.out.startswith("OK: 18 papers")
    result = build(site, "--strict")
    assert result.code == 0, result.err
    html = (site / "_site/papers/sparse-prototype-memory-for-few-shot-cnn-adaptation/"
            "index.html").read_text("utf-8")
    assert "Zoë Müller" in html


def _imported_back(make_site, build, fmt: str, export: str) -> dict[str, dict]:
    """A site's own export (/papers.bib or /papers.json) imported into another site:
    its papers by title, once `check --strict` passes."""
    source = make_site({"content/venues.yaml": VENUES, "content/papers/a.yaml": """\
        title: "Über CNNs & 50% Fewer Labels"
        authors: [Zoë Müller, Jan van der Berg, ATLAS Collaboration, 山田 太郎]
        et_al: true
        date: 2023-06-18
        venue: CVPR
        track: Workshop
        doi: 10.1000/abc.123
        """, "content/papers/b.yaml": """\
        title: Straße Scenes
        authors: [María de la Cruz]
        year: 2021
        arxiv: "2101.01234"
        links: {pdf: "https://files.example.org/~cruz/{v2}/a}b%20c.pdf"}
        """, "content/papers/c.yaml": """\
        title: Quiet Theses
        authors: [Ann Lee]
        year: 2019
        venue: University of Oslo
        type: thesis
        bibtex: |
          @mastersthesis{lee2019quiet,
            title = {Quiet Theses},
            author = {Lee, Ann},
            school = {University of Oslo},
            year = {2019},
          }
        """})
    assert build(source).code == 0
    target = make_site({"content/venues.yaml": VENUES})
    result = run_cli("import", fmt, str(source / "_site" / export), "--site", str(target))
    assert result.code == 0, result.err
    assert run_cli("check", "--strict", "--site", str(target)).code == 0
    got = {p["title"]: p for p in (paper(target, pid) for pid in papers(target))}
    assert set(got) == {"Über CNNs & 50% Fewer Labels", "Straße Scenes", "Quiet Theses"}
    b = got["Straße Scenes"]
    assert (b["authors"], b["year"], b["arxiv"]) == (["María de la Cruz"], 2021,
                                                     "2101.01234")
    c = got["Quiet Theses"]   # a master's thesis stays one (CSL: its genre)
    assert (c["type"], c["venue"]) == ("thesis", "University of Oslo")
    assert c["bibtex"].startswith("@mastersthesis{lee2019quiet,\n")
    return got


def test_export_then_import_round_trip(make_site, build):
    """The site's own /papers.bib imports back into the same papers. (山田 太郎 is cited
    as 山田, 太郎 and comes back as 山田太郎: the same person, with the same page.)"""
    got = _imported_back(make_site, build, "bibtex", "papers.bib")
    a = got["Über CNNs & 50% Fewer Labels"]
    assert a["authors"] == ["Zoë Müller", "Jan van der Berg", "ATLAS Collaboration",
                            "山田太郎"]
    assert (a["et_al"], a["doi"], a["year"], a["venue"]) == (True, "10.1000/abc.123", 2023,
                                                             "cvpr")
    # A URL's braces, which would end its BibTeX value, come back percent-encoded: the
    # same address, as a browser sends it.
    assert got["Straße Scenes"]["links"] == {
        "pdf": "https://files.example.org/~cruz/%7Bv2%7D/a%7Db%20c.pdf"}


# --- CSV and JSON Lines ------------------------------------------------------------------


def test_csv_with_common_column_names(site):
    result = do_import(site, "csv", "papers.csv")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "ignored columns: Key, Num Pages (import them with --map COLUMN=FIELD)",
        "Imported 3 new papers from papers.csv into content/papers/",
    ]
    p = paper(site, "sparse-memories-for-video")
    assert p["authors"] == ["Jan van der Berg", "Zoë Müller"]
    assert p["venue"] == "cvpr" and "type" not in p  # conferencePaper: CVPR's own type
    assert p["tags"] == ["video", "memory"]  # Zotero's "Manual Tags"
    assert p["date"].isoformat() == "2023-06-18" and p["year"] == 2023
    assert p["links"] == {"pdf": "https://example.org/sparse.pdf"}
    assert "bibtex" not in p   # no volume, pages... to keep
    p = paper(site, "graph-kernels-revisited")
    # The file separates names by ';', so "Okafor, Chidi" is one name, not two.
    assert p["authors"] == ["Chidi Okafor"]
    assert p["type"] == "journal"  # Zotero's journalArticle
    assert p["bibtex"] == textwrap.dedent("""\
        @article{okafor2021graph,
          title = {Graph Kernels, Revisited},
          author = {Okafor, Chidi},
          journal = {Journal of Imaginary Learning},
          volume = {7},
          number = {2},
          pages = {101--120},
          publisher = {Imaginary Press},
          year = {2021},
          url = {https://example.org/graph},
        }
        """)
    p = paper(site, "scaling-small-models")
    assert p["authors"] == ["Wei Ng", "Mei Ng"] and p["et_al"] is True
    assert p["arxiv"] == "2404.01234" and "links" not in p  # the arXiv URL became the id
    assert p["year"] == 2024 and "date" not in p  # "2024-04" gives the year only


def test_table_details_no_paper_field_holds_are_kept_in_the_papers_bibtex(site, build):
    """Volume, issue, pages, publisher, ISBN from a table: the paper's `bibtex` is the
    entry the site would make for it, with them; the site cites it, its metadata gives
    volume and pages, and without them the site makes the same entry."""
    (site / "t.csv").write_text(textwrap.dedent("""\
        Title,Authors,Year,Journal,Vol,No.,Pages,Publisher,DOI
        Meta-Transfer Learning through Hard Tasks,"Qianru Sun, Bernt Schiele",2022,NIPS,44,3,1443–1456,{IEEE} & Sons,10.1109/X.1
        """), encoding="utf-8")
    result = run_cli("import", "csv", "t.csv", "--map", "Vol=volume", "--map", "No.=issue",
                     cwd=site)
    assert result.code == 0, result.err
    kept = paper(site, "meta-transfer-learning-through-hard-tasks")["bibtex"]
    assert kept == textwrap.dedent(r"""
        @inproceedings{sun2022meta,
          title = {Meta-Transfer Learning through Hard Tasks},
          author = {Sun, Qianru and Schiele, Bernt},
          booktitle = {Conference on Neural Information Processing Systems},
          volume = {44},
          number = {3},
          pages = {1443--1456},
          publisher = {\{IEEE\} \& Sons},
          year = {2022},
          doi = {10.1109/X.1},
        }
        """).lstrip()
    assert build(site, "--strict").code == 0
    bib = site / "_site/papers/meta-transfer-learning-through-hard-tasks.bib"
    assert bib.read_text("utf-8") == kept
    page = (site / "_site/papers/meta-transfer-learning-through-hard-tasks/index.html"
            ).read_text("utf-8")
    assert '<meta name="citation_volume" content="44">' in page
    assert '<meta name="citation_firstpage" content="1443">' in page
    path = site / "content/papers/meta-transfer-learning-through-hard-tasks.yaml"
    path.write_text(path.read_text("utf-8").split("bibtex:")[0], "utf-8")
    assert build(site, "--strict").code == 0
    made = bib.read_text("utf-8")
    assert made.splitlines() == [line for line in kept.splitlines() if not line.startswith(
        ("  volume", "  number", "  pages", "  publisher"))]
    (site / "n.jsonl").write_text('{"title": "Numbers as Numbers", "authors": ["Ada Lovelace"],'
                                  ' "year": 2020, "volume": 3, "issue": 1, "pages": "5"}\n',
                                  encoding="utf-8")
    assert run_cli("import", "jsonl", "n.jsonl", cwd=site).code == 0
    assert paper(site, "numbers-as-numbers")["bibtex"].splitlines()[3:6] == [
        "  volume = {3},", "  number = {1},", "  pages = {5},"]


def test_table_details_as_spreadsheets_and_zotero_give_them(site, build):
    """A thesis's or report's publisher is its venue (school, institution); spreadsheet numbers
    (12.0) are whole; "pp." is dropped and a page count left out; a book's publisher
    other than its venue, and details beside the row's own BibTeX, are left out with a
    warning; two rows of one key stem get the site's letter suffix."""
    (site / "z.csv").write_text(textwrap.dedent("""\
        Title,Author,Publication Year,Item Type,Publisher,Volume,Issue,Pages,Publication Title,BibTeX
        A Thesis,Ann Roe,2019,thesis,Universität Zürich,,,,,
        A Report,Ed Poe,2018,report,MIT,,TR-42,,,
        Deep Learning A,John Smith,2020,journalArticle,,12.0,3.0,pp. 1443-1456,J Tests,
        Deep Nets B,John Smith,2020,journalArticle,,7,,12 pp.,J Tests,
        A Book,Jane Doe,2020,book,Springer-Verlag Berlin,,,,Springer,
        Own Entry,Jane Doe,2021,journalArticle,,9,,,J Tests,"@article{doe2021own, title = {Own Entry}}"
        """), encoding="utf-8")
    result = run_cli("import", "csv", "z.csv", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == [
        "warning: z.csv:5: pages: '12 pp.' is a number of pages, not the pages in column "
        "'Pages'; left out",
        "warning: z.csv:6: publisher: left out: in BibTeX, a book's venue (Springer) is its "
        "publisher",
        "warning: z.csv:7: bibtex: volume: left out; the row's own BibTeX entry is kept as "
        "given"]
    thesis = paper(site, "a-thesis")   # Zotero's Publisher of a thesis: its university
    assert (thesis["venue"], thesis["type"]) == ("Universität Zürich", "thesis")
    assert "bibtex" not in thesis   # nothing left that no paper field holds
    report = paper(site, "a-report")
    assert report["venue"] == "MIT"
    assert "  institution = {MIT},\n  number = {TR-42},\n" in report["bibtex"]
    deep = paper(site, "deep-learning-a")["bibtex"]
    assert deep.startswith("@article{smith2020deep,\n")
    assert "  volume = {12},\n  number = {3},\n  pages = {1443--1456},\n" in deep
    nets = paper(site, "deep-nets-b")["bibtex"]
    assert nets.startswith("@article{smith2020deepa,\n") and "pages" not in nets
    assert "publisher = {Springer}," in paper(site, "a-book")["bibtex"]
    assert paper(site, "own-entry")["bibtex"] == "@article{doe2021own, title = {Own Entry}}"
    assert build(site, "--strict").code == 0
    facts = read(site, "papers/a-report/index.html")
    assert "TR-42" not in facts.split('<dl class="facts">')[1].split("</dl>")[0]   # no issue


def test_zotero_csv_as_zotero_writes_it(site, build):
    """Zotero's CSV: its "Last, First" authors one a cell even where no row has two (a
    ";" elsewhere was the only sign), a suffix after the given name, standalone notes and
    files (no papers), arXiv ids in Extra and in old preprints' "arXiv:1412.6980 [cs]",
    a report's Number, rich text in titles, dates of a month, workshops, an abstract's
    paragraphs (a line each, as in Zotero's CSL JSON)."""
    header = ('"Key","Item Type","Publication Year","Author","Title","Publication Title",'
              '"Abstract Note","Date","Pages","Number","Extra","Publisher","Url"\n')
    rows = [
        '"K1","journalArticle","2021","Nguyễn, Thị Minh Anh","Clock mutants of '
        '<i>Drosophila melanogaster</i>","Genetics","First part.\nSecond part.","2021-05",'
        '"10-19","","","",""',
        '"K2","note","","","","","A note to myself","","","","","",""',
        '"K3","attachment","","","slides-final.pdf","","","","","","","",""',
        '"K4","journalArticle","2014","Kingma, Diederik P.","Adam: A Method for Stochastic '
        'Optimization","arXiv:1412.6980 [cs]","","2014-12-22","","","arXiv: 1412.6980","",'
        '"http://arxiv.org/abs/1412.6980"',
        '"K5","report","2020","Barker, Elaine","Recommendation for Key Management","",'
        '"","May 2020","","NIST SP 800-57pt1r5","","NIST",""',
        '"K6","book","1995","Brooks, Frederick P., Jr.","The Mythical Man-Month","","",'
        '"1995","","","","Addison-Wesley",""',
        '"K9","webpage","2023","","PyTorch documentation","","","","","","","",'
        '"https://pytorch.org/docs/"',
        '"K7","conferencePaper","2019","Aguilar, Gustavo","Code-switching","Proceedings of '
        'the Workshop on Computational Approaches to Linguistic Code-Switching","","2019",'
        '"","","Citation Key: aguilar2019\narXiv: 1907.01234","",""']
    (site / "zotero.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("import", "csv", "zotero.csv", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == ["warning: zotero.csv:4: a Zotero note, not a paper; left out",
                            "warning: zotero.csv:5: a Zotero attachment, not a paper; left out"]
    clock = paper(site, "clock-mutants-of-drosophila-melanogaster")
    assert clock["authors"] == ["Thị Minh Anh Nguyễn"]
    assert clock["title"] == "Clock mutants of Drosophila melanogaster"
    assert clock["abstract"] == "First part.\n\nSecond part."   # a line a paragraph
    assert "month = may," in clock["bibtex"] and "pages = {10--19}" in clock["bibtex"]
    adam = paper(site, "adam-a-method-for-stochastic-optimization")
    assert (adam["arxiv"], adam["venue"]) == ("1412.6980", "arxiv")
    assert "type" not in adam    # a preprint, not a journal article
    report = paper(site, "recommendation-for-key-management")
    assert report["year"] == 2020 and "number = {NIST SP 800-57pt1r5}" in report["bibtex"]
    assert "month = may," in report["bibtex"]
    assert paper(site, "the-mythical-man-month")["authors"] == ["Frederick P. Brooks Jr."]
    assert "type" not in paper(site, "pytorch-documentation")   # other, with no warning
    code = paper(site, "code-switching")
    assert (code["type"], code["arxiv"]) == ("workshop", "1907.01234")
    assert build(site, "--strict").code == 0
    # A chapter's editors, series, place and edition are in its citation, as BibTeX's are.
    (site / "chapter.csv").write_text(
        '"Key","Item Type","Publication Year","Author","Title","Publication Title",'
        '"Abstract Note","Editor","Series","Place","Edition","Publisher","Pages"\n'
        '"K8","bookSection","2012","Bengio, Yoshua","Practical Recommendations","Neural '
        'Networks: Tricks of the Trade","","Montavon, Grégoire; Orr, Geneviève B.",'
        '"Lecture Notes in Computer Science","Berlin","2","Springer","437-478"\n',
        encoding="utf-8")
    assert run_cli("import", "csv", "chapter.csv", cwd=site).code == 0
    entry = paper(site, "practical-recommendations")["bibtex"]
    assert "  editor = {Montavon, Gr{\\'e}goire and Orr, Genevi{\\`e}ve B.},\n" in entry
    assert "  series = {Lecture Notes in Computer Science},\n" in entry
    assert "  address = {Berlin},\n  edition = {2},\n" in entry


def test_tables_that_are_no_zotero_export_keep_their_meaning(site):
    """What the Zotero and CSL rules must not change for other tables: Markdown abstracts
    as given, a month alone making no `bibtex` field, Place/Series/Editor columns of a
    lab's own sheet ignored (listed), a type given in Papersite's words winning over a
    venue's "Workshop", a date of another year than the year column said; and what they
    must do: a workshop named in the venue text of a known series, a preprint's arXiv id
    in Zotero's Number, Extra or DOI."""
    (site / "own.jsonl").write_text(
        '{"title": "Wrapped", "authors": ["Ann Lee"], "year": 2020, "abstract": "We study '
        'things that are\\nwrapped.\\n\\n- item\\n  continued"}\n'
        '{"title": "Dated", "authors": ["Ann Lee"], "year": 2015, "date": "June 2016"}\n'
        '{"title": "Seasonal", "authors": ["Ann Lee"], "date": "Spring 2016"}\n',
        encoding="utf-8")
    result = run_cli("import", "jsonl", "own.jsonl", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == ["warning: own.jsonl:2: date: a date of 2016, but the year is "
                            "2015; the date is left out"]
    assert paper(site, "wrapped")["abstract"] == ("We study things that are\nwrapped.\n\n"
                                                  "- item\n  continued")
    assert paper(site, "dated")["year"] == 2015
    assert paper(site, "seasonal")["year"] == 2016   # the one year of the text
    (site / "sheet.csv").write_text(
        "Title,Authors,Date,Venue,Type,Place,Series,Editor\n"
        "My Paper,Alice Smith; Bob Jones,2023-05,NeurIPS,conference,1st place,Lab seminar,yes\n"
        "Other Paper,Alice Smith,2022,IEEE International Conference and Workshop on Systems,"
        "conference,,,\n"
        "Third Paper,Alice Smith,2021,NeurIPS Workshop,,,,\n", encoding="utf-8")
    result = run_cli("import", "csv", "sheet.csv", cwd=site)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == ("ignored columns: Place, Series, Editor (import "
                                          "them with --map COLUMN=FIELD)")
    mine = paper(site, "my-paper")
    assert (mine["year"], mine["venue"]) == (2023, "neurips")
    assert "bibtex" not in mine   # a month alone is no reason for a fixed entry
    assert paper(site, "other-paper")["type"] == "conference"
    assert paper(site, "third-paper") == {"title": "Third Paper", "authors": ["Alice Smith"],
                                          "year": 2021, "venue": "neurips",
                                          "type": "workshop"}
    (site / "preprints.csv").write_text(
        '"Key","Item Type","Publication Year","Author","Title","Abstract Note","Number",'
        '"Extra","DOI"\n'
        '"P1","preprint","2018","Devlin, Jacob","BERT","","arXiv:1810.04805",'
        '"arXiv:1810.04805 [cs.CL] version: 1","10.48550/arXiv.1810.04805"\n'
        '"P2","journalArticle","2011","Riess, Adam","Cosmology","","",'
        '"arXiv:1107.4612 [astro-ph.CO]",""\n'
        '"P3","preprint","2019","Doe, Jane","By DOI","","","","10.48550/arXiv.1901.00001"\n',
        encoding="utf-8")
    assert run_cli("import", "csv", "preprints.csv", cwd=site).code == 0
    bert = paper(site, "bert")
    assert bert["arxiv"] == "1810.04805" and "bibtex" not in bert   # no number = {arXiv:...}
    assert paper(site, "cosmology")["arxiv"] == "1107.4612"
    assert paper(site, "by-doi")["arxiv"] == "1901.00001"
    (site / "ed.json").write_text(json.dumps([{
        "type": "chapter", "title": "One Editor", "container-title": "A Book",
        "issued": {"date-parts": [[2020]]}, "page": "1-9",
        "editor": {"family": "Smith", "given": "Ann"}},
        {"type": "chapter", "title": "Odd Editor", "container-title": "A Book",
         "issued": {"date-parts": [[2020]]}, "page": "1-9", "editor": 42}]),
        encoding="utf-8")
    result = run_cli("import", "jsonl", "ed.json", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == ["warning: ed.json:1: editor: expected names in column 'editor'; "
                            "left out"]
    assert "editor = {Smith, Ann}" in paper(site, "one-editor")["bibtex"]
    (site / "v.jsonl").write_text('{"title": "T", "venue": ["NeurIPS"], "year": 2020}\n',
                                  encoding="utf-8")
    result = run_cli("import", "jsonl", "v.jsonl", cwd=site)   # no traceback
    assert "Traceback" not in result.err and result.code == 0
    assert result.lines[0].startswith("warning: v.jsonl:1: venue:")


def test_a_venue_spelled_another_way_takes_the_spelling_the_site_has(make_site):
    """The site names a venue that venues.yaml does not after the first spelling it
    meets; imported papers (and their kept BibTeX) take that spelling."""
    site = make_site({"content/papers/old.yaml": "title: Old\nyear: 2019\n"
                                                 "venue: Physical Review Letters\n"})
    (site / "p.csv").write_text(textwrap.dedent("""\
        Title,Year,Journal,Volume
        New One,2020,physical review  letters,12
        New Two,2021,Journal of tests,3
        New Three,2022,Journal of Tests,4
        """), encoding="utf-8")
    assert run_cli("import", "csv", "p.csv", cwd=site).code == 0
    assert paper(site, "new-one")["venue"] == "Physical Review Letters"
    assert "= {Physical Review Letters}," in paper(site, "new-one")["bibtex"]
    assert paper(site, "new-three")["venue"] == "Journal of tests"


def test_csv_links_to_arxiv_on_any_of_its_hosts_give_the_id(site):
    """An abs or pdf link at arxiv.org, www. or export., with a new or an old-style id,
    is the paper's arXiv id, as in a BibTeX import (the table's own rule knew arxiv.org
    and new-style ids only, and kept the others as links)."""
    (site / "links.csv").write_text(
        "title,year,url\n"
        "Old Style,2006,https://export.arxiv.org/abs/cs/0601001v2\n"
        "New Style,2023,https://www.arxiv.org/pdf/2301.00001.pdf\n", encoding="utf-8")
    result = run_cli("import", "csv", "links.csv", cwd=site)
    assert result.code == 0, result.err
    old, new = paper(site, "old-style"), paper(site, "new-style")
    assert (old["arxiv"], "links" in old) == ("cs/0601001v2", False)
    assert (new["arxiv"], "links" in new) == ("2301.00001", False)


def test_csv_map_option(site):
    (site / "mine.csv").write_text(textwrap.dedent("""\
        Paper Name;Who;When;Repo;Notes;Where
        Graph Things;Ada Example and Grace Sample;2022;https://example.org/repo;skip me;NIPS
        """), encoding="utf-8")
    result = run_cli("import", "csv", "mine.csv", "--map", "Paper Name=title",
                     "--map", "who=authors", "--map", "When=year",
                     "--map", "Repo=links.code", "--map", "Notes=", "--map", "Where=venue",
                     cwd=site)
    assert result.code == 0, result.err
    assert "ignored columns" not in result.out
    assert paper(site, "graph-things") == {
        "title": "Graph Things", "authors": ["Ada Example", "Grace Sample"], "year": 2022,
        "venue": "neurips", "links": {"code": "https://example.org/repo"}}


def test_jsonl(site):
    result = do_import(site, "jsonl", "papers.jsonl")
    assert result.code == 0, result.err
    p = paper(site, "self-training-with-noisy-labels")
    assert p["authors"] == ["Aiko Nakamura", {"name": "Chidi Okafor",
                                              "affiliation": "Imaginary University"}]
    assert (p["venue"], p["arxiv"], p["tags"]) == ("neurips", "2205.01234",
                                                   ["semi-supervised"])
    assert p["links"] == {"code": "https://example.org/code"}
    p = paper(site, "faster-transformers-on-cpus")
    assert p["authors"] == ["Wei Ng", "Mei Ng"]
    assert (p["year"], p["type"], p["citations"], p["selected"]) == (2023, "workshop", 12,
                                                                    True)
    p = paper(site, "counting-objects-in-crowds")  # paper_title, author, code_url, ...
    assert p["authors"] == ["Zoë Müller", "Jan van der Berg"]
    assert p["doi"] == "10.1000/xyz123" and p["date"].isoformat() == "2020-09-01"
    assert p["links"] == {"code": "https://example.org/crowds"}
    # A type that CSL has too ("other", BibTeX's "article") does not make a row CSL.
    (site / "typed.jsonl").write_text(
        '{"title": "Typed", "authors": ["Ann Lee"], "year": 2020, "type": "other"}\n'
        '{"title": "Typed Two", "authors": ["Bo Li"], "year": 2021, "type": "article"}\n',
        encoding="utf-8")
    assert run_cli("import", "jsonl", "typed.jsonl", cwd=site).code == 0
    assert paper(site, "typed")["authors"] == ["Ann Lee"]
    assert paper(site, "typed-two")["type"] == "journal"


def test_csl_json_as_reference_managers_export_it(site, build):
    """Zotero's CSL JSON: structured names, date parts, CSL types, a container or an
    event for the venue, arXiv in `number`, details kept in the paper's `bibtex`."""
    result = do_import(site, "jsonl", "zotero-csl.json")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "ignored columns: id, note, keyword (import them with --map COLUMN=FIELD)",
        "Imported 4 new papers from zotero-csl.json into content/papers/"]
    p = paper(site, "sparse-coding-for-robust-recognition")
    assert p["authors"] == ["Jan van der Berg", "Zoë Müller", "The Test Consortium"]
    assert (p["date"], p["type"], p["doi"]) == (dt.date(2021, 6, 15), "journal",
                                                "10.1000/jt.2021.5")
    assert p["abstract"] == "We study sparse codes.\n\nThen we test them."
    assert "volume = {12}" in p["bibtex"] and "number = {3}" in p["bibtex"]
    assert "editor = {Roe, Ann}" in p["bibtex"] and "series = {Tests}" in p["bibtex"]
    assert "pages = {101--117}" in p["bibtex"] and "issn = {1234-5678}" in p["bibtex"]
    p = paper(site, "diffusion-priors-for-scene-completion")
    assert p["authors"] == ["Aiko Nakamura", "李华", "Martin Luther King Jr."]
    assert (p["year"], p["venue"], p["track"]) == (2023, "iccv", "Workshop")
    assert p["links"] == {"pdf": "https://example.org/diffusion.pdf"}
    p = paper(site, "token-merging-without-retraining")
    assert (p["year"], p["arxiv"]) == (2024, "2401.01234")
    assert "type" not in p     # preprint, the type of a paper with an arXiv id alone
    assert "bibtex" not in p   # "arXiv" as publisher says nothing more
    p = paper(site, "historical-maps-and-their-readers")
    assert (p["venue"], p["type"], p["year"]) == ("Université de Test", "thesis", 2019)
    # doi.org's answer for one DOI: a single object over several lines
    (site / "doi.json").write_text(textwrap.dedent("""\
        {
          "DOI": "10.1109/cvpr.2016.90", "type": "paper-conference", "page": "770-778",
          "title": "Deep Residual Learning for Image Recognition",
          "author": [{"given": "Kaiming", "family": "He", "sequence": "first"}],
          "container-title": "Conference on Computer Vision and Pattern Recognition",
          "issued": {"date-parts": [[2016, 6]]}
        }"""), encoding="utf-8")
    assert run_cli("import", "jsonl", "doi.json", cwd=site).code == 0
    p = paper(site, "deep-residual-learning-for-image-recognition")
    assert (p["authors"], p["venue"], p["year"]) == (["Kaiming He"], "cvpr", 2016)
    assert "pages = {770--778}" in p["bibtex"]
    assert build(site, "--strict").code == 0


def test_crossref_records_as_doi_org_and_its_api_give_them(site, build):
    """Crossref's JSON (doi.org, api.crossref.org): one-element lists, its own types,
    `published` beside `issued`, JATS abstracts, a group's `name`, affiliations, ISSN
    lists; wrapped in {"status", "message"} when it comes from the API."""
    work = {
        "DOI": "10.7554/elife.01234", "type": "journal-article", "page": "e01234",
        "title": ["Odor coding in the <i>Drosophila</i> lateral horn &amp; beyond"],
        "subtitle": ["A connectomic view"], "container-title": ["eLife"],
        "short-container-title": ["eLife"], "volume": "3", "ISSN": ["2050-084X"],
        "published": {"date-parts": [[2014, 5, 27]]},
        "issued": {"date-parts": [[2014, 5, 27]]},
        "link": [{"URL": "https://elifesciences.org/download/x.pdf"}],
        "author": [{"given": "Ann", "family": "Lee", "sequence": "first",
                    "affiliation": [{"name": "Janelia"}]},
                   {"name": "FlyEM Consortium", "sequence": "additional"}],
        "abstract": "<jats:title>Abstract</jats:title><jats:p>Neurons in the "
                    "<jats:italic>Drosophila</jats:italic> horn.</jats:p>"
                    "<jats:p>We map them &amp; more.</jats:p>"}
    (site / "crossref.json").write_text(json.dumps({"status": "ok", "message": work}),
                                        encoding="utf-8")
    result = run_cli("import", "jsonl", "crossref.json", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == []   # no warning
    (pid,) = [p for p in papers(site) if p.startswith("odor")]
    assert pid == "odor-coding-in-the-drosophila-lateral-horn-beyond-a-connectomic-view"
    p = paper(site, pid)
    assert p["title"] == ("Odor coding in the Drosophila lateral horn & beyond: A "
                          "connectomic view")
    assert p["authors"] == [{"name": "Ann Lee", "affiliation": "Janelia"},
                            "FlyEM Consortium"]
    assert (p["date"], p["type"], p["venue"]) == (dt.date(2014, 5, 27), "journal", "eLife")
    assert p["abstract"] == "Neurons in the Drosophila horn.\n\nWe map them & more."
    assert "issn = {2050-084X}" in p["bibtex"] and "volume = {3}" in p["bibtex"]
    assert build(site, "--strict").code == 0


def test_a_zotero_library_with_pages_software_and_preprints(site):
    """A library export mixes papers with items that carry no CSL mark but their type:
    the file is read as CSL whole. arXiv ids come from Zotero's Extra, from a container
    that only names arXiv, from a DataCite DOI; EDTF and free dates give their year."""
    items = [
        {"id": "http://zotero.org/users/1/items/ABCD1234", "type": "webpage",
         "title": "PyTorch documentation", "URL": "https://pytorch.org/docs/",
         "note": "Accessed for the tutorial"},
        {"id": "x2", "type": "article", "title": "Adam: A Method", "note":
         "Citation Key: kingma2014adam\narXiv: 1412.6980", "issued": "2014?",
         "author": {"family": "Kingma", "given": "Diederik P."}},
        {"id": "x3", "type": "article-journal", "title": "Attention Again",
         "container-title": "arXiv preprint arXiv:1706.03762", "issued": {"raw": "June 2017"},
         "author": [{"family": "Vaswani", "given": "Ashish"}]},
        {"id": "x4", "type": "article", "title": "Graph Attention", "issued": "2017/2018",
         "DOI": "10.48550/arXiv.1710.10903"},
        {"id": "x5", "type": "report", "title": "A Report", "number": "MSR-TR-2019-12",
         "publisher": "Microsoft Research", "issued": {"date-parts": [[2019]]}}]
    (site / "library.json").write_text(json.dumps(items, indent="\t"), encoding="utf-8")
    result = run_cli("import", "jsonl", "library.json", cwd=site)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == ("ignored columns: id, note (import them with "
                                          "--map COLUMN=FIELD)")
    page = paper(site, "pytorch-documentation")   # "other", the default: not written
    assert page == {"title": "PyTorch documentation",
                    "links": {"paper": "https://pytorch.org/docs/"}}   # Extra is no badge
    adam = paper(site, "adam-a-method")
    assert (adam["arxiv"], adam["year"], adam["authors"]) == ("1412.6980", 2014,
                                                              ["Diederik P. Kingma"])
    attention = paper(site, "attention-again")   # the site's arXiv venue, as for BibTeX
    assert (attention["arxiv"], attention["year"], attention["venue"]) == (
        "1706.03762", 2017, "arxiv")
    assert "type" not in attention   # a preprint (not the item's journal article)
    assert paper(site, "graph-attention")["arxiv"] == "1710.10903"
    report = paper(site, "a-report")
    assert report["venue"] == "Microsoft Research" and "number = {MSR-TR-2019-12}" in \
        report["bibtex"]
    # --map names the file's own keys: Zotero's event instead of its proceedings.
    (site / "event.json").write_text(json.dumps([{
        "type": "paper-conference", "title": "Maps", "issued": {"date-parts": [[2021]]},
        "container-title": "Proceedings of the IEEE/CVF Conference on Computer Vision "
                           "and Pattern Recognition Workshops",
        "event-title": "Workshop on Historical Maps", "genre": "Oral"}]), encoding="utf-8")
    assert run_cli("import", "jsonl", "event.json", "--map", "container-title=",
                   "--map", "event-title=venue", cwd=site).code == 0
    assert paper(site, "maps")["venue"] == "Workshop on Historical Maps"
    assert paper(site, "maps")["track"] == "Oral"


def test_a_theses_degree_and_a_reports_kind_are_in_its_citation(site, build):
    """Zotero's Type column and CSL's genre: a master's thesis is cited @mastersthesis
    (it was @phdthesis), another degree is the entry's `type`; a genre that says only
    "PhD thesis" or "Technical Report" makes no entry of the paper's own."""
    (site / "theses.csv").write_text(
        '"Key","Item Type","Publication Year","Author","Title","Abstract Note",'
        '"Publisher","Type"\n'
        '"T1","thesis","2019","Doe, Jane","Learning Slowly","","University of Oslo",'
        '"Master\'s thesis"\n'
        '"T2","thesis","2021","Roe, Rick","Learning Quickly","","MIT","PhD Thesis"\n'
        '"T3","report","2020","Poe, Ed","Field Notes","","ACME Labs","Technical Report"\n'
        '"T4","report","2020","Poe, Ed","Road Map","","ACME Labs","White paper"\n',
        encoding="utf-8")
    result = run_cli("import", "csv", "theses.csv", cwd=site)
    assert result.code == 0, result.err
    slowly = paper(site, "learning-slowly")
    assert slowly["type"] == "thesis" and slowly["venue"] == "University of Oslo"
    assert slowly["bibtex"].startswith("@mastersthesis{doe2019learning,\n")
    assert "type =" not in slowly["bibtex"]
    assert "bibtex" not in paper(site, "learning-quickly")
    assert "bibtex" not in paper(site, "field-notes")
    assert "  type = {White paper},\n" in paper(site, "road-map")["bibtex"]
    (site / "theses.json").write_text(json.dumps([
        {"type": "thesis", "title": "Sparse Maps", "genre": "M.Sc. thesis",
         "author": [{"family": "Lin", "given": "Mei"}], "issued": {"date-parts": [[2018]]},
         "publisher": "ETH Zürich"},
        {"type": "thesis", "title": "Dense Maps", "genre": "Habilitation",
         "author": [{"family": "Berg", "given": "Karl"}], "issued": {"date-parts": [[2016]]},
         "publisher": "Universität Wien"}]), encoding="utf-8")
    assert run_cli("import", "jsonl", "theses.json", cwd=site).code == 0
    assert paper(site, "sparse-maps")["bibtex"].startswith("@mastersthesis{lin2018sparse,")
    dense = paper(site, "dense-maps")["bibtex"]
    assert dense.startswith("@phdthesis{") and "  type = {Habilitation},\n" in dense
    assert build(site, "--strict").code == 0


S2_RECORDS = [
    {"paperId": "0f1e2d3c", "externalIds": {"DOI": "10.9999/jpds.2018.003", "CorpusId": 1},
     "url": "https://www.semanticscholar.org/paper/0f1e2d3c",
     "title": "A Journal Study of Pretend Data", "abstract": "We study data.",
     "venue": "Journal of Pretend Data Science", "year": 2018, "citationCount": 12,
     "publicationVenue": {"id": "aa", "name": "J. Pretend Data Sci.", "type": "journal"},
     "publicationTypes": ["JournalArticle"], "publicationDate": "2018-03-15",
     "journal": {"name": "Journal of Pretend Data Science", "volume": "12",
                 "pages": "201-219"},
     "authors": [{"authorId": "1", "name": "Amara Quillfeather"},
                 {"authorId": "2", "name": "Jörg Müller"}]},
    {"paperId": "1a2b3c4d", "externalIds": {"ArXiv": "2401.09876", "CorpusId": 2},
     "url": "https://www.semanticscholar.org/paper/1a2b3c4d",
     "title": "Diffusion Models for Imaginary Origami", "abstract": None,
     "venue": "arXiv.org", "year": 2024, "publicationTypes": ["JournalArticle"],
     "publicationDate": "2024-01-18", "openAccessPdf": {"url":
                                                        "https://arxiv.org/pdf/2401.09876"},
     "journal": {"name": "ArXiv", "volume": "abs/2401.09876"},
     "authors": [{"authorId": "1", "name": "Amara Quillfeather"}]},
    {"paperId": "2b3c4d5e", "externalIds": {"DOI": "10.1109/CVPR.2021.99999"},
     "title": "Lattice Methods for Counting Imaginary Sheep", "year": 2021,
     "venue": "Computer Vision and Pattern Recognition",
     "publicationTypes": ["JournalArticle", "Conference"],
     "authors": [{"authorId": "1", "name": "Amara Quillfeather"}]},
]
OPENALEX_PAGE = {"meta": {"count": 3, "page": 1}, "results": [
    {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.9999/jpds.2018.003",
     "title": "A journal study of pretend data", "publication_year": 2018,
     "type": "article", "primary_location": {"source": {
         "display_name": "Journal of Pretend Data Science", "type": "journal"}},
     "authorships": [{"author": {"display_name": "Amara Quillfeather"}}]},
    {"id": "https://openalex.org/W2", "doi": "https://doi.org/10.48550/arxiv.2402.00001",
     "title": "Folding <i>Imaginary</i> Cranes", "display_name": "Folding Imaginary Cranes",
     "publication_year": 2024, "publication_date": "2024-02-01", "type": "preprint",
     "primary_location": {"landing_page_url": "https://arxiv.org/abs/2402.00001",
                          "source": {"display_name": "arXiv (Cornell University)",
                                     "type": "repository"}},
     "authorships": [{"author": {"display_name": "Tobias Brightwater"}},
                     {"author": {"display_name": "Amara Quillfeather"}}],
     "is_authors_truncated": True,
     "abstract_inverted_index": {"Cranes": [0], "fold": [1, 3], "and": [2], ".": [4]},
     "keywords": [{"id": "https://openalex.org/keywords/origami", "display_name": "Origami",
                   "score": 0.5}],
     "cited_by_count": 0},
    {"id": "https://openalex.org/W3", "doi": "https://doi.org/10.1145/0000001",
     "title": "Counting Sheep at a Conference", "publication_year": 2022,
     "type": "article", "primary_location": {
         "landing_page_url": "https://dl.example.org/doi/10.1145/0000001",
         "pdf_url": "https://dl.example.org/doi/pdf/10.1145/0000001",
         "source": {"display_name": "Proceedings of the Imaginary Conference",
                    "type": "conference"}},
     "locations": [{"landing_page_url": "https://arxiv.org/abs/2201.00002v2"}],
     "authorships": [{"author": {"display_name": "Ngozi Okonkwo-Vale"},
                      "institutions": [{"display_name": "University of Nowhere"}]}],
     "biblio": {"volume": None, "issue": None, "first_page": "10", "last_page": "20"}},
]}


def test_semantic_scholar_and_openalex_records_as_their_apis_give_them(site, build):
    """Semantic Scholar's DOI and arXiv id in `externalIds`, its `publicationDate` and
    venue; OpenAlex's work URL as `id` (no paper id), `authorships` (a list cut at 100:
    et al.), `primary_location`, inverted abstract and an arXiv copy among `locations`.
    Both files dedupe against each other by DOI and arXiv id."""
    (site / "s2.jsonl").write_text("".join(json.dumps(r) + "\n" for r in S2_RECORDS),
                                   encoding="utf-8")
    result = run_cli("import", "jsonl", "s2.jsonl", cwd=site)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "ignored columns: paperId, citationCount (import them with --map COLUMN=FIELD)",
        "Imported 3 new papers from s2.jsonl into content/papers/"]
    journal = paper(site, "a-journal-study-of-pretend-data")
    assert journal == {
        "title": "A Journal Study of Pretend Data",
        "authors": ["Amara Quillfeather", "Jörg Müller"],
        "year": 2018, "date": dt.date(2018, 3, 15),
        "venue": "Journal of Pretend Data Science", "type": "journal",
        "abstract": "We study data.",
        "links": {"semantic_scholar": "https://www.semanticscholar.org/paper/0f1e2d3c"},
        "doi": "10.9999/jpds.2018.003",
        "bibtex": journal["bibtex"]}
    assert "  volume = {12},\n  pages = {201--219},\n" in journal["bibtex"]
    preprint = paper(site, "diffusion-models-for-imaginary-origami")
    assert (preprint["arxiv"], preprint["venue"]) == ("2401.09876", "arxiv")
    assert "type" not in preprint and "bibtex" not in preprint   # no volume abs/2401...
    assert list(preprint["links"]) == ["semantic_scholar"]     # the PDF is arXiv's
    lattice = paper(site, "lattice-methods-for-counting-imaginary-sheep")
    assert (lattice["venue"], lattice["type"], lattice["doi"]) == (
        "Computer Vision and Pattern Recognition", "conference", "10.1109/CVPR.2021.99999")

    (site / "openalex.json").write_text(json.dumps(OPENALEX_PAGE, indent=2), "utf-8")
    first_result = json.dumps(OPENALEX_PAGE, indent=2).split("\n").index("    {") + 1
    assert first_result > 5                       # not the line where the page starts
    result = run_cli("import", "jsonl", "openalex.json", "--map", "keywords=tags",
                     cwd=site)
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        f"skipped openalex.json:{first_result} (record 1): same DOI as paper "
        "'a-journal-study-of-pretend-data' in "
        "content/papers/a-journal-study-of-pretend-data.yaml:2",
        "Imported 2 new papers from openalex.json into content/papers/ "
        "(1 duplicate skipped)"]
    cranes = paper(site, "folding-imaginary-cranes")
    assert cranes == {
        "title": "Folding Imaginary Cranes",
        "authors": ["Tobias Brightwater", "Amara Quillfeather"], "et_al": True,
        "year": 2024, "date": dt.date(2024, 2, 1), "venue": "arxiv",
        "abstract": "Cranes fold and fold .", "tags": ["Origami"],
        "arxiv": "2402.00001", "doi": "10.48550/arxiv.2402.00001"}
    sheep = paper(site, "counting-sheep-at-a-conference")
    assert sheep["authors"] == ["Ngozi Okonkwo-Vale"]
    assert (sheep["venue"], sheep["type"], sheep["arxiv"]) == (
        "Proceedings of the Imaginary Conference", "conference", "2201.00002v2")
    assert sheep["links"] == {"paper": "https://dl.example.org/doi/10.1145/0000001",
                              "pdf": "https://dl.example.org/doi/pdf/10.1145/0000001"}
    assert "  pages = {10--20},\n" in sheep["bibtex"]
    # The same works again from the other service: all of them known by DOI or arXiv id
    (site / "s2-again.jsonl").write_text(json.dumps(S2_RECORDS[1]) + "\n", "utf-8")
    again = run_cli("import", "jsonl", "s2-again.jsonl", cwd=site)
    assert "same arXiv id as paper 'diffusion-models-for-imaginary-origami'" in again.out
    assert build(site).code == 0


def test_semantic_scholar_venue_found_by_its_other_names(site):
    """Semantic Scholar names CVPR "Computer Vision and Pattern Recognition", which
    venues.yaml does not spell; its `alternate_names` hold "CVPR". A venue none of whose
    names is known keeps the name given first, and "ArXiv" as the journal of a
    conference paper's preprint is not taken for its venue."""
    records = [
        {"paperId": "a1", "title": "Sheep in the Lattice", "year": 2023,
         "venue": "Computer Vision and Pattern Recognition",
         "publicationVenue": {"id": "v1", "name": "Computer Vision and Pattern Recognition",
                              "type": "conference",
                              "alternate_names": ["CVPR", "Comput Vis Pattern Recognit"]},
         "journal": {"name": "ArXiv"}, "authors": [{"name": "Amara Quillfeather"}]},
        {"paperId": "a2", "title": "Goats in the Lattice", "year": 2023,
         "venue": "Workshop on Imaginary Animals",
         "publicationVenue": {"id": "v2", "name": "Workshop on Imaginary Animals",
                              "alternate_names": ["WIA"]},
         "journal": {"name": "ArXiv"}, "authors": [{"name": "Amara Quillfeather"}]}]
    (site / "s2.json").write_text(json.dumps({"total": 2, "data": records}), "utf-8")
    result = run_cli("import", "jsonl", "s2.json", cwd=site)
    assert result.code == 0, result.err
    assert paper(site, "sheep-in-the-lattice")["venue"] == "cvpr"
    assert paper(site, "goats-in-the-lattice")["venue"] == "Workshop on Imaginary Animals"


def test_a_sites_papers_json_imports_into_another_site(make_site, build):
    """The site's own CSL-JSON export (/papers.json, a JSON array) imports back into the
    same papers: names, dates, venues, tracks, arXiv ids, DOIs, and et al. (a last name
    {"literal": "others"})."""
    got = _imported_back(make_site, build, "jsonl", "papers.json")
    a = got["Über CNNs & 50% Fewer Labels"]
    assert a["authors"] == ["Zoë Müller", "Jan van der Berg", "ATLAS Collaboration",
                            "山田太郎"]
    assert a["et_al"] is True   # the list's last name {"literal": "others"}
    assert (a["date"], a["venue"], a["track"], a["doi"]) == (
        dt.date(2023, 6, 18), "cvpr", "Workshop", "10.1000/abc.123")


@pytest.mark.parametrize("cell, names, et_al", [
    ("Sun, Qianru; Schiele, Bernt", ["Qianru Sun", "Bernt Schiele"], False),
    ("van der Berg, Jan; de la Cruz, María", ["Jan van der Berg", "María de la Cruz"], False),
    ("Ada Example and Grace Sample", ["Ada Example", "Grace Sample"], False),
    ("Ada Example, Grace Sample and Alan Other", ["Ada Example", "Grace Sample",
                                                  "Alan Other"], False),
    ("Example, Ada and Sample, Grace", ["Ada Example", "Grace Sample"], False),
    ("Ada Example, Grace Sample, et al.", ["Ada Example", "Grace Sample"], True),
    ("Ada Example and others", ["Ada Example"], True),
    ("  Ada   Example ,, Grace Sample ", ["Ada Example", "Grace Sample"], False),
    # A list ending in "and others" or "et al." is still "Last, First" names.
    ("Smith, J. and Jones, K. and others", ["J. Smith", "K. Jones"], True),
    ("Smith, John and Doe, Jane et al.", ["John Smith", "Jane Doe"], True),
    # One-word family names alternating with given names that show an initial: "Last,
    # First" without "and". Without an initial, one name a part.
    ("Smith, J.", ["J. Smith"], False),
    ("Smith, John A., van der Berg, Jan", ["John A. Smith", "Jan van der Berg"], False),
    ("Ann Lee, Bob Chen", ["Ann Lee", "Bob Chen"], False),
    ("Hinton, Bengio, LeCun, Sutskever", ["Hinton", "Bengio", "LeCun", "Sutskever"], False),
    ("王伟, 李娜", ["王伟", "李娜"], False),
    # Family name first and no space where the script writes names so.
    ("李, 华; 欧阳, 娜娜; Smith, John", ["李华", "欧阳娜娜", "John Smith"], False),
    ("山田, 太郎 and 김, 철수", ["山田太郎", "김철수"], False),
    ("Ann Lee and Ahmet Al", ["Ann Lee", "Ahmet Al"], False),   # not "et al"
])
def test_author_splitting_rule(cell, names, et_al):
    assert split_authors(cell) == (names, et_al)


def test_semicolon_files_keep_one_name_per_cell():
    assert split_authors("Okafor, Chidi", semicolons=True) == (["Chidi Okafor"], False)
    assert split_authors("Smith, John and others", semicolons=True) == (["John Smith"], True)
    # ... and so is a group's name with "and" in it (a CSV import warns about such a cell
    # unless the file is Zotero's export: "Ann Lee and Bo Chen" may be two people)
    assert split_authors("Bill and Melinda Gates Foundation", semicolons=True) == (
        ["Bill and Melinda Gates Foundation"], False)


def test_a_cell_joined_by_and_in_a_semicolon_file_warns(site):
    """It became one person, "Aiko Tanaka and Marta Núñez", with a page of their own."""
    (site / "a.csv").write_text("title,authors,year\nOne,Lee Ann; Bo Chen,2020\n"
                                "Two,Aiko Tanaka and Marta Núñez,2021\n", encoding="utf-8")
    result = run_cli("import", "csv", "a.csv", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == ["warning: a.csv:3: authors: 'Aiko Tanaka and Marta Núñez' is "
                            "taken as one name, as the file separates names by ';' (write "
                            "'A; B' for two)"]


def test_venue_candidates():
    found = venue_candidates("Proceedings of the 2019 IEEE/CVF Conference on Computer "
                             "Vision and Pattern Recognition (CVPR)")
    assert "IEEE/CVF Conference on Computer Vision and Pattern Recognition" in found
    assert "CVPR" in found
    assert "Neural Information Processing Systems" in venue_candidates(
        "Advances in Neural Information Processing Systems 35")


# --- duplicates and overwriting ------------------------------------------------------------

EXISTING = {
    "content/papers/known.yaml": """\
        title: Sparse Prototype Memory for Few-Shot CNN Adaptation
        year: 2023
        """,
    "content/papers/list.yaml": """\
        - id: by-doi
          title: Some Other Title
          doi: 10.1109/CVPR52688.2022.01234
        - id: by-arxiv
          title: Yet Another Title
          arxiv: 2305.01234v2
        """,
}


def test_duplicates_are_skipped_with_the_existing_file_named(make_site):
    site = make_site({"content/venues.yaml": VENUES, **EXISTING})
    shutil.copy(FIXTURES / "zotero.bib", site / "zotero.bib")
    shutil.copy(FIXTURES / "scholar.bib", site / "scholar.bib")
    result = run_cli("import", "bibtex", "scholar.bib", cwd=site)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        "skipped scholar.bib:1 (entry 'berg2023sparse'): same title and year as paper "
        "'known' in content/papers/known.yaml:1")
    result = run_cli("import", "bibtex", "zotero.bib", cwd=site)
    assert result.out.splitlines() == [
        "skipped zotero.bib:2 (entry 'strasser_robust_2022'): same DOI as paper 'by-doi' "
        "in content/papers/list.yaml:1",
        "skipped zotero.bib:22 (entry 'celik_tiny_2023'): same arXiv id as paper "
        "'by-arxiv' in content/papers/list.yaml:4",
        "Imported 1 new paper from zotero.bib into content/papers/ (2 duplicates skipped)",
    ]
    assert (site / "content/papers/known.yaml").read_text("utf-8").startswith("title:")


def test_duplicates_within_one_input(site):
    (site / "twice.bib").write_text(textwrap.dedent("""\
        @article{a, title = {Same Paper}, author = {Ada Example}, year = 2020}

        @inproceedings{b, title = {SAME  paper.}, author = {Example, Ada}, year = {2020}}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "twice.bib", cwd=site)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "skipped twice.bib:3 (entry 'b'): same title and year as twice.bib:1 (entry 'a') "
        "earlier in this import",
        "Imported 1 new paper from twice.bib into content/papers/ (1 duplicate skipped)",
    ]


def test_never_overwrites_without_force(site):
    assert do_import(site, "bibtex", "scholar.bib").code == 0
    path = site / "content/papers/token-merging-without-retraining.yaml"
    edited = path.read_text("utf-8") + "note: Spotlight\n"
    path.write_text(edited, encoding="utf-8")
    again = run_cli("import", "bibtex", "scholar.bib", cwd=site)
    assert again.code == 0
    assert again.out.splitlines()[-1] == ("Imported 0 new papers from scholar.bib into "
                                          "content/papers/ (4 duplicates skipped)")
    assert path.read_text("utf-8") == edited
    forced = run_cli("import", "bibtex", "scholar.bib", "--force", cwd=site)
    assert forced.code == 0, forced.err
    # the edited file is written again (with its note kept); the three others would be
    # written as they are, so they are left alone (all four were reported updated)
    assert forced.out.splitlines()[-1] == ("Imported 0 new papers from scholar.bib into "
                                           "content/papers/ (1 updated, 3 unchanged)")
    assert paper(site, "token-merging-without-retraining")["note"] == "Spotlight"
    assert len(papers(site)) == 4
    stamps = {p: p.stat().st_mtime_ns for p in (site / "content/papers").iterdir()}
    again = run_cli("import", "bibtex", "scholar.bib", "--force", cwd=site)
    assert again.out.splitlines()[-1] == ("Imported 0 new papers from scholar.bib into "
                                          "content/papers/ (4 unchanged)")
    assert {p: p.stat().st_mtime_ns for p in (site / "content/papers").iterdir()} == stamps


def test_force_updates_from_the_input_and_keeps_what_was_added_by_hand(site, build):
    """Refreshing papers from a new export: what the input says of the paper replaces the
    file's, fields it does not give stay (before, `--force` replaced the file and the
    tags, `selected` and code link added on the site were lost)."""
    assert do_import(site, "bibtex", "scholar.bib").code == 0
    path = site / "content/papers/token-merging-without-retraining.yaml"
    by_hand = yaml.safe_load(path.read_text("utf-8"))
    by_hand.update(title="Token Merging Without Retraining", date="2022-11-28",
                   et_al=True, note="Oral", tags=["efficiency"], selected=True,
                   links={"code": "https://github.com/example/tome",
                          "paper": "https://old.example.org/tome.pdf",
                          "proceedings": "https://proceedings.example.org/tome"})
    by_hand["authors"][1] = {"name": "Maria de la Cruz", "equal_contribution": True}
    path.write_text(yaml.safe_dump(by_hand, allow_unicode=True), encoding="utf-8")
    bib = (site / "scholar.bib").read_text("utf-8")
    (site / "scholar.bib").write_text(
        bib.replace("and de la Cruz, Mar{\\'\\i}a},\n  journal",
                    "and de la Cruz, Mar{\\'\\i}a and Roe, Ann},\n"
                    "  url={https://proceedings.example.org/tome},\n  journal")
           .replace("  volume={35},\n  pages={100--112},\n", ""), encoding="utf-8")
    forced = run_cli("import", "bibtex", "scholar.bib", "--force", cwd=site)
    assert forced.code == 0, forced.err
    assert paper(site, "token-merging-without-retraining") == {
        # from the input: its title, authors (complete: no et_al; the name marked by hand
        # keeps its mark, spelled as the input spells it), year (the date given by hand is of that year: kept), venue;
        # an entry without details: no `bibtex`
        "title": "Token merging without retraining",
        "authors": ["Chidi Okafor", {"name": "María de la Cruz", "equal_contribution": True},
                    "Ann Roe"],
        "year": 2022,
        "date": dt.date(2022, 11, 28),
        "venue": "neurips",
        # the input's link replaces the one of the same label and the one of the same
        # URL; the others stay
        "links": {"paper": "https://proceedings.example.org/tome",
                  "code": "https://github.com/example/tome"},
        "note": "Oral", "tags": ["efficiency"], "selected": True,
    }
    assert build(site, "--strict").code == 0


def test_force_with_a_table_of_a_few_columns_changes_only_those(make_site):
    """A table that refreshes citation counts (title, DOI, citations) leaves the authors,
    date, venue, type and own BibTeX entry alone; a date of another year than the input's,
    and a track or type of another venue, go."""
    entry = "@inproceedings{doe2023deep,\n  title = {Deep Things},\n}\n"
    site = make_site({
        "content/venues.yaml": VENUES,
        "content/papers/deep.yaml": (
            "title: Deep Things\nauthors: [Jane Doe, {name: Rick Roe, corresponding: true}]\n"
            "date: 2023-06-15\nvenue: cvpr\ntrack: Workshop on Maps\ntype: workshop\n"
            "doi: 10.1234/deep.1\nbibtex: |\n" + textwrap.indent(entry, "  ")),
        "content/papers/wide.yaml": ("title: Wide Things\nauthors: [Ann Lee]\n"
                                     "date: 2021-03-01\nvenue: cvpr\ntrack: Workshop on Maps\n"
                                     "type: workshop\ndoi: 10.1234/wide.1\n")})
    (site / "f.csv").write_text("title,doi,citations\nDeep Things,10.1234/deep.1,57\n",
                                encoding="utf-8")
    assert run_cli("import", "csv", "f.csv", "--force", cwd=site).code == 0
    deep = paper(site, "deep")
    assert deep == {"title": "Deep Things", "authors": [
        "Jane Doe", {"name": "Rick Roe", "corresponding": True}],
        "date": dt.date(2023, 6, 15), "venue": "cvpr", "track": "Workshop on Maps",
        "type": "workshop", "doi": "10.1234/deep.1", "citations": 57, "bibtex": entry}
    (site / "w.csv").write_text("title,doi,year,venue\nWide Things,10.1234/wide.1,2022,"
                                "NeurIPS\n", encoding="utf-8")
    assert run_cli("import", "csv", "w.csv", "--force", cwd=site).code == 0
    assert paper(site, "wide") == {"title": "Wide Things", "authors": ["Ann Lee"],
                                   "year": 2022, "venue": "neurips", "doi": "10.1234/wide.1"}
    (site / "w.jsonl").write_text('{"title": "Wide Things", "doi": "10.1234/wide.1", '
                                  '"date": "2023-01-05"}\n', encoding="utf-8")
    # a date alone: the file's year, of another date, goes
    assert run_cli("import", "jsonl", "w.jsonl", "--force", cwd=site).code == 0
    assert paper(site, "wide")["date"] == dt.date(2023, 1, 5)
    assert "year" not in paper(site, "wide")
    assert run_cli("check", "--strict", "--site", str(site)).code == 0


def test_same_title_other_year_gets_its_own_id(make_site):
    site = make_site({"content/papers/a-survey.yaml": "title: A Survey\nyear: 2019\n"})
    (site / "s.bib").write_text("@article{s, title={A Survey}, author={Ada Example}, "
                                "year={2024}}\n", encoding="utf-8")
    result = run_cli("import", "bibtex", "s.bib", "--force", cwd=site)
    assert result.code == 0, result.err
    assert papers(site) == ["a-survey", "a-survey-2024"]
    assert paper(site, "a-survey") == {"title": "A Survey", "year": 2019}


def test_force_leaves_files_of_several_papers_alone(make_site):
    site = make_site({"content/venues.yaml": VENUES, **EXISTING})
    shutil.copy(FIXTURES / "zotero.bib", site / "zotero.bib")
    before = (site / "content/papers/list.yaml").read_text("utf-8")
    result = run_cli("import", "bibtex", "zotero.bib", "--force", cwd=site)
    assert result.code == 0
    assert ("same DOI as paper 'by-doi' in content/papers/list.yaml:1 (a file of several "
            "papers: not overwritten; edit it by hand)") in result.out
    assert (site / "content/papers/list.yaml").read_text("utf-8") == before


# --- bad input ------------------------------------------------------------------------------


def test_bibtex_syntax_errors_are_reported_and_nothing_is_written(site):
    (site / "bad.bib").write_text(textwrap.dedent("""\
        @article{good, title = {Fine}, year = 2020}

        @inproceedings{broken,
          title = {Never closed,
          year = 2021,

        @article{good, title = {Again}}
        @misc{notitle, author = {Ada Example}}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "bad.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines == [
        "bad.bib:3: cannot parse this @inproceedings entry: Unexpected block start: "
        "`@article`. Was still looking for field-value closing `}`",
        "bad.bib:7: duplicate entry key 'good' (first used on line 1)",
        "bad.bib:8: title: entry 'notitle' has no title; every paper needs one",
        "nothing imported: 3 errors",
    ]
    assert papers(site) == []


def test_csv_row_without_title(site):
    (site / "rows.csv").write_text("title,authors,year,doi\n"
                                   "First,Ada Example,2020,N/A\n"
                                   ",Grace Sample,2021,\n", encoding="utf-8")
    result = run_cli("import", "csv", "rows.csv", cwd=site)
    assert_clean_failure(result)
    assert result.lines == [
        "warning: rows.csv:2: doi: 'N/A' is not a DOI such as 10.1109/CVPR.2023.00123; "
        "left out",
        "rows.csv:3: title: row has no title; every paper needs one",
        "nothing imported: 1 error",
    ]
    assert papers(site) == []


def test_optional_values_that_do_not_fit_are_left_out_with_a_warning(site):
    (site / "rows.csv").write_text("title,year,doi,url\n"
                                   "First,circa 2020,N/A,javascript:alert(1)\n",
                                   encoding="utf-8")
    result = run_cli("import", "csv", "rows.csv", cwd=site)
    assert result.code == 0
    assert result.lines == [
        "warning: rows.csv:2: doi: 'N/A' is not a DOI such as 10.1109/CVPR.2023.00123; "
        "left out",
        "warning: rows.csv:2: links.paper: 'javascript:alert(1)': only http(s) and "
        "site-relative links are allowed; left out",
        "warning: rows.csv:2: year: expected a whole number, found 'circa 2020'; left out",
    ]
    assert result.out.splitlines()[-1] == ("Imported 1 new paper from rows.csv into "
                                           "content/papers/ (3 warnings)")
    assert paper(site, "first") == {"title": "First"}
    # a number of 5,000 digits (a traceback before)
    (site / "big.csv").write_text("title,citations\nBig," + "9" * 5000 + "\n", encoding="utf-8")
    result = run_cli("import", "csv", "big.csv", cwd=site)
    assert result.code == 0 and len(result.lines) == 1
    assert result.lines[0].startswith("warning: big.csv:2: citations: ")
    assert result.lines[0].endswith("; left out")
    assert paper(site, "big") == {"title": "Big"}


def test_csv_with_a_quote_that_is_never_closed(site):
    """The reader took every line after the quote as one cell: a paper titled
    'X,A B,2020 ...', and the rows after it gone, without a word."""
    (site / "q.csv").write_text('title,authors,year\nFine,Ann Lee,2019\n"X,Ann Lee,2020\n'
                                'Y,Bo Chen,2021\n', encoding="utf-8")
    result = run_cli("import", "csv", "q.csv", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == ("q.csv:3: a quoted cell in this row is never closed: its '\"' "
                               "has no partner")
    # A stray quote inside a cell is read as Excel reads it.
    (site / "q.csv").write_text('title,authors,year\n"Fine, really" too,Ann Lee,2019\n',
                                encoding="utf-8")
    assert run_cli("import", "csv", "q.csv", cwd=site).code == 0
    assert papers(site) == ["fine-really-too"]


def test_csv_without_a_title_column(site):
    (site / "t.csv").write_text("name,who\nX,Y\n", encoding="utf-8")
    result = run_cli("import", "csv", "t.csv", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == ("t.csv:1: no title column (columns: name, who); name one "
                               "'title' or use --map COLUMN=title")


def test_bad_map_options(site):
    (site / "t.csv").write_text("title,who\nX,Y\n", encoding="utf-8")
    result = run_cli("import", "csv", "t.csv", "--map", "who=auhtors", "--map", "nope",
                     "--map", "missing=title", cwd=site)
    assert_clean_failure(result)
    assert result.lines == [
        "--map: 'auhtors' is not a paper field (did you mean 'authors'? use a field of the "
        "paper schema, url, links.LABEL, or one of volume, issue, pages, publisher, isbn, "
        "issn, editor, series, edition, address, genre)",
        "--map: 'nope' must be COLUMN=FIELD",
        "--map: no column 'missing' in t.csv (columns: title, who)",
        "nothing imported: 3 errors",
    ]


def test_jsonl_bad_lines(site):
    (site / "p.jsonl").write_text('{"title": "Fine"}\n{"title": \n[1, 2]\n\n{"year": 2020}\n',
                                  encoding="utf-8")
    result = run_cli("import", "jsonl", "p.jsonl", cwd=site)
    assert_clean_failure(result)
    assert result.lines == [
        "p.jsonl:2: not valid JSON: Expecting value (column 11)",
        "p.jsonl:3: expected one JSON object per line, found a list",
        "nothing imported: 2 errors",
    ]
    (site / "p.jsonl").write_text('{"title": "Fine"}\n{"year": 2020}\n', encoding="utf-8")
    result = run_cli("import", "jsonl", "p.jsonl", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == "p.jsonl:2: title: record has no title; every paper needs one"
    # A JSON array: each element's own line.
    for text, message in [
            ('[\n  {"title": "Fine"},\n  [1]\n]\n', "3: expected one JSON object in the "
                                                    "array, found a list"),
            ('[\n  {"title": "Fine"},\n  {"title": }\n]\n', "3: not valid JSON: Expecting "
                                                          "value (column 13)"),
            ('[\n  {"title": "Fine"}\n  {"title": "Two"}\n]\n', "3: not valid JSON: "
                                                              "Expecting ',' delimiter "
                                                              "(column 3)"),
            ('[{"title": "Fine"}]\n]\n', "2: not valid JSON: text after the array's end"),
            ('[{"title": "Fine"},\n {"year": 2020}]', "2: title: record has no title; "
                                                      "every paper needs one"),
            # Records an API wraps: each its number (a minified answer is one line), and
            # its own line when the answer is printed over several.
            ('{"data": [{"title": "Fine"}, {"year": 2020}], "total": 2}',
             "1: title: record 2 has no title; every paper needs one"),
            ('{\n "meta": {"count": 2},\n "results": [\n  {"title": "Fine"},\n  {"year": 2020}'
             '\n ]\n}\n', "5: title: record 2 has no title; every paper needs one"),
            ('{"status": "ok", "message": {"items": [\n{"title": "Fine"},\n\n{"year": 2020}]}}',
             "4: title: record 2 has no title; every paper needs one"),
            ('{"data": [{"title": "A"}]}\n{"data": [{"title": "B"}, {"year": 2020}]}\n',
             "2: title: record 2 has no title; every paper needs one")]:
        (site / "p.json").write_text(text, encoding="utf-8")
        result = run_cli("import", "jsonl", "p.json", cwd=site)
        assert_clean_failure(result)
        assert result.lines[0] == f"p.json:{message}"
    for text, message in [
            ('{\n  "title": "A",\n}\n', "3: not valid JSON: Expecting property name "
                                         "enclosed in double quotes (column 1)"),
            ('{\n  "title": "A"\n}\n{\n  "title": "B"\n}\n',
             "4: several JSON values one after another: put them in a JSON array, or one "
             "object on each line"),
            ("[" * 100000 + "]" * 100000, "1: not valid JSON: nested too deeply"),
            # Python reads numbers of up to 4,300 digits (a traceback before)
            ('{"title": "A", "year": %s}' % ("9" * 5000), "1: not valid JSON: a number too "
                                                         "long to read"),
            ('[\n{"title": "A"},\n{"year": %s}]' % ("9" * 5000), "3: not valid JSON: a "
                                                              "number too long to read"),
            ('{\n"title": "A", "year": %s}' % ("9" * 5000), "1: not valid JSON: a number "
                                                           "too long to read")]:
        (site / "p.json").write_text(text, encoding="utf-8")
        result = run_cli("import", "jsonl", "p.json", cwd=site)
        assert_clean_failure(result)
        assert result.lines[0] == f"p.json:{message}"
    # A line separator inside a string is text, not the end of a line.
    (site / "p.jsonl").write_text('{"title": "One\u2028Two"}\n{"title": "Three"}\n',
                                  encoding="utf-8")
    assert run_cli("import", "jsonl", "p.jsonl", cwd=site).code == 0
    assert papers(site) == ["one-two", "three"]
    (site / "p.json").write_text("[ ]", encoding="utf-8")
    result = run_cli("import", "jsonl", "p.json", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == ("p.json: file is empty; expected one JSON object per line, "
                               "or a JSON array of objects")


def test_unreadable_inputs(site, tmp_path):
    result = run_cli("import", "bibtex", "missing.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == "missing.bib: file not found"
    (site / "latin1.bib").write_bytes("@article{a, title={Caf\xe9}}\n".encode("latin-1"))
    result = run_cli("import", "bibtex", "latin1.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == ("latin1.bib:1: not valid UTF-8 (byte 0xe9); save the file "
                               "as UTF-8")
    # What JabRef names in its first lines is read; bytes that are not of it are refused.
    (site / "jabref.bib").write_bytes(
        "% This file was created with JabRef 2.10.\n% Encoding: Cp1252\n\n"
        "@article{a, title={Caf\xe9 \u2013 Stra\xdfe}, author={M\xfcller, J\xfcrgen},"
        " year=2001}\n".encode("cp1252"))
    assert run_cli("import", "bibtex", "jabref.bib", cwd=site).code == 0
    assert paper(site, "cafe-strasse")["title"] == "Café – Straße"
    assert paper(site, "cafe-strasse")["authors"] == ["Jürgen Müller"]
    for content, message in [
        (b"% Encoding: ascii\n@misc{b, title={Caf\xe9}}\n",
         "2: byte 0xe9 is not ascii, the encoding its '% Encoding:' line names"),
        (b"% Encoding: base64\n@misc{b, title={Caf\xe9}}\n",   # no text encoding
         "2: not valid UTF-8 (byte 0xe9), and its '% Encoding: base64' line names no text "
         "encoding Python knows"),
        # A file saved as UTF-8 since, but for one byte: not read as Windows-1252, which
        # would make every "é" an "Ã©".
        ("% Encoding: Cp1252\n@misc{b, title={Café}}\n".encode() + b"% \xe9\n",
         "3: not valid UTF-8 (byte 0xe9), though other lines are: its '% Encoding: "
         "Cp1252' line is out of date")]:
        (site / "mislabelled.bib").write_bytes(content)
        result = run_cli("import", "bibtex", "mislabelled.bib", cwd=site)
        assert_clean_failure(result)
        assert result.lines[0] == f"mislabelled.bib:{message}; save the file as UTF-8"
    # Latin-1 is read as Windows-1252, as browsers read it: its dashes are no controls.
    (site / "latin.bib").write_bytes(b"% Encoding: ISO8859_1\n@misc{c, title={Na\xefve "
                                     b"\x96 Study}, year=2003}\n")
    assert run_cli("import", "bibtex", "latin.bib", cwd=site).code == 0
    assert paper(site, "naive-study")["title"] == "Naïve – Study"
    # A whole bibliography in one file may be larger than a content file may be (16 MB):
    # splitting a .bib would break its macros and crossrefs.
    (site / "whole.bib").write_text(" " * (17 << 20) + "@article{w, title={Whole}, "
                                    "year=2000}\n", encoding="utf-8")
    assert run_cli("import", "bibtex", "whole.bib", cwd=site).code == 0
    with open(site / "huge.bib", "wb") as f:
        f.truncate((128 << 20) + 1)   # sparse: no time or disk to write it
    result = run_cli("import", "bibtex", "huge.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == ("huge.bib: file is 134,217,729 bytes, over the limit of "
                               "134,217,728; split it into several files (each with the "
                               "@string macros and crossref parents its entries use)")
    (site / "empty.bib").write_text("% nothing here\n", encoding="utf-8")
    result = run_cli("import", "bibtex", "empty.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0] == "empty.bib: no BibTeX entries found (is this a .bib file?)"


def test_refuses_a_folder_that_is_not_a_site(tmp_path):
    (tmp_path / "refs.bib").write_text("@article{a, title={T}}\n", encoding="utf-8")
    result = run_cli("import", "bibtex", "refs.bib", cwd=tmp_path)
    assert_clean_failure(result)
    assert result.lines[0] == (".: no site.yaml here: this folder is not a Papersite site "
                               "(pass --site DIR, or run `papersite init DIR` to create one)")
    assert not (tmp_path / "content").exists()


def test_refuses_while_existing_paper_files_do_not_load(make_site):
    site = make_site({"content/papers/broken.yaml": "title: [unclosed\n"})
    (site / "refs.bib").write_text("@article{a, title={T}}\n", encoding="utf-8")
    result = run_cli("import", "bibtex", "refs.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0].startswith("content/papers/broken.yaml:")
    assert result.lines[-1] == "nothing imported (fix these files first): 1 error"


def test_unknown_macro_is_kept_with_a_warning(site):
    (site / "m.bib").write_text(textwrap.dedent("""\
        @string{conf = "Conference on " # cvprname}
        @string{cvprname = "Computer Vision and Pattern Recognition"}
        @inproceedings{a, title = {Macro Paper}, author = {Ada Example},
          booktitle = conf, publisher = ieee, year = 2021, month = "mar"}
        @article{b, title = {Journal Paper},
          author = {Ada Example},
          year = 2020,
          journal = jmlr}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "m.bib", cwd=site)
    assert result.code == 0, result.err
    # each at the line of the field that names it
    assert result.lines == [
        "warning: m.bib:4: publisher: unknown @string macro 'ieee' kept as text (entry 'a')",
        "warning: m.bib:8: journal: unknown @string macro 'jmlr' kept as text (entry 'b')"]
    # conf → "Conference on " # cvprname, defined after it: BibTeX order does not matter
    # for us, and the alias names the cvpr series.
    assert paper(site, "macro-paper")["venue"] == "cvpr"



def test_an_accent_command_that_begins_a_later_name_is_kept(site):
    """bibtexparser's own name splitter drops it: "Doe, J and \\v{S}najder, Jan" gave
    "Jan Snajder"."""
    (site / "names.bib").write_text(
        '@article{a, title = {T}, author = {Doe, J and \\v{S}najder, Jan and \\"{O}zil, M'
        ' and {Barnes and Noble}}, year = 2020}\n', encoding="utf-8")
    assert run_cli("import", "bibtex", "names.bib", cwd=site).code == 0
    assert paper(site, "t")["authors"] == ["J Doe", "Jan Šnajder", "M Özil", "Barnes and Noble"]


def test_syntax_slips_inside_an_entry_are_errors_and_nothing_is_written(site):
    """bibtexparser reads `title = {A} author = {B}` as one title: the authors would be
    lost without a word. Each slip is an error at its line, and nothing is imported."""
    (site / "slips.bib").write_text(textwrap.dedent("""\
        @article{a, title = {Missing comma}
          author = {Doe, John}, year = 2020}
        @article{b,
          title = {Extra } brace},
          author = {Doe, John}, year = 2020}
        @article{c, title = Bare words, year = 2020}
        @article{d, title = {Fine}, journal = jpami, month = jan # "~2", year = 2020}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "slips.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines == [
        "slips.bib:1: title: a comma is missing between title and author (entry 'a')",
        "slips.bib:4: title: text after the value's closing brace (a brace too many, or a "
        "missing comma?) (entry 'b')",
        "slips.bib:6: title: the value needs braces or quotes around it (entry 'c')",
        "warning: slips.bib:7: journal: unknown @string macro 'jpami' kept as text (entry 'd')",
        "nothing imported: 3 errors"]
    assert papers(site) == []


def test_what_exports_write_is_read_as_they_mean_it(site):
    """Font and box commands keep their text, AAS journal macros and TeX's sorting trick
    are understood; a tilde accent outside braces, biblatex's extended names, DBLP's
    homonym numbers, a doubled "and" and a hand-written "et al." give the right
    authors; biblatex's journaltitle and date, ACM's article numbers and a master's
    thesis reach the paper and its kept entry; URLs keep their ~ and &."""
    (site / "quirks.bib").write_text(textwrap.dedent(r"""
        @article{ads, title = {\texttt{TextAttack} and \mbox{X-ray} \textsf{Tools}},
          author = {Mu\~{n}oz, Carlos and Jo\~{a}o Silva and {\noopsort{Vries}}de Vries, Jan},
          journal = {\apjl}, year = 2020}
        @article{bbt, title = {Learning With Particles}, date = {2021-03-02},
          author = {family=Berg, given=Jan, prefix=van den, useprefix=false and Doe, Jane},
          journaltitle = {Journal of Tests}, volume = {4}}
        @inproceedings{acm, title = {Small Articles}, author = {Xin Wang 0003 and and Wei Li},
          booktitle = {Proceedings of CHI}, year = 2022, articleno = {42}, numpages = {12}}
        @mastersthesis{ms, title = {A Master Thesis}, author = {Poe, Ed and et al.},
          school = {ETH Zurich}, year = 2019}
        @misc{links, title = {Links}, author = {Roe, Ann}, year = 2023,
          howpublished = {Available at \url{https://x.org/~ann/q?a=1&b=2}}}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "quirks.bib", cwd=site)
    assert result.code == 0, result.err
    ads = paper(site, "textattack-and-x-ray-tools")
    assert ads["title"] == "TextAttack and X-ray Tools"
    assert ads["authors"] == ["Carlos Muñoz", "João Silva", "Jan de Vries"]
    assert ads["venue"] == "ApJL"
    bbt = paper(site, "learning-with-particles")
    assert bbt["authors"] == ["Jan van den Berg", "Jane Doe"]
    assert (bbt["venue"], bbt["year"]) == ("Journal of Tests", 2021)
    assert "  author = {van den Berg, Jan and Doe, Jane},\n  journal = {Journal of Tests}," \
        in bbt["bibtex"] and "  year = {2021},\n" in bbt["bibtex"]
    acm = paper(site, "small-articles")
    assert acm["authors"] == ["Xin Wang", "Wei Li"]
    assert "  author = {Xin Wang and Wei Li},\n" in acm["bibtex"]
    assert "  articleno = {42},\n  numpages = {12},\n" in acm["bibtex"]
    ms = paper(site, "a-master-thesis")
    assert (ms["authors"], ms["et_al"], ms["venue"]) == (["Ed Poe"], True, "ETH Zurich")
    assert ms["bibtex"].startswith("@mastersthesis{ms,")   # the site would write @phdthesis
    assert paper(site, "links")["links"] == {"paper": "https://x.org/~ann/q?a=1&b=2"}
    check = run_cli("check", "--strict", "--site", str(site))
    assert check.code == 0, check.err


def test_remarks_jr_names_and_comma_lists(site):
    """A note that says more than an arXiv id keeps the entry (the site's BibTeX would
    lose it); "Doe Jr., John" passes the check; names joined by commas get a warning."""
    (site / "more.bib").write_text(textwrap.dedent(r"""
        @misc{a, title = {Under Review}, author = {Doe, Jane}, year = 2024,
          note = {Under review at Nature}}
        @misc{b, title = {Zotero Preprint}, author = {Doe, Jane}, year = 2023,
          note = {arXiv:2301.00001 [cs]}, eprint = {2301.00001}, archivePrefix = {arXiv}}
        @article{c, title = {Junior Name}, author = {Doe Jr., John}, year = 2021,
          journal = {J}, volume = 3}
        @article{d, title = {Commas}, author = {John Smith, Jane Doe, Bob Lee}, year = 2021,
          journal = {J}}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "more.bib", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == [
        "warning: more.bib:8: author: 'John Smith, Jane Doe, Bob Lee' reads as one name "
        "(BibTeX's 'Last, Jr, First'); separate names with 'and' (entry 'd')"]
    assert "  note = {Under review at Nature},\n" in paper(site, "under-review")["bibtex"]
    assert "bibtex" not in paper(site, "zotero-preprint")
    check = run_cli("check", "--strict", "--site", str(site))
    assert check.code == 0, check.err


def test_dblp_electronic_editions_and_eprint_types_are_kept(site, build):
    """DBLP's older `ee` is the paper's link, and a DOI's page there is its DOI; an
    eprint's type and class (DBLP's CoRR entries, Better BibTeX's @online) stay with the
    eprint in the kept entry, which would otherwise not say it is an arXiv id; biblatex's
    `location` and the month of its `date` reach the kept entry as BibTeX's fields."""
    (site / "dblp.bib").write_text(textwrap.dedent(r"""
        @article{DBLP:journals/jpds/QuillfeatherM18,
          author    = {Amara Quillfeather and J{\"{o}}rg M{\"{u}}ller},
          title     = {A Journal Study of Pretend Data},
          journal   = {J. Pretend Data Sci.},
          volume    = {12},
          year      = {2018},
          ee        = {https://www.example.org/jpds/12/3/201},
          bibsource = {DBLP, http://dblp.uni-trier.de}
        }
        @inproceedings{DBLP:conf/fake/Q09,
          author    = {Amara Quillfeather},
          title     = {An Old Conference Paper},
          booktitle = {Proc. Fake Conference},
          pages     = {1--8},
          year      = {2009},
          ee        = {http://dx.doi.org/10.1007/978-3-000-00000-0_9}
        }
        @article{DBLP:journals/corr/abs-2203-04567,
          author       = {Tobias Brightwater},
          title        = {Sparse Widgets},
          journal      = {CoRR},
          volume       = {abs/2203.04567},
          year         = {2022},
          eprinttype    = {arXiv},
          eprint       = {2203.04567}
        }
        @online{bbtPreprint2024,
          title = {Imaginary Origami},
          author = {Quillfeather, Amara},
          date = {2024-01-18},
          eprint = {2401.09876},
          eprinttype = {arxiv},
          eprintclass = {cs.CV},
          publisher = {arXiv}
        }
        @inproceedings{bbtConference2019,
          title = {Fictional Quantities},
          booktitle = {Imaginary Robotics},
          author = {Okonkwo-Vale, Ngozi},
          date = {2019-05},
          pages = {55--60},
          location = {Atlantis}
        }
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "dblp.bib", cwd=site)
    assert result.code == 0, result.err
    assert result.err == ""
    journal = paper(site, "a-journal-study-of-pretend-data")
    assert journal["links"] == {"paper": "https://www.example.org/jpds/12/3/201"}
    assert "  url = {https://www.example.org/jpds/12/3/201},\n" in journal["bibtex"]
    old = paper(site, "an-old-conference-paper")
    assert old["doi"] == "10.1007/978-3-000-00000-0_9" and "links" not in old
    corr = paper(site, "sparse-widgets")
    assert corr["arxiv"] == "2203.04567"
    assert "  eprint = {2203.04567},\n  eprinttype = {arXiv},\n}" in corr["bibtex"]
    online = paper(site, "imaginary-origami")
    assert (online["date"], online["category"]) == (dt.date(2024, 1, 18), "cs.CV")
    assert "  eprint = {2401.09876},\n  eprinttype = {arxiv},\n  eprintclass = {cs.CV},\n" \
        in online["bibtex"]
    conference = paper(site, "fictional-quantities")
    assert conference["year"] == 2019 and "date" not in conference
    assert "  address = {Atlantis},\n  pages = {55--60},\n  year = {2019},\n  month = may,\n" \
        in conference["bibtex"]
    assert build(site).code == 0
    assert "  month = may,\n" in read(site, "papers/fictional-quantities.bib")


def test_valid_files_the_differential_review_saw_misread(site):
    """Valid inputs that a first version of this session's import changes misread: an
    arXiv DOI is no sign of another paper; a bare URL keeps its tilde; biblatex's commas
    are no comma list; \noopsort passes the check; @string names may start with _ or
    a non-ASCII letter; a table's row index and URL columns are no details."""
    (site / "ok.bib").write_text(textwrap.dedent(r"""
        @string{_jcp = "Journal of Chemical Physics"}
        @misc{gat, title = {Graph Attention Networks}, author = {Veli{\v{c}}kovi{\'c}, Petar},
          year = 2017, doi = {10.48550/arXiv.1710.10903}}
        @inproceedings{gat2, title = {Graph Attention Networks}, year = 2017,
          author = {Petar Velickovic}, eprint = {1710.10903}, doi = {10.1000/gat.2017},
          booktitle = {ICLR}}
        @misc{home, title = {Home Page}, author = {Doe, John}, year = 2019,
          howpublished = {https://www.example.edu/\textasciitilde{}doe/}}
        @article{bbt, title = {Particles}, year = 2021, journal = _jcp, volume = 3,
          author = {family=Berg, given=Jan, prefix=van der, useprefix=false and M{\"u}ller, J}}
        @article{vries, title = {Mutations}, author = {{\noopsort{Vries}}de Vries, Hugo},
          year = 1901, journal = {J}, publisher = {Springer}}
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "ok.bib", cwd=site)
    assert result.code == 0, result.err
    assert result.lines == []
    assert "same arXiv id" in result.out   # the published version of the same preprint
    assert paper(site, "home-page")["links"] == {"paper": "https://www.example.edu/~doe/"}
    assert paper(site, "particles")["venue"] == "Journal of Chemical Physics"
    assert paper(site, "mutations")["authors"] == ["Hugo de Vries"]
    check = run_cli("check", "--strict", "--site", str(site))
    assert check.code == 0, check.err
    (site / "rows.csv").write_text("Number,Title,Year,Page,Pages\n"
                                   "3,Random Forests,2001,https://x.org/rf,https://x.org/p\n",
                                   encoding="utf-8")
    rows = run_cli("import", "csv", "rows.csv", cwd=site)
    assert rows.code == 0, rows.err
    assert rows.out.splitlines()[0] == ("ignored columns: Number, Page (import them with "
                                        "--map COLUMN=FIELD)")
    assert rows.lines == ["warning: rows.csv:2: pages: expected text, found a URL in column "
                          "'Pages'; left out"]
    assert "bibtex" not in paper(site, "random-forests")


def test_a_comment_after_a_field_does_not_swallow_the_next_one(site):
    """bibtexparser reads `title = {A}, % a note` then `author = ...` as a field named
    "% a note\n author": the authors were lost without a word."""
    (site / "c.bib").write_text("@article{a,\n  title = {A Title}, % the title\n"
                                "  % and a whole line\n  author = {Doe, Jane},\n"
                                "  year = 2020, journal = {J}\n}\n", encoding="utf-8")
    assert run_cli("import", "bibtex", "c.bib", cwd=site).code == 0
    assert paper(site, "a-title")["authors"] == ["Jane Doe"]


def test_an_entry_set_aside_in_a_comment_block_is_not_imported(site):
    """JabRef and biber skip `@comment{...}` whole; bibtexparser failed on the `@article`
    inside ("Unexpected block start") and nothing was imported. Lines after the block
    still count: a slip below it is reported at its own line."""
    (site / "c.bib").write_text(textwrap.dedent("""\
        @comment{ set aside, not ours:
        @article{old2001, title = {Old Work}, author = {Roe, Ann}, year = 2001}
        }
        @Comment{jabref-meta: databaseType:bibtex;}
        @article{new2020, title = {New Work on @comment Blocks}, author = {Doe, Jane},
          abstract = {JabRef writes @Comment{jabref-meta: x} at the end.},
          year = 2020, journal = {J}}
        @comment(set aside too:
        @article{old2002, title = {Older (Work)}, author = {Roe, Ann}, year = 2002}
        )
        """), encoding="utf-8")
    result = run_cli("import", "bibtex", "c.bib", cwd=site)
    assert result.code == 0, result.err
    assert papers(site) == ["new-work-on-comment-blocks"]
    # inside an entry, "@comment{" is text
    assert paper(site, papers(site)[0])["abstract"] == ("JabRef writes @Commentjabref-meta: "
                                                        "x at the end.")
    (site / "bad.bib").write_text("@comment{\n@misc{x, title={X}}\n}\n"
                                  "@misc{y, title = {Y} author = {Doe, Jane}}\n",
                                  encoding="utf-8")
    bad = run_cli("import", "bibtex", "bad.bib", cwd=site)
    assert bad.code == 1
    assert bad.lines[0].startswith("bad.bib:4: ")


def test_names_in_han_kana_and_hangul_keep_their_order_and_get_pages(site, build):
    """'李, 华' is 李华, family name first and no space, not '华 李'; a name written
    without a space is a whole name with its own page, not a surname alone; and the kept
    entry's '李, 华' names the paper's 李华, so the check does not call it stale."""
    (site / "zh.bib").write_text(
        "@article{li2020, title = {深度学习研究}, journal = {计算机学报}, volume = 43,\n"
        "  author = {李, 华 and 王伟 and 欧阳, 娜娜 and Smith, John and 長谷川, 健二 and\n"
        "            佐々木, 健 and 山田 太郎}, year = 2020}\n",
        encoding="utf-8")
    assert run_cli("import", "bibtex", "zh.bib", cwd=site).code == 0
    (pid,) = [p for p in papers(site) if paper(site, p)["title"] == "深度学习研究"]
    # Without a comma the order is as written: BibTeX cannot tell which is the family.
    assert paper(site, pid)["authors"] == ["李华", "王伟", "欧阳娜娜", "John Smith",
                                           "長谷川健二", "佐々木健", "山田 太郎"]
    check = run_cli("check", "--strict", "--site", str(site))
    assert check.code == 0, check.err
    assert build(site).code == 0
    page = read(site, f"papers/{pid}/index.html")
    for slug, name in (("li-hua", "李华"), ("wang-wei", "王伟"), ("ou-yang-nuo-nuo", "欧阳娜娜")):
        assert f'href="/authors/{slug}/">{name}</a>' in page
        assert name in read(site, f"authors/{slug}/index.html")
    yaml_file = site / "content" / "papers" / f"{pid}.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("李, 华", "张, 华"),
                         encoding="utf-8")
    stale = run_cli("check", "--site", str(site))
    assert "the entry's authors (张, 华 and" in stale.err


def test_old_mac_and_windows_line_ends(site):
    """A file with "\r" line ends (old Macs) was one line: an error was reported at line
    1, and an abstract's paragraphs ran together ("\r\r" kept in a CSV cell)."""
    (site / "cr.bib").write_bytes(b"@article{a,\r  title = {First},\r  author = {Doe, Jane},"
                                  b"\r  abstract = {One.\r\rTwo.},\r  year = 2020}\r"
                                  b"@article{b,\r  title = {Second} author = {X}}\r")
    result = run_cli("import", "bibtex", "cr.bib", cwd=site)
    assert_clean_failure(result)
    assert result.lines[0].startswith("cr.bib:9: title: a comma is missing")
    (site / "cr.bib").write_bytes((site / "cr.bib").read_bytes().replace(b"} author", b"}, author"))
    assert run_cli("import", "bibtex", "cr.bib", cwd=site).code == 0
    assert paper(site, "first")["abstract"] == "One.\n\nTwo."
    (site / "rows.csv").write_bytes(b'title,year,abstract\r\n"Third",2021,"One.\r\n\r\nTwo."\r\n'
                                    b'"Fourth",2021,"Three.\r\rFour."\r')
    assert run_cli("import", "csv", "rows.csv", cwd=site).code == 0
    assert paper(site, "third")["abstract"] == "One.\n\nTwo."
    assert paper(site, "fourth")["abstract"] == "Three.\n\nFour."


def test_same_title_and_year_with_other_dois_are_two_papers(site):
    (site / "ed.bib").write_text(
        "@article{a, title={Editorial}, author={Doe, Jane}, year={2020}, journal={J A},"
        " doi={10.1000/a1}}\n"
        "@article{b, title={Editorial}, author={Roe, Ann}, year={2020}, journal={J B},"
        " doi={10.1000/b1}}\n", encoding="utf-8")
    assert run_cli("import", "bibtex", "ed.bib", cwd=site).code == 0
    assert [paper(site, p).get("doi") for p in papers(site)] == ["10.1000/a1", "10.1000/b1"]
    again = run_cli("import", "bibtex", "ed.bib", "--force", cwd=site)
    # each matched its own file (which it would write as it is), not one of them twice
    assert again.code == 0 and "(2 unchanged)" in again.out
    assert [paper(site, p).get("doi") for p in papers(site)] == ["10.1000/a1", "10.1000/b1"]


def test_tex_logos_and_text_symbols_keep_their_words(site):
    """pylatexenc's own table turns \\LaTeX, \\TeX, \\BibTeX, \\copyright into nothing:
    "A {\\LaTeX} Guide" would become "A Guide"."""
    (site / "tex.bib").write_text(
        "@article{knuth, title = {A {\\LaTeX} and \\TeX\\ Guide to \\BibTeX, \\LaTeXe{} "
        "and \\XeLaTeX}, author = {Knuth, Donald}, year = 2020, journal = {TUGboat},\n"
        "  abstract = {\\copyright{} 2020 by \\emph{TUG}, \\S 3 and $\\alpha$, in "
        "n{\\textasciicircum}2 or x\\^{}2 steps, \\~{}5 of them}}\n", encoding="utf-8")
    result = run_cli("import", "bibtex", "tex.bib", cwd=site)
    assert result.code == 0, result.err
    (pid,) = papers(site)
    imported = paper(site, pid)
    assert imported["title"] == "A LaTeX and TeX Guide to BibTeX, LaTeX2ε and XeLaTeX"
    # Zotero writes ^ as {\textasciicircum}: "ˆ" (U+02C6) before, and x\^{}2 lost it
    assert imported["abstract"].strip() == ("© 2020 by TUG, §3 and $\\alpha$, in n^2 or x^2 "
                                            "steps, ~5 of them")
    # ... but not in math, which is kept as written
    (site / "math.bib").write_text("@misc{m, title = {Operators $a\\^{}b$ and x\\^{}y}, "
                                   "year = 2021}\n", encoding="utf-8")
    assert run_cli("import", "bibtex", "math.bib", cwd=site).code == 0
    assert paper(site, "operators-a-b-and-x-y")["title"] == "Operators $a\\^{}b$ and x^y"
    # ... and escaped dollars open no math: the caret between them is text
    (site / "price.bib").write_text("@misc{p, title = {Costs of \\$5 per n\\^{}2 bits, "
                                    "not \\$9}, year = 2022}\n", encoding="utf-8")
    assert run_cli("import", "bibtex", "price.bib", cwd=site).code == 0
    assert paper(site, "costs-of-5-per-n-2-bits-not-9")["title"] == "Costs of $5 per n^2 bits, not $9"


TWO = """\
@article{a1, title={First Paper}, author={Lee, Ann}, year={2020}, journal={J. Tests}}
@article{a2, title={Second Paper}, author={Lee, Ann}, year={2021}, journal={J. Tests}}
"""


@pytest.mark.parametrize("fault, code, expected", [
    (OSError(28, "No space left on device"), 1,
     ["content/papers/second-paper.yaml: cannot write: the disk is full",
      "import stopped: 1 error; 1 of 2 papers were written, each whole; the same import "
      "again adds the rest"]),
    (KeyboardInterrupt(), 130,
     ["interrupted; 1 of 2 papers were written, each whole; the same import again adds "
      "the rest"])])
def test_an_import_stopped_while_writing_says_how_far_it_got(site, tmp_path, monkeypatch,
                                                            capsys, fault, code, expected):
    """A full disk or a Ctrl-C while the papers are written: no traceback and no half
    file; the papers written are whole, the summary says how many, and the same import
    run again adds the rest."""
    import os

    from papersite import cli

    bib = tmp_path / "two.bib"
    bib.write_text(TWO)
    real, calls = os.replace, []

    def failing_second(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise fault
        return real(source, target)

    monkeypatch.setattr(os, "replace", failing_second)
    assert cli.main(["import", "bibtex", str(bib), "--site", str(site)]) == code
    assert capsys.readouterr().err.splitlines() == expected
    papers = site / "content/papers"
    assert sorted(p.name for p in papers.iterdir()) == ["first-paper.yaml"]   # no .tmp
    monkeypatch.setattr(os, "replace", real)
    assert cli.main(["import", "bibtex", str(bib), "--site", str(site)]) == 0
    assert "Imported 1 new paper" in capsys.readouterr().out
    assert sorted(p.name for p in papers.iterdir()) == ["first-paper.yaml",
                                                        "second-paper.yaml"]
    assert run_cli("check", "--strict", "--site", str(site)).code == 0
