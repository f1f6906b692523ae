"""Shared fixtures: build small site folders from a dict of files, run the real CLI."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_reaches_what_tests_start():
    """Tests send Ctrl-C to the builds and previews they start. A suite started in the
    background by a script (`pytest &`) ignores Ctrl-C, and so would everything it
    starts: a preview would not stop. Restored here, in each test process."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


MINIMAL_SITE_YAML = """\
title: Test Site
base_url: https://example.org/
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text} under root; text is dedented, bytes written as is."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> Result:
    """Run `python -m papersite ARGS` in a subprocess, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "papersite", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def make_site(tmp_path):
    """make_site({"content/papers/a.yaml": "..."}) → a site folder (site.yaml added if absent)."""
    counter = {"n": 0}

    def make(files: dict[str, str | bytes], name: str | None = None) -> Path:
        counter["n"] += 1
        root = tmp_path / (name or f"site{counter['n']}")
        root.mkdir(parents=True, exist_ok=True)
        files = dict(files)
        files.setdefault("site.yaml", MINIMAL_SITE_YAML)
        return write_files(root, files)

    return make


@pytest.fixture
def build(tmp_path):
    """build(site, *extra_args) → Result of `papersite build --site SITE --no-search`."""

    def run(site: Path, *args: str) -> Result:
        return run_cli("build", "--site", str(site), "--no-search", *args)

    return run


def read(site: Path, rel: str, output: str = "_site") -> str:
    return (site / output / rel).read_text(encoding="utf-8")
