r"""Checks for teaching exercises: compare a student's op, module, backward or training step with
the engine, and explain any difference in plain words.

Each check runs the student's code on seeded random inputs, compares it with a trusted answer
(central finite differences, or the engine itself) and returns a :class:`CheckReport`: true when
the code is right, and a message for the student otherwise (which input, what they got, what was
expected, and a hint that names the likely mistake). A check never lets the student's exception
escape: an error becomes a kind message, and code that still raises ``NotImplementedError`` (the
blank of an exercise) is reported as "Not done yet", so a blank notebook runs top to bottom.

Writing an exercise::

    import math

    from autograd_engine import Op, Value
    from autograd_engine.testing import check_op

    class MySigmoid(Op):
        name, symbol, arity = "my_sigmoid", "σ", 1

        def forward(self, x):
            return 1.0 / (1.0 + math.exp(-x))

        def backward(self, grad, out, x):
            raise NotImplementedError("your code here")

    check_op(MySigmoid(), reference=Value.sigmoid)   # the last line of the cell: shows the report

Mistakes on the author's side (a wrong argument to a check) still raise ``TypeError`` or
``ValueError``, as anywhere else in the package.

The checks live one per module (``testing_op``, ``testing_module``, ``testing_backward``,
``testing_training``), and the report with the helpers they share in ``testing_report``; import
them from here.
"""

from __future__ import annotations

from .backward import check_backward
from .module import check_module
from .op import EDGE_STEP as EDGE_STEP
from .op import KINK_MARGIN as KINK_MARGIN
from .op import UPSTREAM as UPSTREAM
from .op import check_op
from .report import CheckReport
from .training import check_training_step

__all__ = [
    "CheckReport",
    "check_backward",
    "check_module",
    "check_op",
    "check_training_step",
]
