"""Each op's own rules, turned into Python expressions by running them on symbols.

The compiled path (:mod:`autograd_engine.compiled`) writes a graph's forward and backward pass as
straight-line Python code. It does not keep a second table saying "the derivative of mul is ...":
it calls the op's ``forward`` and ``backward`` methods once, on :class:`Symbol` objects instead of
floats, and a Symbol records the arithmetic done to it as an expression tree. ``Mul.backward(g,
out, a, b)`` run on symbols returns ``(g * b, g * a)``: that is the code. Change a rule in
``ops.py`` and the compiled code changes with it.

Branches. A comparison such as ``x > 0.0`` in ``Relu.backward`` cannot be answered for a symbol,
so :func:`derive` runs the rule once per outcome (it explores every path through the rule's
comparisons) and joins the results into conditional expressions: ``g if x > 0.0 else g * 0.0``.
The compiled code therefore re-evaluates the branch on every new input, like the eager engine.
A path that raises ``ValueError`` (outside the domain) becomes a call to ``_undefined()``, which
makes the compiled program hand over to the eager engine to report the exact error.

Limits. A rule that needs a real float (``math.exp(x)``, ``float(x)``, ``evaluate(LOG, x)``) cannot
run on a symbol; :func:`derive` then reports ``None`` for it and the compiled code calls the op's
method on floats instead, which is exactly what the eager engine does. Nothing is lost but a
little speed.

Example:
    >>> from autograd_engine import ops
    >>> print(rule_source(ops.MUL))
    mul(a, b):
        out = a * b
        grad_a = grad * b
        grad_b = grad * a
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ops import Op

__all__ = [
    "PREC_ADD",
    "PREC_ATOM",
    "PREC_MUL",
    "NotTraceableError",
    "OpCode",
    "Symbol",
    "Template",
    "derive",
    "literal",
    "rule_source",
]

#: Python's operator precedence, as far as rules use it (higher binds tighter): an expression
#: of precedence p can be an operand that needs q without parentheses when p >= q.
PREC_COND, PREC_CMP, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_POW, PREC_ATOM = 1, 5, 10, 11, 12, 13, 14
# For each binary operator: its precedence, and the precedence each operand needs to go without
# parentheses. The right operand of + - * / needs more than the operator itself, because float
# arithmetic is not associative: a - (b - c) must keep its parentheses, and so must a + (b + c).
_BINARY = {
    "+": (PREC_ADD, PREC_ADD, PREC_MUL),
    "-": (PREC_ADD, PREC_ADD, PREC_MUL),
    "*": (PREC_MUL, PREC_MUL, PREC_UNARY),
    "/": (PREC_MUL, PREC_MUL, PREC_UNARY),
    "**": (PREC_POW, PREC_ATOM, PREC_UNARY),
}

#: Expressions deeper than this are split into temporaries, far below CPython's compiler limit.
HOIST_DEPTH = 32
#: At most this many paths through one rule's comparisons.
MAX_PATHS = 64


class NotTraceableError(Exception):
    """A rule did something a symbol cannot stand in for (``float(x)``, ``math.exp(x)`` ...)."""


# ------------------------------------------------------------------------------------------------
# Symbols: what a rule receives instead of floats
# ------------------------------------------------------------------------------------------------


class Symbol:
    """A stand-in for a float that records the arithmetic done to it as an expression tree.

    ``kind`` is one of ``"slot"`` (input number ``value``), ``"out"``, ``"grad"``, ``"const"``
    (the number ``value``), ``"neg"``, ``"bin"`` (operator ``op``), ``"cmp"``, ``"cond"`` (args:
    test, if-true, if-false), ``"call"`` (the builtin ``abs``) and ``"fail"`` (outside the domain).
    Comparing symbols asks the running :func:`derive` which branch to explore.
    """

    __slots__ = ("args", "kind", "op", "value")

    def __init__(
        self, kind: str, args: tuple[Symbol, ...] = (), op: str = "", value: Any = None
    ) -> None:
        self.kind = kind
        self.args = args
        self.op = op
        self.value = value

    def __repr__(self) -> str:
        return f"Symbol({_key(self)})"

    # -- arithmetic builds a bigger tree ---------------------------------------------------------

    def __add__(self, other: object) -> Symbol:
        return _binary("+", self, other)

    def __radd__(self, other: object) -> Symbol:
        return _binary("+", other, self)

    def __sub__(self, other: object) -> Symbol:
        return _binary("-", self, other)

    def __rsub__(self, other: object) -> Symbol:
        return _binary("-", other, self)

    def __mul__(self, other: object) -> Symbol:
        return _binary("*", self, other)

    def __rmul__(self, other: object) -> Symbol:
        return _binary("*", other, self)

    def __truediv__(self, other: object) -> Symbol:
        return _binary("/", self, other)

    def __rtruediv__(self, other: object) -> Symbol:
        return _binary("/", other, self)

    def __pow__(self, other: object) -> Symbol:
        return _binary("**", self, other)

    def __rpow__(self, other: object) -> Symbol:
        return _binary("**", other, self)

    def __neg__(self) -> Symbol:
        return Symbol("neg", (self,))

    def __pos__(self) -> Symbol:
        return self

    def __abs__(self) -> Symbol:
        return Symbol("call", (self,), value="abs")

    # -- comparisons branch: the running derivation picks the outcome ----------------------------

    def __lt__(self, other: object) -> bool:
        return _decide("<", self, other)

    def __le__(self, other: object) -> bool:
        return _decide("<=", self, other)

    def __gt__(self, other: object) -> bool:
        return _decide(">", self, other)

    def __ge__(self, other: object) -> bool:
        return _decide(">=", self, other)

    def __eq__(self, other: object) -> bool:
        return _decide("==", self, other)

    def __ne__(self, other: object) -> bool:
        return _decide("!=", self, other)

    __hash__ = None  # type: ignore[assignment]

    # -- what a symbol cannot do: the rule needs a real number -----------------------------------

    def __bool__(self) -> bool:
        raise NotTraceableError("the truth value of a symbol")

    def __float__(self) -> float:
        raise NotTraceableError("float() of a symbol (math.* functions call it)")

    def __int__(self) -> int:
        raise NotTraceableError("int() of a symbol")

    def __index__(self) -> int:
        raise NotTraceableError("a symbol used as an index")


def _lift(x: object) -> Symbol:
    """A symbol for an operand: itself, or a constant for an int or a finite float."""
    if isinstance(x, Symbol):
        return x
    if type(x) is int or type(x) is bool:
        return Symbol("const", value=int(x))
    if type(x) is float and x - x == 0.0:  # finite: inf and NaN have no Python literal
        return Symbol("const", value=x)
    raise NotTraceableError(f"an operand of type {type(x).__name__} ({x!r})")


def _binary(op: str, a: object, b: object) -> Symbol:
    return Symbol("bin", (_lift(a), _lift(b)), op=op)


def literal(number: float) -> tuple[str, int]:
    """A number as Python source (its repr, which reads back to the same float) and the
    precedence of that text: a negative number binds like unary minus (``(-2.0) ** x``)."""
    text = repr(number)
    return text, PREC_UNARY if text.startswith("-") else PREC_ATOM


# ------------------------------------------------------------------------------------------------
# Exploring every path through a rule's comparisons
# ------------------------------------------------------------------------------------------------


class _Run:
    """One run of a rule: the outcomes forced on its first comparisons, and those it met."""

    def __init__(self, forced: list[bool]) -> None:
        self.forced = forced
        self.decisions: list[tuple[Symbol, bool]] = []
        self.seen: dict[str, bool] = {}  # the same test asked twice gets the same answer

    def decide(self, test: Symbol) -> bool:
        key = _key(test)
        if key in self.seen:
            return self.seen[key]
        k = len(self.decisions)
        outcome = self.forced[k] if k < len(self.forced) else True
        self.decisions.append((test, outcome))
        self.seen[key] = outcome
        return outcome


_ACTIVE: contextvars.ContextVar[_Run | None] = contextvars.ContextVar(
    "autograd_engine_symbolic_run", default=None
)


def _decide(op: str, a: object, b: object) -> bool:
    run = _ACTIVE.get()
    if run is None:
        raise NotTraceableError("a comparison of symbols outside derive()")
    return run.decide(Symbol("cmp", (_lift(a), _lift(b)), op=op))


_FAIL = Symbol("fail")


@dataclass(eq=False)
class _Branch:
    test: Symbol
    if_true: _Tree
    if_false: _Tree


#: The outcomes of a rule: its results on one path, None for a path outside the domain, or a
#: branch on a comparison.
_Tree = tuple[Symbol, ...] | _Branch | None


def _explore(rule: Callable[[], Any], width: int | None) -> _Tree:
    """Run ``rule`` down every path of its comparisons; return the tree of outcomes.

    A leaf is the tuple of results (``width`` of them, or any number if None), or None for a
    path that raised ValueError or ArithmeticError.
    """
    runs = 0

    def run_once(forced: list[bool]) -> tuple[_Run, tuple[Symbol, ...] | None]:
        nonlocal runs
        runs += 1
        if runs > MAX_PATHS:
            raise NotTraceableError(f"more than {MAX_PATHS} paths through the rule")
        run = _Run(forced)
        token = _ACTIVE.set(run)
        try:
            result = rule()
        except NotTraceableError:
            raise
        except (ArithmeticError, ValueError):
            return run, None  # this path is outside the domain
        except Exception as exc:  # TypeError, AttributeError ...: the rule needs real numbers
            raise NotTraceableError(f"{type(exc).__name__}: {exc}") from None
        finally:
            _ACTIVE.reset(token)
        if not isinstance(result, (tuple, list)):
            raise NotTraceableError(f"the rule returned {type(result).__name__}, not a tuple")
        if width is not None and len(result) != width:
            raise NotTraceableError(f"the rule returned {len(result)} terms, expected {width}")
        return run, tuple(_lift(x) for x in result)

    def build(forced: list[bool]) -> _Tree:
        run, leaf = run_once(forced)
        tree: _Tree = leaf
        for k in reversed(range(len(forced), len(run.decisions))):
            test, taken = run.decisions[k]
            other = build([d for _, d in run.decisions[:k]] + [not taken])
            tree = _Branch(test, tree, other) if taken else _Branch(test, other, tree)
        return tree

    return build([])


def _select(tree: _Tree, k: int) -> Symbol:
    """Output ``k`` of every path, joined into conditional expressions."""
    if isinstance(tree, _Branch):
        if_true, if_false = _select(tree.if_true, k), _select(tree.if_false, k)
        if if_true is if_false or _key(if_true) == _key(if_false):
            return if_true  # the branch does not matter for this output
        return Symbol("cond", (tree.test, if_true, if_false))
    return _FAIL if tree is None else tree[k]


def _leaf_width(tree: _Tree) -> int | None:
    """The number of results on the paths that did not fail (None if every path failed)."""
    if isinstance(tree, _Branch):
        widths = {
            w for w in (_leaf_width(tree.if_true), _leaf_width(tree.if_false)) if w is not None
        }
        if len(widths) > 1:
            raise NotTraceableError(
                "the rule returns different numbers of terms on different paths"
            )
        return widths.pop() if widths else None
    return None if tree is None else len(tree)


# ------------------------------------------------------------------------------------------------
# Templates: an expression as text with holes for the values it uses
# ------------------------------------------------------------------------------------------------

#: A piece of a template: literal text, or (hole, precedence the bound text needs, else parens).
Piece = str | tuple[int, int]


class Template:
    """An expression over holes, ready to be filled with variable names or sub-expressions.

    Holes are numbered: ``0 .. arity-1`` are the op's inputs, ``arity`` is ``out``, ``arity+1``
    is ``grad``, and ``arity+2+k`` is temporary ``k`` (a part of a deep expression split off into
    its own statement, listed in ``temps``).

    Attributes:
        pieces: the expression, as literal text and holes.
        prec: the precedence of the whole expression; None when it is a single hole.
        depth: the nesting depth of the expression (of its deepest temporary, at most).
        temps: the split-off parts, each to be assigned to a temporary before the expression.
        uses: for each hole, how many times the expression (and its temps) use it.
        plain: True when it is made only of ``+``, ``-``, ``*``, negation, holes and constants:
            arithmetic that turns any infinite or NaN input into an infinite or NaN output.
    """

    __slots__ = ("arity", "depth", "pieces", "plain", "prec", "temps", "uses")

    def __init__(
        self,
        arity: int,
        pieces: list[Piece],
        prec: int | None,
        depth: int,
        temps: list[list[Piece]],
        plain: bool,
    ) -> None:
        self.arity = arity
        self.pieces = pieces
        self.prec = prec
        self.depth = depth
        self.temps = temps
        self.plain = plain
        uses: dict[int, int] = {}
        for part in [pieces, *temps]:
            for piece in part:
                if not isinstance(piece, str):
                    uses[piece[0]] = uses.get(piece[0], 0) + 1
        self.uses = uses

    def hole(self) -> int | None:
        """The hole number if the whole expression is one hole (``grad`` for Add), else None."""
        if len(self.pieces) == 1 and not isinstance(self.pieces[0], str):
            return self.pieces[0][0]
        return None

    def render(
        self, values: Sequence[tuple[str, int]], temp: Callable[[str], str]
    ) -> tuple[str, int]:
        """Fill the holes with ``values`` (text and precedence, by hole number).

        ``temp(text)`` is called for each temporary, in order, and returns the name it was
        assigned to. Returns the text of the expression and its precedence.
        """
        bound = list(values)
        bound += [("_unbound", PREC_ATOM)] * (self.arity + 2 - len(bound))  # forward: no out, grad
        for part in self.temps:
            bound.append((temp(_fill(part, bound)), PREC_ATOM))
        if self.prec is None:
            return bound[self.hole()]  # type: ignore[index]
        return _fill(self.pieces, bound), self.prec

    def text(self, names: Sequence[str] | None = None) -> str:
        """The expression with named holes (``{0}``, ``{out}``, ``{grad}`` by default)."""
        if names is None:
            names = [f"{{{i}}}" for i in range(self.arity)] + ["{out}", "{grad}"]
        values = [(name, PREC_ATOM) for name in names]
        temps: list[str] = []

        def temp(text: str) -> str:
            temps.append(text)
            return f"{{t{len(temps) - 1}}}"

        text, _ = self.render(values, temp)
        return "; ".join([*(f"{{t{k}}} = {t}" for k, t in enumerate(temps)), text])


def _fill(pieces: list[Piece], bound: Sequence[tuple[str, int]]) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            text, prec = bound[piece[0]]
            out.append(text if prec >= piece[1] else f"({text})")
    return "".join(out)


@dataclass
class _Part:
    """A compiled sub-expression: its pieces, precedence (None for a lone hole) and depth."""

    pieces: list[Piece]
    prec: int | None
    depth: int

    def embed(self, need: int) -> list[Piece]:
        """The pieces as an operand that needs precedence ``need`` (else parentheses)."""
        if self.prec is None:
            (piece,) = self.pieces
            assert not isinstance(piece, str)  # a part without precedence is a lone hole
            return [(piece[0], need)]
        if self.prec < need:
            return ["(", *self.pieces, ")"]
        return self.pieces


_PLAIN_KINDS = ("slot", "const", "neg")


def _key(sym: Symbol) -> str:
    """The text of an expression with every hole named: equal texts mean equal expressions."""
    slots = _max_slot(sym) + 1
    return _compile(sym, slots).text()


def _max_slot(root: Symbol) -> int:
    found, stack = -1, [root]
    while stack:
        sym = stack.pop()
        if sym.kind == "slot":
            found = max(found, sym.value)
        stack.extend(sym.args)
    return found


def _compile(root: Symbol, arity: int) -> Template:
    """Turn an expression tree into a Template (iteratively: a sum of 100,000 terms is fine)."""
    parts: dict[int, _Part] = {}
    temps: list[list[Piece]] = []
    plain = True
    stack: list[tuple[Symbol, bool]] = [(root, False)]
    while stack:
        sym, ready = stack.pop()
        if id(sym) in parts:
            continue
        if not ready:
            stack.append((sym, True))
            stack.extend((a, False) for a in reversed(sym.args) if id(a) not in parts)
            continue
        if not (sym.kind in _PLAIN_KINDS or (sym.kind == "bin" and sym.op in "+-*")):
            plain = False
        part = _part(sym, [parts[id(a)] for a in sym.args], arity)
        if part.depth > HOIST_DEPTH:  # split off into a temporary: holes after out and grad
            temps.append(part.pieces)
            part = _Part([(arity + 1 + len(temps), PREC_ATOM)], PREC_ATOM, 1)
        parts[id(sym)] = part
    top = parts[id(root)]
    return Template(arity, top.pieces, top.prec, top.depth, temps, plain)


def _part(sym: Symbol, args: list[_Part], arity: int) -> _Part:
    depth = 1 + max((a.depth for a in args), default=0)
    kind = sym.kind
    if kind == "slot":
        return _Part([(sym.value, 0)], None, 0)
    if kind == "out":
        return _Part([(arity, 0)], None, 0)
    if kind == "grad":
        return _Part([(arity + 1, 0)], None, 0)
    if kind == "const":
        text, prec = literal(sym.value)
        return _Part([text], prec, 0)
    if kind == "fail":
        return _Part(["_undefined()"], PREC_ATOM, 1)
    if kind == "neg":
        return _Part(["-", *args[0].embed(PREC_ATOM)], PREC_UNARY, depth)
    if kind == "bin":
        prec, left, right = _BINARY[sym.op]
        pieces = [*args[0].embed(left), f" {sym.op} ", *args[1].embed(right)]
        return _Part(pieces, prec, depth)
    if kind == "cmp":
        pieces = [*args[0].embed(PREC_CMP + 1), f" {sym.op} ", *args[1].embed(PREC_CMP + 1)]
        return _Part(pieces, PREC_CMP, depth)
    if kind == "cond":
        test, if_true, if_false = args
        pieces = [
            *if_true.embed(PREC_COND + 1),
            " if ",
            *test.embed(PREC_COND + 1),
            " else ",
            *if_false.embed(PREC_COND),
        ]
        return _Part(pieces, PREC_COND, depth)
    if kind == "call":
        return _Part([f"{sym.value}(", *args[0].embed(PREC_COND), ")"], PREC_ATOM, depth)
    raise NotTraceableError(f"unknown symbol kind {kind!r}")  # pragma: no cover


# ------------------------------------------------------------------------------------------------
# Deriving an op's code
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpCode:
    """An op's forward and backward rules as templates, for a given number of inputs.

    Attributes:
        op: the op.
        arity: the number of inputs.
        forward: the template of ``out`` (holes: the inputs), or None if the forward rule cannot
            run on symbols (it calls ``math.*``): then call ``op.forward`` on floats.
        backward: one template per input (holes: inputs, ``out``, ``grad``), or None if the
            backward rule cannot run on symbols: then call ``op.backward`` on floats.
    """

    op: Op
    arity: int
    forward: Template | None
    backward: tuple[Template, ...] | None


def _symbols(arity: int) -> list[Symbol]:
    return [Symbol("slot", value=i) for i in range(arity)]


def derive(op: Op, arity: int) -> OpCode:
    """Run ``op``'s forward and backward rules on symbols and return them as templates.

    Args:
        op: any :class:`~autograd_engine.Op`, built-in or user-defined.
        arity: the number of inputs (needed for ops of any arity, such as ``sum``).

    Example:
        >>> from autograd_engine import ops
        >>> code = derive(ops.RELU, 1)
        >>> code.forward.text(["x"]), code.backward[0].text(["x", "out", "g"])
        ('x if x > 0.0 else 0.0', 'g if x > 0.0 else g * 0.0')
    """
    xs = _symbols(arity)
    forward: Template | None
    try:
        tree = _explore(lambda: (op.forward(*xs),), 1)
        forward = _compile(_select(tree, 0), arity)
    except NotTraceableError:
        forward = None
    backward: tuple[Template, ...] | None
    grad, out = Symbol("grad"), Symbol("out")
    try:
        tree = _explore(lambda: op.backward(grad, out, *xs), arity)
        width = _leaf_width(tree)
        if width is not None and width != arity:
            raise NotTraceableError(f"backward returned {width} terms for {arity} inputs")
        compiled: dict[int, Template] = {}  # Sum returns the same symbol n times: compile it once
        terms = []
        for k in range(arity):
            sym = _select(tree, k)
            if id(sym) not in compiled:
                compiled[id(sym)] = _compile(sym, arity)
            terms.append(compiled[id(sym)])
        backward = tuple(terms)
    except NotTraceableError:
        backward = None
    return OpCode(op, arity, forward, backward)


def rule_source(op: Op, arity: int | None = None) -> str:
    """The code an op's rules amount to, as the compiled path writes it: a teaching aid.

    Args:
        op: the op to show.
        arity: the number of inputs; defaults to ``op.arity`` (or 2 for ops of any arity).

    Example:
        >>> from autograd_engine import ops
        >>> print(rule_source(ops.TANH))
        tanh(x):
            out = tanh_forward(x)
            grad_x = grad * (1.0 - out * out)
    """
    n = arity if arity is not None else (op.arity or 2)
    code = derive(op, n)
    names = ["x"] if n == 1 else ["a", "b"] if n == 2 else [f"x{i}" for i in range(n)]
    holes = [*names, "out", "grad"]
    lines = [f"{op.name}({', '.join(names)}):"]
    if code.forward is None:
        lines.append(f"    out = {op.name}_forward({', '.join(names)})")
    else:
        lines.append(f"    out = {code.forward.text(holes)}")
    if code.backward is None:
        call = f"{op.name}_backward(grad, out, {', '.join(names)})"
        lines.append(f"    {', '.join('grad_' + n for n in names)} = {call}")
    else:
        for name, term in zip(names, code.backward):
            lines.append(f"    grad_{name} = {term.text(holes)}")
    return "\n".join(lines)
