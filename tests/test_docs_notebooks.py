"""The committed notebooks carry no developer's path (issue 19).

Outputs are stored in the notebooks and published on the docs site, so a path printed while
a notebook ran (a home folder, a checkout under /work) would be published with them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

#: Absolute paths of a machine: Unix home and work folders, temporary folders, Windows users.
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.])(/(?:work|root|home|Users|tmp|private/var)/|[A-Za-z]:\\\\Users\\\\)"
)


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_no_absolute_path(notebook: Path) -> None:
    text = notebook.read_text(encoding="utf-8")
    found = [
        f"line {text.count(chr(10), 0, match.start()) + 1}: ...{text[match.start() : match.start() + 60]}"
        for match in ABSOLUTE_PATH.finditer(text)
    ]
    assert found == [], f"{notebook.name} stores absolute paths; re-run it without printing them"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('"source /work/main/tpdn_outcomes/sample_data/sessions.csv>"', True),
        ('"/root/.cache/x"', True),
        ('"C:\\\\Users\\\\ann\\\\sessions.csv"', True),
        ('"see data/sample/sessions.csv"', False),
        ('"../tpdn_outcomes/sample_data/sessions.csv"', False),
        ('"https://example.org/home/page"', False),
    ],
)
def test_the_path_pattern(text: str, found: bool) -> None:
    assert bool(ABSOLUTE_PATH.search(text)) is found
