"""Tests that read the notebooks and the README in a real browser, as a reader sees them."""
