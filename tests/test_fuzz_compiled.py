"""Fuzzing the compiled path's generated code: any label and any op name, the eager numbers.

Labels become variable names and op names go into comments and helper names, so text from the
user reaches the generated source. Whatever that text is (Unicode that Python folds to another
name, names the writer makes up itself, keywords, line breaks, quotes, NUL), the program must
compute exactly what the eager engine computes, bit for bit.
"""

from __future__ import annotations

import math
import struct

from engines import ENGINES, value_and_grad
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine import Op, Value, ops

COMPILED = tuple(e for e in ENGINES if e != "eager")

#: Texts chosen to collide: NFKC twins, generated names, reserved and builtin names.
RISKY = [
    "\u00b5",  # micro sign: Python reads it as the Greek mu
    "\u03bc",
    "\uff561",  # full-width v1: Python reads it as v1, a name the writer makes up
    "v1",
    "v2",
    "g_a",
    "g1",
    "t1",
    "c1",
    "s1",
    "a0",
    "x0",
    "p0",
    "grads",
    "g_out",
    "_params",
    "_leaves",
    "sum",
    "lambda",
    "match",
    "\ufb01",  # the ligature fi: Python reads it as fi
    "fi",
    "a",
    "b",
]
#: The likeliest collisions, drawn often so that most examples hold a pair.
TWINS = ["\u00b5", "\u03bc", "\uff561", "\ufb01", "fi", ""]
LABELS = st.one_of(st.sampled_from(TWINS), st.sampled_from(RISKY), st.text(max_size=4))
OP_NAMES = st.one_of(
    st.sampled_from(["mul\nraise SystemExit('ran')", "x # y", "'''", '"""', "\u2028", "\x00", ""]),
    st.text(max_size=8),
)
NUMBERS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def same(a: float, b: float) -> bool:
    return struct.pack("<d", a) == struct.pack("<d", b)


def custom_ops(name: str) -> tuple[Op, Op]:
    """Two unary ops named ``name``: one whose rules run on symbols (written inline) and one
    whose rules need real floats (called by a helper named after it)."""

    class Inline(Op):
        """f(x) = x * x * 0.5 + x; df/dx = x + 1."""

        symbol = "f"

        def forward(self, x: float) -> float:
            return x * x * 0.5 + x

        def backward(self, grad: ops.Scalar, out: ops.Scalar, x: ops.Scalar) -> tuple[ops.Scalar]:
            return (grad * (x + 1.0),)

    class Called(Op):
        """f(x) = sin(x); df/dx = cos(x)."""

        symbol = "g"

        def forward(self, x: float) -> float:
            return math.sin(x)

        def backward(self, grad: ops.Scalar, out: ops.Scalar, x: ops.Scalar) -> tuple[ops.Scalar]:
            return (grad * math.cos(x),)

    Inline.name = Called.name = name
    return Inline(), Called()


@settings(max_examples=60, deadline=None)
@given(
    leaf_labels=st.lists(st.sampled_from(TWINS), min_size=4, max_size=4),
    labels=st.lists(LABELS, min_size=7, max_size=7),
    name=OP_NAMES,
    params=st.lists(NUMBERS, min_size=3, max_size=3),
    x=NUMBERS,
    engine=st.sampled_from(COMPILED),
)
def test_any_labels_and_op_names_give_the_eager_numbers(
    leaf_labels: list[str], labels: list[str], name: str, params: list[float], x: float, engine: str
) -> None:
    inline, called = custom_ops(name)

    def build(ps: list[Value], xs: list[Value]) -> Value:
        a, b, c = ps
        nodes = [a, b, c, xs[0]]
        ab, ca, diff = a * b, c * a, b - c
        s = ab + ca
        f, g = inline(diff), called(s * xs[0])
        loss = s * diff + f * g + Value.sum([a, b, c, ab])
        nodes += [ab, ca, diff, s, f, g, loss]
        for node, label in zip(nodes, leaf_labels + labels):
            node.label = label
        return loss

    want = value_and_grad("eager", build, params, [x])
    got = value_and_grad(engine, build, params, [x])
    assert same(got[0], want[0])
    assert all(same(g, w) for g, w in zip(got[1], want[1]))


@settings(max_examples=30, deadline=None)
@given(labels=st.permutations(["\u00b5", "\u03bc", "\uff561"]), engine=st.sampled_from(COMPILED))
def test_the_lecture_example_gives_minus_48_whatever_the_labels(
    labels: list[str], engine: str
) -> None:
    def build(ps: list[Value], xs: list[Value]) -> Value:
        for p, label in zip(ps, labels):
            p.label = label
        a, b, c = ps
        return (a * b + c * a) * (b - c)

    # a (b^2 - c^2) at (2, 1, 5), and its gradient (b^2 - c^2, 2ab, -2ac)
    assert value_and_grad(engine, build, [2.0, 1.0, 5.0]) == (-48.0, [-24.0, 4.0, -20.0])
