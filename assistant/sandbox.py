"""A Jinja2 sandbox with limits, for templates that agents may edit.

Jinja's own sandbox stops a template from reaching Python internals; it does not stop one from
running for minutes or filling memory. :class:`LimitedEnvironment` adds, per render:

- a time limit (``MAX_SECONDS``) and a budget of loop iterations, calls and filters
  (``MAX_STEPS``), checked at every loop iteration, call and filter the template makes;
- a limit on recursion (macros calling themselves, a template including itself), on
  nesting (a template too deeply nested to compile is a syntax error) and on the length of
  a template's source (``MAX_SOURCE``: compiling it is not bounded by the time limit);
- a limit on the size of the output (``MAX_OUTPUT`` characters) and of any one value built
  by ``*``, ``**``, ``%``, string methods or filters, checked before the value is built
  (a list counts the characters of its items; a number may have ``MAX_INT_BITS`` bits);
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
import inspect
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_SECONDS = 2.0
MAX_STEPS = 200_000
MAX_OUTPUT = 100_000
MAX_RANGE = 10_000
MAX_DEPTH = 40
MAX_INT_BITS = 4 * MAX_OUTPUT  # about 120,000 digits
MAX_SOURCE = 100_000  # characters of one template: compiling is outside the time limit
# Text a render may produce in all, counting what blocks, macros and filters capture before
# it is printed (a capture is built in memory whole, before the output limit sees it).
MAX_RENDERED = 4 * MAX_OUTPUT
# Filters and string methods whose arguments set the size of what they build.
_SIZED = frozenset(("center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap",
                    "truncate", "format", "format_map", "join", "replace", "batch", "slice"))


class TemplateLimitError(RuntimeError):
    """A template went past a limit on time, steps, recursion or size."""


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    depth: int = 0
    rendered: int = 0

    def produce(self, size: int) -> None:
        self.rendered += size
        if self.rendered > MAX_RENDERED:
            raise TemplateLimitError(f"the template produced more than {MAX_RENDERED:,} "
                                     "characters (counting the text its blocks and macros "
                                     "capture)")

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(f"the template ran more than {MAX_STEPS:,} loop steps "
                                     "or calls")
        if time.perf_counter() > self.deadline:
            raise TemplateLimitError(f"the template ran longer than {MAX_SECONDS:g} s")


_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _current() -> _Budget:
    budget = _budget.get()
    if budget is None:  # rendered outside render_limited: still bounded
        budget = _Budget(time.perf_counter() + MAX_SECONDS)
        _budget.set(budget)
    return budget


def _guarded(iterable: Any, text: int = 0):
    """Every ``{% for %}`` iterates through this: one step per item, and the ``text``
    characters of its body's literal text produced."""
    budget = _current()
    for item in iterable:
        budget.step()
        budget.produce(text)
        yield item


def _size_of(value: Any) -> int:
    """Characters of a string; items plus the characters inside them for a list, tuple or
    dict (counted only until past the limit, so a list of one long string repeated is
    seen as long as it prints)."""
    if isinstance(value, str | bytes):
        return len(value)
    if not isinstance(value, list | tuple | dict):
        return 0
    total, todo = 0, [value]
    while todo and total <= MAX_OUTPUT:
        item = todo.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | dict):
            total += len(item)
            todo.extend(item.items() if isinstance(item, dict) else item)
    return total


def _check_size(size: int) -> None:
    if size > MAX_OUTPUT:
        raise TemplateLimitError(f"a value of {size:,} characters is over the limit of "
                                 f"{MAX_OUTPUT:,}")


def _concat(*parts: Any) -> str:
    """``a ~ b``: joined only while the result stays under the size limit."""
    _check_size(sum(_size_of(p) if isinstance(p, list | tuple | dict) else len(str(p))
                    for p in parts))
    return "".join(str(p) for p in parts)


def _literal(value: Any) -> Any:
    """A list, tuple or dict written in the template, checked like a computed one."""
    _check_size(_size_of(value))
    return value


_NUMBER = re.compile(r"\d{6,}")


def _check_format(spec: Any, values: Any = ()) -> None:
    """A ``%`` or ``str.format`` pattern may not ask for a field wider than the limit, nor
    (each of its fields holding the largest value) make a string over it."""
    if isinstance(spec, str):
        for number in _NUMBER.findall(spec):
            _check_size(int(number))
        values = list(values.values() if isinstance(values, dict) else values)
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool):
                _check_size(value)  # a width given as an argument: '%*s' % (10**9, 'x')
        largest = max((_size_of(v) for v in values), default=0)
        _check_size(len(spec) + (spec.count("{") + spec.count("%")) * largest)


def _check_built(name: str, text: Any, *args: Any) -> None:
    """The size of what a string method or filter would build, before it is built."""
    text = str(text)
    if name == "join":  # text is the separator, args[0] the items
        items = args[0]
        _check_size(len(text) * max(0, len(items) - 1) + sum(_size_of(i) for i in items))
    elif name == "replace":
        old, new = str(args[0]), str(args[1])
        times = text.count(old) if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            times = min(times, args[2])
        _check_size(len(text) + times * max(0, len(new) - len(old)))
    elif name == "expandtabs":
        tabsize = args[0] if args and isinstance(args[0], int) else 8
        _check_size(len(text) + text.count("\t") * tabsize)
    elif name == "indent":
        width = args[0] if args else 4
        width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _check_size(len(text) + (text.count("\n") + 1) * width)
    elif name == "wordwrap":
        width, wrap = args
        breaks = len(text) // width + 1 if isinstance(width, int) and width > 0 else 0
        _check_size(len(text) + breaks * len(str(wrap or "\n")))


