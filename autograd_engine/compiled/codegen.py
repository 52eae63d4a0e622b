"""Writing a traced graph as straight-line Python code: the compiled path's code writer.

:class:`Tape` holds a traced graph as flat lists (the nodes in the order of
:func:`autograd_engine.graph.topological_order`). :class:`Writer` turns a block of it (the whole
graph, or one copy of a repeated subgraph) into lines of Python: the forward pass, one line per
node or per few nodes written inline, then the backward pass, where each node's gradient is the
sum of one term per use, added in exactly the order the eager ``backward()`` adds them. Every
expression comes from the op's own rules through :func:`autograd_engine.symbolic.derive`.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..graph import topological_order
from ..symbolic import _ADD, _ATOM, _MUL, OpCode, derive, literal  # precedence: numbered once

if TYPE_CHECKING:
    from ..ops import Op
    from ..value import Value

__all__ = ["CONSTANT", "INPUT", "OP", "PARAM", "Call", "Helpers", "Tape", "Writer"]

#: What a node of the tape is.
PARAM, INPUT, CONSTANT, OP = 0, 1, 2, 3

#: Inline expressions are kept at most this deep (CPython's compiler gives up near 3,000).
FUSE_DEPTH = 48
#: A gradient with many terms (a weight used by 100 samples) is summed this many terms a line.
TERMS_PER_LINE = 32

# Names the writer makes up itself; a label becomes a variable name only if it cannot clash.
_GENERATED = re.compile(r"[vpxtrgas]\d+|g_.*")
_RESERVED = {"grads", "g_out"}


class Tape:
    """A traced graph as flat lists, indexed by position in the topological order (root last).

    It keeps the ops, the shape of the graph, the labels and the constants, but no Value, so
    the traced graph itself can be freed.

    Attributes:
        kinds: PARAM, INPUT, CONSTANT or OP for each node.
        ops: the op of each node (None for a leaf).
        parents: the positions of each node's inputs, in operand order.
        labels: each node's label.
        data: the value of each constant leaf (0.0 for the others).
        leaf_slot: a parameter's or an input's position in its list (-1 for the others).
        param_positions, input_positions: where each parameter and input sits (-1: unused).
        codes: the derived code of each op node's op; ``code_ids`` numbers the distinct ones.
        needs: True for the nodes a parameter's gradient flows through.
        uses: how many times each node is an input of another (a node used twice counts 2).
        consumer, slot_in_consumer: for a node used once, where it is used.
    """

    def __init__(self, root: Value, params: Sequence[Value], inputs: Sequence[Value]) -> None:
        order = topological_order(root)
        n = len(order)
        position = {node: i for i, node in enumerate(order)}
        param_slot = {p: j for j, p in enumerate(params)}
        input_slot = {x: j for j, x in enumerate(inputs)}
        self.size = n
        self.ops: list[Op | None] = [node._operation for node in order]
        self.parents: list[tuple[int, ...]] = [
            tuple([position[p] for p in node._prev]) if node._prev else () for node in order
        ]
        self.labels: list[str] = [node.label for node in order]
        self.kinds: list[int] = [OP] * n
        self.data: list[float] = [0.0] * n
        self.leaf_slot: list[int] = [-1] * n
        for i, node in enumerate(order):
            if self.ops[i] is not None:
                continue
            if node in param_slot:
                self.kinds[i], self.leaf_slot[i] = PARAM, param_slot[node]
            elif node in input_slot:
                self.kinds[i], self.leaf_slot[i] = INPUT, input_slot[node]
            else:
                self.kinds[i], self.data[i] = CONSTANT, node.data
        self.param_positions = [position.get(p, -1) for p in params]
        self.input_positions = [position.get(x, -1) for x in inputs]
        self.label_counts: dict[str, int] = {}
        for label in self.labels:
            self.label_counts[label] = self.label_counts.get(label, 0) + 1
        self._derive_codes()
        self._analyse()

    def _derive_codes(self) -> None:
        cache: dict[Any, tuple[int, OpCode]] = {}
        by_instance: dict[tuple[int, int], tuple[int, OpCode]] = {}  # ops are shared objects
        self.codes: list[OpCode | None] = []
        self.code_ids: list[int] = []
        for op, parents in zip(self.ops, self.parents):
            if op is None:
                self.codes.append(None)
                self.code_ids.append(-1)
                continue
            entry = by_instance.get((id(op), len(parents)))
            if entry is None:
                key = _op_key(op, len(parents))
                entry = cache.get(key)
                if entry is None:
                    entry = cache[key] = (len(cache), derive(op, len(parents)))
                by_instance[(id(op), len(parents))] = entry
            self.code_ids.append(entry[0])
            self.codes.append(entry[1])

    def _analyse(self) -> None:
        n = self.size
        self.needs = [False] * n
        self.uses = [0] * n
        self.consumer = [-1] * n
        self.slot_in_consumer = [-1] * n
        needs, uses, consumer, slot = self.needs, self.uses, self.consumer, self.slot_in_consumer
        for i in range(n):
            needs[i] = self.kinds[i] == PARAM
            for k, p in enumerate(self.parents[i]):
                uses[p] += 1
                consumer[p] = i
                slot[p] = k
                if needs[p]:
                    needs[i] = True

    def name_from_label(self, i: int) -> str:
        """Node ``i``'s label if it is unique in the graph and safe as a variable name, else ""."""
        label = self.labels[i]
        if label and self.label_counts[label] == 1 and usable_label(label):
            return label
        return ""

    def leaf_names(self) -> list[str]:
        """A variable name per parameter and input leaf (a safe, unique label, or p3 / x7)."""
        names = [""] * self.size
        for i in range(self.size):
            kind = self.kinds[i]
            if kind in (PARAM, INPUT):
                prefix = "p" if kind == PARAM else "x"
                names[i] = self.name_from_label(i) or f"{prefix}{self.leaf_slot[i]}"
        return names


