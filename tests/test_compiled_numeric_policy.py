"""The numeric policy's own cases (from ``test_numeric_policy``), replayed by the compiled path.

Each graph is traced at a harmless point, then replayed at the case's point: out-of-domain and
overflowing inputs raise the eager engine's ``DomainError`` word for word, and the defined edge
points give the documented value and derivative.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engines import ENGINES, value_and_grad
from test_numeric_policy import EDGE_POINTS, OUT_OF_DOMAIN

from autograd_engine import DomainError, Value

COMPILED = tuple(e for e in ENGINES if e != "eager")
TRACE_AT = [0.5]  # every case's function is defined and differentiable here


@pytest.mark.parametrize("engine", COMPILED)
@pytest.mark.parametrize(
    ("f", "x"), [(c[1], c[2]) for c in OUT_OF_DOMAIN], ids=[c[0] for c in OUT_OF_DOMAIN]
)
def test_out_of_domain_case_raises_the_eager_error_on_replay(
    f: Callable[[Value], Value], x: float, engine: str
) -> None:
    def build(ps: list[Value], xs: list[Value]) -> Value:
        return f(ps[0])

    with pytest.raises(DomainError) as eager_info:
        value_and_grad("eager", build, [x])
    with pytest.raises(DomainError) as info:
        value_and_grad(engine, build, [x], trace_params=TRACE_AT)
    assert str(info.value) == str(eager_info.value)


@pytest.mark.parametrize("engine", COMPILED)
@pytest.mark.parametrize(
    ("f", "x", "value", "derivative"),
    [case[1:] for case in EDGE_POINTS],
    ids=[c[0] for c in EDGE_POINTS],
)
def test_edge_point_has_the_documented_value_and_derivative_on_replay(
    f: Callable[[Value], Value], x: float, value: float, derivative: float | None, engine: str
) -> None:
    def build(ps: list[Value], xs: list[Value]) -> Value:
        return f(ps[0])

    if derivative is None:  # defined value, infinite derivative: backward raises
        with pytest.raises(DomainError, match="infinite"):
            value_and_grad(engine, build, [x], trace_params=TRACE_AT)
    else:
        assert value_and_grad(engine, build, [x], trace_params=TRACE_AT) == (value, [derivative])
