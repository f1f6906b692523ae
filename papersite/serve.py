"""Preview server: build into a private folder, serve it with live reload, rebuild on save.

Two threads. The main thread builds and watches: it keeps a `session.Session` that
builds into `.papersite-cache/preview-<pid>/` in the site folder (never the user's
`_site`), waits for saves with watchfiles (no polling delay, bursts of saves debounced
into one rebuild), rebuilds what the saves touched, and tells the browsers. The other
thread serves the output under the path of `base_url` (`serve_http`).

A failed build changes nothing that is served: the writer leaves the last good output in
place, the terminal prints the same `path:line: field: message` lines as `build`, and
every served HTML page shows the errors in an overlay until a later build succeeds.
Ctrl-C (or SIGTERM) stops both threads and removes the preview folder.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import socket
import stat
import sys
import threading
import time
import traceback
from dataclasses import replace
from pathlib import Path

from .aside import process_exists
from .diagnostics import BuildError, Diagnostics
from .pipeline import CACHE_DIR, BuildOptions
from .rendering import THEME
from .serve_http import (STATUS_PATH, ServerThread, Status, broadcast, inject,  # noqa: F401
                         make_app, quiet_logging, reload_message, reload_messages, resolve_url)
from .session import Session
from .writer import remove_tree, staging_prefix

PREVIEW_PREFIX = "preview-"
WATCHED_FOLDERS = ("content", "templates", "static")
CONFIG_FILES = ("site.yaml", "site.yml")
TICK_MS = 100          # how often the watcher also looks at site.yaml and missing folders
DEBOUNCE_STEP_MS = 30  # a burst of saves ends after this much quiet (editors: a few ms)
LARGE_PREVIEW = 5000   # files: a preview folder this big is removed in the background


# --- watching the sources -------------------------------------------------------------------


def _config_signature(site_dir: Path):
    out = []
    for name in CONFIG_FILES:
        try:
            st = os.stat(site_dir / name)
            out.append((name, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((name, None))
    return out


class SourceWatcher:
    """Waits for saves under content/, templates/, static/ (and the theme in a development
    install) with watchfiles, and for site.yaml by looking at it every tick: a watch on a
    single file is lost when an editor saves by replacing it."""

    def __init__(self, site_dir: Path, extra: list[Path]):
        self.site_dir = site_dir
        self.extra = extra
        self.folders: list[tuple[Path, int]] = []
        self.config = _config_signature(site_dir)
        self._gen = None

    def _existing(self) -> list[tuple[Path, int]]:
        """The watched folders that exist, each with its inode: a folder replaced by
        another at the same path (`mv content old && mv new content`) is a new folder,
        which the watch on the old one does not see."""
        candidates = [self.site_dir / name for name in WATCHED_FOLDERS] + self.extra
        found = []
        for p in candidates:
            try:
                st = os.stat(p)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                found.append((p, st.st_ino))
        return found

    def start(self) -> None:
        """Watch from now on: saves made while a build runs are not lost."""
        from watchfiles import DefaultFilter, watch

        self.close()
        self.folders = self._existing()
        if self.folders:
            try:
                self._gen = watch(*(p for p, _ in self.folders), watch_filter=DefaultFilter(),
                                  step=DEBOUNCE_STEP_MS, rust_timeout=TICK_MS,
                                  yield_on_timeout=True, raise_interrupt=True)
                # The generator sets up its watches when first run: run it now. What it
                # sees happened before the build that follows: it needs no rebuild.
                next(self._gen)
            except OSError:   # a folder went away since it was looked at: the next
                self.close()  # tick finds the folders as they are now, and watches them
                self.folders = []

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
            self._gen = None

    def display(self, path: str) -> str:
        p = Path(path)
        for root, shown in ((self.site_dir, ""), (THEME, "(theme) ")):
            try:
                return shown + p.resolve().relative_to(root.resolve()).as_posix()
            except (ValueError, OSError, RuntimeError):   # (a link loop, up to 3.12)
                continue
        return path

    def wait(self) -> list[str]:
        """Block until something changed; the changed paths, for the terminal."""
        while True:
            if self._gen is not None:
                try:
                    raw = _real_changes(next(self._gen))
                except OSError:   # a watched folder went away: watch what is there now
                    self.start()
                    raw = set()
            else:
                time.sleep(TICK_MS / 1000)
                raw = set()
            changed = {self.display(path) for path in raw}
            config = _config_signature(self.site_dir)
            if config != self.config:
                changed.update(new[0] for new, old in zip(config, self.config) if new != old)
                self.config = config
            existing = self._existing()
            if existing != self.folders:
                changed.update(self.display(str(p)) for p, _ in set(existing) ^ set(self.folders))
                self.start()
            if changed:
                return sorted(changed)


def _real_changes(raw) -> set[str]:
    """Changed paths, less temporary files that came and went within the batch (editors
    and `sed -i` write a temporary file and rename it over the real one)."""
    from watchfiles import Change

    kinds: dict[str, set] = {}
    for change, path in raw:
        kinds.setdefault(path, set()).add(change)
    return {path for path, seen in kinds.items()
            if not (Change.added in seen and Change.deleted in seen and not os.path.exists(path))}


def _development_theme() -> list[Path]:
    """The theme inside the package, when the package is a checkout (pip install -e)."""
    parts = set(THEME.resolve().parts)
    if parts & {"site-packages", "dist-packages"}:
        return []
    return [THEME]


# --- the preview ----------------------------------------------------------------------------


def remove_in_background(folder: Path) -> bool:
    """Rename the folder out of the way (one step) and remove it in a detached process,
    so that stopping the preview of a large site does not wait for 35,000 unlinks."""
    import subprocess

    trash = folder
    if not folder.name.endswith(".trash"):
        trash = folder.with_name(f".{folder.name.lstrip('.')}.trash")
    try:
        if trash != folder:
            os.replace(folder, trash)
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; "
                          "shutil.rmtree(sys.argv[1], ignore_errors=True)", str(trash)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        return True
    except OSError:
        remove_tree(folder)
        return False


def _remove_stale(site_dir: Path, cache: Path) -> None:
    """Preview folders (and what builds left beside them) of a preview that was killed,
    or whose removal in the background was cut short."""
    pattern = re.compile(rf"^\.?{PREVIEW_PREFIX}(\d+)(\.staging-.+|\.trash)?$")
    try:
        entries = list(cache.iterdir())
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not process_exists(int(m.group(1))):
            remove_in_background(entry)
            _remove_leftovers(site_dir, cache / f"{PREVIEW_PREFIX}{m.group(1)}")


def _read_base_path(site_dir: Path) -> str | None:
    """base_url's path from site.yaml (None when it cannot be read)."""
    from .loading import Record, load_yaml_file
    from .validate import validate_config

    diags = Diagnostics()
    for name in CONFIG_FILES:
        path = site_dir / name
        if path.is_file():
            got = load_yaml_file(path, site_dir, diags)
            if got is None or not isinstance(got[0], dict):
                return None
            return validate_config(Record(name, got[2], got[0], got[1]), diags).base_path
    return None