def _int_bits(left: Any, right: Any, operator_name: str) -> int:
    """Bits of ``left * right`` or ``left ** right`` for whole numbers, else 0."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right)):
        return 0
    if operator_name == "*":
        return left.bit_length() + right.bit_length()
    return left.bit_length() * right if abs(left) > 1 and right > 0 else 0


def _limited_filter(func, name: str):
    """A filter that counts as a step, checks the size of what it would build (for the
    filters in ``_SIZED``) and of what it returns."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        signature = None

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _current().step()
        if name in _SIZED:
            for value in (*args[1:], *kwargs.values()):
                if isinstance(value, int) and not isinstance(value, bool):
                    _check_size(value)
            try:
                bound = signature.bind(*args, **kwargs) if signature else None
            except TypeError:  # wrong arguments: the filter itself says what is wrong
                bound = None
            if bound is not None:
                bound.apply_defaults()
                given = bound.arguments
                if name == "format":
                    _check_format(given["value"], [*given["args"], *given["kwargs"].values()])
                elif name == "join":
                    given["value"] = list(given["value"])
                    _check_built("join", given["d"], given["value"])
                elif name == "replace":
                    _check_built("replace", given["s"], given["old"], given["new"],
                                 given["count"])
                elif name == "indent":
                    _check_built("indent", given["s"], given["width"])
                elif name == "wordwrap":
                    _check_built("wordwrap", given["s"], given["width"], given["wrapstring"])
                args, kwargs = bound.args, bound.kwargs
        result = func(*args, **kwargs)
        _check_size(_size_of(result))
        return result

    return guarded


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` passes here before it is printed (or captured)."""
    size = _size_of(value)
    _check_size(size)
    _current().produce(size)
    return value


class _Guard(NodeTransformer):
    """Routes every loop through ``_guarded``, every ``~`` through ``_concat`` and every
    list, tuple or dict literal through ``_literal``."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        # The literal text of one iteration (a nested loop's counted too: an overestimate).
        text = sum(len(data.data) for part in node.body for data in
                   ([part] if isinstance(part, nodes.TemplateData)
                    else part.find_all(nodes.TemplateData)))
        node.iter = nodes.Call(nodes.Name("_guarded", "load"), [node.iter, nodes.Const(text)],
                               [], None, None).set_lineno(node.lineno)
        return node

    def _checked(self, node: nodes.Expr) -> nodes.Node:
        node = self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":  # an assignment target, not a value
            return node
        return nodes.Call(nodes.Name("_literal", "load"), [node], [], None,
                          None).set_lineno(node.lineno)

    visit_List = visit_Tuple = visit_Dict = _checked

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
        super().__init__(**{"optimized": False, "finalize": _finalize, **options})
        self.globals.pop("lipsum", None)
        self.globals["range"] = _limited_range
        self.globals.update(_guarded=_guarded, _concat=_concat, _literal=_literal)
        for name in list(self.filters):
            self.filters[name] = _limited_filter(self.filters[name], name)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        if len(source) > MAX_SOURCE:
            raise TemplateSyntaxError(f"the template has {len(source):,} characters, over the "
                                      f"limit of {MAX_SOURCE:,}; split it or shorten it", 1,
                                      name, filename)
        with _nesting(name, filename):
            return _Guard().visit(super()._parse(source, name, filename))

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  *args: Any, **kwargs: Any) -> str:
        with _nesting(name, filename):
            return super()._generate(source, name, filename, *args, **kwargs)

    def _compile(self, source: str, filename: str) -> Any:
        with _nesting(None, filename):
            return super()._compile(source, filename)

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        bits = _int_bits(left, right, operator_name) if operator_name in ("*", "**") else 0
        if bits > MAX_INT_BITS:
            raise TemplateLimitError(f"a number of about {bits * 3 // 10:,} digits is over the "
                                     f"limit of {MAX_INT_BITS * 3 // 10:,}")
        if operator_name == "**":
            if (isinstance(left, int | float) and isinstance(right, int | float)
                    and abs(left) > 1 and right > 64):
                raise TemplateLimitError(f"{left} ** {right} is too large to compute")
        elif operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                if _size_of(seq) and isinstance(count, int):
                    _check_size(_size_of(seq) * count)
        elif operator_name == "%":
            _check_format(left, right if isinstance(right, tuple | dict) else (right,))
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
            if name == "format":
                _check_format(owner, [*args, *kwargs.values()])
            elif name == "format_map":
                _check_format(owner, args[0] if args and isinstance(args[0], dict) else ())
            elif name == "join" and args:
                args = (list(args[0]), *args[1:])
                _check_built("join", owner, *args)
            elif name == "replace" and len(args) >= 2 or name == "expandtabs":
                _check_built(name, owner, *args, *kwargs.values())
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


@contextmanager
def _nesting(name: str | None, filename: str | None) -> Iterator[None]:
    """Running out of stack or memory while compiling a template, or past Python's own
    nesting limits, is a syntax error: the template is nested too deeply to compile."""
    try:
        yield
    except (RecursionError, MemoryError, SyntaxError):
        raise TemplateSyntaxError("the template is nested too deeply to compile; use fewer "
                                  "nested blocks and brackets", 1, name, filename) from None


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
