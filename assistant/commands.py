"""The CLI's commands: each turns parsed arguments into library calls and prints the result.

The parser and the entry point are in ``cli.py``; nothing here parses arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import model as m
from .convcommands import batch_conversations as _batch_conversations
from .convcommands import cmd_data_suggest  # noqa: F401 (cli.py finds every handler here)
from .convcommands import conversation_kwargs as _conversation_kwargs
from .convcommands import print_turns as _print_turns
from .convcommands import read_training as _read_training
from .convcommands import reply_input as _reply_input
from .convcommands import turns_json as _turns_json
from .dataset import read_labelled
from .errors import DataError
from .registry import (
    DEFAULT,
    build_default,
    get_model,
    list_models,
    save,
    set_confidence_threshold,
    valid_name,
)


def _model(args: argparse.Namespace):
    return get_model(args.model, trusted_path=getattr(args, "trust_model_path", None))


def _warn(lines: Sequence[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def _messages(args_text: Sequence[str]) -> list[str]:
    if list(args_text) == ["-"]:
        stream = getattr(sys.stdin, "buffer", None)
        raw = stream.read() if stream is not None else sys.stdin.read().encode("utf-8",
                                                                              "surrogateescape")
        text = raw.decode("utf-8-sig", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
            _warn(["the input is not valid UTF-8; unreadable bytes are shown as \ufffd"])
        return [line for line in text.splitlines() if line.strip()]
    if not args_text:
        raise DataError("give a message to classify, or - to read one message per line from stdin")
    return list(args_text)


# ---------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace) -> int:
    from .paths import init_home

    for line in init_home(force=args.force):
        print(line)
    return 0


# ---------------------------------------------------------------- classify


def cmd_classify(args: argparse.Namespace) -> int:
    model = _model(args)
    for p in model.predict(_messages(args.text)):
        if args.json:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
            continue
        alts = ", ".join(f"{a.label} {a.confidence:.2f}" for a in p.alternatives)
        flag = f"  NEEDS REVIEW ({p.review_reason})" if p.needs_review else ""
        if p.also:
            flag += f"  also: {p.also}"
        cut = f"  (classified on the first {m.MAX_CHARS:,} characters)" if p.truncated else ""
        print(f"{p.label} ({p.confidence:.2f}){flag}  [then: {alts}]  <- {_short(p.text)}{cut}")
    return 0


def _short(text: str, width: int = 70) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def printable(text: str, keep: str = "") -> str:
    """``text`` safe for a terminal: control characters (escape sequences, bells, bidi
    overrides) shown as ``\\x1b``-style escapes instead of acted on; ``keep`` lists
    characters to leave, such as a newline."""
    import unicodedata

    return "".join(ch if ch in keep or not unicodedata.category(ch).startswith("C")
                   else ch.encode("unicode_escape").decode("ascii") for ch in text)


# ---------------------------------------------------------------- train and evaluate


def cmd_train(args: argparse.Namespace) -> int:
    valid_name(args.name)
    if args.name == DEFAULT:
        raise DataError("the name 'default' is kept for the model built from the shipped data; "
                        "choose another --name")
    data = _read_training(args, min_examples=max(3, args.min_examples))
    counts = data.frame["label"].value_counts()
    print(f"Training on {len(data.frame)} messages, {len(counts)} labels "
          f"(smallest: {counts.idxmin()} with {counts.min()}).", file=sys.stderr)
    result = m.train(data.texts, data.labels, name=args.name, sources=args.data)
    folder = save(result.model, args.name)
    print(f"{result.holdout['method']} ({len(result.holdout['per_label'])} labels, each of "
          f"the {result.holdout['rows']} messages predicted by a model that never saw it):")
    _print_metrics(result.holdout)
    t = result.model.thresholds
    print(f"needs_review when confidence < {t.min_confidence:.3f} or margin < "
          f"{t.min_margin:.3f}")
    print(f"Saved model {args.name!r} to {folder} in {result.seconds:.1f}s.")
    if args.activate:
        from .registry import activate

        activate(args.name)
        print(f"{args.name!r} is now the active model.")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from . import reports

    data = _read_training(args, min_labels=1, min_examples=1)
    if args.folds:
        result = reports.cross_validate(data.texts, data.labels, args.folds)
        if args.json:
            print(json.dumps(result, indent=2))
            return 0
        print(f"{args.folds}-fold cross-validation of the default pipeline on "
              f"{len(data.frame)} messages:")
        for key in ("accuracy", "macro_f1"):
            print(f"  {key:<9} {result[key]['mean']:.3f} ± {result[key]['std']:.3f}")
        for label, row in result["per_label"].items():
            print(f"  {label:<28} F1 {row['f1_mean']:.3f} ± {row['f1_std']:.3f}")
        return 0
    model = _model(args)
    unknown = sorted(set(data.labels) - set(model.labels) - {args.out_of_scope or ""})
    if unknown:
        _warn([f"labels the model does not know (always counted wrong): {', '.join(unknown)}"])
    result = m.evaluate(model, data.texts, data.labels)
    if args.out_of_scope:
        result["threshold_tradeoff"] = reports.threshold_tradeoff(
            model, data.texts, data.labels, args.out_of_scope)
    if args.set_threshold:
        if not args.out_of_scope:
            raise DataError("--set-threshold goes with --out-of-scope LABEL")
        if args.trust_model_path:
            raise DataError("--set-threshold saves into a model of the models folder; use "
                            "--model NAME, not --trust-model-path")
        suggested = result["threshold_tradeoff"]["suggested"]
        folder = set_confidence_threshold(
            _own_model_name(args.model), suggested,
            {"out_of_scope_label": args.out_of_scope, "data": [str(p) for p in args.data]})
        print(f"needs-review confidence threshold of {folder.name!r} set to {suggested:.2f}",
              file=sys.stderr)
    if args.report_dir:
        paths = reports.write_reports(model, data.texts, data.labels, args.report_dir)
        print(f"wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    if args.json:
        print(json.dumps({"model": model.name, **result}, indent=2))
        return 0
    print(f"Model {model.name!r} on {len(data.frame)} messages:")
    _print_metrics(result)
    if args.out_of_scope:
        trade = result["threshold_tradeoff"]
        print(f"needs-review threshold vs out-of-scope ({trade['in_scope']} in scope, "
              f"{trade['out_of_scope']} out of scope labelled {args.out_of_scope!r}):")
        print("  threshold  in-scope accuracy  out-of-scope recall")
        for row in trade["rows"]:
            mark = "  <- suggested" if row["threshold"] == trade["suggested"] else ""
            print(f"  {row['threshold']:9.2f}  {row['in_scope_accuracy']:17.3f}  "
                  f"{row['out_of_scope_recall']:19.3f}{mark}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from . import reports

    data = read_labelled(args.data, text_column=args.text_column,
                         label_column=args.label_column, encoding=args.encoding, min_examples=1)
    _warn(data.warnings)
    result = reports.compare(get_model(args.model_a), get_model(args.model_b), data.texts,
                             data.labels)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    a, b = result["a"], result["b"]
    print(f"{'':<28} {a['name']:>12} {b['name']:>12}   difference")
    for key in ("accuracy", "macro_f1"):
        print(f"{key:<28} {a[key]:12.3f} {b[key]:12.3f}   {b[key] - a[key]:+.3f}")
    print("F1 per label:")
    for label, row in result["per_label"].items():
        print(f"  {label:<26} {row['f1_a']:12.3f} {row['f1_b']:12.3f}   {row['difference']:+.3f}")
    print(f"{len(result['changed'])} messages changed prediction: {result['fixed']} fixed, "
          f"{result['broken']} broken")
    for row in result["changed"][: args.show]:
        verdict = "fixed" if row["b_right"] and not row["a_right"] else (
            "broken" if row["a_right"] and not row["b_right"] else "still wrong")
        print(f"  [{verdict}] {row['a']} -> {row['b']} (true {row['true']}): "
              f"{_short(row['text'], 60)}")
    return 0


def _own_model_name(name: str | None) -> str:
    """A model the user trained (the default one is rebuilt from the shipped data)."""
    from .registry import DEFAULT, active_name

    name = name or active_name()
    if name == DEFAULT:
        raise DataError("the default model is rebuilt from the shipped data, so its threshold "
                        "cannot be set; train your own model and pass --model NAME")
    return name


def _print_metrics(result: dict[str, Any]) -> None:
    print(f"accuracy {result['accuracy']:.3f}   macro-F1 {result['macro_f1']:.3f}", end="")
    if result.get("needs_review_rate") is not None:
        confident = result.get("accuracy_when_confident")
        extra = f" (accuracy when confident {confident:.3f})" if confident is not None else ""
        print(f"   needs review {result['needs_review_rate']:.1%}{extra}", end="")
    print()
    width = max(12, *(len(printable(lab)) for lab in result["per_label"]))
    print(f"  {'label':<{width}}  precision  recall     f1  support")
    for label, row in result["per_label"].items():
        print(f"  {printable(label):<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
              f"{row['f1']:5.3f}  {row['support']:7d}")


# ---------------------------------------------------------------- reply and templates


def cmd_reply(args: argparse.Namespace) -> int:
    from datetime import date

    from .assist import draft
    from .orders import Order, find_order, parse_date

    if args.order and args.orders:
        raise DataError("give --order FILE.json or --orders CSV --order-id ID, not both")
    order = None
    if args.order:
        order = Order.from_json(args.order, dayfirst=args.dayfirst)
    elif args.orders:
        if not args.order_id:
            raise DataError("--orders needs --order-id to pick the row")
        notes: list[str] = []
        order = find_order(args.orders, args.order_id, dayfirst=args.dayfirst, notes=notes)
        _warn(notes)
    elif args.order_id:
        raise DataError("--order-id goes with --orders CSV")
    today = parse_date(args.today, "--today") if args.today else date.today()
    model = _model(args)
    if args.label:
        from .scenarios import SELLER_MESSAGES

        known = [*model.labels, *SELLER_MESSAGES]
        if args.label not in known:
            raise DataError(f"unknown --label {args.label!r}; use one of: {', '.join(known)}")
    text, turns = _reply_input(args)
    if turns:
        from .assist import order_from_message

        order = order_from_message("\n".join(t.text for t in turns if t.role == "buyer"), order)
        if not args.json:
            _print_turns(turns, text)
    from .settings import load as load_policy

    result = draft(text, model=model, order=order, label=args.label,
                   lang=args.lang, agent_name=args.agent, store_name=args.store, today=today,
                   settings=load_policy(args.policy))
    if args.json:
        print(json.dumps({**result.to_dict(), **_turns_json(turns, text)}, indent=2,
                         ensure_ascii=False))
        return 0
    p, d = result.prediction, result.decision
    flag = f"  NEEDS REVIEW ({p.review_reason})" if p.needs_review else ""
    if p.also:
        flag += f"  also: {p.also} (a second problem?)"
    print(f"Scenario:  {result.label} ({p.confidence:.2f}){flag}  [language {p.language}]")
    if d.template != result.label:
        print(f"Answered as: {d.template} (the order's facts change the scenario)")
    print(f"Action:    {d.title}  [rule {d.rule}]")
    print(f"Reason:    {d.reason}")
    for name, when in d.deadlines.items():
        print(f"  {name.replace('_', ' ')}: {when.isoformat()}")
    _print_policy_parts(d, result.reply.lang)
    for problem in d.facts.problems if d.facts else ():
        print(f"Order problem: {problem}")
    if result.reply.note:
        print(f"Note:      {result.reply.note}")
    if result.reply.missing_fields:
        print(f"Missing:   {', '.join(result.reply.missing_fields)} (shown as [..] below)")
    print("-" * 72)
    print(printable(result.reply.text.rstrip(), keep="\n\t"))
    if result.english is not None:
        print("-" * 72 + "\nIn English:\n" + printable(result.english.text.rstrip(), "\n\t"))
    return 0


def _print_policy_parts(decision: Any, lang: str) -> None:
    """The decision's amounts (in the reply's locale), its options and the settings used."""
    from .replies import locale_for

    for name, text in decision.amount_texts(locale_for(lang)).items():
        print(f"  {name.replace('_', ' ')}: {text}")
    for number, option in enumerate(decision.options, start=1):
        print(f"Option {number}:  {option.title}  [{option.action}]")
    if decision.settings:
        print(f"Policy:    {', '.join(decision.settings)}  ({decision.policy})")


# ---------------------------------------------------------------- policy


def cmd_policy_check(args: argparse.Namespace) -> int:
    from .settings import check, policy_path

    path = policy_path(args.file)
    return _checked(check(path), str(path), f"policy OK: {path}")


def cmd_policy_show(args: argparse.Namespace) -> int:
    from .policy import describe_rules
    from .settings import describe, load

    settings = load(args.policy)
    rows = describe(settings)
    width, shown = (max(len(row[i]) for row in rows) for i in (0, 1))
    print(f"Policy in effect: {settings.source}")
    for key, value, meaning in rows:
        print(f"  {key:<{width}}  {value:<{shown}}  {meaning}")
    print("\nRules, in the order they are checked (the first that matches decides):")
    for number, rule in enumerate(describe_rules(settings), start=1):
        print(f"{number:>3}. {rule['name']} -> {rule['action']}")
        print(f"     labels: {', '.join(rule['labels'])}")
        print(f"     when:   {rule['condition']}")
        if rule["reads"]:
            print(f"     reads:  {', '.join(rule['reads'])}")
    return 0


def cmd_templates_check(args: argparse.Namespace) -> int:
    from .replies import check_templates

    labels = _model(args).labels if args.model else None
    return _checked(check_templates(labels), "the templates", "templates OK")


def _checked(problems: Sequence[str], where: str, ok: str) -> int:
    """Print a check's problems (exit 1) or its OK line (exit 0)."""
    for problem in problems:
        print(printable(str(problem), keep="\n"))
    if problems:
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return 1
    print(ok)
    return 0


