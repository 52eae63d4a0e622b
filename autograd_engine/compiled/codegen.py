"""Writing a tape as Python: the compiled path's code writer.

:class:`Writer` turns one part of a tape (the whole graph, one copy of a repeated block, or one
step of a run) into the lines of a function: the forward pass, one line per node or per few
nodes written inline, then the backward pass, where each node's gradient is the sum of one term
per use, added in exactly the order the eager ``backward()`` adds them. Every expression comes
from the op's own rules through :func:`autograd_engine.symbolic.derive`. :func:`write_program`
puts the functions together and :class:`Program` compiles them.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import unicodedata
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import count_text
from ..symbolic import PREC_ADD, PREC_ATOM, PREC_MUL, OpCode, literal
from .tape import CONSTANT, INPUT, OP, PARAM, WIDE, Block, Run, Tape

__all__ = [
    "Program",
    "ReplayEagerlyError",
    "variable_name",
    "write_program",
]

#: Inline expressions are kept at most this deep (CPython's compiler gives up near 3,000).
FUSE_DEPTH = 48
#: A gradient with many terms (a weight used by 100 samples) is summed this many terms a line.
TERMS_PER_LINE = 32

# Names the writer makes up itself; a label becomes a variable name only if it cannot clash.
_GENERATED = re.compile(r"[vpxtrgasc][0-9]+|g_.*", re.ASCII)
_RESERVED = {"grads", "g_out"}


class ReplayEagerlyError(Exception):
    """Raised inside a program when a value is outside an op's domain or not finite."""


def undefined() -> float:
    """What generated code calls on a path outside an op's domain."""
    raise ReplayEagerlyError("outside the domain of an op")


def variable_name(label: str) -> str:
    """The variable name a label can give in generated code, or "" if it cannot be one.

    Python reads identifiers in NFKC normal form (the micro sign ``µ`` and the Greek ``μ`` are one
    name, and so are the full-width ``ｖ1`` and ``v1``), so the name is the label's NFKC form,
    and it must not be a keyword, a builtin, private or a name the writer makes up itself.

    Example:
        >>> variable_name("loss"), variable_name("ｖ1"), variable_name("µ")
        ('loss', '', 'μ')
    """
    name = unicodedata.normalize("NFKC", label)
    usable = (
        name.isidentifier()
        and not name.startswith("_")
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
        and not hasattr(builtins, name)
        and name not in _RESERVED
        and _GENERATED.fullmatch(name) is None
    )
    return name if usable else ""


def comment_text(text: str) -> str:
    """Text safe inside a ``#`` comment: anything but printable characters is escaped, so an op
    name holding a line break cannot end the comment and become code."""
    return text if text.isprintable() else repr(text)[1:-1]


def tuple_text(names: Sequence[str], indent: int = 8, per_line: int = 12) -> str:
    """Names separated by commas (a tuple's inside), wrapped every ``per_line`` names."""
    if len(names) <= per_line:
        return ", ".join(names) + ("," if len(names) == 1 else "")
    pad = " " * indent
    rows = [", ".join(names[k : k + per_line]) for k in range(0, len(names), per_line)]
    return "\n" + ",\n".join(pad + row for row in rows) + ",\n" + " " * (indent - 4)


def describe_ops(names: list[str]) -> str:
    """``mul x16, sum``: the ops computed in one line, for its comment."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(
        comment_text(n) if c == 1 else f"{comment_text(n)} x{c}" for n, c in counts.items()
    )


def check_lines(names: Sequence[str], extra: str = "") -> list[str]:
    """The numeric policy's check at the end of a function: nothing infinite or NaN."""
    if not names and not extra:
        return []
    total = f"_sum(({tuple_text(names)}))" if names else ""
    if extra:
        total = f"{total} + {extra}" if total else extra
    return [
        "    # numeric policy: no value or gradient may be infinite or NaN",
        f"    if not _isfinite({total}):",
        "        raise _ReplayEagerlyError('a value is infinite or NaN')",
    ]


def _is_atom(text: str) -> bool:
    """A name or a number: a gradient equal to it needs no line of its own."""
    if text.isidentifier():
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


