"""Render the Sphinx roles of the package's docstrings as links in the API pages.

The docstrings cross-reference with Sphinx roles (``:func:`change_summary```,
``:data:`tpdn_outcomes.schema.CONDITIONS```, ``:class:`~tpdn_outcomes.errors.DataQualityWarning```),
which mkdocstrings would show as raw text. This griffe extension rewrites each role, when the
docstrings are loaded for the docs build, into an mkdocs-autorefs cross-reference:

- the target is resolved the way Sphinx does, relative to the object the docstring belongs to
  (its class, then its module, imports included), then as an absolute dotted path;
- a target in ``tpdn_outcomes`` becomes ``<code class="sphinx-role"><autoref identifier="full.path"
  optional>``, a link to the object's API entry (through its canonical path, or any alias mkdocstrings knows);
- a target outside the package (``numpy.lexsort``), or one that cannot be resolved, or a package
  object that no API page renders, is shown as code: ``optional`` tells autorefs not to warn, so
  ``mkdocs build --strict`` never fails on a role.

The docstrings themselves are not changed; only what the docs build reads. The resolution
imports the package (the docs build has it installed), so a role resolves to exactly what
``import`` finds. ``tests/test_docs_roles.py`` tests the rewrite and that every role in the
package resolves.

Used from ``mkdocs.yml``::

    plugins:
      - mkdocstrings:
          handlers:
            python:
              options:
                extensions:
                  - docs/hooks/sphinx_roles.py:SphinxRoles
"""

from __future__ import annotations

import ast
import html
import importlib
import importlib.util
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "tpdn_outcomes"

#: The roles rewritten: Sphinx's Python-domain roles.
ROLES = ("func", "meth", "class", "data", "attr", "mod", "obj", "exc", "const", "any")

#: ``:role:`target``` or ``:role:`title <target>```, optionally with the ``py:`` domain.
ROLE_RE = re.compile(
    r":(?:py:)?(?P<role>" + "|".join(ROLES) + r"):`(?P<body>[^`]+)`",
)

_TITLED_RE = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)

#: Names Sphinx shows as code with no link (no object to point to).
_CONSTANTS = {"None", "True", "False", "NotImplemented", "Ellipsis"}


@dataclass(frozen=True)
class Role:
    """One role found in a docstring.

    Attributes
    ----------
    role : str
        ``func``, ``class``, ...
    target : str
        The dotted name as written, without ``~`` or a leading ``.``.
    display : str
        What the reader sees: the title, or the name (its last part with ``~``), with ``()``
        after functions and methods as Sphinx writes them.
    """

    role: str
    target: str
    display: str


def parse_role(role: str, body: str) -> Role:
    """The target and the displayed text of ``:role:`body```.

    Examples
    --------
    >>> parse_role("func", "~tpdn_outcomes.stats.paired_change")
    Role(role='func', target='tpdn_outcomes.stats.paired_change', display='paired_change()')
    >>> parse_role("mod", ".paired")
    Role(role='mod', target='paired', display='.paired')
    >>> parse_role("class", "the data <SessionData>")
    Role(role='class', target='SessionData', display='the data')
    """
    body = " ".join(body.split())
    titled = _TITLED_RE.match(body)
    if titled and titled["title"]:
        return Role(role, titled["target"].strip().lstrip("~."), titled["title"])
    body = body.replace(" ", "")  # a name wrapped over two lines in the docstring
    short = body.startswith("~")
    target = body.lstrip("~").lstrip(".")
    display = target.rsplit(".", 1)[-1] if short else body.lstrip("~")
    if role in ("func", "meth") and not display.endswith(")"):
        display += "()"
    return Role(role, target, display)


def _import_longest(dotted: str) -> tuple[Any, list[str]] | None:
    """Import the longest importable module prefix of ``dotted``; the object and the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        except Exception:  # a module that fails on import resolves nothing
            return None
        return module, parts[cut:]
    return None


def _canonical(obj: Any, path: str) -> str:
    """Where ``obj`` (found at ``path``) is defined: its module and qualified name."""
    if isinstance(obj, ModuleType):
        return obj.__name__
    if inspect.isclass(obj) or inspect.isroutine(obj):
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if isinstance(module, str) and isinstance(qualname, str) and "<locals>" not in qualname:
            return f"{module}.{qualname}"
    return path  # data, properties: the path they were found at (mkdocstrings knows aliases)


_FIELD = object()


def _annotated(owner: Any, name: str) -> bool:
    """Whether class ``owner`` (or a base) declares ``name``: annotated, or set on ``self``."""
    if not inspect.isclass(owner):
        return False
    return any(
        name in vars(klass).get("__annotations__", {}) or name in _instance_attributes(klass)
        for klass in inspect.getmro(owner)
    )


@cache
def _instance_attributes(klass: type) -> frozenset[str]:
    """The names a class's methods assign on ``self`` (``self.table = ...``), by its source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    return frozenset(
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    )


