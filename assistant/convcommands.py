"""The CLI's conversation handlers and helpers (``train``/``evaluate``/``data validate`` on
conversation exports, ``batch --conversations``, ``reply --thread``, ``data suggest``), kept
beside ``commands.py`` so that file stays small. Nothing here parses arguments.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .errors import DataError
from .threads import BUYER, Turn

# argparse destinations -> the conversation reader's options.
_READ_OPTIONS = {"labels": "labels", "label_map": "label_map", "tags_column": "tags_column",
                 "conversation_column": "conversation_column", "role_column": "role_column",
                 "time_column": "time_column", "dayfirst": "dayfirst"}


def _warn(lines) -> None:
    from .commands import _warn as warn  # commands imports this module: import when used

    warn(lines)


def conversation_kwargs(args: argparse.Namespace, *, mode: bool = True) -> dict[str, Any]:
    """The options of ``_conversation_options`` as keyword arguments for
    :func:`assistant.convdata.read_sources` (``mode``: with ``conversations`` and ``mode``)."""
    out = {key: getattr(args, dest) for dest, key in _READ_OPTIONS.items()
           if getattr(args, dest, None)}
    if getattr(args, "buyer_values", None):
        out["buyer_values"] = [v.strip() for v in args.buyer_values.split(",") if v.strip()]
    if mode:
        out["conversations"] = getattr(args, "conversations", None)
        out["mode"] = getattr(args, "examples", None) or "first_answer"
    return out


def read_training(args: argparse.Namespace, **checks):
    """The labelled data of ``args.data`` (messages and conversation exports), with the
    conversation counts on stderr."""
    from .convdata import read_training as read

    data, sources = read(args.data, text_column=args.text_column,
                         label_column=args.label_column, encoding=args.encoding,
                         **checks, **conversation_kwargs(args))
    for line in sources.lines():
        print(line, file=sys.stderr)
    _warn(data.warnings)
    return data


def reply_input(args: argparse.Namespace) -> tuple[str, list[Turn] | None]:
    """The text to answer and, for ``--thread``, the thread's turns."""
    from .threads import current_request, split_thread

    if args.thread and args.text:
        raise DataError("give the buyer's message or --thread FILE, not both")
    if not args.thread:
        if not args.text:
            raise DataError("give the buyer's message, or --thread FILE (- reads stdin)")
        return args.text, None
    if args.thread == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else \
            sys.stdin.read().encode("utf-8")
    else:
        try:
            with open(args.thread, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise DataError(f"cannot read {args.thread}: {exc.strerror or exc}") from None
    turns = split_thread(raw.decode("utf-8-sig", errors="replace"), dayfirst=args.dayfirst)
    request = current_request(turns)
    if not request:
        raise DataError(f"the thread in {args.thread} has no buyer message; start the buyer's "
                        "lines with 'Buyer:' (and the seller's with 'Seller:')")
    return request, turns


def print_turns(turns: list[Turn], request: str) -> None:
    from .commands import _short

    print(f"Thread: {len(turns)} turns, {sum(t.role == BUYER for t in turns)} from the buyer")
    for number, turn in enumerate(turns, start=1):
        when = f" {turn.time}" if turn.time is not None else ""
        print(f"  {number:>2} {turn.role:<6}{when}  {_short(turn.text, 64)}")
    print(f"Answering: {_short(request, 90)}")


def turns_json(turns: list[Turn] | None, request: str) -> dict[str, Any]:
    if turns is None:
        return {}
    return {"turns": [{"role": t.role, "text": t.text, "name": t.name,
                       "time": None if t.time is None else t.time.isoformat()} for t in turns],
            "request": request}


def batch_conversations(args: argparse.Namespace, model, notes: list[str]) -> int:
    """``assistant batch --conversations``: one row per conversation."""
    from datetime import date

    from .convbatch import run_conversation_batch
    from .orders import index_orders, read_orders

    if args.engine != "local" or args.scheduler:
        raise DataError("--conversations works with the local engine only; leave out --engine")
    if args.orders and not args.with_replies:
        raise DataError("--orders goes with --with-replies")
    orders = (index_orders(read_orders(args.orders), where=args.orders, notes=notes)
              if args.orders else None)
    summary = run_conversation_batch(
        args.input, args.output, model=model, jobs=args.jobs, with_replies=args.with_replies,
        orders=orders, lang=args.lang, agent_name=args.agent, store_name=args.store,
        today=date.today(), notes=notes, text_column=args.text_column, encoding=args.encoding,
        **conversation_kwargs(args, mode=False))
    _warn(notes)
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


def cmd_data_suggest(args: argparse.Namespace) -> int:
    from .registry import get_model
    from .suggest import suggest_file

    model = get_model(args.model, trusted_path=getattr(args, "trust_model_path", None))
    options = conversation_kwargs(args)
    mode = options.pop("mode")
    result = suggest_file(args.export, args.output, model, args.n,
                          text_column=args.text_column, encoding=args.encoding, mode=mode,
                          **options)
    for line in result.lines():
        print(line, file=sys.stderr)
    print(f"wrote {len(result.frame)} rows to {args.output}: fill the label column, then "
          f"`assistant train data/train.csv {args.output}`")
    return 0