class Helpers:
    """What generated code calls or reads besides floats: op methods whose rule needs real floats,
    and tables (a loop's data leaves), under unique names, gathered into the program's namespace."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self._names: dict[tuple[int, str], str] = {}

    def method(self, code: OpCode, which: str) -> str:
        """The name of ``code.op``'s ``forward`` or ``backward`` method."""
        key = (id(code), which)
        if key not in self._names:
            base = f"_{re.sub(r'[^0-9A-Za-z_]', '_', code.op.name, flags=re.ASCII) or 'op'}"
            self._names[key] = self.add(f"{base}_{which}", getattr(code.op, which))
        return self._names[key]

    def add(self, base: str, value: Any) -> str:
        """Put ``value`` in the namespace under ``base`` (or ``base_2`` ...); return the name."""
        name, k = base, 1
        while name in self.namespace:
            k += 1
            name = f"{base}_{k}"
        self.namespace[name] = value
        return name


@dataclass(frozen=True)
class Context:
    """What every function of one program shares.

    Attributes:
        tape: the traced graph.
        helpers: the names of called op methods and tables.
        names: the variable name of each node with a usable, unique label (see
            :func:`variable_name`); parameters and inputs without one are ``p3`` and ``x7``.
        with_grad: write the backward pass too.
        fuse: write single-use intermediate results inline.
    """

    tape: Tape
    helpers: Helpers
    names: Mapping[int, str]
    with_grad: bool
    fuse: bool


@dataclass
class Call:
    """A copy of a repeated block, computed by calling the block's functions.

    Attributes:
        block: the block's number (its functions are ``_block{n}_forward`` ...).
        args: the positions of the leaves passed to it (inputs and constants), in order.
        nodes: the size of the block, for the comment.
        stash: the variable holding what its backward needs.
    """

    block: int
    args: list[int]
    nodes: int
    stash: str = ""


@dataclass(frozen=True)
class Part:
    """The nodes one function computes, and how they connect to the rest.

    Attributes:
        members: their positions, in tape order (leaves included, except those in ``bound``).
        outputs: the nodes whose values leave the function (always given a variable).
        seeds: the gradient arriving from outside at some nodes, added before their own terms
            (``1.0`` at the graph's output).
        bound: text already standing for some nodes (a function's arguments and parameters).
        returned: bound nodes whose gradient the function returns (what a loop step carried in).
        accumulate: add parameter gradients into the list ``grads`` as the terms arrive (as
            eager ``backward()`` does), instead of summing them in local variables.
        main: the program's main function: names come from labels, and the leaves can be
            gathered by index from ``_leaves``.
        calls: nodes computed by calling a repeated block.
        runs: the runs computed by a loop, by the position of each of their outputs.
    """

    members: Sequence[int]
    outputs: Sequence[int]
    seeds: Mapping[int, str]
    bound: Mapping[int, str] = field(default_factory=dict)
    returned: Sequence[int] = ()
    accumulate: bool = False
    main: bool = False
    calls: Mapping[int, Call] = field(default_factory=dict)
    runs: Mapping[int, Run] = field(default_factory=dict)


def run_outputs(run: Run) -> list[int]:
    """The nodes of a run's last step that the code after it may read: its carried nodes."""
    return [run.last(offset) for offset in run.carried]


