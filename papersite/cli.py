"""Command line: parses arguments, calls the pipeline, prints diagnostics. No logic here.

Exit codes: 0 success, 1 content or build errors (each printed as path:line: field:
message), 2 usage errors, 130 interrupted. A user's mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import os
import signal
import sys
from pathlib import Path

from .diagnostics import UNTOUCHED, BuildError


def _print_diagnostics(items, stream=None) -> None:
    stream = stream or sys.stderr
    for d in items:
        print(str(d), file=stream)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="papersite", description="Build a static website from YAML files describing "
                                      "papers, authors and venues.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="build the site into the output folder")
    b.add_argument("--site", default=".", help="the site folder (default: .)")
    b.add_argument("--output", help="output folder (default: _site in the site folder)")
    b.add_argument("--base-url", help="override base_url from site.yaml")
    b.add_argument("--drafts", action="store_true", help="include draft papers and pages")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_jobs(b)
    b.add_argument("--no-search", action="store_true", help="skip the search index")
    b.add_argument("--check-links", action="store_true",
                   help="fail when an internal link or asset does not resolve")

    s = sub.add_parser("serve", help="preview the site with live reload")
    s.add_argument("--site", default=".", help="the site folder (default: .)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any free)")
    s.add_argument("--drafts", action="store_true", help="include draft papers and pages")
    s.add_argument("--open", action="store_true", help="open the site in a browser")
    s.add_argument("--search", action="store_true", help="also build the search index")
    _add_jobs(s)

    c = sub.add_parser("check", help="validate the content without building")
    c.add_argument("--site", default=".", help="the site folder (default: .)")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    c.add_argument("--links", action="store_true",
                   help="also build into a temporary folder and check every internal link")
    _add_jobs(c)

    i = sub.add_parser("import", help="import papers from BibTeX, CSV, JSON Lines or CSL JSON")
    i.add_argument("format", choices=["bibtex", "csv", "jsonl"])
    i.add_argument("file")
    i.add_argument("--site", default=".", help="the site folder (default: .)")
    i.add_argument("--force", action="store_true",
                   help="update papers the site already has from the input (fields it "
                        "does not give, such as tags, are kept)")
    i.add_argument("--map", action="append", default=[], metavar="COL=FIELD",
                   help="map an input column to a paper field (repeatable)")

    n = sub.add_parser("init", help="scaffold a new site folder")
    n.add_argument("dir")

    sc = sub.add_parser("schema", help="write JSON Schema files for editors")
    sc.add_argument("--site", default=".", help="the site folder (default: .)")
    sc.add_argument("--output", help="folder (default: schemas/ in the site folder)")
    return parser


def _add_jobs(parser) -> None:
    parser.add_argument("--jobs", type=_jobs, metavar="N",
                        help="processes that parse, render and check links "
                             "(default: the cores this process may use)")


def _whole_number(low: int, high: float, expected: str):
    """An argparse type: a whole number from low to high, else a usage error that says
    what was expected."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {expected}, not {text!r}")
        return value
    return parse


_jobs = _whole_number(1, math.inf, "a whole number of processes, 1 or more")
# The system would take port 99999 as 34463.
_port = _whole_number(0, 65535, "a port number from 0 to 65535")


def main(argv: list[str] | None = None) -> int:
    return _command(_parser().parse_args(argv))