class _SignalLog:
    """Which signals arrived, whoever handled them (through Python's wakeup fd).

    A stage may hold SIGINT or SIGTERM for a moment (the writer does, around its commit)
    and decide not to act on it, which is right for `build`, whose work ends there, but
    would leave a preview running after Ctrl-C (it once did). After each build the
    preview looks here and stops if one came in."""

    STOP = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

    def __init__(self):
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)
        self.previous = signal.set_wakeup_fd(self.write_fd, warn_on_full_buffer=False)

    def received(self) -> set[int]:
        got: set[int] = set()
        while True:
            try:
                data = os.read(self.read_fd, 512)
            except (BlockingIOError, OSError):
                return got
            if not data:
                return got
            got.update(data)

    def stop_requested(self) -> bool:
        return bool(self.received() & self.STOP)

    def close(self) -> None:
        signal.set_wakeup_fd(self.previous)
        os.close(self.read_fd)
        os.close(self.write_fd)


def _now() -> str:
    return time.strftime("%H:%M:%S")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Preview:
    """Builds into the preview folder and keeps `status` for the server thread."""

    def __init__(self, site_dir: Path, host: str, drafts: bool, search: bool,
                 jobs: int | None = None):
        self.site_dir = site_dir
        self.host = host
        self.cleanup: list[Path] = []
        self.cleanup_cache: Path | None = None
        self.output = self._choose_output()
        self.options = BuildOptions(site_dir=site_dir, output=self.output, drafts=drafts,
                                    search=search, jobs=jobs)
        self.session = Session(self.options)
        self.status = Status(base_path=_read_base_path(site_dir) or "/",
                             run=f"{os.getpid()}-{time.time_ns()}")
        # base paths served before a change of base_url, longest first: an open tab
        # reloads its old address, which is sent on to the same page under the new one
        self.former_base_paths: tuple[str, ...] = ()
        self.port = 0
        self.server: ServerThread | None = None
        self.signals: _SignalLog | None = None
        self.files = 0                 # in the preview folder, after the last good build
        self._warnings: tuple[str, ...] | None = None

    def _choose_output(self) -> Path:
        cache = self.site_dir / CACHE_DIR
        try:
            # Made here: removed on close if still empty, so that a preview started in a
            # folder that is not a site (a mistyped --site) leaves nothing behind.
            if not cache.exists():
                self.cleanup_cache = cache
            cache.mkdir(exist_ok=True)
            _remove_stale(self.site_dir, cache)
            folder = cache / f"{PREVIEW_PREFIX}{os.getpid()}"
            remove_tree(folder)
            self.cleanup.append(folder)
            return folder
        except OSError:  # a read-only site folder: build in the system's temporary folder
            import tempfile
            folder = Path(tempfile.mkdtemp(prefix="papersite-preview-"))
            self.cleanup.append(folder)
            return folder / "site"

    # --- serving ---

    def start_server(self, sockets) -> None:
        self.port = sockets[0].getsockname()[1]
        self.server = ServerThread(make_app(self), sockets)
        self.server.start()
        self.server.ready.wait(10)

    def notify(self, messages: list[dict]) -> None:
        if messages and self.server is not None:
            self.server.call(broadcast, messages)

    def url(self) -> str:
        host = self.host
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}{self.status.base_path}"

    # --- building ---

    def rebuild(self, changed: list[str] | None = None) -> None:
        if changed:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more"
                                              if len(changed) > 3 else "")
            print(f"[{_now()}] {shown} changed; rebuilding", flush=True)
        previous = self.status
        if self.signals is not None:
            self.signals.received()                    # forget what came before
        try:
            report = self.session.rebuild(changed or ())
        except BuildError as exc:
            self._failed(previous, exc.diagnostics)
            return
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug in a stage: say so, keep serving
            if os.environ.get("PAPERSITE_DEBUG"):
                traceback.print_exc()
            self._failed(previous, [f"internal error: {type(exc).__name__}: {exc} (a Papersite "
                                    "bug; set PAPERSITE_DEBUG=1 to see where)"])
            return
        finally:
            if self.signals is not None and self.signals.stop_requested():
                raise KeyboardInterrupt          # held and dropped by the writer's commit
        base = _read_base_path(self.site_dir) or previous.base_path
        moved = base != previous.base_path
        files_changed = bool(report.changed or report.removed) or not previous.built or moved
        warnings = tuple(str(d) for d in report.warnings)
        self.files = report.files
        if moved:
            self.former_base_paths = tuple(sorted(
                {previous.base_path, *self.former_base_paths} - {base}, key=len, reverse=True))
        self.status = replace(previous, state="ok", errors=(), warnings=warnings, built=True,
                              generation=previous.generation + files_changed, base_path=base)
        if warnings != self._warnings:
            for line in warnings:
                print(line, file=sys.stderr)
            self._warnings = warnings
        what = (f"{_plural(report.pages, 'page')}, {_plural(report.written, 'file')} updated"
                + (f", {report.removed:,} removed" if report.removed else ""))
        print(f"[{_now()}] built {what} in {report.seconds:.2f} s", flush=True)
        if moved and previous.built:
            print(f"base_url changed: now serving at {self.url()}", flush=True)
        if not previous.built or moved:
            self.notify([reload_message("*")])
        else:
            self.notify(reload_messages(
                report.changed, report.removed, base,
                status_changed=(previous.errors, previous.warnings) != ((), warnings)))

    def _failed(self, previous: Status, diagnostics) -> None:
        """Print like `build` does; keep serving the last good site; update the overlay."""
        lines = [str(d) for d in diagnostics]
        errors = tuple(str(d) for d in diagnostics if getattr(d, "severity", "error") == "error")
        warnings = tuple(line for line in lines if line not in errors)
        for line in lines:
            print(line, file=sys.stderr)
        last = "the last good site" if previous.built else "an error page"
        print(f"[{_now()}] build failed: {_plural(len(errors), 'error')}; still serving {last}",
              file=sys.stderr, flush=True)
        self._warnings = None
        self.status = replace(previous, state="error", errors=errors, warnings=warnings)
        if not previous.built:   # the placeholder page says "building": replace it
            self.notify([reload_message("*")])
        elif (previous.errors, previous.warnings) != (errors, warnings):
            self.notify([reload_message(STATUS_PATH)])

    def close(self) -> None:
        """Stop serving and remove the preview folder: at once when it is small, by a
        detached process once renamed out of the way when it is large."""
        if self.server is not None:
            self.server.stop()
        if self.signals is not None:
            self.signals.close()
            self.signals = None
        for folder in self.cleanup:
            if self.files > LARGE_PREVIEW and remove_in_background(folder):
                continue
            remove_tree(folder)
        _remove_leftovers(self.site_dir, self.output)
        if self.cleanup_cache is not None:
            try:
                self.cleanup_cache.rmdir()
            except OSError:          # not empty: a site's cache, kept for the next start
                pass