class Writer:
    """Writes the forward and backward lines of one part of a tape.

    After :meth:`write_forward`, ``exprs`` holds each node's text and ``forward_lines`` the code;
    after :meth:`write_backward`, ``backward_lines`` and ``returned`` (the gradient text of each
    of the part's returned nodes) are set.
    """

    def __init__(self, context: Context, part: Part) -> None:
        self.context = context
        self.tape = context.tape
        self.part = part
        self.forward_lines: list[str] = []
        self.backward_lines: list[str] = []
        self.forward_checked: list[str] = []
        self.backward_checked: list[str] = []
        self.stored_names: list[str] = []  # the op results given a variable, in order
        self.param_grads: dict[int, str] = {}  # parameter slot -> gradient text (sum mode)
        self.used_leaves: set[int] = set()  # parameters and inputs the code reads by name
        self.gathers = False  # whether the code reads _leaves
        self.returned: list[str] = []
        self.names: dict[int, str] = {}
        self.exprs: dict[int, tuple[str, int, int]] = {}  # text, precedence, inline depth
        self._counters = dict.fromkeys("vtrgsc", 0)
        self._lines = self.forward_lines
        self._checked = self.forward_checked
        self._notes: dict[int, list[str]] = {}  # the ops an inline expression holds
        self._pending: set[int] = set()  # written inline so far, not stored yet
        self._stashes: dict[int, str] = {}  # run number -> the list of its steps' stashes
        self.stored, self.inline = self._plan()

    # -- planning: which values get a variable ---------------------------------------------------

    def _plan(self) -> tuple[set[int], set[int]]:
        tape, part = self.tape, self.part
        skip = {*part.calls, *part.runs}
        member_ops = [i for i in part.members if tape.kinds[i] == OP and i not in skip]
        stored = {*part.outputs, *skip}
        for run in part.runs.values():
            stored.update(run.carry_in)
        if self.context.with_grad:
            for i in member_ops:
                stored.update(self._read_by_backward(i))
        inline: set[int] = set()
        if not self.context.fuse:
            return stored, inline
        for i in member_ops:
            if i in stored or (part.main and tape.labels[i]) or tape.uses[i] != 1:
                continue
            target = tape.codes[tape.consumer[i]]
            template = target.forward if target is not None else None
            slot = tape.slot_in_consumer[i]
            if template is not None and template.plain and template.uses.get(slot) == 1:
                inline.add(i)
        return stored, inline

    def _read_by_backward(self, i: int) -> list[int]:
        """The nodes whose values node ``i``'s backward rule reads (itself and its inputs)."""
        tape = self.tape
        code, needs, ps = tape.codes[i], tape.needs, tape.parents[i]
        if not needs[i] or code is None:
            return []
        if code.backward is None:  # called on floats: it needs every input and out
            return [i, *ps]
        found = []
        for k in [k for k, p in enumerate(ps) if needs[p]]:
            holes = code.backward[k].uses  # inputs, then out (then grad and temporaries)
            found += [ps[hole] if hole < code.arity else i for hole in holes if hole <= code.arity]
        return found

    # -- small utilities -------------------------------------------------------------------------

    def _fresh(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]}"

    def _emit(self, target: str, text: str, comment: str = "") -> None:
        line = f"    {target} = {text}"
        self._lines.append(f"{line}  # {comment}" if comment else line)

    def _temp(self, text: str) -> str:
        name = self._fresh("t")
        self._emit(name, text, "part of a long expression")
        self._checked.append(name)
        return name

    def _value(self, i: int) -> tuple[str, int]:
        """Node ``i``'s text and precedence, for use in an expression."""
        kind = self.tape.kinds[i]
        if kind == PARAM or (kind == INPUT and i not in self.part.bound):
            self.used_leaves.add(i)
        text, prec, _ = self.exprs[i]
        return text, prec

    def _arguments(self, positions: Sequence[int]) -> str:
        """The nodes' texts as call arguments (gathered by index when :meth:`_gathered`)."""
        gathered = self._gathered(positions)
        if gathered:
            return gathered
        texts = [self._value(p)[0] for p in positions]
        return tuple_text(texts) if len(texts) > 12 else ", ".join(texts)  # short lines

    def _gathered(self, positions: Sequence[int]) -> str:
        """``*_params`` or ``*map(_leaves.__getitem__, table)`` for the many leaf inputs of a
        wide op in the main function, else "" (each input is then written by name)."""
        tape = self.tape
        if not (self.part.main and len(positions) > WIDE):
            return ""
        if any(tape.kinds[p] == OP for p in positions):
            return ""
        self.gathers = True
        table = array("q", [self._leaf_index(p) for p in positions])
        if list(table) == list(range(len(tape.param_positions))):
            return "*_params"
        return f"*map(_leaves.__getitem__, {self.context.helpers.add('_gather', table)})"

    def _leaf_index(self, p: int) -> int:
        """Where leaf ``p`` sits in ``_leaves``: the parameters, then the inputs, the constants."""
        tape = self.tape
        slot = tape.leaf_slot[p]
        if tape.kinds[p] == PARAM:
            return slot
        if tape.kinds[p] == INPUT:
            return len(tape.param_positions) + slot
        return len(tape.param_positions) + len(tape.input_positions) + tape.constant_slot[p]

    # -- forward ---------------------------------------------------------------------------------

    def write_forward(self) -> None:
        """Write the forward lines; afterwards ``exprs`` holds each node's text."""
        tape, part = self.tape, self.part
        for i, text in part.bound.items():
            self.exprs[i] = (text, PREC_ATOM, 0)
        for i in part.members:
            kind = tape.kinds[i]
            if kind == CONSTANT:
                self.exprs[i] = (*literal(tape.data[i]), 0)
            elif kind != OP:
                self.exprs[i] = (self.context.names[i], PREC_ATOM, 0)
            elif i in part.calls:
                self._write_call(i)
            elif i in part.runs:
                self._write_loop(part.runs[i])
            else:
                self._write_node(i)

    def _write_node(self, i: int) -> None:
        tape = self.tape
        code = tape.codes[i]
        assert code is not None  # every op node has derived code
        template = code.forward
        ps = tape.parents[i]
        own_depth = template.depth if template is not None else 1
        for p in ps:
            if p in self._pending and self.exprs[p][2] + own_depth > FUSE_DEPTH:
                self._store(p)  # too deep to write inline: give it a line of its own
        depth = own_depth + max((self.exprs[p][2] for p in ps), default=0)
        if template is None:
            method = self.context.helpers.method(code, "forward")
            text, prec = f"{method}({self._arguments(ps)})", PREC_ATOM
        else:
            text, prec = template.render([self._value(p) for p in ps], self._temp)
        note = []
        for p in ps:
            if p in self._pending:
                note.extend(self._notes.pop(p))
                self._pending.discard(p)
        note.append(code.op.name)
        self._notes[i] = note
        self.exprs[i] = (text, prec, depth)
        self._pending.add(i)
        if i not in self.inline:
            self._store(i)

    def _store(self, i: int) -> None:
        """Give node ``i`` a line and a variable of its own."""
        name = (self.part.main and self.context.names.get(i)) or self._fresh("v")
        self.names[i] = name
        self._emit(name, self.exprs[i][0], describe_ops(self._notes.pop(i)))
        self._checked.append(name)
        self.stored_names.append(name)
        self.exprs[i] = (name, PREC_ATOM, 0)
        self._pending.discard(i)

    def _write_call(self, i: int) -> None:
        call = self.part.calls[i]
        name = self._fresh("v")
        args = ", ".join(["_params", *(self._value(a)[0] for a in call.args)])
        comment = f"a copy of block {call.block} ({call.nodes} nodes)"
        if self.context.with_grad:
            call.stash = self._fresh("s")
            self._emit(f"{name}, {call.stash}", f"_block{call.block}_forward({args})", comment)
        else:
            self._emit(name, f"_block{call.block}_value({args})", comment)
        self.names[i] = name
        self.exprs[i] = (name, PREC_ATOM, 0)
        self._checked.append(name)

    def _write_loop(self, run: Run) -> None:
        """The loop over a run's steps; each step's carried values feed the next one."""
        if run_outputs(run)[0] in self.exprs:
            return  # written already, at the run's first output: the loop computes them all
        names = [self._fresh("c") for _ in run.carried]
        for name, q in zip(names, run.carry_in):
            self._emit(name, self._value(q)[0], f"carried into loop {run.number}")
        args = ", ".join(["_params", *(["_leaves", "_row"] if run.data else []), *names])
        if run.data:
            self.gathers = True
            rows = [array("q", [self._leaf_index(p) for p in row]) for row in run.rows]
            head = f"for _row in {self.context.helpers.add(f'_loop{run.number}_rows', rows)}:"
        else:
            head = f"for _ in range({run.steps}):"
        about = f"  # loop {run.number}: {run.steps} steps of {run.period} nodes"
        carried = tuple_text(names)
        if self.context.with_grad:
            stash = self._stashes[run.number] = self._fresh("s")
            self._lines += [
                f"    {stash} = []",
                f"    {head}{about}",
                f"        ({carried}), _s = _loop{run.number}_forward({args})",
                f"        {stash}.append(_s)",
            ]
        else:
            self._lines += [
                f"    {head}{about}",
                f"        ({carried}) = _loop{run.number}_value({args})",
            ]
        for name, i in zip(names, run_outputs(run)):
            self.names[i] = name
            self.exprs[i] = (name, PREC_ATOM, 0)

    # -- backward --------------------------------------------------------------------------------

    def write_backward(self) -> None:
        """Write the backward lines (after :meth:`write_forward`)."""
        tape, part = self.tape, self.part
        needs = tape.needs
        self._lines = self.backward_lines
        self._checked = self.backward_checked
        self._grads: dict[int, str] = {}
        self._terms: dict[int, list[tuple[str, int]]] = {}
        self._sources: dict[int, list[str]] = {}  # the op whose rule made each term
        for i in reversed(part.members):
            if not needs[i] or i in self._grads:
                continue
            kind = tape.kinds[i]
            if kind == PARAM and part.accumulate:
                continue  # its gradient was added to grads[...] as each term arrived
            if i in part.runs:
                self._write_loop_backward(part.runs[i])
                continue
            self._grads[i] = self._gradient_of(i)
            if kind == PARAM:
                self.param_grads[tape.leaf_slot[i]] = self._grads[i]
            elif i in part.calls:
                call = part.calls[i]
                self._lines.append(
                    f"    _block{call.block}_backward(_params, {call.stash}, {self._grads[i]}, "
                    f"grads)  # block {call.block}: adds to the parameters' grads"
                )
            elif kind == OP:
                self._write_terms(i)
        self.returned = [self._gradient_of(q) if needs[q] else "0.0" for q in part.returned]

    def _gradient_of(self, i: int) -> str:
        """Node ``i``'s gradient: what arrives from outside, then its terms (written as a sum)."""
        terms = self._terms.pop(i, [])
        sources = self._sources.pop(i, [])
        seed = self.part.seeds.get(i)
        if seed is not None:
            terms.insert(0, (seed, PREC_ATOM))
            sources.insert(0, "outside")
        return self._gradient_sum(i, terms, sources)

    def _add_term(self, p: int, term: tuple[str, int], source: str) -> None:
        tape = self.tape
        if self.part.accumulate and tape.kinds[p] == PARAM:
            comment = f"{self.context.names[p]}, from {comment_text(source)}"
            self._lines.append(f"    grads[{tape.leaf_slot[p]}] += {term[0]}  # {comment}")
        else:
            self._terms.setdefault(p, []).append(term)
            self._sources.setdefault(p, []).append(source)

    def _write_terms(self, i: int) -> None:
        """Apply node ``i``'s backward rule: one term for each input that needs a gradient."""
        tape = self.tape
        code = tape.codes[i]
        assert code is not None  # every op node has derived code
        ps = tape.parents[i]
        grad = self._grads[i]
        wanted = [k for k, p in enumerate(ps) if tape.needs[p]]
        name = code.op.name
        if code.backward is not None:
            values = [self._value(p) for p in ps] + [self._value(i), (grad, PREC_ATOM)]
            for k in wanted:
                self._add_term(ps[k], code.backward[k].render(values, self._temp), name)
            return
        call = f"{self.context.helpers.method(code, 'backward')}({grad}, {self._value(i)[0]}, "
        call += f"{self._arguments(ps)})"
        if self._gathered(ps):  # many leaves: add their terms in a loop, in operand order
            helpers = self.context.helpers
            ks = helpers.add("_terms", array("q", wanted))
            slots = helpers.add("_slots", array("q", [tape.leaf_slot[ps[k]] for k in wanted]))
            result = self._fresh("r")
            self._emit(result, call, f"{comment_text(name)}: one term per input")
            self._lines.append(
                f"    for _k, _j in zip({ks}, {slots}):  # the parameters' terms\n"
                f"        grads[_j] += {result}[_k]"
            )
            return
        if len(wanted) > 1:
            result = self._fresh("r")
            self._emit(result, call, f"{comment_text(name)}: one term per input")
            call = result
        for k in wanted:
            self._add_term(ps[k], (f"{call}[{k}]", PREC_ATOM), name)

    def _write_loop_backward(self, run: Run) -> None:
        """The reverse loop over a run's steps; each step hands the gradient of what it read
        from the step before back to that step."""
        names = []
        for i in run_outputs(run):
            text = self._gradient_of(i) if self.tape.needs[i] else "0.0"
            self._grads[i] = text
            name = self._fresh("g")
            self._emit(name, text, f"into loop {run.number}")
            names.append(name)
        n, grads = run.number, ", ".join(names)
        self._lines += [
            f"    for _s in reversed({self._stashes[n]}):  # loop {n}, backward",
            f"        ({tuple_text(names)}) = _loop{n}_backward(_params, _s, {grads}, grads)",
        ]
        for name, q in zip(names, run.carry_in):
            if self.tape.needs[q]:
                self._add_term(q, (name, PREC_ATOM), f"loop {run.number}")

    def _gradient_sum(self, i: int, terms: list[tuple[str, int]], sources: list[str]) -> str:
        """Write ``g_name = term + term ...`` for node ``i``; return the gradient's text."""
        tape = self.tape
        if not terms:
            return "0.0"
        if len(terms) == 1 and _is_atom(terms[0][0]) and tape.kinds[i] == OP:
            return terms[0][0]  # the same number as another gradient: no line needed
        own = self.names.get(i) or (self.context.names[i] if tape.kinds[i] != OP else "")
        name = f"g_{own}" if own else self._fresh("g")
        comment = f"from {describe_ops(sources)}"
        # A parameter's gradient starts from 0.0, as in eager backward(), so it is never -0.0.
        start_from = ["0.0"] if tape.kinds[i] == PARAM else []
        for start in range(0, len(terms), TERMS_PER_LINE):
            chunk = terms[start : start + TERMS_PER_LINE]
            parts = [name] if start else start_from
            for k, (text, prec) in enumerate(chunk):
                need = PREC_ADD if not parts and k == 0 else PREC_MUL
                alone = len(terms) == 1 and not parts  # the whole right-hand side: no parens
                parts.append(text if prec >= need or alone else f"({text})")
            self._emit(name, " + ".join(parts), comment)
            comment = "continued"
        self._checked.append(name)
        return name


