"""Make the exercises notebook from the solutions notebook: one source for both.

In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become
``raise NotImplementedError("your code here")`` at the markers' indentation; in a markdown cell,
everything from ``<!-- BEGIN SOLUTION -->`` to ``<!-- END SOLUTION -->`` goes. Outputs and
execution counts are cleared; run the notebook afterwards to fill them in::

    python docs/make_exercises.py
    jupyter nbconvert --to notebook --execute --inplace notebooks/07_exercises.ipynb

``tests/test_notebooks_exercises.py`` checks that the two notebooks are in step.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

from autograd_engine.files import write_atomically

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTIONS = NOTEBOOKS / "07_exercises_solutions.ipynb"
EXERCISES = NOTEBOOKS / "07_exercises.ipynb"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BLANK = 'raise NotImplementedError("your code here")'
_MARKDOWN = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->\n?", re.DOTALL)


def blank_code(source: str) -> str:
    """A code cell's source with each solution replaced by a blank."""
    lines, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{BEGIN} inside another solution")
            inside = True
            lines.append(line[: len(line) - len(line.lstrip())] + BLANK)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END} without {BEGIN}")
            inside = False
        elif not inside:
            lines.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(lines)


def blank_markdown(source: str) -> str:
    """A markdown cell's source without its solution-only parts."""
    return _MARKDOWN.sub("", source)


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [line + "\n" for line in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def exercises_from(solutions: dict[str, Any]) -> dict[str, Any]:
    """The exercises notebook for a solutions notebook (as JSON data), without outputs."""
    notebook = copy.deepcopy(solutions)
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            cell["source"] = _lines(blank_code(source))
            cell["outputs"] = []
            cell["execution_count"] = None
        elif cell["cell_type"] == "markdown":
            cell["source"] = _lines(blank_markdown(source))
        cell["id"] = f"exercise-{cell.get('id', '')}"[:64]
    return notebook


def sources(notebook: dict[str, Any]) -> list[tuple[str, str]]:
    """What must agree between a generated notebook and the committed one: each cell's kind
    and source (outputs come from running it)."""
    return [(c["cell_type"], "".join(c["source"])) for c in notebook["cells"]]


def main() -> int:
    solutions = json.loads(SOLUTIONS.read_text(encoding="utf-8"))
    exercises = exercises_from(solutions)
    if EXERCISES.exists():
        current = json.loads(EXERCISES.read_text(encoding="utf-8"))
        if sources(current) == sources(exercises):
            print(f"{EXERCISES.name} is up to date")
            return 0
    text = json.dumps(exercises, indent=1, ensure_ascii=False) + "\n"
    write_atomically(EXERCISES, text)
    print(f"wrote {EXERCISES.name}; now run it to fill in its outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
