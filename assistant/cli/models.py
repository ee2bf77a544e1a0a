"""Commands that train, measure and manage models: ``train``, ``evaluate``, ``compare`` and
``models list/build-default/activate/rollback``."""

from __future__ import annotations

import argparse
import json
import sys

from .. import terminal as out
from ..errors import DataError
from .base import DATA, JSON, LABELLED_THREADS, MODEL, arg, command, training_data
from .base import model_for as _model


@command("train", "Train a model on labelled files and conversation exports (one example per "
         "labelled conversation) and save it.",
         "assistant train data/train.csv my_labels.csv --name shop2",
         arg("data", nargs="+", help="labelled files (a text and a label column) or "
             "conversation exports (detected by their columns)"),
         arg("--name", default="custom", help="the model's name under models/ (default: "
             "custom)"),
         arg("--min-examples", type=int, default=5, help="fewest examples a label needs "
             "(default 5; at least 3)"),
         arg("--activate", action="store_true", help="make it the active model after saving"),
         DATA, LABELLED_THREADS)
def train(args: argparse.Namespace) -> int:
    from ..model import MIN_CONFIDENT_PRECISION
    from ..model import train as fit
    from ..registry import DEFAULT, activate, save, valid_name

    valid_name(args.name)
    if args.name == DEFAULT:
        raise DataError("the name 'default' is kept for the model built from the shipped data; "
                        "choose another --name")
    data = training_data(args, min_examples=max(3, args.min_examples))
    counts = data.frame["label"].value_counts()
    print(f"Training on {len(data.frame)} messages, {len(counts)} labels "
          f"(smallest: {counts.idxmin()} with {counts.min()}).", file=sys.stderr)
    result = fit(data.texts, data.labels, name=args.name, sources=args.data)
    folder = save(result.model, args.name)
    print(f"{result.holdout['method']} ({len(result.holdout['per_label'])} labels, each of "
          f"the {result.holdout['rows']} messages predicted by a model that never saw it):")
    out.print_metrics(result.holdout)
    t = result.model.thresholds
    if result.model.card["threshold_selection"].get("met", True):
        print(f"needs_review when confidence < {t.min_confidence:.3f} or margin < "
              f"{t.min_margin:.3f}")
    else:
        print("needs_review on every message: no threshold keeps confident answers "
              f"{MIN_CONFIDENT_PRECISION:.0%} right on noisy copies of these rows. Add examples "
              "(more rows per label, in the buyers' own words) and train again.",
              file=sys.stderr)
    print(f"Saved model {args.name!r} to {folder} in {result.seconds:.1f}s.")
    if args.activate:
        activate(args.name)
        print(f"{args.name!r} is now the active model.")
    return 0


@command("evaluate", "Measure a model on a labelled file, or cross-validate the pipeline on "
         "it with --folds.", "assistant evaluate data/test.csv --report-dir reports/",
         arg("data", nargs="+", help="labelled files"), MODEL, JSON,
         arg("--report-dir", help="also write intent_report.json, intent_errors.json, "
             "confusion_matrix.png and confidence_histogram.png (Rasa NLU's shapes) here"),
         arg("--folds", type=int, help="stratified K-fold cross-validation of the pipeline on "
             "this data instead (mean and spread of each figure)"),
         arg("--out-of-scope", metavar="LABEL", help="the label that marks out-of-scope rows: "
             "report how the needs-review threshold trades in-scope accuracy for catching "
             "them"),
         arg("--set-threshold", action="store_true", help="with --out-of-scope: save the "
             "suggested confidence threshold into the model (not for the default model, which "
             "is rebuilt from the shipped data)"), DATA, LABELLED_THREADS)
