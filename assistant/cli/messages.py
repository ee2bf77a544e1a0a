"""Commands on buyer messages: ``init``, ``classify``, ``reply`` and ``batch``."""

from __future__ import annotations

import argparse
import json

from .. import terminal as out
from ..errors import DataError
from .base import (
    DAYFIRST,
    ENCODING,
    MODEL,
    POLICY,
    SIGN_OFF,
    THREADS,
    arg,
    command,
    read_stdin,
    threads_kwargs,
)
from .base import model_for as _model


@command("init", "Make the data directory: copies of the templates to edit, a models folder. "
         "In a clone the project folder is the data directory already.",
         "ASSISTANT_HOME=~/shop assistant init",
         arg("--force", action="store_true", help="replace existing copies of the templates "
             "with the shipped ones"))
def init(args: argparse.Namespace) -> int:
    from ..paths import init_home

    for line in init_home(force=args.force):
        print(line)
    return 0


@command("classify", "Classify buyer messages into scenarios.",
         "assistant classify \"tracking says delivered but I have nothing\" --json",
         arg("text", nargs="*", help="the message(s); - reads one message per line from stdin"),
         MODEL, arg("--json", action="store_true", help="one JSON object per message"))
def classify(args: argparse.Namespace) -> int:
    from ..model import MAX_CHARS

    if args.text == ["-"]:
        messages = [line for line in read_stdin().splitlines() if line.strip()]
    elif args.text:
        messages = list(args.text)
    else:
        raise DataError("give a message to classify, or - to read one message per line from stdin")
    for p in _model(args).predict(messages):
        print(json.dumps(p.to_dict(), ensure_ascii=False) if args.json
              else out.prediction_line(p, MAX_CHARS))
    return 0


@command("reply", "Recommend an action and draft the reply to a buyer message.",
         "assistant reply \"tracking says delivered but I have nothing\" --order order.json "
         "--agent Mia --store \"Harbour Lane\"",
         arg("text", nargs="?", help="the buyer's message (or give --thread)"),
         arg("--thread", metavar="FILE", help="a whole pasted thread (Buyer: / Seller: lines, "
             "names and times…; - reads stdin): the turns are shown and the draft answers the "
             "buyer's latest messages"),
         arg("--order", metavar="FILE.json", help="the order's details (canonical names)"),
         arg("--orders", metavar="CSV", help="an orders export; pick a row with --order-id"),
         arg("--order-id", help="the order number to find in --orders"), DAYFIRST,
         arg("--label", help="use this scenario instead of the predicted one, or a seller "
             "message (shipped_notice, review_request, out_of_stock…)"),
         arg("--lang", help="the reply's language (default: the buyer's, else en)"), SIGN_OFF,
         arg("--today", help="the date to count days from (default: today)"), POLICY, MODEL,
         arg("--json", action="store_true", help="print everything as JSON"))
def reply(args: argparse.Namespace) -> int:
    from datetime import date

    from ..assist import draft, order_from_message
    from ..orderfields import parse_date
    from ..settings import load as load_policy

    order = _reply_order(args)
    today = parse_date(args.today, "--today") if args.today else date.today()
    model = _model(args)
    if args.label:
        from ..scenarios import SELLER_MESSAGES

        known = [*model.labels, *SELLER_MESSAGES]
        if args.label not in known:
            raise DataError(f"unknown --label {args.label!r}; use one of: {', '.join(known)}")
    text, turns = _reply_input(args)
    if turns:
        order = order_from_message("\n".join(t.text for t in turns if t.role == "buyer"), order)
        if not args.json:
            out.print_turns(turns, text)
    result = draft(text, model=model, order=order, label=args.label, lang=args.lang,
                   agent_name=args.agent, store_name=args.store, today=today,
                   settings=load_policy(args.policy))
    if args.json:
        print(json.dumps({**result.to_dict(), **out.turns_json(turns, text)}, indent=2,
                         ensure_ascii=False))
    else:
        out.print_reply(result)
    return 0


def _reply_order(args: argparse.Namespace):
    """The order given by --order FILE.json, or by --orders CSV --order-id ID, or None."""
    from ..orders import Order, find_order

    if args.order and args.orders:
        raise DataError("give --order FILE.json or --orders CSV --order-id ID, not both")
    if args.order:
        return Order.from_json(args.order, dayfirst=args.dayfirst)
    if args.orders:
        if not args.order_id:
            raise DataError("--orders needs --order-id to pick the row")
        notes: list[str] = []
        order = find_order(args.orders, args.order_id, dayfirst=args.dayfirst, notes=notes)
        out.warn(notes)
        return order
    if args.order_id:
        raise DataError("--order-id goes with --orders CSV")
    return None


