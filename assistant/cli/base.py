"""What every command shares: the ``@command`` registry, the option groups, and the helpers
that turn options into library arguments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import terminal as out


@dataclass(frozen=True)
class Command:
    name: str            # "classify", or "group action" such as "models list"
    help: str
    example: str
    options: tuple
    func: Callable[[argparse.Namespace], int]
    epilog: str | None = None


COMMANDS: list[Command] = []
# The order of ``assistant --help``.
ORDER = ("init", "classify", "reply", "batch", "train", "evaluate", "compare", "models", "data",
         "templates", "policy", "feedback")
GROUPS = {
    "templates": "Check the reply templates.",
    "policy": "Check and show the seller's policy file.",
    "data": "Check, split, convert and pick labelled data.",
    "models": "List, build and activate models.",
    "feedback": "The agents' saved replies and corrections.",
}


def arg(*flags: str, **kwargs: Any) -> tuple:
    """One option, as ``ArgumentParser.add_argument`` takes it."""
    return flags, kwargs


def command(name: str, help: str, example: str, *options: tuple | Sequence[tuple],
            epilog: str | None = None):
    """Register the decorated function as ``assistant NAME`` with these options (an option
    group such as ``MODEL`` may be given as one item)."""
    flat = tuple(o for item in options for o in (item if isinstance(item, list) else [item]))

    def register(func):
        COMMANDS.append(Command(name, help, example, flat, func, epilog))
        return func
    return register


# ---------------------------------------------------------------- shared options

MODEL = [
    arg("--model", help="a model's name under the models folder (default: the active model; "
        "see `assistant models list`)"),
    arg("--trust-model-path", metavar="DIR", help="load the model saved in DIR, outside the "
        "models folder. Loading a model runs code from its file: only use a folder whose "
        "model you made"),
]
JSON = arg("--json", action="store_true", help="print the result as JSON")
POLICY = arg("--policy", metavar="FILE", help="the seller's policy file (default: "
             "$ASSISTANT_POLICY, else policy.toml in the data directory, else the shipped "
             "data/policy.toml; see `assistant policy show`)")
TEXT_COLUMN = arg("--text-column", help="the column with the message (default: found by "
                  "name: text, message, body, content...)")
ENCODING = arg("--encoding", help="the files' encoding (default: UTF-8, else cp1252 with a "
               "warning)")
DATA = [TEXT_COLUMN, arg("--label-column", help="the column with the label (default: found by "
                         "name: label, intent, category, scenario...)"), ENCODING]
SIGN_OFF = [arg("--agent", help="the agent's name for the sign-off"),
            arg("--store", help="the store's name for the sign-off")]
DAYFIRST = arg("--dayfirst", action="store_true", help="read 02/03/2026 as 2 March")
# How to read conversation exports (one row per message, or nested JSON).
THREADS = [
    arg("--conversations", action="store_true", default=None, help="the inputs are "
        "conversation exports (default: detected by their columns: a conversation id and who "
        "wrote each message)"),
    arg("--conversation-column", help="the conversation id column (default: conversation_id, "
        "ticket_id, thread_id, case_id, chat_id…)"),
    arg("--role-column", help="the column saying who wrote each message (default: role, "
        "direction, message_type, from_agent, incoming, sender_type…)"),
    arg("--buyer-values", metavar="A,B", help="the role column's values that mean the buyer, "
        "comma-separated; every other value is the seller"),
    arg("--time-column", help="the message time column (default: created_at, timestamp, "
        "date, sent…)"),
    DAYFIRST,
]
LABELLED_THREADS = THREADS + [
    arg("--examples", choices=("first_answer", "all_buyer"), default="first_answer",
        help="a labelled conversation's example: the buyer's messages up to the seller's "
        "first answer (default) or all the buyer's messages"),
    arg("--labels", metavar="FILE", help="conversation labels in a separate file "
        "(conversation id and label or tags), joined on the id"),
    arg("--label-map", metavar="FILE", help="CSV tag,label mapping the helpdesk's tags to "
        "labels (an empty label ignores a tag)"),
    arg("--tags-column", help="the column of tags (default: tags, labels…)"),
]
_READ_OPTIONS = ("labels", "label_map", "tags_column", "conversation_column", "role_column",
                 "time_column", "dayfirst")


def model_for(args: argparse.Namespace):
    from ..registry import get_model

    return get_model(args.model, trusted_path=args.trust_model_path)


def threads_kwargs(args: argparse.Namespace, *, mode: bool = True) -> dict[str, Any]:
    """The THREADS options as keyword arguments of :func:`assistant.convdata.read_sources`."""
    kwargs = {key: getattr(args, key) for key in _READ_OPTIONS if getattr(args, key, None)}
    if getattr(args, "buyer_values", None):
        kwargs["buyer_values"] = [v.strip() for v in args.buyer_values.split(",") if v.strip()]
    if mode:
        kwargs["conversations"] = args.conversations
        kwargs["mode"] = getattr(args, "examples", None) or "first_answer"
    return kwargs


def training_data(args: argparse.Namespace, **checks):
    """The labelled rows of ``args.data`` (files and conversation exports), counts on stderr."""
    from ..convdata import read_training

    data, sources = read_training(args.data, text_column=args.text_column,
                                  label_column=args.label_column, encoding=args.encoding,
                                  **checks, **threads_kwargs(args))
    out.to_stderr(sources.lines())
    out.warn(data.warnings)
    return data


def read_stdin() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    raw = stream.read() if stream is not None else sys.stdin.read().encode("utf-8",
                                                                          "surrogateescape")
    text = raw.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        out.warn(["the input is not valid UTF-8; unreadable bytes are shown as \ufffd"])
    return text


