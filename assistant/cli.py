"""The command line: a thin layer over the library. ``assistant --help`` lists the commands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import model as m
from .dataset import read_labelled
from .errors import AssistantError, DataError
from .registry import DEFAULT, build_default, get_model, list_models


class Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _command(sub, name: str, help: str, example: str, func) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=f"{help}\n\nExample:\n  {example}",
                            formatter_class=Formatter)
    parser.set_defaults(func=func)
    return parser


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", help="the column with the message (default: found by "
                        "name: text, message, body, content...)")
    parser.add_argument("--label-column", help="the column with the label (default: found by "
                        "name: label, intent, category, scenario...)")
    parser.add_argument("--encoding", help="the files' encoding (default: UTF-8, else cp1252 "
                        "with a warning)")


def _warn(lines: Sequence[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def _messages(args_text: Sequence[str]) -> list[str]:
    if list(args_text) == ["-"]:
        return [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not args_text:
        raise DataError("give a message to classify, or - to read one message per line from stdin")
    return list(args_text)


# ---------------------------------------------------------------- classify


def cmd_classify(args: argparse.Namespace) -> int:
    model = get_model(args.model)
    for p in model.predict(_messages(args.text)):
        if args.json:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
            continue
        alts = ", ".join(f"{a.label} {a.confidence:.2f}" for a in p.alternatives)
        flag = "  NEEDS REVIEW" if p.needs_review else ""
        print(f"{p.label} ({p.confidence:.2f}){flag}  [then: {alts}]  <- {_short(p.text)}")
    return 0


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- train and evaluate


def cmd_train(args: argparse.Namespace) -> int:
    if args.name == DEFAULT:
        raise DataError("the name 'default' is kept for the model built from the shipped data; "
                        "choose another --name")
    data = read_labelled(args.data, text_column=args.text_column,
                         label_column=args.label_column, encoding=args.encoding,
                         min_examples=max(3, args.min_examples))
    _warn(data.warnings)
    counts = data.frame["label"].value_counts()
    print(f"Training on {len(data.frame)} messages, {len(counts)} labels "
          f"(smallest: {counts.idxmin()} with {counts.min()}).", file=sys.stderr)
    result = m.train(data.texts, data.labels, name=args.name, sources=args.data)
    folder = m.save(result.model, args.name)
    print(f"Held-out split ({len(result.holdout['per_label'])} labels, "
          f"{result.holdout['rows']} messages never seen in training):")
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

    data = read_labelled(args.data, text_column=args.text_column, min_labels=1,
                         label_column=args.label_column, encoding=args.encoding, min_examples=1)
    _warn(data.warnings)
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
    model = get_model(args.model)
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
        _own_model_name(args.model)
        from dataclasses import asdict

        suggested = result["threshold_tradeoff"]["suggested"]
        model.thresholds = m.Thresholds(suggested, model.thresholds.min_margin)
        model.card = {**model.card, "thresholds": asdict(model.thresholds),
                      "threshold_selection": {"out_of_scope_label": args.out_of_scope,
                                              "data": [str(p) for p in args.data]}}
        folder = m.save(model, _own_model_name(args.model))
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
    width = max(12, *(len(lab) for lab in result["per_label"]))
    print(f"  {'label':<{width}}  precision  recall     f1  support")
    for label, row in result["per_label"].items():
        print(f"  {label:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
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
        order = find_order(args.orders, args.order_id, dayfirst=args.dayfirst)
    elif args.order_id:
        raise DataError("--order-id goes with --orders CSV")
    today = parse_date(args.today, "--today") if args.today else date.today()
    model = get_model(args.model)
    if args.label:
        from .scenarios import SELLER_MESSAGES

        known = [*model.labels, *SELLER_MESSAGES]
        if args.label not in known:
            raise DataError(f"unknown --label {args.label!r}; use one of: {', '.join(known)}")
    result = draft(args.text, model=model, order=order, label=args.label,
                   lang=args.lang, agent_name=args.agent, store_name=args.store, today=today)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    p, d = result.prediction, result.decision
    flag = "  NEEDS REVIEW" if p.needs_review else ""
    print(f"Scenario:  {result.label} ({p.confidence:.2f}){flag}  [language {p.language}]")
    if d.template != result.label:
        print(f"Answered as: {d.template} (the order's facts change the scenario)")
    print(f"Action:    {d.title}  [rule {d.rule}]")
    print(f"Reason:    {d.reason}")
    for name, when in d.deadlines.items():
        print(f"  {name.replace('_', ' ')}: {when.isoformat()}")
    if result.reply.note:
        print(f"Note:      {result.reply.note}")
    if result.reply.missing_fields:
        print(f"Missing:   {', '.join(result.reply.missing_fields)} (shown as [..] below)")
    print("-" * 72)
    print(result.reply.text.rstrip())
    if result.english is not None:
        print("-" * 72 + "\nIn English:\n" + result.english.text.rstrip())
    return 0


def cmd_templates_check(args: argparse.Namespace) -> int:
    from .replies import check_templates

    labels = get_model(args.model).labels if args.model else None
    problems = check_templates(labels)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the templates", file=sys.stderr)
        return 1
    print("templates OK")
    return 0


# ---------------------------------------------------------------- batch


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    model = get_model(args.model)
    notes: list[str] = []
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
        from .orders import order_key, read_orders

        orders = ({order_key(o.order_id): o for o in read_orders(args.orders)}
                  if args.orders else None)
        extra = reply_columns(orders=orders, lang=args.lang, today=date.today(),
                              agent_name=args.agent, store_name=args.store)
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
    from .datacheck import format_report, validate

    report = validate(args.files, text_column=args.text_column, label_column=args.label_column,
                      encoding=args.encoding, min_examples=args.min_examples,
                      known_labels=_template_labels())
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
        hold = card.get("holdout", {})
        mark = "*" if card["name"] == active else " "
        print(f"{mark} {card['name']:<20} {len(card.get('labels', [])):>4} labels "
              f"{card.get('rows', 0):>7} rows  held-out accuracy "
              f"{hold.get('accuracy', float('nan')):.3f}  {card.get('created', '')}")
    return 0


# ---------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", formatter_class=Formatter,
        description="After-sales reply assistant: classify buyer messages, recommend what to "
                    "do, draft the reply.\n\nExample:\n  assistant classify \"my parcel "
                    "arrived empty\"")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _command(sub, "classify", "Classify buyer messages into scenarios.",
                 "assistant classify \"tracking says delivered but I have nothing\" --json",
                 cmd_classify)
    p.add_argument("text", nargs="*", help="the message(s); - reads one message per line "
                   "from stdin")
    p.add_argument("--model", help="model name or folder (default: the default model)")
    p.add_argument("--json", action="store_true", help="one JSON object per message")

    p = _command(sub, "train", "Train a model on labelled CSV/TSV files and save it.",
                 "assistant train data/train.csv my_labels.csv --name shop2", cmd_train)
    p.add_argument("data", nargs="+", help="labelled files (a text and a label column)")
    p.add_argument("--name", default="custom", help="the model's name under models/ "
                   "(default: custom)")
    p.add_argument("--min-examples", type=int, default=5, help="fewest examples a label needs "
                   "(default 5; at least 3)")
    p.add_argument("--activate", action="store_true", help="make it the active model after "
                   "saving")
    _data_options(p)

    p = _command(sub, "evaluate", "Measure a model on a labelled file, or cross-validate the "
                 "pipeline on it with --folds.",
                 "assistant evaluate data/test.csv --report-dir reports/", cmd_evaluate)
    p.add_argument("data", nargs="+", help="labelled files")
    p.add_argument("--model", help="model name or folder (default: the default model)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--report-dir", help="also write intent_report.json, intent_errors.json, "
                   "confusion_matrix.png and confidence_histogram.png (Rasa NLU's shapes) here")
    p.add_argument("--folds", type=int, help="stratified K-fold cross-validation of the "
                   "pipeline on this data instead (mean and spread of each figure)")
    p.add_argument("--out-of-scope", metavar="LABEL", help="the label that marks out-of-scope "
                   "rows: report how the needs-review threshold trades in-scope accuracy for "
                   "catching them")
    p.add_argument("--set-threshold", action="store_true", help="with --out-of-scope: save the "
                   "suggested confidence threshold into the model (not for the default model, "
                   "which is rebuilt from the shipped data)")
    _data_options(p)

    p = _command(sub, "compare", "Compare two models on the same labelled rows.",
                 "assistant compare default shop2 data/test.csv", cmd_compare)
    p.add_argument("model_a", help="the first model (name or folder)")
    p.add_argument("model_b", help="the second model (name or folder)")
    p.add_argument("data", nargs="+", help="labelled files")
    p.add_argument("--show", type=int, default=20, help="how many changed messages to list")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    _data_options(p)

    p = _command(sub, "reply", "Recommend an action and draft the reply to a buyer message.",
                 "assistant reply \"tracking says delivered but I have nothing\" --order "
                 "order.json --agent Mia --store \"Harbour Lane\"", cmd_reply)
    p.add_argument("text", help="the buyer's message")
    p.add_argument("--order", metavar="FILE.json", help="the order's details (canonical names)")
    p.add_argument("--orders", metavar="CSV", help="an orders export; pick a row with --order-id")
    p.add_argument("--order-id", help="the order number to find in --orders")
    p.add_argument("--dayfirst", action="store_true", help="read 01/11/2026 as 1 November")
    p.add_argument("--label", help="use this scenario instead of the predicted one, or a "
                   "seller message (shipped_notice, review_request, out_of_stock…)")
    p.add_argument("--lang", help="the reply's language (default: the buyer's, else en)")
    p.add_argument("--agent", help="the agent's name for the sign-off")
    p.add_argument("--store", help="the store's name for the sign-off")
    p.add_argument("--today", help="the date to count days from (default: today)")
    p.add_argument("--model", help="model name or folder (default: the default model)")
    p.add_argument("--json", action="store_true", help="print everything as JSON")

    templates = sub.add_parser("templates", help="Check the reply templates.",
                               description="Check the reply templates.\n\nExample:\n  "
                               "assistant templates check", formatter_class=Formatter)
    tsub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    p = _command(tsub, "check", "Check every template: each label has one, every variable is "
                 "a known field, each renders with an empty and a full order, translations "
                 "match English.", "assistant templates check --model shop2",
                 cmd_templates_check)
    p.add_argument("--model", help="check the labels of this model too (default: the "
                   "default label set)")

    p = _command(sub, "batch", "Classify a whole export (CSV, TSV, JSONL, Parquet; files, a "
                 "folder or a glob; - for CSV on stdin) into a new file.",
                 "assistant batch messages.csv -o labelled.parquet --jobs 2", cmd_batch)
    p.add_argument("input", nargs="+", help="input file(s), folder(s) or glob(s); - for stdin")
    p.add_argument("-o", "--output", required=True, help="output file: .csv, .tsv, .jsonl or "
                   ".parquet (written only when the run succeeds)")
    p.add_argument("--model", help="model name or folder (default: the default model)")
    p.add_argument("--text-column", help="the message column (default: found by name)")
    p.add_argument("--jobs", type=int, default=None, help="processes to use (default: all cores)")
    p.add_argument("--on-bad-lines", choices=("skip", "error"), default="skip",
                   help="skip malformed rows and list them in OUTPUT.skipped.csv (default), or "
                   "stop")
    p.add_argument("--encoding", help="input encoding (default: UTF-8, else cp1252 with a "
                   "warning)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--with-replies", action="store_true", help="also add the recommended "
                   "action and the drafted reply (order fields from the row's columns)")
    p.add_argument("--orders", metavar="CSV", help="with --with-replies: an orders export "
                   "joined on the order number")
    p.add_argument("--lang", help="with --with-replies: the replies' language (default: each "
                   "buyer's)")
    p.add_argument("--agent", help="with --with-replies: the agent's name for the sign-off")
    p.add_argument("--store", help="with --with-replies: the store's name for the sign-off")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local (default: streamed, all cores) or dask (partitioned inputs; "
                   "OUTPUT is a folder of Parquet parts, or CSV parts if it ends in .csv)")
    p.add_argument("--scheduler", help="with --engine dask: a scheduler address such as "
                   "tcp://10.0.0.5:8786 (default: start a local cluster)")

    data = sub.add_parser("data", help="Check, split and convert labelled data.",
                          description="Check, split and convert labelled data.\n\nExample:\n"
                          "  assistant data validate my_labels.csv", formatter_class=Formatter)
    dsub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    p = _command(dsub, "validate", "Report every problem in labelled files, with rows. Exit "
                 "code 1 on errors (3 on warnings with --strict), for CI.",
                 "assistant data validate my_labels.csv --strict", cmd_data_validate)
    p.add_argument("files", nargs="+", help="labelled CSV/TSV files")
    p.add_argument("--min-examples", type=int, default=5, help="fewest examples a label needs")
    p.add_argument("--strict", action="store_true", help="exit 3 when there are warnings")
    _data_options(p)
    p = _command(dsub, "split", "Split a labelled file into NAME_train.csv and NAME_test.csv "
                 "(stratified, seeded).", "assistant data split my_labels.csv --test-size 0.2",
                 cmd_data_split)
    p.add_argument("file", help="the labelled file")
    p.add_argument("--test-size", type=float, default=0.2, help="share of rows for the test "
                   "file (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _data_options(p)
    p = _command(dsub, "convert", "Convert labelled data between CSV and Rasa NLU YAML.",
                 "assistant data convert nlu.yml labels.csv", cmd_data_convert)
    p.add_argument("source", help="a .csv/.tsv or a Rasa .yml/.yaml file")
    p.add_argument("target", help="a .csv or a .yml/.yaml file")
    _data_options(p)

    models = sub.add_parser("models", help="List and build models.",
                            description="List and build models.\n\nExample:\n  assistant "
                            "models list", formatter_class=Formatter)
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = _command(msub, "list", "List the saved models.", "assistant models list",
                 cmd_models_list)
    p = _command(msub, "build-default", "Build the default model from data/ if it is missing "
                 "or stale.", "assistant models build-default --force", cmd_models_build_default)
    p.add_argument("--force", action="store_true", help="rebuild even when up to date")
    p = _command(msub, "activate", "Make a saved model the one every command and the app use.",
                 "assistant models activate v20261122-101500", cmd_models_activate)
    p.add_argument("name", help="the model's name (see `assistant models list`)")
    _command(msub, "rollback", "Re-activate the model that was active before.",
             "assistant models rollback", cmd_models_rollback)

    feedback = sub.add_parser("feedback", help="The agents' saved replies and corrections.",
                              description="The agents' saved replies and corrections.\n\n"
                              "Example:\n  assistant feedback export corrections.csv",
                              formatter_class=Formatter)
    fsub = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    p = _command(fsub, "export", "Write the saved corrections as a labelled CSV for training.",
                 "assistant feedback export corrections.csv", cmd_feedback_export)
    p.add_argument("output", help="the CSV to write (text,label)")
    p.add_argument("--db", help="the feedback database (default: $ASSISTANT_FEEDBACK_DB or "
                   "data/feedback.sqlite3)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
