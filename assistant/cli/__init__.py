"""The command line: a thin layer over the library. ``assistant --help`` lists the commands.

Each command is a function whose options are declared beside it with ``@command``
(``base.py``): buyer messages in ``messages.py``, models and measuring in ``models.py``,
data and configuration in ``data.py``. Printed layouts are in ``assistant/terminal.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import AssistantError
from ..terminal import printable
from . import data, messages, models  # noqa: F401 (importing them registers their commands)
from .base import COMMANDS, GROUPS, ORDER


class Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reply-assistant")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source folder
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", formatter_class=Formatter,
        description="After-sales reply assistant: classify buyer messages, recommend what to "
                    "do, draft the reply.\n\nExample:\n  assistant classify \"my parcel "
                    "arrived empty\"")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for cmd in sorted(COMMANDS, key=lambda c: ORDER.index(c.name.split()[0])):
        group, _, action = cmd.name.rpartition(" ")
        if group and group not in groups:
            first = next(c for c in COMMANDS if c.name.startswith(group + " "))
            holder = sub.add_parser(group, help=GROUPS[group], formatter_class=Formatter,
                                    description=f"{GROUPS[group]}\n\nExample:\n  "
                                                f"{first.example}")
            groups[group] = holder.add_subparsers(dest=f"{group}_command", metavar="ACTION",
                                                  required=True)
        p = (groups[group] if group else sub).add_parser(
            action, help=cmd.help, description=f"{cmd.help}\n\nExample:\n  {cmd.example}",
            epilog=cmd.epilog, formatter_class=Formatter)
        for flags, kwargs in cmd.options:
            p.add_argument(*flags, **kwargs)
        p.set_defaults(func=cmd.func)
    return parser


# Arguments that are text to classify, render or show (not file names, which must keep their
# bytes to be opened).
_TEXT_ARGUMENTS = ("text", "agent", "store", "label", "lang", "order_id", "today", "name")


def _readable(value):
    """Text from an argument: bytes that are not UTF-8 (kept by Python as lone surrogates,
    which cannot be printed or written) become U+FFFD."""
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    for name in _TEXT_ARGUMENTS:
        if hasattr(args, name):
            setattr(args, name, _readable(getattr(args, name)))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {printable(str(exc), keep=chr(10))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