# ---------------------------------------------------------------- batch


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    model = _model(args)
    notes: list[str] = []
    if args.conversations:
        return _batch_conversations(args, model, notes)
    if args.engine == "dask":
        from .distributed import run_dask

        unsupported = [flag for flag, used in (
            ("--with-replies", args.with_replies), ("--orders", args.orders),
            ("--on-bad-lines error", args.on_bad_lines == "error"), ("--encoding", args.encoding),
        ) if used]
        if unsupported:
            raise DataError(f"{', '.join(unsupported)} work with the local engine only; drop "
                            "them or leave out --engine dask")
        summary = run_dask(args.input, args.output, model=model, text_column=args.text_column,
                           scheduler=args.scheduler, workers=args.jobs, notes=notes)
        _warn(notes)
        for line in summary.lines():
            print(line, file=sys.stderr)
        return 0
    if args.scheduler:
        raise DataError("--scheduler goes with --engine dask")
    extra = None
    if args.with_replies:
        from datetime import date

        from .batch import reply_columns
        from .orders import index_orders, read_orders

        orders = (index_orders(read_orders(args.orders), where=args.orders, notes=notes)
                  if args.orders else None)
        from .settings import load as load_policy

        extra = reply_columns(orders=orders, lang=args.lang, today=date.today(),
                              agent_name=args.agent, store_name=args.store,
                              settings=load_policy(args.policy))
    elif args.orders:
        raise DataError("--orders goes with --with-replies")
    summary = run_batch(args.input, args.output, model=model, text_column=args.text_column,
                        jobs=args.jobs, on_bad_lines=args.on_bad_lines, encoding=args.encoding,
                        progress=None if not args.quiet else False, notes=notes, extra=extra)
    _warn(notes)
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


