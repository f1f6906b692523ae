"""`papersite init DIR`: a new site folder that builds, checks and deploys as it is.

The files come from the package (`scaffold_files/`): a commented site.yaml with every
key, one example paper, profile, venue, tag and page, templates/ and static/ for the
site's own overrides and assets, the GitHub Pages workflow (the same file as the
Papersite repository's own `.github/workflows/pages.yml`), and JSON Schemas that the
YAML content files point editors at. `requirements.txt` names the Papersite to install
in the workflow: the Git commit this copy came from when it was installed from Git,
otherwise this version.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
from importlib.resources import files
from pathlib import Path

from .diagnostics import BuildError, Diagnostic, write_reason
from .schema import write_schemas

WORKFLOW = ".github/workflows/pages.yml"
# Package data cannot carry dot files reliably; these are renamed on the way out.
_RENAMES = {"gitignore": ".gitignore"}


def scaffold_root():
    return files("papersite") / "scaffold_files"


def workflow_text() -> str:
    """The GitHub Pages workflow every site gets (and the repository itself uses)."""
    return (scaffold_root() / "pages.yml").read_text(encoding="utf-8")


def papersite_requirement() -> str:
    """A pip requirement for the Papersite that is running now."""
    try:
        dist = importlib.metadata.distribution("papersite")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from source
        return "papersite"
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        direct = None
    if isinstance(direct, dict):
        url = direct.get("url", "")
        vcs = direct.get("vcs_info") or {}
        if vcs.get("vcs") == "git" and url.startswith("https://") and vcs.get("commit_id"):
            return f"papersite @ git+{url}@{vcs['commit_id']}"
        if direct.get("archive_info") is not None and url.startswith("https://"):
            return f"papersite @ {url}"
    checkout = _git_checkout()
    if checkout is not None:
        return f"papersite @ git+{checkout[0]}@{checkout[1]}"
    return f"papersite=={dist.version}"


def from_source_folder() -> bool:
    """Whether this Papersite runs from a folder of its sources (`pip install -e .` in a
    clone) rather than from an installed release."""
    return (Path(__file__).resolve().parent.parent / "pyproject.toml").is_file()


# git@github.com:owner/repo.git, as `git clone` over SSH names a remote
_SSH_REMOTE = re.compile(r"^(?:ssh://)?git@([\w.-]+)[:/]([\w./-]+?)(?:\.git)?/?$")


def _git_checkout() -> tuple[str, str] | None:
    """(https URL of the remote `origin`, commit) of the Git clone this Papersite runs
    from (an editable install records neither), so that a site made with it installs
    the same engine in its workflow; None when it is no such clone, or has no remote
    a workflow could fetch from."""
    if not from_source_folder():
        return None
    root = str(Path(__file__).resolve().parent.parent)
    try:
        url, commit, pushed = (subprocess.run(["git", "-C", root, *args], capture_output=True,
                                              text=True, timeout=10, check=True).stdout.strip()
                               for args in (["config", "--get", "remote.origin.url"],
                                            ["rev-parse", "HEAD"],
                                            ["branch", "-r", "--contains", "HEAD"]))
    except (OSError, subprocess.SubprocessError):
        return None
    if (ssh := _SSH_REMOTE.match(url)) is not None:
        url = f"https://{ssh.group(1)}/{ssh.group(2)}.git"
    # A commit no remote branch holds cannot be fetched; a token in the URL must not go
    # into a file that is published with the site.
    url = re.sub(r"^https://[^/@]*@", "https://", url)
    if not url.startswith("https://") or not re.fullmatch(r"[0-9a-f]{40}", commit) \
            or not pushed:
        return None
    return url, commit


def _requirements(requirement: str) -> str:
    return (
        "# What the GitHub Pages workflow (.github/workflows/pages.yml) installs to build\n"
        "# this site. Papersite is pinned to the release the site was created with; to\n"
        "# upgrade, change the version, or install from a Git repository instead, e.g.\n"
        "#   papersite @ git+https://github.com/OWNER/papersite@TAG\n"
        f"{requirement}\n")


def _copy_tree(source, target: Path) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        name = _RENAMES.get(item.name, item.name)
        if item.is_dir():
            (target / name).mkdir(exist_ok=True)
            _copy_tree(item, target / name)
        elif not item.name.endswith((".pyc", ".pyo")):
            (target / name).write_bytes(item.read_bytes())


def _refuse(path: Path, message: str) -> BuildError:
    return BuildError([Diagnostic(str(path), message=message)], "nothing created")


def init_site(path: Path, requirement: str | None = None) -> Path:
    """Create a new site in `path` (a new or empty folder); return it. `requirement`:
    what its requirements.txt names (default: `papersite_requirement()`)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise _refuse(path, "exists and is not a folder; choose a new folder name")
    if path.is_dir() and any(path.iterdir()):
        raise _refuse(path, "is not empty; init creates a site in a new or empty folder "
                            "(nothing was changed)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        _copy_tree(scaffold_root() / "site", path)
        (path / "static").mkdir(exist_ok=True)
        (path / "static" / ".gitkeep").write_text("", encoding="utf-8")
        workflow = path / WORKFLOW
        workflow.parent.mkdir(parents=True, exist_ok=True)
        workflow.write_text(workflow_text(), encoding="utf-8")
        (path / "requirements.txt").write_text(
            _requirements(requirement or papersite_requirement()), encoding="utf-8")
        write_schemas(path / "schemas")
    except OSError as exc:
        raise _refuse(path, f"cannot create the site: {write_reason(exc)}") from None
    return path
