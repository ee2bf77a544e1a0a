"""Commands on data and configuration: ``data validate/split/convert/suggest``, ``templates
check``, ``policy check/show`` and ``feedback export``."""

from __future__ import annotations

import argparse

from .. import terminal as out
from .base import DATA, ENCODING, LABELLED_THREADS, MODEL, POLICY, arg, command, threads_kwargs
from .base import model_for as _model


@command("data validate", "Report every problem in labelled files, with rows. Exit code 1 on "
         "errors (3 on warnings with --strict), for CI.",
         "assistant data validate my_labels.csv --strict",
         arg("files", nargs="+", help="labelled files or conversation exports"),
         arg("--min-examples", type=int, default=5, help="fewest examples a label needs"),
         arg("--strict", action="store_true", help="exit 3 when there are warnings"),
         DATA, LABELLED_THREADS)
def data_validate(args: argparse.Namespace) -> int:
    from ..convdata import validate_files
    from ..datacheck import format_report
    from ..replies import list_templates

    report, sources = validate_files(args.files, text_column=args.text_column,
                                     label_column=args.label_column, encoding=args.encoding,
                                     min_examples=args.min_examples,
                                     known_labels=set(list_templates("en")),
                                     **threads_kwargs(args))
    for line in sources.lines():
        print(line)
    print(format_report(report))
    if report.errors:
        return 1
    return 3 if args.strict and report.warnings else 0


@command("data split", "Split a labelled file into NAME_train.csv and NAME_test.csv "
         "(stratified, seeded).", "assistant data split my_labels.csv --test-size 0.2",
         arg("file", help="the labelled file"),
         arg("--test-size", type=float, default=0.2, help="share of rows for the test file "
             "(default 0.2)"),
         arg("--seed", type=int, default=0, help="random seed (default 0)"), DATA)
def data_split(args: argparse.Namespace) -> int:
    from ..datacheck import split

    train, test = split(args.file, test_size=args.test_size, seed=args.seed,
                        text_column=args.text_column, label_column=args.label_column,
                        encoding=args.encoding)
    print(f"wrote {train} and {test}")
    return 0


@command("data convert", "Convert labelled data between CSV and Rasa NLU YAML.",
         "assistant data convert nlu.yml labels.csv",
         arg("source", help="a .csv/.tsv or a Rasa .yml/.yaml file"),
         arg("target", help="a .csv or a .yml/.yaml file"), DATA)
def data_convert(args: argparse.Namespace) -> int:
    from ..datacheck import convert

    rows = convert(args.source, args.target, text_column=args.text_column,
                   label_column=args.label_column, encoding=args.encoding)
    print(f"wrote {rows} examples to {args.target}")
    return 0


@command("data suggest", "Pick the N unlabelled messages (or conversations) that would teach "
         "the active model most (uncertain, varied, no near-duplicates), with its guess beside "
         "an empty label column, for agents to fill and train on.",
         "assistant data suggest export.csv -n 50 -o to_label.csv",
         arg("export", help="a message export or a conversation export"),
         arg("-n", type=int, default=50, help="how many to pick (default 50)"),
         arg("-o", "--output", required=True, help="the CSV to write (formula-safe, written "
             "only when complete)"), MODEL,
         arg("--text-column", help="the message column (default: found by name)"), ENCODING,
         LABELLED_THREADS)
def data_suggest(args: argparse.Namespace) -> int:
    from ..suggest import suggest_file

    options = threads_kwargs(args)
    mode = options.pop("mode")
    result = suggest_file(args.export, args.output, _model(args), args.n,
                          text_column=args.text_column, encoding=args.encoding, mode=mode,
                          **options)
    out.to_stderr(result.lines())
    print(f"wrote {len(result.frame)} rows to {args.output}: fill the label column, then "
          f"`assistant train data/train.csv {args.output}`")
    return 0


@command("templates check", "Check every template: each label has one, every variable is a "
         "known field, each renders with an empty and a full order, translations match "
         "English.", "assistant templates check --model shop2",
         arg("--model", help="check the labels of this model too (default: the default label "
             "set)"))
def templates_check(args: argparse.Namespace) -> int:
    from ..registry import get_model
    from ..replies import check_templates

    labels = get_model(args.model).labels if args.model else None
    return out.checked(check_templates(labels), "the templates", "templates OK")


@command("policy check", "Check a policy file: unknown keys, wrong types and impossible "
         "values, each with its line. Exit code 1 when there are problems.",
         "assistant policy check my_policy.toml",
         arg("file", nargs="?", help="the policy file (default: the one in effect)"))
def policy_check(args: argparse.Namespace) -> int:
    from ..settings import check, policy_path

    path = policy_path(args.file)
    return out.checked(check(path), str(path), f"policy OK: {path}")


@command("policy show", "Show the policy in effect: its settings and the rules in the order "
         "they are checked, with their conditions and the settings they read.",
         "assistant policy show --policy my_policy.toml", POLICY)
def policy_show(args: argparse.Namespace) -> int:
    from ..settings import load

    out.print_policy(load(args.policy))
    return 0


@command("feedback export", "Write the saved corrections as a labelled CSV for training.",
         "assistant feedback export corrections.csv",
         arg("output", help="the CSV to write (text,label)"),
         arg("--db", help="the feedback database (default: $ASSISTANT_FEEDBACK_DB or "
             "data/feedback.sqlite3)"))
def feedback_export(args: argparse.Namespace) -> int:
    from ..feedback import FeedbackStore

    rows = FeedbackStore(args.db).export_csv(args.output)
    print(f"wrote {rows} labelled messages to {args.output}")
    return 0
