"""Render stage: the Jinja2 environment and page rendering.

Templates come from the site's `templates/` first and the theme inside the package
second, so a site overrides any theme template by giving a file the same name.
StrictUndefined turns a misspelt variable into an error instead of a silent blank, and
autoescaping is on for every template. A paper's list entry is rendered once per
process and reused on every page that lists it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import jinja2
import jinja2.compiler
import jinja2.loaders
import jinja2.nodes
import jinja2.runtime
from markupsafe import Markup
from markupsafe import escape as _markupsafe_escape
from markupsafe._speedups import _escape_inner

from .aside import remove_abandoned, writing_aside
from .diagnostics import NAME_NOT_UTF8, BuildError, Diagnostic, undecodable_name
from .routing import Route
from .usercache import user_cache_folder
from .views import Views

THEME = Path(__file__).parent / "theme"


_DICT_ATTRIBUTES = frozenset(dir(dict))


def _escape(value, _markup=Markup, _inner=_escape_inner):
    """markupsafe.escape for template output, with the common cases made cheap: every
    `{{ value }}` of a template calls it (about 3 million times for 10,000 papers).
    Compiled templates call it only to output a value, whose text is then joined into
    the page (or into a Markup block), so the escaped text is returned as a plain str:
    making a Markup object of each piece was a third of the call. Same text as
    markupsafe's: str is escaped, Markup passes through unchanged, an int has nothing to
    escape."""
    kind = type(value)
    if kind is str:
        return _inner(value)
    if kind is _markup:
        return value
    if kind is int:
        return str(value)
    return _markupsafe_escape(value)


def _dict_getattr(environment):
    """`x.name` for compiled templates (see _CodeGenerator): on the plain dicts views
    make, the key at once. Jinja's own getattr tries the attribute first, and on a dict
    that lookup fails by raising: about a microsecond per `x.name`, and a page has
    hundreds. Same result as Jinja's, whose getattr handles every other object."""
    undefined, getattr_ = environment.undefined, environment.getattr

    def attribute(obj, name, _dict=dict):
        if type(obj) is _dict:
            try:
                return obj[name]
            except KeyError:
                return undefined(obj=obj, name=name)
        return getattr_(obj, name)

    return attribute


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles `x.name` to a call of the environment's `_dict_getattr`, a plain
    function in the template's namespace, instead of a method looked up on the
    environment at each use. Names that are also dict methods (`items`, `keys`, ...)
    keep Jinja's lookup, which finds the method first."""

    def visit_Getattr(self, node, frame):
        if self.environment.is_async or node.attr in _DICT_ATTRIBUTES:
            return super().visit_Getattr(node, frame)
        if self.optimizer is not None and not frame.eval_ctx.volatile:
            folded = self.optimizer.visit(node, frame.eval_ctx)   # as @optimizeconst does
            if folded != node:
                return self.visit(folded, frame)
        self.write("_dict_getattr(")
        self.visit(node.node, frame)
        self.write(f", {node.attr!r})")

    # A block or an included template's output is joined where it is made and passed up
    # as one string. Jinja passes each piece up on its own, through every enclosing
    # template (a loop per include, a `yield from` per block): a co-author in an author
    # page's included sidebar went through four generators, and the pages of 10,000
    # papers through 7 million resumptions of the base template's.

    def writeline(self, x, node=None, extra=0):
        if x.startswith("yield from context.blocks["):
            x = f"yield environment.concat({x[len('yield from '):]})"
        super().writeline(x, node, extra)

    def visit_Include(self, node, frame):
        named = isinstance(node.template, jinja2.nodes.Const) and isinstance(
            node.template.value, str)
        if (self.environment.is_async or node.ignore_missing or not node.with_context
                or frame.buffer is not None or not named):
            return super().visit_Include(node, frame)
        self.writeline("template = environment.get_template(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        self.writeline("yield environment.concat(template.root_render_func("
                       "template.new_context(context.get_all(), True, "
                       f"{self.dump_local_context(frame)})))")


class _Template(jinja2.Template):
    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        # The compiled template looks `escape` up in its module namespace.
        namespace["escape"] = _escape
        namespace["_dict_getattr"] = environment.dict_getattr
        return super()._from_namespace(environment, namespace, globals)


class _Context(jinja2.runtime.Context):
    """A template context whose calls of the engine's own functions (`entry`, called
    once per paper on every list) go straight to them. Jinja's `call` first asks the
    callable whether it wants the context passed in: about 5 µs a call, for functions
    that never do."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if __obj is __self.environment.direct_call:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    template_class = _Template
    code_generator_class = _CodeGenerator
    context_class = _Context

    def __init__(self, **options):
        super().__init__(**options)
        self.dict_getattr = _dict_getattr(self)
        self.direct_call = None   # the global called without Jinja's checks (see _Context)


class TemplateEncodingError(jinja2.TemplateError):
    """A template file that is not UTF-8, at the line of its first bad byte."""

    def __init__(self, message: str, filename: str, lineno: int):
        super().__init__(message)
        self.filename, self.lineno = filename, lineno


class _Loader(jinja2.FileSystemLoader):
    """Jinja's loader, with a file that is not UTF-8 reported as the user's mistake (file,
    line, byte) instead of a UnicodeDecodeError's traceback."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            parts = jinja2.loaders.split_template_path(template)
            path = next((p for p in (os.path.join(root, *parts) for root in self.searchpath)
                         if os.path.isfile(p)), template)
            line = exc.object.count(b"\n", 0, exc.start) + 1
            raise TemplateEncodingError(f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x});"
                                        " save the file as UTF-8", path, line) from None


