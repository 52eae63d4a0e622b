"""The report a teaching-exercise check returns: a verdict, a message for the student, points.

A :class:`CheckReport` reads as plain text (80 columns, code never split, ASCII where the
terminal cannot show ``✔``/``✘``), shows as a coloured box in Jupyter and turns into a dict for
an autograder. Its points come from :class:`Part` s, the sub-checks it is made of.
"""

from __future__ import annotations

import html
import re
import sys
import textwrap
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["WIDTH", "CheckReport", "Part", "Status", "wrap"]

Status = Literal["passed", "failed", "not done"]

#: The width of a printed report: it fits an 80-column terminal.
WIDTH = 80

_HEADINGS: dict[str, tuple[str, str]] = {  # (with symbols, ASCII only)
    "passed": ("✔ Passed", "[+] Passed"),
    "failed": ("✘ Not quite", "[x] Not quite"),
    "not done": ("… Not done yet", "[.] Not done yet"),
}
_MARKS = {True: ("✔", "+"), False: ("✘", "x")}
_COLOURS: dict[str, tuple[str, str]] = {  # (border, background) for Jupyter
    "passed": ("#2e7d32", "#f1f8e9"),
    "failed": ("#c62828", "#fdecea"),
    "not done": ("#9e9e9e", "#f5f5f5"),
}
_CODE = re.compile(r"`([^`\n]+)`")
_KEEP = "\x00"  # stands for a space inside `code` while wrapping, so code is never split


def wrap(text: str, width: int = WIDTH, indent: str = "") -> list[str]:
    """Wrap prose to ``width`` columns; a `backticked` piece of code is never split across lines.

    Example:
        >>> wrap("write `p.data -= learning_rate * p.grad` here", 20)
        ['write', '`p.data -= learning_rate * p.grad`', 'here']
    """
    protected = _CODE.sub(lambda m: "`" + m.group(1).replace(" ", _KEEP) + "`", text)
    lines = textwrap.wrap(
        protected,
        width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(_KEEP, " ") for line in lines]


def _can_show_symbols() -> bool:
    """True when sys.stdout can encode ✔, ✘ and … (not so for a cp1252 pipe on Windows)."""
    encoding = getattr(sys.stdout, "encoding", None)
    if encoding is None:  # an in-memory text stream (io.StringIO) holds any character
        return True
    try:
        "✔✘…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@dataclass(frozen=True)
class Part:
    """One sub-check of a report, with its share of the points.

    Attributes:
        name: what this part checks, like ``"derivative with grad = 1"``.
        passed: whether it passed.
        points: the points earned (``max_points`` when passed, else 0).
        max_points: the points it is worth.
    """

    name: str
    passed: bool
    points: float
    max_points: float


@dataclass(frozen=True, repr=False)
class CheckReport:
    """The outcome of a check, written for the student.

    It is true when the check passed, so an autograder can write ``assert report, report``.
    Print it, or leave it as the last line of a notebook cell, to read the message; in Jupyter it
    shows as a coloured box. ``to_dict()`` gives everything as plain data (for JSON).

    Attributes:
        status: ``"passed"``, ``"failed"`` or ``"not done"`` (the student's code still raises
            ``NotImplementedError``).
        summary: one sentence: what was checked and how it went.
        details: the numbers side by side where the difference is largest, or "".
        hint: the likely mistake behind the numbers, and what to try, or "".
        point: the inputs where the difference is largest, by name, or None.
        got: the student's number there, or None.
        expected: the correct number there, or None.
        checked: how many numbers were compared.
        failures: how many of them differed.
        title: what was checked, like ``"check_op(MySigmoid)"``.
        parts: the sub-checks, each with its points; every one of them was run.
        output: what the student's code printed during the check, trimmed, or "".
    """

    status: Status
    summary: str
    details: str = ""
    hint: str = ""
    point: dict[str, float] | None = None
    got: float | None = None
    expected: float | None = None
    checked: int = 0
    failures: int = 0
    title: str = ""
    parts: tuple[Part, ...] = ()
    output: str = ""

    @property
    def passed(self) -> bool:
        """True when the student's code is right."""
        return self.status == "passed"

    @property
    def score(self) -> float:
        """The points earned: the sum over the parts (all of them when the check passed)."""
        if not self.parts:
            return self.max_score if self.passed else 0.0
        return sum(p.points for p in self.parts)

    @property
    def max_score(self) -> float:
        """The points this check is worth (1 unless the check was given ``points=``)."""
        return sum(p.max_points for p in self.parts) if self.parts else 1.0

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        symbols = _can_show_symbols()
        heading = _HEADINGS[self.status][0 if symbols else 1]
        lines = wrap(f"{heading}: {self.summary}")
        if self.details:
            lines.append(textwrap.indent(self.details, "    "))
        if self.hint:
            lines.extend(wrap(f"Hint: {self.hint}", indent="      "))
        if self.status == "failed" and len(self.parts) > 1:
            marks = "   ".join(
                f"{_MARKS[p.passed][0 if symbols else 1]} {p.name}".replace(" ", _KEEP)
                for p in self.parts
            )
            score = f"Points: {_points(self.score)} of {_points(self.max_score)}:"
            lines.extend(wrap(f"{score}   {marks}", indent="        "))
        if self.output:
            lines.append("Your code printed:")
            lines.append(textwrap.indent(self.output, "  | ", lambda line: True))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report as plain data (for JSON), with ``score``, ``max_score``,
        ``passed`` and the ``message`` as printed."""
        data = asdict(self)
        data.update(
            parts=[asdict(p) for p in self.parts],
            passed=self.passed,
            score=self.score,
            max_score=self.max_score,
            message=str(self),
        )
        return data

    def _repr_html_(self) -> str:
        border, background = _COLOURS[self.status]
        parts = [
            f'<div style="border-left: 5px solid {border}; background: {background}; '
            'padding: 0.5em 1em; margin: 0.3em 0; color: #212121">',
            f"<b>{html.escape(_HEADINGS[self.status][0])}:</b> {_html_prose(self.summary)}",
        ]
        if self.details:
            parts.append(
                '<pre style="background: transparent; margin: 0.5em 0">'
                f"{html.escape(self.details)}</pre>"
            )
        if self.hint:
            parts.append(f"<div><b>Hint:</b> {_html_prose(self.hint)}</div>")
        if self.status == "failed" and len(self.parts) > 1:
            marks = ", ".join(f"{_MARKS[p.passed][0]} {html.escape(p.name)}" for p in self.parts)
            parts.append(
                f"<div><b>Points:</b> {_points(self.score)} of {_points(self.max_score)} "
                f"({marks})</div>"
            )
        if self.output:
            parts.append(
                "<div><b>Your code printed:</b></div>"
                '<pre style="background: transparent; margin: 0.2em 0">'
                f"{html.escape(self.output)}</pre>"
            )
        parts.append("</div>")
        return "".join(parts)


def _html_prose(text: str) -> str:
    """Escaped text in which `code` shows as code."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html.escape(text, quote=False))


def _points(x: float) -> str:
    return f"{x:.4g}"