def _reply_input(args: argparse.Namespace):
    """The text to answer and, for ``--thread``, the thread's turns."""
    from ..threads import current_request, split_thread

    if args.thread and args.text:
        raise DataError("give the buyer's message or --thread FILE, not both")
    if not args.thread:
        if not args.text:
            raise DataError("give the buyer's message, or --thread FILE (- reads stdin)")
        return args.text, None
    if args.thread == "-":
        text = read_stdin()
    else:
        try:
            with open(args.thread, "rb") as fh:
                text = fh.read().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise DataError(f"cannot read {args.thread}: {exc.strerror or exc}") from None
    turns = split_thread(text, dayfirst=args.dayfirst)
    request = current_request(turns)
    if not request:
        raise DataError(f"the thread in {args.thread} has no buyer message; start the buyer's "
                        "lines with 'Buyer:' (and the seller's with 'Seller:')")
    return request, turns


@command("batch", "Classify a whole export (CSV, TSV, JSONL, Parquet; files, a folder or a "
         "glob; - for CSV on stdin) into a new file.",
         "assistant batch messages.csv -o labelled.parquet --jobs 2",
         arg("input", nargs="+", help="input file(s), folder(s) or glob(s); - for stdin"),
         arg("-o", "--output", required=True, help="output file: .csv, .tsv, .jsonl or "
             ".parquet (written only when the run succeeds)"), MODEL,
         arg("--text-column", help="the message column (default: found by name)"),
         arg("--jobs", type=int, default=None, help="processes to use (default: all cores)"),
         arg("--on-bad-lines", choices=("skip", "error"), default="skip", help="skip "
             "malformed rows and list them in OUTPUT.skipped.csv (default), or stop"),
         ENCODING, arg("--quiet", action="store_true", help="no progress bar"),
         arg("--with-replies", action="store_true", help="also add the recommended action "
             "and the drafted reply (order fields from the row's columns)"),
         arg("--orders", metavar="CSV", help="with --with-replies: an orders export joined on "
             "the order number"),
         arg("--lang", help="with --with-replies: the replies' language (default: each "
             "buyer's)"), SIGN_OFF, POLICY,
         arg("--engine", choices=("local", "dask"), default="local", help="local (default: "
             "streamed, all cores) or dask (partitioned inputs; OUTPUT is a folder of Parquet "
             "parts, or CSV parts if it ends in .csv)"),
         arg("--scheduler", help="with --engine dask: a scheduler address such as "
             "tcp://10.0.0.5:8786 (default: start a local cluster)"), THREADS,
         epilog="With --conversations: one row per conversation (conversation_id, turns, "
         "last_buyer_message, label, confidence, needs_review, also_label, answered, "
         "waiting_since), classified on the buyer's current request; --with-replies drafts "
         "the next reply for those waiting for an answer.\n  assistant batch tickets.csv -o "
         "triage.csv --conversations --with-replies")
def batch(args: argparse.Namespace) -> int:
    from datetime import date

    from ..orders import index_orders, read_orders
    from ..settings import load as load_policy

    if args.conversations and (args.engine != "local" or args.scheduler):
        raise DataError("--conversations works with the local engine only; leave out --engine")
    if args.engine == "dask":
        return _batch_dask(args)
    if args.scheduler:
        raise DataError("--scheduler goes with --engine dask")
    if args.orders and not args.with_replies:
        raise DataError("--orders goes with --with-replies")
    model, notes = _model(args), []
    orders = (index_orders(read_orders(args.orders), where=args.orders, notes=notes)
              if args.orders else None)
    reply_options = dict(lang=args.lang, today=date.today(), agent_name=args.agent,
                         store_name=args.store,
                         settings=load_policy(args.policy) if args.with_replies else None)
    if args.conversations:
        from ..convbatch import run_conversation_batch

        summary = run_conversation_batch(
            args.input, args.output, model=model, jobs=args.jobs, with_replies=args.with_replies,
            orders=orders, notes=notes, text_column=args.text_column, encoding=args.encoding,
            **reply_options, **threads_kwargs(args, mode=False))
    else:
        from ..batch import reply_columns, run_batch

        extra = reply_columns(orders=orders, **reply_options) if args.with_replies else None
        summary = run_batch(args.input, args.output, model=model, text_column=args.text_column,
                            jobs=args.jobs, on_bad_lines=args.on_bad_lines,
                            encoding=args.encoding, progress=None if not args.quiet else False,
                            notes=notes, extra=extra)
    out.warn(notes)
    out.to_stderr(summary.lines())
    return 0


def _batch_dask(args: argparse.Namespace) -> int:
    from ..distributed import run_dask

    unsupported = [flag for flag, used in (
        ("--with-replies", args.with_replies), ("--orders", args.orders),
        ("--on-bad-lines error", args.on_bad_lines == "error"), ("--encoding", args.encoding),
    ) if used]
    if unsupported:
        raise DataError(f"{', '.join(unsupported)} work with the local engine only; drop "
                        "them or leave out --engine dask")
    notes: list[str] = []
    summary = run_dask(args.input, args.output, model=_model(args),
                       text_column=args.text_column, scheduler=args.scheduler,
                       workers=args.jobs, notes=notes)
    out.warn(notes)
    out.to_stderr(summary.lines())
    return 0