# ---------------------------------------------------------------- data


def cmd_data_validate(args: argparse.Namespace) -> int:
    from .convdata import validate_files
    from .datacheck import format_report

    report, sources = validate_files(args.files, text_column=args.text_column,
                                     label_column=args.label_column, encoding=args.encoding,
                                     min_examples=args.min_examples,
                                     known_labels=_template_labels(),
                                     **_conversation_kwargs(args))
    for line in sources.lines():
        print(line)
    print(format_report(report))
    if report.errors:
        return 1
    return 3 if args.strict and report.warnings else 0


def _template_labels() -> set[str]:
    from .replies import list_templates

    return set(list_templates("en"))


def cmd_data_split(args: argparse.Namespace) -> int:
    from .datacheck import split

    train, test = split(args.file, test_size=args.test_size, seed=args.seed,
                        text_column=args.text_column, label_column=args.label_column,
                        encoding=args.encoding)
    print(f"wrote {train} and {test}")
    return 0


def cmd_data_convert(args: argparse.Namespace) -> int:
    from .datacheck import convert

    rows = convert(args.source, args.target, text_column=args.text_column,
                   label_column=args.label_column, encoding=args.encoding)
    print(f"wrote {rows} examples to {args.target}")
    return 0


# ---------------------------------------------------------------- models


