"""`papersite init`, the GitHub Pages workflow, and `papersite schema` for editors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT, run_cli
from papersite import scaffold
from papersite.loading import parse_yaml
from papersite.schema import schema_for, write_schemas
from papersite.writer import MANIFEST

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


@pytest.fixture(scope="module")
def new_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("init") / "my-site"
    result = run_cli("init", str(site))
    assert result.code == 0, result.err
    assert result.out.strip() == (f"Created a new site in {site}. Next: cd {site} && "
                                  "papersite serve")
    return site


def _yaml(path: Path):
    return parse_yaml(path.read_text("utf-8"))[0]


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = schema_for(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# --- init ----------------------------------------------------------------------------------


def test_init_creates_every_part_of_a_site(new_site):
    files = sorted(p.relative_to(new_site).as_posix() for p in new_site.rglob("*")
                   if p.is_file())
    assert files == [
        ".github/workflows/pages.yml", ".gitignore", "README.md",
        "content/authors/ada-example.yaml", "content/pages/about.md",
        "content/papers/example.yaml", "content/tags.yaml", "content/venues.yaml",
        "requirements.txt", "schemas/author.schema.json", "schemas/paper.schema.json",
        "schemas/site.schema.json", "schemas/tags.schema.json",
        "schemas/venues.schema.json", "site.yaml", "static/.gitkeep", "templates/README.txt",
    ]
    assert "_site/" in (new_site / ".gitignore").read_text("utf-8").split()


def test_new_site_passes_strict_check_and_builds(new_site, build):
    check = run_cli("check", "--strict", "--site", str(new_site))
    assert check.code == 0, check.err
    assert check.err == ""
    result = build(new_site, "--strict")
    assert result.code == 0, result.err
    page = (new_site / "_site/papers/example/index.html").read_text("utf-8")
    assert "An Example Paper" in page and "Ada Example" in page


def test_site_yaml_lists_every_setting(new_site):
    from papersite.config import SiteConfig

    text = (new_site / "site.yaml").read_text("utf-8")
    for key in SiteConfig.model_fields:
        assert re.search(rf"^#? ?{key}:", text, re.M), f"site.yaml does not show '{key}'"


def test_yaml_files_point_editors_at_existing_schemas(new_site):
    yaml_files = [new_site / "site.yaml", *sorted((new_site / "content").rglob("*.yaml"))]
    assert len(yaml_files) == 5
    for path in yaml_files:
        first = path.read_text("utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, f"{path.name} starts with {first!r}"
        schema_file = (path.parent / m.group(1)).resolve()
        assert schema_file.is_file(), schema_file
        schema = json.loads(schema_file.read_text("utf-8"))
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_yaml(path)))
        assert errors == [], (path.name, [e.message for e in errors])


def test_example_is_clearly_an_example(new_site):
    data = _yaml(new_site / "content/papers/example.yaml")
    assert data["title"] == "An Example Paper"
    assert data["authors"][0] == "Ada Example"
    assert not {"doi", "arxiv", "links"} & set(data)  # nothing that points at real things


def test_requirements_name_papersite(new_site):
    lines = [line for line in (new_site / "requirements.txt").read_text("utf-8").splitlines()
             if line and not line.startswith("#")]
    assert lines == [scaffold.papersite_requirement()]
    assert lines[0].startswith("papersite")


def test_requirement_follows_a_git_install(monkeypatch):
    class Dist:
        version = "0.1.0"

        def read_text(self, name):
            return json.dumps({"url": "https://github.com/example/papersite.git",
                               "vcs_info": {"vcs": "git", "commit_id": "abc123"}})

    monkeypatch.setattr(scaffold.importlib.metadata, "distribution", lambda name: Dist())
    assert scaffold.papersite_requirement() == (
        "papersite @ git+https://github.com/example/papersite.git@abc123")
    Dist.read_text = lambda self, name: None
    assert scaffold.papersite_requirement() == "papersite==0.1.0"


def test_requirement_follows_a_clone_the_engine_runs_from(monkeypatch, tmp_path, capsys):
    """`pip install -e .` in a clone records no URL: the requirement was
    papersite==0.1.0, which PyPI does not have, and a new site's first deploy failed.
    The clone's remote and commit are named instead (SSH remotes as https)."""
    class Dist:
        version = "0.1.0"

        def read_text(self, name):
            return None

    answers = {"config": "git@github.com:example/papersite.git\n", "rev-parse": "ab" * 20,
               "branch": "  origin/main\n"}

    def run(argv, **kwargs):
        return subprocess.CompletedProcess(argv, 0, stdout=answers[argv[3]])

    monkeypatch.setattr(scaffold.importlib.metadata, "distribution", lambda name: Dist())
    monkeypatch.setattr(scaffold.subprocess, "run", run)
    assert scaffold.from_source_folder()   # these tests run from the repository
    assert scaffold.papersite_requirement() == (
        "papersite @ git+https://github.com/example/papersite.git@" + "ab" * 20)
    # A token in the remote's URL stays out of a file published with the site.
    answers["config"] = "https://alice:ghp_SECRET@github.com/alice/papersite.git\n"
    assert scaffold.papersite_requirement() == (
        "papersite @ git+https://github.com/alice/papersite.git@" + "ab" * 20)
    answers["branch"] = ""   # a commit no remote branch holds cannot be fetched
    assert scaffold.papersite_requirement() == "papersite==0.1.0"
    answers["branch"] = "  origin/main\n"
    answers["config"] = "/home/me/papersite\n"   # a clone of a local folder: no URL
    assert scaffold.papersite_requirement() == "papersite==0.1.0"
    from papersite import cli
    assert cli.main(["init", str(tmp_path / "site")]) == 0
    assert capsys.readouterr().err.startswith(
        "warning: requirements.txt names papersite==0.1.0, which")


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("init", str(target))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.lines == [
        f"{target}: is not empty; init creates a site in a new or empty folder (nothing "
        "was changed)",
        "nothing created: 1 error",
    ]
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = run_cli("init", str(tmp_path / "file"))
    assert result.code == 1
    assert result.lines[0] == f"{tmp_path / 'file'}: exists and is not a folder; choose a " \
                              "new folder name"