# ------------------------------------------------------------------------------------------------
# Assembling the program
# ------------------------------------------------------------------------------------------------


class Program:
    """The source of one generated program and the namespace it runs in.

    Attributes:
        source: the generated code.
        name: the function to call: ``gradient_program`` (returns the output's value and the
            parameters' gradients) or ``forward_program`` (returns the value).
    """

    def __init__(self, source: str, namespace: dict[str, Any], name: str) -> None:
        self.source = source
        self.name = name
        self._namespace = namespace

    def compile(self) -> Callable[..., Any]:
        """Compile the source and return its main function."""
        namespace = dict(self._namespace)
        exec(compile(self.source, f"<autograd_engine {self.name}>", "exec"), namespace)
        function: Callable[..., Any] = namespace[self.name]
        return function


def variable_names(tape: Tape) -> dict[int, str]:
    """A variable name for each parameter and input leaf and each labelled op node that can
    have one: its label, if the label is usable (:func:`variable_name`) and no other label
    reads the same in Python; else ``p3`` / ``x7`` for the leaves."""
    found: dict[int, str] = {}
    count: dict[str, int] = {}
    for i, label in enumerate(tape.labels):
        if label and tape.kinds[i] != CONSTANT:
            name = variable_name(label)
            if name:
                found[i] = name
                count[name] = count.get(name, 0) + 1
    names = {i: name for i, name in found.items() if count[name] == 1}
    for prefix, positions in (("p", tape.param_positions), ("x", tape.input_positions)):
        for slot, i in enumerate(positions):
            if i >= 0 and i not in names:
                names[i] = f"{prefix}{slot}"
    return names