def cmd_models_build_default(args: argparse.Namespace) -> int:
    model = build_default(force=args.force)
    print(f"default model: {len(model.labels)} labels, {model.card.get('rows')} messages, "
          f"built {model.card.get('created')}")
    return 0


def cmd_models_activate(args: argparse.Namespace) -> int:
    from .registry import activate

    activate(args.name)
    print(f"active model: {args.name}")
    return 0


def cmd_models_rollback(args: argparse.Namespace) -> int:
    from .registry import rollback

    print(f"active model: {rollback()}")
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    from .feedback import FeedbackStore

    rows = FeedbackStore(args.db).export_csv(args.output)
    print(f"wrote {rows} labelled messages to {args.output}")
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    rows = list_models()
    if not rows:
        print("no models yet; `assistant models build-default` builds the default one")
    from .registry import active_name

    active = active_name()
    for card in rows:
        mark = "*" if card["name"] == active else " "
        print(f"{mark} {card['name']:<20} {_card_line(card)}")
    return 0


def _card_line(card: dict[str, Any]) -> str:
    """One model's line in `models list`; a damaged or odd card says so instead of failing."""
    if card.get("damaged"):
        return f"damaged: {printable(card['damaged'])}"
    labels, rows = card.get("labels"), card.get("rows")
    hold = card.get("holdout") if isinstance(card.get("holdout"), dict) else {}
    accuracy = hold.get("accuracy")
    parts = [f"{len(labels):>4} labels" if isinstance(labels, list) else "   ? labels",
             f"{rows:>7} rows" if isinstance(rows, int) else "      ? rows",
             f"cross-validated accuracy {accuracy:.3f}" if isinstance(accuracy, int | float)
             else "cross-validated accuracy unknown", printable(str(card.get("created", "")))]
    return "  ".join(parts)