def _remove_leftovers(site_dir: Path, output: Path) -> None:
    """What a build leaves beside an output folder that goes away with it: staging
    folders of an interrupted build, and the incremental build's record of the output."""
    try:
        for entry in output.parent.iterdir():
            if entry.name.startswith(staging_prefix(output)):
                remove_tree(entry)
    except OSError:
        pass
    try:
        from .changes import state_path
        state_path(site_dir, output, CACHE_DIR).unlink(missing_ok=True)
    except (ImportError, OSError):
        pass


# --- the command --------------------------------------------------------------------------


def _bind(host: str, port: int):
    from tornado.netutil import bind_sockets

    try:
        return bind_sockets(port, host), None
    except socket.gaierror as exc:
        return None, f"cannot listen on {host}: {exc.strerror or exc}"
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return None, (f"port {port} on {host} is already in use (is another preview "
                          "running?); choose another with --port")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return None, (f"not allowed to listen on port {port} of {host}; choose another "
                          "with --port")
        return None, f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _leave_now(signum, frame):
    """A second Ctrl-C while cleaning up: go at once; the next preview removes the rest."""
    print("\nStopped; the next preview removes what is left.", flush=True)
    sys.stderr.flush()
    os._exit(130)


def serve(site_dir: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
          open_browser: bool = False, search: bool = False, jobs: int | None = None) -> int:
    """Build, serve with live reload, rebuild on every save; returns the exit code."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        print(f"{site_dir}: site folder not found", file=sys.stderr)
        return 1
    sockets, problem = _bind(host, port)
    if problem:
        print(f"serve: {problem}", file=sys.stderr)
        return 1
    quiet_logging()
    handlers = {sig: signal.signal(sig, _raise_interrupt)   # stop cleanly on these too,
                for sig in (signal.SIGTERM, signal.SIGHUP)     # unless told to ignore them
                if signal.getsignal(sig) is not signal.SIG_IGN}
    preview = None
    try:
        preview = Preview(site_dir, host, drafts, search, jobs)
        preview.signals = _SignalLog()
        preview.start_server(sockets)
        print(f"Serving {site_dir.resolve()} at {preview.url()} (Ctrl-C to stop)", flush=True)
        if host in ("", "0.0.0.0", "::"):
            print("Listening on every network interface: others on your network can open "
                  "this preview too.", flush=True)
        if open_browser:
            import webbrowser
            threading.Thread(target=webbrowser.open, args=(preview.url(),),
                             daemon=True).start()
        watcher = SourceWatcher(site_dir, _development_theme())
        try:
            watcher.start()
            preview.rebuild()
            while True:
                preview.rebuild(watcher.wait())
        finally:
            watcher.close()
    except KeyboardInterrupt:
        pass
    finally:
        for sig in (signal.SIGINT, *handlers):   # no traceback from a second signal
            signal.signal(sig, _leave_now)
        if preview is not None:
            print("\nStopping…", flush=True)
            preview.close()
        else:
            for sock in sockets:
                sock.close()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Stopped.", flush=True)
    return 0
