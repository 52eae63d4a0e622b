r"""Checks for teaching exercises: compare a student's op, module, backward or training step with
the engine, explain any difference in plain words, and grade a class's notebooks.

Each check runs the student's code on seeded random inputs, compares it with a trusted answer
(central finite differences, or the engine itself) and returns a :class:`CheckReport`: true when
the code is right, and a message for the student otherwise (which input, what they got, what was
expected, and a hint that names the likely mistake), with points per part. A check never lets
the student's code escape: an exception (even ``SystemExit``), an endless loop (a time limit) and
printing all end in a report; code that still raises ``NotImplementedError`` (the blank of an
exercise) is reported as "Not done yet", so a blank notebook runs top to bottom.

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

Grading a class: ``python -m autograd_engine.testing grade submission.ipynb --checks checks.py``
(see :mod:`autograd_engine.testing.grading`). Mistakes on the author's side (a wrong argument to
a check) still raise ``TypeError`` or ``ValueError``, as anywhere else in the package.
"""

from __future__ import annotations

from .backward import check_backward
from .guard import DEFAULT_TIME_LIMIT as DEFAULT_TIME_LIMIT
from .module import check_module
from .op import EDGE_STEP as EDGE_STEP
from .op import KINK_MARGIN as KINK_MARGIN
from .op import UPSTREAM as UPSTREAM
from .op import check_op
from .report import CheckReport, Part
from .training import check_training_step

__all__ = [
    "CheckReport",
    "Part",
    "check_backward",
    "check_module",
    "check_op",
    "check_training_step",
]
