"""The command line: a thin layer over the library. ``assistant --help`` lists the commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import commands as c
from .commands import printable
from .errors import AssistantError


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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reply-assistant")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source folder
        return "unknown"


def _model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a model's name under the models folder (default: the "
                        "active model; see `assistant models list`)")
    parser.add_argument("--trust-model-path", metavar="DIR", help="load the model saved in DIR, "
                        "outside the models folder. Loading a model runs code from its file: "
                        "only use a folder whose model you made")


def _policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", metavar="FILE", help="the seller's policy file (default: "
                        "$ASSISTANT_POLICY, else policy.toml in the data directory, else the "
                        "shipped data/policy.toml; see `assistant policy show`)")


def _conversation_options(parser: argparse.ArgumentParser, *, labels: bool = True) -> None:
    """How to read conversation exports (one row per message, or nested JSON)."""
    parser.add_argument("--conversations", action="store_true", default=None,
                        help="the inputs are conversation exports (default: detected by "
                        "their columns: a conversation id and who wrote each message)")
    if labels:
        parser.add_argument("--examples", choices=("first_answer", "all_buyer"),
                            default="first_answer", help="a labelled conversation's example: "
                            "the buyer's messages up to the seller's first answer (default) "
                            "or all the buyer's messages")
        parser.add_argument("--labels", metavar="FILE", help="conversation labels in a "
                            "separate file (conversation id and label or tags), joined on the id")
        parser.add_argument("--label-map", metavar="FILE", help="CSV tag,label mapping the "
                            "helpdesk's tags to labels (an empty label ignores a tag)")
        parser.add_argument("--tags-column", help="the column of tags (default: tags, labels…)")
    parser.add_argument("--conversation-column", help="the conversation id column (default: "
                        "conversation_id, ticket_id, thread_id, case_id, chat_id…)")
    parser.add_argument("--role-column", help="the column saying who wrote each message "
                        "(default: role, direction, message_type, from_agent, incoming, "
                        "sender_type…)")
    parser.add_argument("--buyer-values", metavar="A,B", help="the role column's values that "
                        "mean the buyer, comma-separated; every other value is the seller")
    parser.add_argument("--time-column", help="the message time column (default: created_at, "
                        "timestamp, date, sent…)")
    parser.add_argument("--dayfirst", action="store_true", help="read 02/03/2026 as 2 March")


# ---------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", formatter_class=Formatter,
        description="After-sales reply assistant: classify buyer messages, recommend what to "
                    "do, draft the reply.\n\nExample:\n  assistant classify \"my parcel "
                    "arrived empty\"")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _command(sub, "init", "Make the data directory: copies of the templates to edit, a "
                 "models folder. In a clone the project folder is the data directory already.",
                 "ASSISTANT_HOME=~/shop assistant init", c.cmd_init)
    p.add_argument("--force", action="store_true", help="replace existing copies of the "
                   "templates with the shipped ones")

    p = _command(sub, "classify", "Classify buyer messages into scenarios.",
                 "assistant classify \"tracking says delivered but I have nothing\" --json",
                 c.cmd_classify)
    p.add_argument("text", nargs="*", help="the message(s); - reads one message per line "
                   "from stdin")
    _model_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object per message")

    p = _command(sub, "train", "Train a model on labelled files and conversation exports (one "
                 "example per labelled conversation) and save it.",
                 "assistant train data/train.csv my_labels.csv --name shop2", c.cmd_train)
    p.add_argument("data", nargs="+", help="labelled files (a text and a label column) or "
                   "conversation exports (detected by their columns)")
    p.add_argument("--name", default="custom", help="the model's name under models/ "
                   "(default: custom)")
    p.add_argument("--min-examples", type=int, default=5, help="fewest examples a label needs "
                   "(default 5; at least 3)")
    p.add_argument("--activate", action="store_true", help="make it the active model after "
                   "saving")
    _data_options(p)
    _conversation_options(p)

    p = _command(sub, "evaluate", "Measure a model on a labelled file, or cross-validate the "
                 "pipeline on it with --folds.",
                 "assistant evaluate data/test.csv --report-dir reports/", c.cmd_evaluate)
    p.add_argument("data", nargs="+", help="labelled files")
    _model_options(p)
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
    _conversation_options(p)

    p = _command(sub, "compare", "Compare two models on the same labelled rows.",
                 "assistant compare default shop2 data/test.csv", c.cmd_compare)
    p.add_argument("model_a", help="the first model (name or folder)")
    p.add_argument("model_b", help="the second model (name or folder)")
    p.add_argument("data", nargs="+", help="labelled files")
    p.add_argument("--show", type=int, default=20, help="how many changed messages to list")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    _data_options(p)

    p = _command(sub, "reply", "Recommend an action and draft the reply to a buyer message.",
                 "assistant reply \"tracking says delivered but I have nothing\" --order "
                 "order.json --agent Mia --store \"Harbour Lane\"", c.cmd_reply)
    p.add_argument("text", nargs="?", help="the buyer's message (or give --thread)")
    p.add_argument("--thread", metavar="FILE", help="a whole pasted thread (Buyer: / Seller: "
                   "lines, names and times…; - reads stdin): the turns are shown and the draft "
                   "answers the buyer's latest messages")
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
    _policy_option(p)
    _model_options(p)
    p.add_argument("--json", action="store_true", help="print everything as JSON")

    templates = sub.add_parser("templates", help="Check the reply templates.",
                               description="Check the reply templates.\n\nExample:\n  "
                               "assistant templates check", formatter_class=Formatter)
    tsub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    p = _command(tsub, "check", "Check every template: each label has one, every variable is "
                 "a known field, each renders with an empty and a full order, translations "
                 "match English.", "assistant templates check --model shop2",
                 c.cmd_templates_check)
    p.add_argument("--model", help="check the labels of this model too (default: the "
                   "default label set)")

    policy = sub.add_parser("policy", help="Check and show the seller's policy file.",
                            description="Check and show the seller's policy file.\n\nExample:"
                            "\n  assistant policy check my_policy.toml",
                            formatter_class=Formatter)
    psub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    p = _command(psub, "check", "Check a policy file: unknown keys, wrong types and impossible "
                 "values, each with its line. Exit code 1 when there are problems.",
                 "assistant policy check my_policy.toml", c.cmd_policy_check)
    p.add_argument("file", nargs="?", help="the policy file (default: the one in effect)")
    p = _command(psub, "show", "Show the policy in effect: its settings and the rules in the "
                 "order they are checked, with their conditions and the settings they read.",
                 "assistant policy show --policy my_policy.toml", c.cmd_policy_show)
    _policy_option(p)

    p = _command(sub, "batch", "Classify a whole export (CSV, TSV, JSONL, Parquet; files, a "
                 "folder or a glob; - for CSV on stdin) into a new file.",
                 "assistant batch messages.csv -o labelled.parquet --jobs 2", c.cmd_batch)
    p.add_argument("input", nargs="+", help="input file(s), folder(s) or glob(s); - for stdin")
    p.add_argument("-o", "--output", required=True, help="output file: .csv, .tsv, .jsonl or "
                   ".parquet (written only when the run succeeds)")
    _model_options(p)
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
    _policy_option(p)
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local (default: streamed, all cores) or dask (partitioned inputs; "
                   "OUTPUT is a folder of Parquet parts, or CSV parts if it ends in .csv)")
    p.add_argument("--scheduler", help="with --engine dask: a scheduler address such as "
                   "tcp://10.0.0.5:8786 (default: start a local cluster)")
    _conversation_options(p, labels=False)
    p.epilog = ("With --conversations: one row per conversation (conversation_id, turns, "
                "last_buyer_message, label, confidence, needs_review, also_label, answered, "
                "waiting_since), classified on the buyer's current request; --with-replies "
                "drafts the next reply for those waiting for an answer.\n  assistant batch "
                "tickets.csv -o triage.csv --conversations --with-replies")

    data = sub.add_parser("data", help="Check, split and convert labelled data.",
                          description="Check, split and convert labelled data.\n\nExample:\n"
                          "  assistant data validate my_labels.csv", formatter_class=Formatter)
    dsub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    p = _command(dsub, "validate", "Report every problem in labelled files, with rows. Exit "
                 "code 1 on errors (3 on warnings with --strict), for CI.",
                 "assistant data validate my_labels.csv --strict", c.cmd_data_validate)
    p.add_argument("files", nargs="+", help="labelled files or conversation exports")
    p.add_argument("--min-examples", type=int, default=5, help="fewest examples a label needs")
    p.add_argument("--strict", action="store_true", help="exit 3 when there are warnings")
    _data_options(p)
    _conversation_options(p)
    p = _command(dsub, "split", "Split a labelled file into NAME_train.csv and NAME_test.csv "
                 "(stratified, seeded).", "assistant data split my_labels.csv --test-size 0.2",
                 c.cmd_data_split)
    p.add_argument("file", help="the labelled file")
    p.add_argument("--test-size", type=float, default=0.2, help="share of rows for the test "
                   "file (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _data_options(p)
    p = _command(dsub, "convert", "Convert labelled data between CSV and Rasa NLU YAML.",
                 "assistant data convert nlu.yml labels.csv", c.cmd_data_convert)
    p.add_argument("source", help="a .csv/.tsv or a Rasa .yml/.yaml file")
    p.add_argument("target", help="a .csv or a .yml/.yaml file")
    _data_options(p)
    p = _command(dsub, "suggest", "Pick the N unlabelled messages (or conversations) that "
                 "would teach the active model most (uncertain, varied, no near-duplicates), "
                 "with its guess beside an empty label column, for agents to fill and train on.",
                 "assistant data suggest export.csv -n 50 -o to_label.csv", c.cmd_data_suggest)
    p.add_argument("export", help="a message export or a conversation export")
    p.add_argument("-n", type=int, default=50, help="how many to pick (default 50)")
    p.add_argument("-o", "--output", required=True, help="the CSV to write (formula-safe, "
                   "written only when complete)")
    _model_options(p)
    p.add_argument("--text-column", help="the message column (default: found by name)")
    p.add_argument("--encoding", help="the file's encoding (default: UTF-8, else cp1252)")
    _conversation_options(p)

    models = sub.add_parser("models", help="List and build models.",
                            description="List and build models.\n\nExample:\n  assistant "
                            "models list", formatter_class=Formatter)
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = _command(msub, "list", "List the saved models.", "assistant models list",
                 c.cmd_models_list)
    p = _command(msub, "build-default", "Build the default model from data/ if it is missing "
                 "or stale.", "assistant models build-default --force", c.cmd_models_build_default)
    p.add_argument("--force", action="store_true", help="rebuild even when up to date")
    p = _command(msub, "activate", "Make a saved model the one every command and the app use.",
                 "assistant models activate v20261122-101500", c.cmd_models_activate)
    p.add_argument("name", help="the model's name (see `assistant models list`)")
    _command(msub, "rollback", "Re-activate the model that was active before.",
             "assistant models rollback", c.cmd_models_rollback)

    feedback = sub.add_parser("feedback", help="The agents' saved replies and corrections.",
                              description="The agents' saved replies and corrections.\n\n"
                              "Example:\n  assistant feedback export corrections.csv",
                              formatter_class=Formatter)
    fsub = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    p = _command(fsub, "export", "Write the saved corrections as a labelled CSV for training.",
                 "assistant feedback export corrections.csv", c.cmd_feedback_export)
    p.add_argument("output", help="the CSV to write (text,label)")
    p.add_argument("--db", help="the feedback database (default: $ASSISTANT_FEEDBACK_DB or "
                   "data/feedback.sqlite3)")
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