def _walk(start: Any, start_path: str, names: list[str]) -> tuple[Any, str] | None:
    """Follow ``names`` as attributes from ``start``; the object and its canonical path."""
    obj, path = start, _canonical(start, start_path)
    for name in names:
        owner = obj
        try:
            obj = inspect.getattr_static(owner, name)
        except AttributeError:
            try:
                obj = getattr(owner, name)
            except Exception:
                if not _annotated(owner, name):
                    return None
                obj = _FIELD  # a dataclass field or annotated attribute with no class value
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        path = _canonical(obj, f"{path}.{name}")
    return obj, path


def _scopes(context: str) -> Iterator[tuple[Any, str]]:
    """The namespaces a name in the docstring of ``context`` is looked up in, innermost first.

    ``context`` may be an alias (``tpdn_outcomes.outcomes.change_summary``): the namespaces are
    those where the object is defined (``tpdn_outcomes.outcomes.change``).
    """
    found = _import_longest(context)
    if found is not None:
        located = _walk(found[0], found[0].__name__, found[1])
        if located is not None and located[1] != context:
            found = _import_longest(located[1])
    if found is None:
        return
    module, rest = found
    chain: list[tuple[Any, str]] = [(module, module.__name__)]
    for name in rest:
        step = _walk(chain[-1][0], chain[-1][1], [name])
        if step is None:
            break
        chain.append(step)
    for obj, path in reversed(chain):
        if isinstance(obj, ModuleType) or inspect.isclass(obj):
            yield obj, path


def resolve(target: str, context: str) -> str | None:
    """The canonical dotted path of ``target`` as seen from the docstring of ``context``.

    ``target`` is looked up in the class and module of ``context`` (imports count, as they
    do for Sphinx), then as an absolute dotted path. None when it is not found.

    Examples
    --------
    >>> resolve("SessionData", "tpdn_outcomes.outcomes.change_summary")
    'tpdn_outcomes.data.SessionData'
    >>> resolve("tpdn_outcomes.load_sessions", "tpdn_outcomes")
    'tpdn_outcomes.validate.load_sessions'
    >>> resolve("no_such_thing", "tpdn_outcomes.outcomes") is None
    True
    """
    if not target or target in _CONSTANTS:
        return None
    first, *rest = target.split(".")
    for scope, path in _scopes(context):
        found = _walk(scope, path, [first, *rest])
        if found is not None:
            return found[1]
        if isinstance(scope, ModuleType):
            imported = _static_imports(scope.__name__).get(first)
            if imported is not None and imported != target:
                return _absolute(".".join([imported, *rest]))
    absolute = _absolute(target)
    if absolute is not None:
        return absolute
    candidates = _definitions().get(first, [])
    if len(candidates) == 1:  # Sphinx's search for a name defined once in the package
        return _absolute(".".join([candidates[0], *rest]))
    return None


def _absolute(target: str) -> str | None:
    """The canonical path of the absolute dotted name ``target``, or None."""
    absolute = _import_longest(target)
    if absolute is not None:
        module, names = absolute
        found = _walk(module, module.__name__, names)
        if found is not None:
            return found[1]
    return None


def _body_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those under ``if TYPE_CHECKING:``, ``try`` ..."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody"):
                yield from _body_statements(getattr(stmt, block, []))
            for handler in getattr(stmt, "handlers", []):
                yield from _body_statements(handler.body)