def test_init_accepts_an_empty_folder(tmp_path):
    assert run_cli("init", str(tmp_path)).code == 0
    assert (tmp_path / "site.yaml").is_file()


# --- the GitHub Pages workflow ---------------------------------------------------------------


def test_repository_workflow_is_the_one_init_writes(new_site):
    assert WORKFLOW.read_bytes() == (new_site / ".github/workflows/pages.yml").read_bytes()
    assert WORKFLOW.read_text("utf-8") == scaffold.workflow_text()


def test_workflow_checks_builds_with_the_pages_url_and_deploys():
    flow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    assert flow["permissions"]["pages"] == "write"
    assert flow["permissions"]["id-token"] == "write"
    steps = flow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    runs = [s.get("run", "") for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    version = str(steps[1]["with"]["python-version"])
    assert tuple(int(x) for x in version.split(".")) >= (3, 11)
    install = next(r for r in runs if "pip install" in r)
    assert "pip install ." in install and "pip install -r requirements.txt" in install
    order = [i for i, r in enumerate(runs) if "papersite check --strict" in r]
    configure = uses.index("actions/configure-pages")
    build = next(i for i, r in enumerate(runs) if "papersite build" in r)
    assert order and order[0] < configure < build
    assert steps[configure]["id"] == "pages"
    # configure-pages reports base_url without a trailing slash.
    assert '--base-url "${{ steps.pages.outputs.base_url }}/"' in runs[build]
    upload = steps[uses.index("actions/upload-pages-artifact")]
    assert upload["with"]["path"] == "_site"
    # the writer's manifest (file digests and times) is not published with the site
    assert "rm -f _site/" + MANIFEST in runs[build + 1:uses.index(
        "actions/upload-pages-artifact")]
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


# --- JSON Schema -------------------------------------------------------------------------------


def test_schema_command_writes_the_schemas(tmp_path):
    result = run_cli("schema", "--site", str(tmp_path))
    assert result.code == 0, result.err
    names = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert names == ["author.schema.json", "paper.schema.json", "site.schema.json",
                     "tags.schema.json", "venues.schema.json"]
    assert result.out.split() == [str(tmp_path / "schemas" / n) for n in
                                  ["paper.schema.json", "author.schema.json",
                                   "venues.schema.json", "tags.schema.json",
                                   "site.schema.json"]]
    for name in names:
        schema = json.loads((tmp_path / "schemas" / name).read_text("utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"].startswith("urn:papersite:schema:")
        assert schema["title"] and schema["description"]


def test_schema_into_a_folder_that_cannot_be_made_is_an_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = run_cli("schema", "--site", str(tmp_path), "--output", str(tmp_path / "file/sub"))
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"{tmp_path / 'file/sub'}: cannot write: Not a directory",
        "schemas not written: 1 error; each schema file is whole, as it was or new"]


def test_a_schema_file_that_cannot_be_written_is_named(tmp_path):
    """The error names the schema file, not the temporary file written beside it, and
    leaves no temporary file behind."""
    out = tmp_path / "schemas"
    (out / "venues.schema.json").mkdir(parents=True)
    result = run_cli("schema", "--site", str(tmp_path), "--output", str(out))
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"{out / 'venues.schema.json'}: cannot write: Is a directory",
        "schemas not written: 1 error; each schema file is whole, as it was or new"]
    assert sorted(p.name for p in out.iterdir()) == [
        "author.schema.json", "paper.schema.json", "venues.schema.json"]