def _command(args) -> int:
    usual = UNTOUCHED if args.command == "build" else ""
    try:
        return _COMMANDS[args.command](args)
    except BuildError as exc:
        _print_diagnostics(exc.diagnostics)
        errors = sum(1 for d in exc.diagnostics if d.severity == "error")
        what = exc.summary or _FAILED[args.command]
        outcome = usual if exc.outcome is None else exc.outcome
        print(f"{what}: {errors} error{'s' if errors != 1 else ''}"
              + (f"; {outcome}" if outcome else ""), file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:   # its message, when given, says what was done
        said = exc.args[0] if exc.args else usual
        print("interrupted" + (f"; {said}" if said else ""), file=sys.stderr)
        return 130


def run() -> None:
    """The command (`papersite`, `python -m papersite`, `python build.py`): main(), then
    an exit that does not free the site object by object. A build of 100,000 papers
    leaves millions of objects that the interpreter takes about 9 s to free one by one
    on its way out; the operating system takes the memory back at once."""
    with _ended_by_ctrl_c():
        args = _parser().parse_args()
        importlib.import_module(_MODULES[args.command], __package__)
    code = _command(args)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


@contextlib.contextmanager
def _ended_by_ctrl_c():
    """While the command's modules are imported, Ctrl-C ends the program at once: nothing
    is written yet. Raised as KeyboardInterrupt it could land in C code that only prints
    it (pydantic's, as a model is defined), and the command would then go on."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield      # ignored (a script's `command &`), or someone else's to handle
        return
    signal.signal(signal.SIGINT, _end_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _end_now(signum, frame) -> None:
    print(f"interrupted; {UNTOUCHED}", file=sys.stderr, flush=True)
    os._exit(130)


def _progress():
    if not sys.stderr.isatty():
        return None
    return lambda message: print(f"  {message}…", file=sys.stderr, flush=True)


def cmd_build(args) -> int:
    from .pipeline import BuildOptions, build

    options = BuildOptions(site_dir=Path(args.site), output=Path(args.output) if args.output
                           else None, base_url=args.base_url, drafts=args.drafts,
                           strict=args.strict, jobs=args.jobs, search=not args.no_search,
                           check_links=args.check_links)
    report = build(options, progress=_progress())
    _print_diagnostics(report.warnings)
    print(report.summary())
    return 0


def cmd_check(args) -> int:
    from .pipeline import BuildOptions, build, make_renderer, prepare, site_counts

    if args.links:   # the build validates as `check` does, and tells what it found
        import tempfile

        from .writer import remove_tree

        tmp = Path(tempfile.mkdtemp(prefix="papersite-check-"))
        try:
            report = build(BuildOptions(site_dir=Path(args.site), output=tmp / "site",
                                        strict=args.strict, search=False, check_links=True,
                                        use_cache=True, jobs=args.jobs))
        finally:
            remove_tree(tmp)
        warnings, counts = report.warnings, report.counts
    else:
        site = prepare(Path(args.site), strict=args.strict, jobs=args.jobs)
        make_renderer(site)   # the templates compile (their syntax; not what they render)
        warnings, counts = site.diagnostics.warnings, site_counts(site)
    _print_diagnostics(warnings)
    print("OK: " + ", ".join(f"{n:,} {what if n != 1 else what[:-1]}"
                             for what, n in counts.items())
          + (", all links resolve" if args.links else ""))
    return 0


def cmd_serve(args) -> int:
    from .serve import serve

    return serve(site_dir=Path(args.site), host=args.host, port=args.port, drafts=args.drafts,
                 open_browser=args.open, search=args.search, jobs=args.jobs)


def cmd_import(args) -> int:
    from .importers import run_import

    return run_import(args.format, Path(args.file), Path(args.site), force=args.force,
                      mapping=args.map)


def cmd_init(args) -> int:
    from .scaffold import from_source_folder, init_site, papersite_requirement

    requirement = papersite_requirement()   # (it may ask Git: once)
    path = init_site(Path(args.dir), requirement)
    print(f"Created a new site in {path}. Next: cd {path} && papersite serve")
    if from_source_folder() and "@" not in requirement:
        print(f"warning: requirements.txt names {requirement}, which the GitHub Pages "
              "workflow installs from PyPI; this Papersite runs from a folder of its "
              "sources, so name where the workflow can fetch it instead, e.g. papersite @ "
              "git+https://github.com/OWNER/papersite@COMMIT", file=sys.stderr)
    return 0


def cmd_schema(args) -> int:
    from .schema import write_schemas

    site = Path(args.site)
    out = Path(args.output) if args.output else site / "schemas"
    for path in write_schemas(out):
        print(path)
    return 0


_COMMANDS = {"build": cmd_build, "check": cmd_check, "serve": cmd_serve,
             "import": cmd_import, "init": cmd_init, "schema": cmd_schema}
# The summary line's start when a command stops on errors that name no outcome.
_FAILED = {"build": "build failed", "check": "check failed", "serve": "preview failed",
           "import": "nothing imported", "init": "nothing created",
           "schema": "schemas not written"}
# The module each command runs from, imported by run() before the command starts.
_MODULES = {"build": ".pipeline", "check": ".pipeline", "serve": ".serve",
            "import": ".importers", "init": ".scaffold", "schema": ".schema"}
