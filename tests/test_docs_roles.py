"""The docs build's rewrite of Sphinx roles into links (docs/hooks/sphinx_roles.py, issue 19).

No mkdocs build is needed: the rewrite is a pure function, and the resolver imports the package.
"""

from __future__ import annotations

import ast
import doctest
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOK = ROOT / "docs" / "hooks" / "sphinx_roles.py"
PACKAGE_DIR = ROOT / "tpdn_outcomes"


def _load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sphinx_roles", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


roles = _load_hook()


def _docstrings(path: Path) -> Iterator[tuple[str, str, int]]:
    """(context path, docstring, line) of every string statement griffe would read."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def visit(node: ast.AST, context: str) -> Iterator[tuple[str, str, int]]:
        for stmt in getattr(node, "body", []):
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                yield context, stmt.value.value, stmt.lineno
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(stmt, f"{context}.{stmt.name}")
            elif isinstance(stmt, (ast.If, ast.Try)):
                yield from visit(stmt, context)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), module)


def _package_roles() -> list[tuple[str, int, str, Any]]:
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for context, text, line in _docstrings(path):
            for role in roles.find_roles(text):
                found.append((str(path.relative_to(ROOT)), line, context, role))
    return found


def test_the_hook_module_examples_pass() -> None:
    result = doctest.testmod(roles, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8
    assert result.failed == 0


@pytest.mark.parametrize(
    ("role", "body", "target", "display"),
    [
        ("func", "change_summary", "change_summary", "change_summary()"),
        ("meth", "MeasureRows.of", "MeasureRows.of", "MeasureRows.of()"),
        ("func", "f(x)", "f(x)", "f(x)"),
        (
            "class",
            "~tpdn_outcomes.errors.DataQualityWarning",
            "tpdn_outcomes.errors.DataQualityWarning",
            "DataQualityWarning",
        ),
        ("mod", ".paired", "paired", ".paired"),
        (
            "data",
            "the conditions <tpdn_outcomes.schema.CONDITIONS>",
            "tpdn_outcomes.schema.CONDITIONS",
            "the conditions",
        ),
        (
            "func",
            "tpdn_outcomes.stats.\n    paired_change",
            "tpdn_outcomes.stats.paired_change",
            "tpdn_outcomes.stats.paired_change()",
        ),
    ],
)
def test_parse_role(role: str, body: str, target: str, display: str) -> None:
    parsed = roles.parse_role(role, body)
    assert (parsed.role, parsed.target, parsed.display) == (role, target, display)


def test_rewrite_links_package_objects_and_shows_the_rest_as_code() -> None:
    paths = {
        "change_summary": "tpdn_outcomes.outcomes.change.change_summary",
        "numpy.lexsort": "numpy.lexsort",
        "tpdn_outcomes.data.SessionData": "tpdn_outcomes.data.SessionData",
    }
    text = (
        "Uses :func:`change_summary`, :py:func:`numpy.lexsort`, :data:`GONE` and\n"
        ":class:`~tpdn_outcomes.data.SessionData`."
    )
    out = roles.rewrite(text, paths.get)
    assert out == (
        'Uses <code class="sphinx-role"><autoref identifier="tpdn_outcomes.outcomes.change.change_summary" '
        "optional>change\\_summary()</autoref></code>, "
        '<code class="sphinx-role">numpy.lexsort()</code>, '
        '<code class="sphinx-role">GONE</code> and\n'
        '<code class="sphinx-role"><autoref identifier="tpdn_outcomes.data.SessionData" optional>'
        "SessionData</autoref></code>."
    )
    assert ":func:" not in out and ":class:" not in out and ":data:" not in out


def test_rewrite_handles_a_role_wrapped_over_two_lines() -> None:
    out = roles.rewrite("see :func:`tpdn_outcomes.stats.\n    paired_change` here", lambda t: None)
    assert (
        out == 'see <code class="sphinx-role">tpdn\\_outcomes.stats.paired\\_change()</code> here'
    )


def test_rewrite_leaves_doctests_and_fenced_code_alone() -> None:
    text = (
        ">>> print(':func:`x`')\n"
        "... ':class:`y`'\n"
        "```python\n"
        "s = ':data:`z`'\n"
        "```\n"
        "Prose :mod:`m`.\n"
    )
    out = roles.rewrite(text, lambda t: None)
    assert out == text.replace(":mod:`m`", '<code class="sphinx-role">m</code>')


def test_rewrite_escapes_markdown_and_html_in_the_shown_name() -> None:
    out = roles.rewrite(":meth:`__init__` and :data:`a<b`", lambda t: None)
    assert out == (
        '<code class="sphinx-role">\\_\\_init\\_\\_()</code> and <code class="sphinx-role">a&lt;b</code>'
    )


@pytest.mark.parametrize(
    ("target", "context", "expected"),
    [
        # a name the module imports at run time
        (
            "SessionData",
            "tpdn_outcomes.outcomes.change.change_summary",
            "tpdn_outcomes.data.SessionData",
        ),
        # imported only under `if TYPE_CHECKING:` (no run-time name), as griffe sees it
        ("SessionData", "tpdn_outcomes.derive.episode_table", "tpdn_outcomes.data.SessionData"),
        # an alias as context: the names of the module that defines the function
        ("SessionData", "tpdn_outcomes.outcomes.change_summary", "tpdn_outcomes.data.SessionData"),
        # relative module and a method of a class in scope
        ("paired", "tpdn_outcomes.stats", "tpdn_outcomes.stats.paired"),
        ("MeasureRows.of", "tpdn_outcomes.derive", "tpdn_outcomes.derive.MeasureRows.of"),
        # an instance attribute set in __init__, from a property of the class
        (
            "table",
            "tpdn_outcomes.validation_report.ValidationReport.errors",
            "tpdn_outcomes.validation_report.ValidationReport.table",
        ),
        # absolute paths, through re-exports, to where the object is defined
        (
            "tpdn_outcomes.load_sessions",
            "tpdn_outcomes.mcid",
            "tpdn_outcomes.validate.load_sessions",
        ),
        (
            "tpdn_outcomes.schema.CONDITIONS",
            "tpdn_outcomes.mcid",
            "tpdn_outcomes.schema.CONDITIONS",
        ),
        # a name the module does not import, defined once in the package
        (
            "change_summary",
            "tpdn_outcomes.outcomes.rom.rom_change",
            "tpdn_outcomes.outcomes.change.change_summary",
        ),
        # outside the package
        ("numpy.lexsort", "tpdn_outcomes.derive", "numpy.lexsort"),
        # nothing of that name anywhere
        ("no_such_name_anywhere", "tpdn_outcomes.derive", None),
        ("None", "tpdn_outcomes.derive", None),
    ],
)
def test_resolve(target: str, context: str, expected: str | None) -> None:
    assert roles.resolve(target, context) == expected


def test_every_role_in_the_package_docstrings_resolves() -> None:
    """Each role names an object of the package, or an importable object outside it.

    A role in the package's namespace that does not resolve (a typo, a renamed function) is a
    failure here; in the docs it would be shown as code instead of a link.
    """
    found = _package_roles()
    assert len(found) > 100  # the package cross-references widely (182 roles when written)
    unresolved = []
    for path, line, context, role in found:
        resolved = roles.resolve(role.target, context)
        if roles.in_package(resolved):
            continue
        first = role.target.split(".")[0]
        external = first != roles.PACKAGE and importlib.util.find_spec(first) is not None
        if resolved is not None and external:
            continue
        if resolved is None and external and "." in role.target:
            continue  # e.g. datetime.strptime (meant datetime.datetime.strptime): code, no link
        unresolved.append(f"{path}:{line} ({context}) :{role.role}:`{role.target}`")
    assert unresolved == []