def evaluate(args: argparse.Namespace) -> int:
    from .. import evaluation

    if args.set_threshold and not args.out_of_scope:
        raise DataError("--set-threshold goes with --out-of-scope LABEL")
    data = training_data(args, min_labels=1, min_examples=1)
    if args.folds:
        result = evaluation.cross_validate(data.texts, data.labels, args.folds)
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            out.print_cross_validation(result, len(data.frame))
        return 0
    model = _model(args)
    unknown = sorted(set(data.labels) - set(model.labels) - {args.out_of_scope or ""})
    if unknown:
        out.warn([f"labels the model does not know (always counted wrong): {', '.join(unknown)}"])
    result = evaluation.evaluate(model, data.texts, data.labels)
    if args.out_of_scope:
        result["threshold_tradeoff"] = evaluation.threshold_tradeoff(
            model, data.texts, data.labels, args.out_of_scope)
    if args.set_threshold:
        _set_threshold(args, result["threshold_tradeoff"]["suggested"])
    if args.report_dir:
        paths = evaluation.write_reports(model, data.texts, data.labels, args.report_dir)
        print(f"wrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    if args.json:
        print(json.dumps({"model": model.name, **result}, indent=2))
        return 0
    print(f"Model {model.name!r} on {len(data.frame)} messages:")
    out.print_metrics(result)
    if args.out_of_scope:
        out.print_tradeoff(result["threshold_tradeoff"], args.out_of_scope)
    return 0


def _set_threshold(args: argparse.Namespace, suggested: float) -> None:
    """Save the suggested threshold into a model the user trained (the registry writes it)."""
    from ..registry import DEFAULT, active_name, set_confidence_threshold

    if args.trust_model_path:
        raise DataError("--set-threshold saves into a model of the models folder; use "
                        "--model NAME, not --trust-model-path")
    name = args.model or active_name()
    if name == DEFAULT:
        raise DataError("the default model is rebuilt from the shipped data, so its threshold "
                        "cannot be set; train your own model and pass --model NAME")
    folder = set_confidence_threshold(name, suggested, {
        "out_of_scope_label": args.out_of_scope, "data": [str(p) for p in args.data]})
    print(f"needs-review confidence threshold of {folder.name!r} set to {suggested:.2f}",
          file=sys.stderr)


@command("compare", "Compare two models on the same labelled rows.",
         "assistant compare default shop2 data/test.csv",
         arg("model_a", help="the first model's name"),
         arg("model_b", help="the second model's name"),
         arg("data", nargs="+", help="labelled files"),
         arg("--show", type=int, default=20, help="how many changed messages to list"),
         JSON, DATA)
def compare(args: argparse.Namespace) -> int:
    from ..dataset import read_labelled
    from ..evaluation import compare as measure
    from ..registry import get_model

    data = read_labelled(args.data, text_column=args.text_column,
                         label_column=args.label_column, encoding=args.encoding, min_examples=1)
    out.warn(data.warnings)
    result = measure(get_model(args.model_a), get_model(args.model_b), data.texts, data.labels)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        out.print_comparison(result, args.show)
    return 0


@command("models list", "List the saved models.", "assistant models list")
def models_list(args: argparse.Namespace) -> int:
    from ..registry import active_name, list_models

    rows = list_models()
    if not rows:
        print("no models yet; `assistant models build-default` builds the default one")
    active = active_name()
    for card in rows:
        print(f"{'*' if card['name'] == active else ' '} {card['name']:<20} "
              f"{out.card_line(card)}")
    return 0


@command("models build-default", "Build the default model from data/ if it is missing or "
         "stale.", "assistant models build-default --force",
         arg("--force", action="store_true", help="rebuild even when up to date"))
def models_build_default(args: argparse.Namespace) -> int:
    from ..registry import build_default

    model = build_default(force=args.force)
    print(f"default model: {len(model.labels)} labels, {model.card.get('rows')} messages, "
          f"built {model.card.get('created')}")
    return 0


@command("models activate", "Make a saved model the one every command and the app use.",
         "assistant models activate v20261122-101500",
         arg("name", help="the model's name (see `assistant models list`)"))
def models_activate(args: argparse.Namespace) -> int:
    from ..registry import activate

    activate(args.name)
    print(f"active model: {args.name}")
    return 0


@command("models rollback", "Re-activate the model that was active before.",
         "assistant models rollback")
def models_rollback(args: argparse.Namespace) -> int:
    from ..registry import rollback

    print(f"active model: {rollback()}")
    return 0
