"""Every user-facing problem report goes through here.

A `Diagnostic` carries the position of the problem (site-relative path, 1-based line,
field) so the message reads `path:line: field: message`. Stages append to a
`Diagnostics` collector instead of raising, so one run reports every problem; the
pipeline decides at the end whether the build may continue.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    path: str
    line: int = 0
    field: str = ""
    message: str = ""
    severity: str = "error"  # "error" or "warning"
    # A warning that becomes an error under --strict (unknown fields, unknown keys).
    strict: bool = False

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.severity == "warning":
            text = "warning: " + text
        return _INVISIBLE.sub(_escape, text)


# A report is one line per problem, and says what the file holds: control characters,
# line breaks and invisible formatting characters (zero-width spaces, bidirectional
# overrides) quoted in a message from the user's text are shown as escapes.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                        "\u2060-\u206f\ufeff\ufff9-\ufffb]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    ch = match.group(0)
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def undecodable_name(path: str) -> str | None:
    """A file path whose name is not UTF-8 (a Latin-1 name from an old archive: Python
    holds its bytes as surrogates, which no page, report or JSON can carry), shown with
    its bytes escaped ('content/papers/caf\\xe9.yaml'); None for a good name."""
    if path.isascii():
        return None
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


NAME_NOT_UTF8 = "file name is not valid UTF-8; rename the file"


@dataclass
class Diagnostics:
    """Collects diagnostics; sorted output so reports do not depend on file order."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int = 0, field: str = "", message: str = "") -> None:
        self.items.append(Diagnostic(path, line or 0, field, message))

    def warning(self, path: str, line: int = 0, field: str = "", message: str = "",
                strict: bool = False) -> None:
        self.items.append(Diagnostic(path, line or 0, field, message, "warning", strict))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    def apply_strict(self) -> None:
        """Under --strict, warnings marked `strict` become errors."""
        self.items = [
            Diagnostic(d.path, d.line, d.field, d.message, "error") if d.strict else d
            for d in self.items
        ]

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted({d for d in self.items if d.severity == "error"})

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted({d for d in self.items if d.severity == "warning"})

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(set(self.items), key=_report_order))

    def __len__(self) -> int:
        return len(self.items)


def _report_order(d: Diagnostic):
    return (d.path, d.line, d.field, d.severity, d.message)


UNTOUCHED = "the previous output is untouched"


class BuildError(Exception):
    """Raised when a stage found errors and the build must stop.

    Carries the diagnostics so the command line can print all of them.
    """

    def __init__(self, diagnostics: Diagnostics | list[Diagnostic], summary: str = "",
                 outcome: str | None = None):
        if isinstance(diagnostics, Diagnostics):
            items = list(diagnostics)
        else:
            items = sorted(diagnostics, key=_report_order)
        self.diagnostics = items
        self.summary = summary
        # What became of the output, for the summary line; None: the command's usual
        # (a build's previous output is untouched; check, import and init write none).
        self.outcome = outcome
        super().__init__(summary or "\n".join(str(d) for d in items))

    def __reduce__(self):  # picklable, so worker processes can report it
        return (BuildError, (self.diagnostics, self.summary, self.outcome))


_WRITE_REASONS = {errno.ENOSPC: "the disk is full",
                  errno.EDQUOT: "the disk quota is used up",
                  errno.EROFS: "the file system is read-only",
                  errno.EACCES: "permission denied", errno.EPERM: "permission denied"}


def write_reason(exc: OSError) -> str:
    """Why a file could not be written, in the same words for every command: the usual
    causes said plainly, any other in the system's words."""
    return _WRITE_REASONS.get(exc.errno) or exc.strerror or str(exc)


def fail(path: str, message: str, line: int = 0, field: str = "") -> BuildError:
    """A BuildError with one diagnostic, for problems that stop a stage at once."""
    return BuildError([Diagnostic(path, line, field, message)])