def _op_key(op: Op, arity: int) -> Any:
    """Ops of one class with equal attributes share their derived code (``x ** 2`` everywhere).

    A float attribute counts with its repr too: 0.0 == -0.0, yet ``0.0 * x`` and ``-0.0 * x``
    differ in sign, so ``leaky_relu(0.0)`` and ``leaky_relu(-0.0)`` need code of their own.
    """
    try:
        attributes = ((k, (v, repr(v)) if isinstance(v, float) else v) for k, v in vars(op).items())
        key = (type(op), arity, tuple(sorted(attributes)))
        hash(key)
    except TypeError:  # unhashable attributes, or no __dict__
        return (id(op), arity)
    return key


def usable_label(label: str) -> bool:
    """Whether a label can be a variable name in generated code without clashing."""
    return (
        label.isidentifier()
        and not label.startswith("_")
        and not keyword.iskeyword(label)
        and not hasattr(builtins, label)
        and label not in _RESERVED
        and _GENERATED.fullmatch(label) is None
    )


def _is_atom(text: str) -> bool:
    """A name or a number: a gradient equal to it needs no line of its own."""
    if text.isidentifier():
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


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
    return ", ".join(name if c == 1 else f"{name} x{c}" for name, c in counts.items())


class Helpers:
    """The functions generated code calls (``op.forward`` of ops whose rule needs real floats),
    under unique names, collected into the namespace the code runs in."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self._names: dict[tuple[int, str], str] = {}

    def name(self, code: OpCode, which: str) -> str:
        key = (id(code), which)
        if key not in self._names:
            base = f"_{re.sub(r'[^0-9A-Za-z_]', '_', code.op.name) or 'op'}_{which}"
            name, k = base, 1
            while name in self.namespace:
                k += 1
                name = f"{base}_{k}"
            self.namespace[name] = getattr(code.op, which)
            self._names[key] = name
        return self._names[key]


@dataclass
class Call:
    """A copy of a repeated block, computed by calling the block's functions.

    Attributes:
        block: the block's number (its functions are ``_block{n}_forward`` ...).
        args: the positions of the leaves passed to it (inputs and constants), in order.
        nodes: the size of the block, for the comment.
    """

    block: int
    args: list[int]
    nodes: int
    stash: str = field(default="")


class Writer:
    """Writes the forward and backward code of a block of a tape.

    Args:
        tape: the traced graph.
        helpers: where the names of called op methods are registered.
        members: the positions of the block's nodes, in tape order (leaves included, except
            those given in ``bound``).
        root: the position of the block's output.
        with_grad: write the backward pass too.
        fuse: write single-use intermediate results inline.
        accumulate: add parameter gradients into the list ``grads`` as the terms arrive (as
            eager ``backward()`` does), instead of summing them in local variables.
        seed: the gradient of the root (``1.0``, or ``g_out`` in a block).
        bound: text already standing for some nodes (a block's arguments and parameters).
        calls: nodes computed by calling a repeated block.
        names: a variable name per parameter and input (from :meth:`Tape.leaf_names`).
        use_labels: name stored results after their labels where possible.
    """

    def __init__(
        self,
        tape: Tape,
        helpers: Helpers,
        *,
        members: Sequence[int],
        root: int,
        with_grad: bool,
        fuse: bool,
        accumulate: bool,
        names: list[str],
        seed: str = "1.0",
        bound: dict[int, str] | None = None,
        calls: dict[int, Call] | None = None,
        use_labels: bool = True,
    ) -> None:
        self.tape = tape
        self.helpers = helpers
        self.members = list(members)
        self.root = root
        self.with_grad = with_grad
        self.accumulate = accumulate
        self.seed = seed
        self.bound = bound or {}
        self.calls = calls or {}
        self.leaf_names = names
        self.use_labels = use_labels
        self.forward_lines: list[str] = []
        self.backward_lines: list[str] = []
        self.forward_checked: list[str] = []
        self.backward_checked: list[str] = []
        self.stored_names: list[str] = []  # the op results given a variable, in order
        self.param_grads: dict[int, str] = {}  # parameter slot -> gradient text (sum mode)
        self._counters = {"v": 0, "t": 0, "r": 0, "g": 0, "s": 0}
        self._lines = self.forward_lines
        self._checked = self.forward_checked
        self.names: dict[int, str] = {}
        self._plan(fuse)

    # -- planning: which values get a variable ---------------------------------------------------

    def _plan(self, fuse: bool) -> None:
        tape = self.tape
        needs = tape.needs if self.with_grad else None
        member_ops = [i for i in self.members if tape.kinds[i] == OP and i not in self.calls]
        stored = {self.root, *self.calls}
        if needs is not None:
            for i in member_ops:
                code = tape.codes[i]
                if not needs[i] or code is None:
                    continue
                ps = tape.parents[i]
                if code.backward is None:  # called on floats: it needs every input and out
                    stored.add(i)
                    stored.update(ps)
                    continue
                for k, p in enumerate(ps):
                    if needs[p]:
                        for hole in code.backward[k].uses:
                            if hole < code.arity:
                                stored.add(ps[hole])
                            elif hole == code.arity:
                                stored.add(i)
        self.inline: set[int] = set()
        if fuse:
            for i in member_ops:
                if i in stored or (self.use_labels and tape.labels[i]) or tape.uses[i] != 1:
                    continue
                target = tape.codes[tape.consumer[i]]
                template = target.forward if target is not None else None
                slot = tape.slot_in_consumer[i]
                if template is not None and template.plain and template.uses.get(slot) == 1:
                    self.inline.add(i)

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
        text, prec, _ = self.exprs[i]
        return text, prec

    # -- forward ---------------------------------------------------------------------------------

    def write_forward(self) -> None:
        """Write the forward lines; afterwards ``exprs`` holds each node's text."""
        tape = self.tape
        self.exprs: dict[int, tuple[str, int, int]] = {}
        exprs = self.exprs
        notes: dict[int, list[str]] = {}  # the ops an inline expression holds, for its comment
        pending: set[int] = set()

        def store(i: int) -> None:
            name = (self.use_labels and tape.name_from_label(i)) or self._fresh("v")
            self.names[i] = name
            self._emit(name, exprs[i][0], describe_ops(notes[i]))
            self._checked.append(name)
            self.stored_names.append(name)
            exprs[i] = (name, _ATOM, 0)
            pending.discard(i)

        for i, text in self.bound.items():
            exprs[i] = (text, _ATOM, 0)
        for i in self.members:
            kind = tape.kinds[i]
            if kind == CONSTANT:
                exprs[i] = (*literal(tape.data[i]), 0)
            elif kind != OP:
                exprs[i] = (self.leaf_names[i], _ATOM, 0)
            elif i in self.calls:
                self._write_call(i)
            else:
                code = tape.codes[i]
                assert code is not None  # every op node has derived code
                template = code.forward
                ps = tape.parents[i]
                own_depth = template.depth if template is not None else 1
                for p in ps:
                    if p in pending and exprs[p][2] + own_depth > FUSE_DEPTH:
                        store(p)  # too deep to write inline: give it a line of its own
                depth = own_depth + max((exprs[p][2] for p in ps), default=0)
                if template is None:
                    args = ", ".join(exprs[p][0] for p in ps)
                    text, prec = f"{self.helpers.name(code, 'forward')}({args})", _ATOM
                else:
                    text, prec = template.render([self._value(p) for p in ps], self._temp)
                note = []
                for p in ps:
                    if p in pending:
                        note.extend(notes.pop(p))
                        pending.discard(p)
                note.append(code.op.name)
                notes[i] = note
                exprs[i] = (text, prec, depth)
                pending.add(i)
                if i not in self.inline:
                    store(i)

    def _write_call(self, i: int) -> None:
        call = self.calls[i]
        name = self._fresh("v")
        args = ", ".join(["_params", *(self.exprs[a][0] for a in call.args)])
        comment = f"a copy of block {call.block} ({call.nodes} nodes)"
        if self.with_grad:
            call.stash = self._fresh("s")
            self._emit(f"{name}, {call.stash}", f"_block{call.block}_forward({args})", comment)
        else:
            self._emit(name, f"_block{call.block}_value({args})", comment)
        self.names[i] = name
        self.exprs[i] = (name, _ATOM, 0)
        self._checked.append(name)

    # -- backward --------------------------------------------------------------------------------

    def write_backward(self) -> None:
        """Write the backward lines (after :meth:`write_forward`)."""
        tape = self.tape
        needs = tape.needs
        self._lines = self.backward_lines
        self._checked = self.backward_checked
        grads: dict[int, str] = {}
        terms: dict[int, list[tuple[str, int]]] = {}
        sources: dict[int, list[str]] = {}  # the op whose rule made each term, for comments
        for i in reversed(self.members):
            if not needs[i]:
                continue
            kind = tape.kinds[i]
            if i == self.root:
                grads[i] = self.seed
            elif kind == PARAM and self.accumulate:
                continue  # its gradient was added to grads[...] as each term arrived
            else:
                grads[i] = self._gradient_sum(i, terms.pop(i, []), sources.pop(i, []))
            if kind == PARAM:
                self.param_grads[tape.leaf_slot[i]] = grads[i]
                continue
            if i in self.calls:
                call = self.calls[i]
                self._lines.append(
                    f"    _block{call.block}_backward(_params, {call.stash}, {grads[i]}, grads)"
                    f"  # block {call.block}: adds to the parameters' grads"
                )
                continue
            if kind != OP:
                continue
            code = tape.codes[i]
            assert code is not None  # every op node has derived code
            ps = tape.parents[i]
            wanted = [k for k, p in enumerate(ps) if needs[p]]
            if code.backward is None:
                args = ", ".join([grads[i], self.exprs[i][0], *(self.exprs[p][0] for p in ps)])
                call_text = f"{self.helpers.name(code, 'backward')}({args})"
                if len(wanted) > 1:
                    result = self._fresh("r")
                    self._emit(result, call_text, f"{code.op.name}: one term per input")
                    call_text = result
                new_terms = [(k, (f"{call_text}[{k}]", _ATOM)) for k in wanted]
            else:
                values = [self._value(p) for p in ps]
                values += [self._value(i), (grads[i], _ATOM)]
                new_terms = [(k, code.backward[k].render(values, self._temp)) for k in wanted]
            for k, term in new_terms:
                p = ps[k]
                if self.accumulate and tape.kinds[p] == PARAM:
                    comment = f"{self.leaf_names[p]}, from {code.op.name}"
                    self._lines.append(f"    grads[{tape.leaf_slot[p]}] += {term[0]}  # {comment}")
                else:
                    terms.setdefault(p, []).append(term)
                    sources.setdefault(p, []).append(code.op.name)

    def _gradient_sum(self, i: int, terms: list[tuple[str, int]], sources: list[str]) -> str:
        """Write ``g_name = term + term ...`` for node ``i``; return the gradient's text."""
        tape = self.tape
        if not terms:
            return "0.0"
        if len(terms) == 1 and _is_atom(terms[0][0]) and tape.kinds[i] == OP:
            return terms[0][0]  # the same number as another gradient: no line needed
        own = self.names.get(i) or (self.leaf_names[i] if tape.kinds[i] != OP else "")
        name = f"g_{own}" if own else self._fresh("g")
        comment = f"from {describe_ops(sources)}"
        # A parameter's gradient starts from 0.0, as in eager backward(), so it is never -0.0.
        start_from = ["0.0"] if tape.kinds[i] == PARAM else []
        for start in range(0, len(terms), TERMS_PER_LINE):
            chunk = terms[start : start + TERMS_PER_LINE]
            parts = [name] if start else start_from
            for k, (text, prec) in enumerate(chunk):
                need = _ADD if not parts and k == 0 else _MUL
                alone = len(terms) == 1 and not parts  # the whole right-hand side: no parens
                parts.append(text if prec >= need or alone else f"({text})")
            self._emit(name, " + ".join(parts), comment)
            comment = "continued"
        self._checked.append(name)
        return name


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
