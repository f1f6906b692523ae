"""The preview's HTTP side: what the server tells pages, the error overlay, URLs to files.

A tornado server in its own thread speaks the livereload protocol with the `livereload`
package's websocket handler and client script, and serves the preview folder under the
path of `base_url`. Every HTML page it serves carries a small script that shows the last
build's errors in an overlay and removes it when a later build succeeds. A request for a
path outside the output (`/../site.yaml`, encoded variants) gets 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

STATUS_PATH = "/__papersite__/status"
LIVE_ASSET = re.compile(r"\.(css|jpe?g|png|gif)$", re.I)   # livereload.js swaps these live

# --- state shared with the server thread ----------------------------------------------------


@dataclass(frozen=True)
class Status:
    """What the server tells pages; replaced whole, so readers never see half an update."""

    state: str = "building"          # building | ok | error
    errors: tuple[str, ...] = ()     # as the terminal prints them
    warnings: tuple[str, ...] = ()
    generation: int = 0              # bumps whenever the served files change
    built: bool = False              # a good site exists in the preview folder
    base_path: str = "/"
    # which run of the preview: a page of an earlier one, whose files may have changed
    # while no preview ran, reloads when it reconnects even if its generation matches
    run: str = ""

    def as_json(self) -> dict:
        return {"state": self.state, "ok": self.state == "ok", "errors": list(self.errors),
                "warnings": list(self.warnings), "generation": self.generation, "built": self.built,
                "base_path": self.base_path, "run": self.run}


def reload_message(path: str) -> dict:
    return {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}


def reload_messages(changed: list[str], removed: int, base_path: str,
                    status_changed: bool) -> list[dict]:
    """livereload protocol messages after a build.

    Only stylesheets and images changed: one message per file, which livereload.js
    applies without reloading the page (liveCSS / liveImg). Anything else: one full
    reload. The status path is not a file: the overlay script intercepts it and
    refreshes the error overlay in place.
    """
    if removed or any(not LIVE_ASSET.search(rel) for rel in changed):
        first = next((rel for rel in changed if not LIVE_ASSET.search(rel)), "")
        return [reload_message(base_path + first)]
    messages = [reload_message(STATUS_PATH)] if status_changed else []
    return messages + [reload_message(base_path + rel) for rel in sorted(changed)]


# --- the overlay ------------------------------------------------------------------------------

_OVERLAY_STYLE = """
:host{all:initial}
section{position:fixed;z-index:2147483647;top:0;left:0;right:0;max-height:60vh;overflow:auto;
box-sizing:border-box;padding:1rem 1.25rem 1.1rem;background:#fff;color:#1a1a1a;
border-top:6px solid #b3261e;box-shadow:0 4px 24px rgba(0,0,0,.35);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
section.warning{border-top-color:#9a6700}
h2{margin:0 4.5rem .35rem 0;font-size:1.1rem;color:#8c1d18}
.warning h2{color:#6b4700}
p{margin:0 0 .6rem}
ol{margin:0;padding-left:1.4rem;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;
white-space:pre-wrap;word-break:break-word}
button{position:absolute;top:.7rem;right:.8rem;font:inherit;font-size:.9rem;padding:.2rem .6rem;
background:#fff;color:#1a1a1a;border:1px solid #767676;border-radius:4px;cursor:pointer}
button:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
@media (prefers-color-scheme:dark){section{background:#1e1e1e;color:#f2f2f2}
h2{color:#ffb4ab}.warning h2{color:#ffd58a}
button{background:#1e1e1e;color:#f2f2f2;border-color:#9a9a9a}}
"""

# Shows the build's errors (or warnings) over the page, in a shadow root so the site's
# CSS cannot touch it. It registers as a livereload.js plugin: a reload message for
# STATUS_PATH refreshes the overlay in place instead of reloading the page. On every
# (re)connection it asks for the status, so a page never misses a rebuild it loaded during,
# nor what changed while the preview was stopped and started again.
_OVERLAY_SCRIPT = """(function(){"use strict";
var S=__STATUS__,STYLE=__STYLE__,URL="__STATUS_PATH__",KEY="papersite-hidden",host=null;
function text(s){return (s.errors||[]).concat(s.warnings||[]);}
function dismissed(k){try{return sessionStorage.getItem(KEY)===k;}catch(x){return false;}}
function remove(){if(host){host.remove();host=null;}}
function hide(){if(host){try{sessionStorage.setItem(KEY,host.dataset.key);}catch(x){}remove();}}
function show(s){var e=s.errors||[],w=s.warnings||[],all=text(s),k=all.join("\\n");
 if(!all.length||dismissed(k)){remove();return;}
 if(!document.body){document.addEventListener("DOMContentLoaded",function(){show(s);});return;}
 if(!host){host=document.createElement("div");host.id="papersite-error-overlay";
  var root=host.attachShadow({mode:"open"});
  root.innerHTML="<style>"+STYLE+"</style><section aria-labelledby='t'>"+
   "<button type='button' aria-label='Hide this message'>Hide</button>"+
   "<h2 id='t'></h2><p></p><ol></ol></section>";
  root.querySelector("button").addEventListener("click",hide);
  document.body.appendChild(host);}
 host.dataset.key=k;
 var r=host.shadowRoot,sec=r.querySelector("section"),n=e.length||w.length;
 sec.className=e.length?"error":"warning";sec.setAttribute("role",e.length?"alert":"status");
 r.querySelector("h2").textContent=e.length?
  "Papersite could not rebuild the site: "+n+" error"+(n===1?"":"s"):
  "Papersite built the site with "+n+" warning"+(n===1?"":"s");
 r.querySelector("p").textContent=!e.length?"Fix them and save, or hide this message.":
  s.built?"You are looking at the last good version. Fix the file and save: "+
  "this message goes away by itself.":"Fix the file and save: the page reloads by itself.";
 var ol=r.querySelector("ol");ol.textContent="";
 all.forEach(function(t){var li=document.createElement("li");li.textContent=t;
  ol.appendChild(li);});}
function refresh(connected){fetch(URL,{cache:"no-store"}).then(function(r){return r.json();})
 .then(function(s){if(connected&&s.ok&&(s.generation!==S.generation||s.run!==S.run)){
 location.reload();return;}
 show(s);}).catch(function(){});}
function Plugin(){}
Plugin.identifier="papersite";Plugin.version="1";
Plugin.prototype.reload=function(path){if(path===URL){refresh(false);return true;}return false;};
window.LiveReloadPluginPapersite=Plugin;
document.addEventListener("LiveReloadConnect",function(){refresh(true);});
document.addEventListener("keydown",function(k){if(k.key==="Escape")hide();});
show(S);})();"""

_PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Papersite preview</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<main><h1>{title}</h1><p>{text}</p></main></body></html>
"""


def _script_json(value) -> str:
    """JSON that is safe inside a <script> element."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def preview_snippet(status: Status, port: int) -> str:
    """The scripts added to every served HTML page: the overlay and livereload's client."""
    script = (_OVERLAY_SCRIPT.replace("__STYLE__", _script_json(" ".join(_OVERLAY_STYLE.split())))
              .replace("__STATUS_PATH__", STATUS_PATH)
              .replace("__STATUS__", _script_json(status.as_json())))
    return (f'<script id="papersite-preview">{script}</script>\n'
            f'<script src="/livereload.js?port={port}" async></script>\n')


def inject(page: bytes, snippet: str) -> bytes:
    """Put the snippet before </head> (or after <body>, or at the start)."""
    data = snippet.encode("utf-8")
    match = re.search(rb"</head\s*>", page, re.I)
    if match:
        return page[:match.start()] + data + page[match.start():]
    match = re.search(rb"<body[^>]*>", page, re.I)
    if match:
        return page[:match.end()] + data + page[match.end():]
    return data + page


# --- mapping URLs to files ------------------------------------------------------------------


def below(raw: str, base: str) -> str | None:
    """What follows the base path in a request's raw (percent-encoded) path, or None when
    the path is not under it. Segments compare decoded: a browser asks for base_url's
    /publicaciónes/ as /publicaci%C3%B3nes/, and for /%7Eme/ typed as /~me/."""
    names = base.split("/")[1:-1]               # '/a/b/' → ['a', 'b']
    parts = raw.split("/", len(names) + 1)
    if len(parts) != len(names) + 2 or parts[0]:
        return None
    if any(unquote(part) != unquote(name) for part, name in zip(parts[1:], names)):
        return None
    return parts[-1]


def location(path: str) -> str:
    """A path as a Location header gives it: what is not ASCII percent-encoded."""
    return quote(path, safe="/%:@!$&'()*+,;=~")


def resolve_url(root: Path, rel: str) -> tuple[str, Path | None]:
    """('file', path), ('slash', None) for a folder named without its slash, or ('missing', None).

    `rel` is the raw, still percent-encoded path below the base path. Each segment is
    decoded once; a segment that decodes to '.', '..', a hidden name or anything holding a
    slash, backslash or NUL is refused, and the resolved file must lie inside `root`
    (symbolic links included). Double-encoded dots decode to a literal '%2e%2e' name,
    which does not exist.
    """
    segments = rel.split("/")
    folder_url = segments[-1] == ""
    if folder_url:
        segments = segments[:-1]
    names = []
    for segment in segments:
        name = unquote(segment)
        if not name or name.startswith(".") or any(c in name for c in "/\\\x00"):
            return "missing", None
        names.append(name)
    path = root.joinpath(*names)
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root + os.sep):
        return "missing", None
    if os.path.isdir(real):
        if not folder_url:
            return "slash", None
        index = os.path.join(real, "index.html")
        return ("file", Path(index)) if os.path.isfile(index) else ("missing", None)
    if folder_url or not os.path.isfile(real):
        return "missing", None
    return "file", Path(real)


_TYPES = {".bib": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8",
          ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
          ".json": "application/json; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".wasm": "application/wasm"}


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


# --- the HTTP side (runs in the server thread) ------------------------------------------------


def make_app(preview):
    """The tornado application; `preview` gives `status`, `output` and `port`."""
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from tornado import web

    class Quiet:
        def log_exception(self, typ, value, tb):
            if not isinstance(value, web.HTTPError):
                print(f"serve: could not answer {self.request.method} {self.request.path}: "
                      f"{typ.__name__}: {value}", file=sys.stderr, flush=True)

    class LiveReloadSocket(Quiet, LiveReloadHandler):
        """livereload's protocol handler, accepting pages of this server only."""

        def check_origin(self, origin: str) -> bool:
            return urlsplit(origin).netloc.lower() == (self.request.host or "").lower()

    class StatusHandler(Quiet, web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.write(json.dumps(preview.status.as_json()))

    class SiteHandler(Quiet, web.RequestHandler):
        def compute_etag(self):
            return None

        def head(self):
            self._answer(body=False)

        def get(self):
            self._answer(body=True)

        def _answer(self, body: bool) -> None:
            status = preview.status       # read before the file: a newer file is harmless
            base = status.base_path
            raw = self.request.path
            # (a redirect keeps the query)
            query = f"?{self.request.query}" if self.request.query else ""
            if base != "/" and (raw == "/" or below(raw + "/", base) == ""):
                return self.redirect(location(base) + query)
            rest = below(raw, base)
            if rest is None:
                if self._moved(raw, base, query, preview.former_base_paths):
                    return None
                return self._not_found(status, body)
            if not status.built:
                return self._placeholder(status, body)
            kind, path = resolve_url(preview.output, rest)
            if kind == "slash":
                return self.redirect(raw + "/" + query, permanent=True)
            if kind == "missing":
                # No such page: it may be one of the site under a former base path that
                # holds the new one (/lab/pubs/about/ after base_url went to /).
                if self._moved(raw, base, query, tuple(
                        old for old in preview.former_base_paths
                        if below(old, base) not in (None, ""))):
                    return None
                return self._not_found(status, body)
            try:
                data = path.read_bytes()
            except OSError:
                return self._not_found(status, body)
            self._send(200, content_type(path), data, status, body)

        def _moved(self, raw: str, base: str, query: str, formers: tuple[str, ...]) -> bool:
            """Send a page of the site as it was before base_url changed to its address
            now (`formers`: the base paths to look under, longest first)."""
            for old in formers:
                rest = below(raw, old)
                if rest is not None:
                    self.redirect(location(base) + rest + query)
                    return True
            return False

        def _send(self, code: int, ctype: str, data: bytes, status: Status, body: bool):
            if ctype.startswith("text/html"):
                data = inject(data, preview_snippet(status, preview.port))
            self.set_status(code)
            self.set_header("Content-Type", ctype)
            self.set_header("Cache-Control", "no-store")
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Content-Length", str(len(data)))
            if body:
                self.write(data)
            self.finish()

        def _not_found(self, status: Status, body: bool):
            page = preview.output / "404.html"
            if status.built and page.is_file():
                try:
                    return self._send(404, "text/html; charset=utf-8", page.read_bytes(),
                                      status, body)
                except OSError:
                    pass
            html = _PLACEHOLDER.format(title="Not found",
                                       text="There is no page at this address.")
            self._send(404, "text/html; charset=utf-8", html.encode(), status, body)

        def _placeholder(self, status: Status, body: bool):
            if status.state == "building":
                title = "Building the site…"
                text = "This page reloads by itself when it is ready."
            else:
                title, text = ("The site could not be built",
                               "The problems are listed above and in the terminal. Fix them and "
                               "save: this page reloads by itself.")
            html = _PLACEHOLDER.format(title=title, text=text)
            self.set_header("Retry-After", "1")
            self._send(503, "text/html; charset=utf-8", html.encode(), status, body)

    return web.Application([
        (r"/livereload", LiveReloadSocket),
        (r"/livereload\.js", LiveReloadJSHandler),
        (re.escape(STATUS_PATH), StatusHandler),
        (r"/.*", SiteHandler),
    ], log_function=lambda handler: None, compress_response=False)


class ServerThread(threading.Thread):
    """Runs tornado's loop on already-bound sockets until `stop`."""

    def __init__(self, app, sockets):
        super().__init__(name="papersite-http", daemon=True)
        self.app = app
        self.sockets = sockets
        self.loop = None
        self.ready = threading.Event()

    def run(self) -> None:
        from tornado.httpserver import HTTPServer
        from tornado.ioloop import IOLoop

        asyncio.set_event_loop(asyncio.new_event_loop())
        self.loop = IOLoop.current()
        server = HTTPServer(self.app)
        server.add_sockets(self.sockets)
        self.ready.set()
        try:
            self.loop.start()
        finally:
            server.stop()
            self.loop.close(all_fds=True)

    def call(self, fn, *args) -> None:
        if self.loop is not None:
            self.loop.add_callback(fn, *args)

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.add_callback(self.loop.stop)
            self.join(timeout=5)


def broadcast(messages: list[dict]) -> None:
    """Send livereload messages to every connected page (in the server thread)."""
    from livereload.handlers import LiveReloadHandler

    for waiter in list(LiveReloadHandler.waiters):
        try:
            for message in messages:
                waiter.write_message(json.dumps(message))
        except Exception:  # a closed socket: forget it
            LiveReloadHandler.waiters.discard(waiter)


def quiet_logging() -> None:
    """Tornado and livereload log through `logging`; without this, Python's last-resort
    handler would print access warnings and tracebacks for closed sockets."""
    for name in ("tornado", "livereload", "asyncio"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
