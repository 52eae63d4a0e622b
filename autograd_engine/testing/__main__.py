"""``python -m autograd_engine.testing grade submission.ipynb --checks checks.py``: see
:mod:`autograd_engine.testing.grading`."""

from .grading import main

raise SystemExit(main())