def make_environment(site_dir: Path | None, cache_dir: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if site_dir is not None and (site_dir / "templates").is_dir():
        loaders.append(_Loader(str(site_dir / "templates")))
    loaders.append(_Loader(str(THEME / "templates")))
    env = _Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
        bytecode_cache=_bytecode_cache(cache_dir),
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def _bytecode_cache(cache_dir: Path | None):
    """Compiled templates kept between builds (Jinja checks each against its source).
    What a build killed outright was writing there is removed first."""
    if cache_dir is None:
        return None
    try:
        (cache_dir / "jinja").mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    tag = _compiler_tag()
    cache = _Bytecode(cache_dir / "jinja", _theme_cache_dir(tag), tag)
    for folder in (cache.site_folder, cache.theme_folder):
        if folder is not None:
            remove_abandoned(folder)
    return cache


def _compiler_tag() -> str:
    """Names how templates compile: the Jinja and Python versions and this module's
    version (its code generator and namespace). Compiled templates are kept per tag."""
    me = os.stat(__file__)
    return hashlib.blake2b(f"{jinja2.__version__}:{sys.version}:{me.st_size}:{me.st_mtime_ns}"
                           .encode(), digest_size=8).hexdigest()


def _theme_cache_dir(tag: str) -> Path | None:
    """Where the theme's compiled templates are kept for every site on this machine, as
    Python keeps a module's .pyc: compiling the theme is 0.2 s, a fifth of a small
    site's build. Per compiler tag; None when there is no user cache folder to write."""
    folder = user_cache_folder() / f"theme-{tag}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


class _Bytecode(jinja2.BytecodeCache):
    """Jinja's file cache, with the theme's templates kept in the user's cache folder
    (shared by every site) and the site's own in the site's cache."""

    def __init__(self, site_folder: Path, theme_folder: Path | None, tag: str) -> None:
        self.site_folder, self.theme_folder = site_folder, theme_folder
        self._theme = str(THEME) + os.sep
        self._tag = tag   # _compiler_tag(), for the site's own templates

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = super().get_cache_key(name, filename)
        theme = self.theme_folder and filename and filename.startswith(self._theme)
        # The site's own templates are kept per compiler tag too: code compiled by
        # another version of the engine may call what this one no longer provides.
        return "theme-" + key if theme else f"{self._tag}-{key}"

    def _path(self, bucket) -> Path:
        folder = self.theme_folder if bucket.key.startswith("theme-") else self.site_folder
        return folder / f"{bucket.key}.cache"

    def load_bytecode(self, bucket) -> None:
        try:
            with open(self._path(bucket), "rb") as f:
                bucket.load_bytecode(f)
        except OSError:
            pass

    def dump_bytecode(self, bucket) -> None:
        # Written aside: builds running at once never read half a file.
        with contextlib.suppress(OSError), writing_aside(self._path(bucket)) as f:
            bucket.write_bytecode(f)


def template_name(kind: str) -> str:
    """The template a kind of page is rendered with."""
    return {"notfound": "404.html"}.get(kind, f"{kind}.html")


def _template_frame(exc: Exception) -> tuple[str, int] | None:
    """The innermost template (file, line) in the traceback: Jinja names its frames so."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") and Path(filename).is_file():
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def template_error(exc: Exception, site_dir: Path | None, page: str = "") -> Diagnostic:
    """A template problem as a diagnostic naming the template file and line."""
    name = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", 0) or 0
    if not name and (frame := _template_frame(exc)):  # raised while rendering
        name, line = frame
    name = name or getattr(exc, "name", None) or "templates"
    path = Path(name)
    try:
        shown = path.resolve().relative_to(site_dir.resolve()).as_posix() if site_dir else name
    except (ValueError, OSError):
        shown = f"(theme) {path.name}" if path.is_absolute() else name
    if isinstance(exc, jinja2.UndefinedError):
        message = f"template error: {exc.message}"
    elif isinstance(exc, jinja2.TemplateSyntaxError):
        message = f"template syntax error: {exc.message}"
    elif isinstance(exc, jinja2.TemplateNotFound):
        message = f"template not found: {exc.name}"
    elif isinstance(exc, jinja2.TemplateError):
        message = f"template error: {exc}"
    else:
        message = f"template error: {type(exc).__name__}: {exc}"
    if page:
        message += f" (rendering {page})"
    return Diagnostic(shown, line, "", message)


# Entry styles shown on many pages are kept once rendered. The abstract style is on one
# page per paper (its edition's): keeping it would only hold memory, about 200 MB per
# render worker at 100,000 papers.
_KEPT_VARIANTS = frozenset({"entry", "entry_compact"})


class Renderer:
    """Renders routes to HTML bytes."""

    def __init__(self, views: Views, env: jinja2.Environment, site_dir: Path | None,
                 entries: dict[str, dict[str, str]] | None = None):
        self.views = views
        self.env = env
        self.site_dir = site_dir
        # The kept list entries, by style then paper id: Markup, or str as restored from
        # a snapshot (made Markup when first used). `entries`: another renderer's, of the
        # same papers (a preview's, between text edits).
        self.entries = entries if entries is not None else {v: {} for v in _KEPT_VARIANTS}
        self._site = None
        env.globals["entry"] = self.entry
        env.direct_call = env.globals["entry"]   # the very object templates will call

    def warm(self) -> None:
        """Compile every template now, so forked workers share the compiled code."""
        try:
            for name in self.env.list_templates(filter_func=lambda n: n.endswith(".html")):
                if (shown := undecodable_name(name)) is not None:
                    raise BuildError([Diagnostic(f"templates/{shown}", 0, "", NAME_NOT_UTF8)])
                self.env.get_template(name)
        except jinja2.TemplateError as exc:
            raise BuildError([template_error(exc, self.site_dir)]) from None

    def entry(self, pid: str, variant: str = "entry") -> Markup:
        kept = self.entries.get(variant)
        html = kept.get(pid) if kept is not None else None
        if html is None:
            template = self.env.get_template(f"_{variant}.html")
            html = Markup(template.render(e=self.views.entry(pid)).strip())
            if kept is not None:
                kept[pid] = html
        elif type(html) is str:
            html = kept[pid] = Markup(html)
        return html

    def keep_entry(self, pid: str, variant: str, html: Markup) -> None:
        """Take a list entry rendered by another process of the same build."""
        self.entries[variant][pid] = html

    def render(self, route: Route) -> bytes:
        context = self.views.context(route)
        try:
            html = self.env.get_template(template_name(route.kind)).render(context)
        except Exception as exc:
            # A mistake in a template (an error raised on one of its lines) is the user's;
            # anything else is a bug in the engine and keeps its traceback.
            if not isinstance(exc, jinja2.TemplateError) and _template_frame(exc) is None:
                raise
            raise BuildError([template_error(exc, self.site_dir, route.output)]) from None
        return html.encode("utf-8")
