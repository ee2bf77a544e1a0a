"""Every module's docstring examples run (those marked +SKIP need files or a trained model)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import assistant

# __main__ runs the command line when imported.
MODULES = sorted(m.name for m in pkgutil.iter_modules(assistant.__path__, "assistant.")
                 if m.name != "assistant.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"


def test_the_chain_example_runs(default_model):
    import assistant.assist

    result = doctest.testmod(assistant.assist, extraglobs={"get_model": lambda: default_model})
    assert result.attempted > 0 and result.failed == 0