def _module_tree(name: str) -> ast.Module | None:
    """The parsed source of module ``name``, or None without one."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8"))


@cache
def _static_imports(module_name: str) -> dict[str, str]:
    """Names module ``module_name`` imports, by the source (``TYPE_CHECKING`` imports too)."""
    tree = _module_tree(module_name)
    if tree is None:
        return {}
    spec = importlib.util.find_spec(module_name)
    is_package = spec is not None and spec.submodule_search_locations is not None
    package = module_name if is_package else module_name.rpartition(".")[0]
    names: dict[str, str] = {}
    for stmt in _body_statements(tree.body):
        if isinstance(stmt, ast.ImportFrom):
            base = stmt.module or ""
            if stmt.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (stmt.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in stmt.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
    return names


@lru_cache(maxsize=1)
def _definitions() -> dict[str, list[str]]:
    """Every module-level name the package defines (def, class, assignment) -> its paths."""
    index: dict[str, list[str]] = {}
    package = importlib.import_module(PACKAGE)
    modules = [PACKAGE] + [
        info.name for info in pkgutil.walk_packages(package.__path__, prefix=PACKAGE + ".")
    ]
    for module_name in modules:
        tree = _module_tree(module_name)
        if tree is None:
            continue
        for stmt in _body_statements(tree.body):
            defined: list[str] = []
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined = [stmt.name]
            elif isinstance(stmt, ast.Assign):
                defined = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                defined = [stmt.target.id]
            for name in defined:
                paths = index.setdefault(name, [])
                if f"{module_name}.{name}" not in paths:
                    paths.append(f"{module_name}.{name}")
    return index


def in_package(path: str | None) -> bool:
    """Whether ``path`` is an object of the package (and so can have an API entry)."""
    return path is not None and (path == PACKAGE or path.startswith(PACKAGE + "."))


def _markdown_text(text: str) -> str:
    """``text`` escaped for Markdown inside raw HTML (no emphasis from ``__init__``)."""
    return re.sub(r"([\\`*_{}\[\]])", r"\\\1", html.escape(text, quote=False))


def render(role: Role, path: str | None) -> str:
    """The Markdown/HTML that replaces a role: an optional autoref, or plain code.

    Examples
    --------
    >>> role = parse_role("func", "change_summary")
    >>> render(role, "tpdn_outcomes.outcomes.change_summary")
    '<code class="sphinx-role"><autoref identifier="tpdn_outcomes.outcomes.change_summary" optional>change\\\\_summary()</autoref></code>'
    >>> render(parse_role("func", "numpy.lexsort"), "numpy.lexsort")
    '<code class="sphinx-role">numpy.lexsort()</code>'
    """
    text = _markdown_text(role.display)
    if path is not None and in_package(path):
        ident = html.escape(path, quote=True)
        return f'<code class="sphinx-role"><autoref identifier="{ident}" optional>{text}</autoref></code>'
    return f'<code class="sphinx-role">{text}</code>'


def rewrite(text: str, resolver: Callable[[str], str | None]) -> str:
    """``text`` with every Sphinx role replaced by what :func:`render` makes of it.

    Doctest lines (``>>>``, ``...``) and fenced code blocks are left as they are.

    Examples
    --------
    >>> paths = {"change_summary": "tpdn_outcomes.outcomes.change_summary"}
    >>> rewrite("See :func:`change_summary` and :func:`numpy.lexsort`.", paths.get)
    'See <code class="sphinx-role"><autoref identifier="tpdn_outcomes.outcomes.change_summary" optional>change\\\\_summary()</autoref></code> and <code class="sphinx-role">numpy.lexsort()</code>.'
    """
    protected = _protected_spans(text)  # roles can wrap lines: match on the whole text

    def replace(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in protected):
            return match.group(0)
        role = parse_role(match["role"], match["body"])
        return render(role, resolver(role.target))

    return ROLE_RE.sub(replace, text)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of doctest lines and fenced code blocks in ``text``."""
    spans: list[tuple[int, int]] = []
    position = 0
    fence_start: int | None = None
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        end = position + len(line)
        if stripped.startswith(("```", "~~~")):
            if fence_start is None:
                fence_start = position
            else:
                spans.append((fence_start, end))
                fence_start = None
        elif fence_start is None and stripped.startswith((">>>", "...")):
            spans.append((position, end))
        position = end
    if fence_start is not None:
        spans.append((fence_start, len(text)))
    return spans


def find_roles(text: str) -> list[Role]:
    """The roles in ``text`` (outside doctest lines and fenced code).

    Examples
    --------
    >>> find_roles("Uses :func:`a.b` and\\n:class:`~x.Y`.\\n>>> :func:`not_this`")
    [Role(role='func', target='a.b', display='a.b()'), Role(role='class', target='x.Y', display='Y')]
    """
    protected = _protected_spans(text)
    return [
        parse_role(m["role"], m["body"])
        for m in ROLE_RE.finditer(text)
        if not any(start <= m.start() < end for start, end in protected)
    ]


try:  # the extension itself needs griffe, which only the docs build installs
    from griffe import Extension as _GriffeExtension
except ImportError:  # pragma: no cover - the tests use the functions above
    _GriffeExtension = object  # type: ignore[assignment,misc]


class SphinxRoles(_GriffeExtension):  # type: ignore[misc,valid-type]
    """Griffe extension: rewrite the Sphinx roles of every docstring the docs build loads."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring, resolving names from ``obj``'s own path."""
        docstring = getattr(obj, "docstring", None)
        if docstring is None or ":" not in docstring.value:
            return
        context = obj.path
        docstring.value = rewrite(docstring.value, lambda target: resolve(target, context))