def write_program(
    tape: Tape,
    runs: Sequence[Run],
    blocks: Sequence[Block],
    owner: Sequence[int],
    *,
    with_grad: bool,
    fuse: bool,
) -> Program:
    """Write the program of a tape: a loop per run, a function per block, then the main one.

    Args:
        tape: the traced graph.
        runs, blocks, owner: its repeated structure (from :func:`~.tape.find_runs` and
            :func:`~.tape.find_blocks`; ``owner`` gives each node's block root, or -1).
        with_grad: write the backward pass (``gradient_program``), else only the forward pass
            (``forward_program``).
        fuse: write single-use intermediate results inline.
    """
    context = Context(tape, Helpers(), variable_names(tape), with_grad, fuse)
    sections = [_run_source(context, run) for run in runs]
    sections += [_block_source(context, block) for block in blocks]
    sections.append(_main_source(context, runs, blocks, owner))
    namespace: dict[str, Any] = {
        "_undefined": undefined,
        "_isfinite": math.isfinite,
        "_sum": sum,
        "_ReplayEagerlyError": ReplayEagerlyError,
        "_constants": tape.constants,
        **context.helpers.namespace,
    }
    name = "gradient_program" if with_grad else "forward_program"
    return Program("\n\n".join(sections), namespace, name)


