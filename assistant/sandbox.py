"""A Jinja2 sandbox with limits, for templates that agents may edit.

Jinja's own sandbox stops a template from reaching Python internals; it does not stop one from
running for minutes or filling memory. :class:`LimitedEnvironment` adds, per render:

- a time limit (``MAX_SECONDS``) and a budget of loop iterations and calls (``MAX_STEPS``),
  checked at every loop iteration and every call the template makes;
- a limit on recursion (macros calling themselves, a template including itself);
- a limit on the size of the output (``MAX_OUTPUT`` characters) and of any one value built
  by ``*``, ``**``, ``%``, string methods or filters with a size argument;
- no ``lipsum``, and ``range`` capped at ``MAX_RANGE`` items.

A template that goes past a limit raises :class:`TemplateLimitError` with what it exceeded.

>>> env = LimitedEnvironment()
>>> render_limited(env.from_string("{{ 'ab' * 2 }}"), {})
'abab'
>>> try:
...     render_limited(env.from_string("{{ 'x' * 10**9 }}"), {})
... except TemplateLimitError as exc:
...     print(exc)
a value of 1,000,000,000 characters is over the limit of 100,000
"""

from __future__ import annotations

import functools
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_SECONDS = 2.0
MAX_STEPS = 200_000
MAX_OUTPUT = 100_000
MAX_RANGE = 10_000
MAX_DEPTH = 40
# Filters and string methods whose integer arguments set the size of what they build.
_SIZED = frozenset(("center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap",
                    "truncate", "format", "join", "replace"))


class TemplateLimitError(RuntimeError):
    """A template went past a limit on time, steps, recursion or size."""


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    depth: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(f"the template ran more than {MAX_STEPS:,} loop steps "
                                     "or calls")
        if self.steps % 256 == 0 and time.perf_counter() > self.deadline:
            raise TemplateLimitError(f"the template ran longer than {MAX_SECONDS:g} s")


_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _current() -> _Budget:
    budget = _budget.get()
    if budget is None:  # rendered outside render_limited: still bounded
        budget = _Budget(time.perf_counter() + MAX_SECONDS)
        _budget.set(budget)
    return budget


def _guarded(iterable: Any):
    """Every ``{% for %}`` iterates through this: one step per item."""
    budget = _current()
    for item in iterable:
        budget.step()
        yield item


def _size_of(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _check_size(size: int) -> None:
    if size > MAX_OUTPUT:
        raise TemplateLimitError(f"a value of {size:,} characters is over the limit of "
                                 f"{MAX_OUTPUT:,}")


def _concat(*parts: Any) -> str:
    """``a ~ b``: joined only while the result stays under the size limit."""
    _check_size(sum(len(str(p)) for p in parts))
    return "".join(str(p) for p in parts)


_NUMBER = re.compile(r"\d{6,}")


def _check_format(spec: Any) -> None:
    """A ``%`` or ``str.format`` pattern may not ask for a field wider than the limit."""
    if isinstance(spec, str):
        for number in _NUMBER.findall(spec):
            _check_size(int(number))


def _sized_filter(func, name: str):
    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if name == "format" and args:
            _check_format(args[0])
        for value in (*args[1:], *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool):
                _check_size(value)
        return func(*args, **kwargs)

    return guarded


class _Guard(NodeTransformer):
    """Routes every loop through ``_guarded`` and every ``~`` through ``_concat``."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = nodes.Call(nodes.Name("_guarded", "load"), [node.iter], [], None,
                               None).set_lineno(node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return nodes.Call(nodes.Name("_concat", "load"), node.nodes, [], None,
                          None).set_lineno(node.lineno)


def _limited_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise TemplateLimitError(f"range of {len(r):,} items is over the limit of {MAX_RANGE:,}")
    return r


class LimitedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose renders are bounded in time, steps, depth and size."""

    intercepted_binops = frozenset(("*", "**", "%", "+"))

    def __init__(self, **options: Any):
        # No constant folding: it would run a template's expressions at compile time, outside
        # the limits.
        super().__init__(**{"optimized": False, **options})
        self.globals.pop("lipsum", None)
        self.globals["range"] = _limited_range
        self.globals.update(_guarded=_guarded, _concat=_concat)
        for name in _SIZED & set(self.filters):
            self.filters[name] = _sized_filter(self.filters[name], name)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Guard().visit(super()._parse(source, name, filename))

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if (isinstance(left, int | float) and isinstance(right, int | float)
                    and abs(left) > 1 and right > 64):
                raise TemplateLimitError(f"{left} ** {right} is too large to compute")
        elif operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                if _size_of(seq) and isinstance(count, int):
                    _check_size(_size_of(seq) * count)
        elif operator_name == "%":
            _check_format(left)
        elif operator_name == "+":
            _check_size(_size_of(left) + _size_of(right))
        result = super().call_binop(context, operator_name, left, right)
        _check_size(_size_of(result))
        return result

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _current()
        budget.step()
        # The sandbox hands out str.format wrapped; look through the wrapper.
        target = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(target, "__self__", None)
        name = getattr(target, "__name__", "")
        if isinstance(owner, str) and name in _SIZED:
            for value in (*args, *kwargs.values()):
                if isinstance(value, int):
                    _check_size(value)
            if name in ("format", "format_map"):
                _check_format(owner)
        budget.depth += 1
        try:
            if budget.depth > MAX_DEPTH:
                raise TemplateLimitError(f"calls nested more than {MAX_DEPTH} deep (a macro "
                                         "that calls itself?)")
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1
        _check_size(_size_of(result))
        return result


def render_limited(template, context: dict[str, Any]) -> str:
    """Render with a fresh budget; stop once the output passes ``MAX_OUTPUT`` characters."""
    token = _budget.set(_Budget(time.perf_counter() + MAX_SECONDS))
    parts, size = [], 0
    try:
        for piece in template.generate(context):
            size += len(piece)
            _check_size(size)
            parts.append(piece)
    except RecursionError:
        raise TemplateLimitError("the template recurses without end (a template that includes "
                                 "itself, or a macro that calls itself?)") from None
    except MemoryError:
        raise TemplateLimitError("the template needs more memory than a reply may use") from None
    finally:
        _budget.reset(token)
    return "".join(parts)


__all__ = ["LimitedEnvironment", "TemplateLimitError", "render_limited"]