def test_schema_files_are_rewritten_only_when_changed(tmp_path):
    paths = write_schemas(tmp_path)
    stamps = [p.stat().st_mtime_ns for p in paths]
    assert write_schemas(tmp_path) == paths
    assert [p.stat().st_mtime_ns for p in paths] == stamps


@pytest.mark.parametrize("path", sorted((ROOT / "content" / "papers").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_sample_paper_files_validate(path):
    errors = list(validator("paper").iter_errors(_yaml(path)))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_other_sample_files_validate():
    checks = [("author", p) for p in sorted((ROOT / "content/authors").glob("*.yaml"))]
    checks += [("venues", ROOT / "content/venues.yaml"), ("tags", ROOT / "content/tags.yaml"),
               ("site", ROOT / "site.yaml")]
    for kind, path in checks:
        errors = list(validator(kind).iter_errors(_yaml(path)))
        assert errors == [], (path.name, [e.message for e in errors[:5]])


@pytest.mark.parametrize("data, where, message", [
    ({"title": "T", "auhtors": ["A"]}, [],
     "Additional properties are not allowed ('auhtors' was unexpected)"),
    ([{"title": "T"}], [0], "'id' is a required property"),
    ({"title": "T", "id": "Not A Slug"}, ["id"],
     "'Not A Slug' does not match '^[a-z0-9][a-z0-9._-]*$'"),
    ({"title": "T", "type": "poster"}, ["type"], None),
    ({"title": "T", "year": "2020"}, ["year"], None),
    ({"authors": ["A"]}, [], "'title' is a required property"),
])
def test_paper_schema_catches_what_check_catches(data, where, message):
    errors = list(validator("paper").iter_errors(data))
    assert errors, data
    assert list(errors[0].absolute_path) == where
    if message:
        assert errors[0].message == message


def test_paper_schema_has_descriptions_for_every_field():
    paper = schema_for("paper")["$defs"]["Paper"]
    from papersite.model import PAPER_FIELDS

    assert list(paper["properties"]) == list(PAPER_FIELDS)
    assert all(prop.get("description") for prop in paper["properties"].values())
    assert paper["additionalProperties"] is False


def test_imported_files_validate_against_the_schema(tmp_path):
    site = tmp_path / "s"
    assert run_cli("init", str(site)).code == 0
    fixture = Path(__file__).parent / "fixtures" / "import" / "zotero.bib"
    assert run_cli("import", "bibtex", str(fixture), "--site", str(site)).code == 0
    check = validator("paper")
    files = sorted((site / "content/papers").glob("*.yaml"))
    assert len(files) == 4
    for path in files:
        assert list(check.iter_errors(_yaml(path))) == [], path.name