def _unpack(context: Context, used: set[int]) -> list[str]:
    """The lines binding the parameters and inputs a function reads to their names."""
    tape, names = context.tape, context.names
    lines = []
    for kind, source, positions in (
        (PARAM, "_params", tape.param_positions),
        (INPUT, "_inputs", tape.input_positions),
    ):
        slots = sorted(tape.leaf_slot[i] for i in used if tape.kinds[i] == kind)
        if slots and len(slots) == len(positions):
            lines.append(f"    ({tuple_text([names[i] for i in positions])}) = {source}")
        else:
            lines += [f"    {names[positions[j]]} = {source}[{j}]" for j in slots]
    return lines


def _function(head: str, about: str, body: Sequence[str]) -> str:
    return "\n".join([head, f'    """{about}"""', *(line for line in body if line)])


def _run_source(context: Context, run: Run) -> str:
    """A run's step as a function: the loop in the main function calls it once per step."""
    tape = context.tape
    carries = [f"c{k}" for k in range(len(run.carried))]
    data = [f"a{k}" for k in range(len(run.data))]
    bound = dict(zip(run.carry_in, carries)) | dict(zip(run.data, data))
    for i in run.members:
        for p in tape.parents[i]:
            if tape.kinds[p] == PARAM:
                bound[p] = context.names[p]
    outputs = [run.start + offset for offset in run.carried]
    seeds = [f"g_in{k}" for k in range(len(outputs))]
    part = Part(
        members=[*run.literals, *run.members],
        outputs=outputs,
        seeds=dict(zip(outputs, seeds)),
        bound=bound,
        returned=run.carry_in,
        accumulate=True,
    )
    writer = Writer(context, part)
    writer.write_forward()
    n = run.number
    signature = ", ".join(["_params", *(["_leaves", "_row"] if data else []), *carries])
    about = f"Loop {n}: one step of {count_text(run.period, 'node')}, repeated {run.steps} times."
    load = f"    ({tuple_text(data)}) = map(_leaves.__getitem__, _row)" if data else ""
    results = f"({tuple_text([writer.exprs[o][0] for o in outputs])})"
    if not context.with_grad:
        body = [
            *_unpack(context, writer.used_leaves),
            load,
            *writer.forward_lines,
            *check_lines(writer.forward_checked),
            f"    return {results}",
        ]
        return _function(f"def _loop{n}_value({signature}):", about, body)
    writer.write_backward()
    unpack = _unpack(context, writer.used_leaves)
    stash = f"({tuple_text(carries + data + writer.stored_names)})"
    forward = [
        *unpack,
        load,
        *writer.forward_lines,
        *check_lines(writer.forward_checked),
        f"    return {results}, {stash}",
    ]
    backward = [
        *unpack,
        f"    {stash} = _stash",
        *writer.backward_lines,
        *check_lines(writer.backward_checked),
        f"    return ({tuple_text(writer.returned)})",
    ]
    return "\n\n\n".join(
        [
            _function(f"def _loop{n}_forward({signature}):", about, forward),
            _function(
                f"def _loop{n}_backward(_params, _stash, {', '.join(seeds)}, grads):",
                f"Loop {n} backward: one step; returns what it hands to the step before.",
                backward,
            ),
        ]
    )


def _block_source(context: Context, block: Block) -> str:
    """A repeated block's functions: the main function calls them once per copy."""
    tape = context.tape
    bound: dict[int, str] = {}
    args: list[str] = []
    for e in block.externals:
        if tape.kinds[e] == PARAM:
            bound[e] = context.names[e]
        else:
            bound[e] = f"a{len(args)}"
            args.append(bound[e])
    part = Part(
        members=block.members,
        outputs=[block.root],
        seeds={block.root: "g_out"},
        bound=bound,
        accumulate=True,
    )
    writer = Writer(context, part)
    writer.write_forward()
    n = block.number
    signature = ", ".join(["_params", *args])
    about = (
        f"Block {n}: one copy of a subgraph of {len(block.members)} nodes that the graph "
        f"holds {len(block.copies)} times."
    )
    result = writer.exprs[block.root][0]
    if not context.with_grad:
        body = [
            *_unpack(context, writer.used_leaves),
            *writer.forward_lines,
            *check_lines(writer.forward_checked),
            f"    return {result}",
        ]
        return _function(f"def _block{n}_value({signature}):", about, body)
    writer.write_backward()
    unpack = _unpack(context, writer.used_leaves)
    stash = tuple_text(args + writer.stored_names)
    forward = [
        *unpack,
        *writer.forward_lines,
        *check_lines(writer.forward_checked),
        f"    return {result}, ({stash})",
    ]
    backward = [
        *unpack,
        f"    ({stash}) = _stash",
        *writer.backward_lines,
        *check_lines(writer.backward_checked),
    ]
    return "\n\n\n".join(
        [
            _function(f"def _block{n}_forward({signature}):", about, forward),
            _function(
                f"def _block{n}_backward(_params, _stash, g_out, grads):",
                f"Block {n} backward: adds its terms to the parameter gradients.",
                backward,
            ),
        ]
    )


def _main_members(
    tape: Tape, runs: Sequence[Run], owner: Sequence[int], calls: Mapping[int, Call]
) -> list[int]:
    """The nodes the main function writes: not those inside a block copy (but its root), nor
    the op nodes inside a run (but its outputs)."""
    kinds = tape.kinds
    members: list[int] = []
    at = 0
    for run in [*runs, None]:
        stop = run.start if run is not None else tape.size
        members += [i for i in range(at, stop) if owner[i] < 0 or i in calls]
        if run is None:
            break
        outputs = set(run_outputs(run))
        members += [i for i in range(run.start, run.end) if kinds[i] != OP or i in outputs]
        at = run.end
    return members


def _main_source(
    context: Context, runs: Sequence[Run], blocks: Sequence[Block], owner: Sequence[int]
) -> str:
    tape = context.tape
    calls: dict[int, Call] = {}
    for block in blocks:
        for root, externals in block.copies:
            args = [e for e in externals if tape.kinds[e] != PARAM]
            calls[root] = Call(block.number, args, len(block.members))
    at_run = {i: run for run in runs for i in run_outputs(run)}
    accumulate = bool(blocks or runs) or any(len(ps) > WIDE for ps in tape.parents)
    root = tape.size - 1
    part = Part(
        members=_main_members(tape, runs, owner, calls),
        outputs=[root],
        seeds={root: "1.0"},
        accumulate=accumulate,
        main=True,
        calls=calls,
        runs=at_run,
    )
    writer = Writer(context, part)
    writer.write_forward()
    result = writer.exprs[root][0]
    n_params, n_inputs = len(tape.param_positions), len(tape.input_positions)
    body = ["    # forward: each line computes a node (or a few, written inline)"]
    body += writer.forward_lines
    if not context.with_grad:
        body += check_lines(writer.forward_checked)
        body.append(f"    return {result}")
    else:
        body.append(
            "    # backward: g_name = d(output)/d(name), a sum of one term per use of name (the\n"
            "    # chain rule); each term comes from the backward rule of the op that used it"
        )
        if accumulate:
            body.append(f"    grads = [0.0] * {n_params}  # the parameters' gradients")
        writer.write_backward()
        body += writer.backward_lines
        checked = writer.forward_checked + writer.backward_checked
        body += check_lines(checked, "_sum(grads)" if accumulate and n_params else "")
        if accumulate:
            body.append(f"    return {result}, grads")
        else:
            grads = [writer.param_grads.get(j, "0.0") for j in range(n_params)]
            body.append(f"    return {result}, ({tuple_text(grads)})")
    head = _unpack(context, writer.used_leaves)
    if writer.gathers:
        head.append("    _leaves = [*_params, *_inputs, *_constants]  # every leaf, by index")
    what = "forward and backward pass" if context.with_grad else "forward pass"
    about = (
        f"The {what} of a graph of {count_text(tape.size, 'node')} "
        f"({count_text(n_params, 'parameter')}, {count_text(n_inputs, 'input')})."
    )
    name = "gradient_program" if context.with_grad else "forward_program"
    return _function(f"def {name}(_params, _inputs):", about, [*head, *body])
