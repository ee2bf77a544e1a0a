"""How the command line shows results: terminal-safe text and the printed layout of each
command's result. The commands (``assistant/cli/``) parse and call the library; everything
they print is laid out here.

>>> printable("red\\x1b[31m text")
'red\\\\x1b[31m text'
>>> short("a  long   message " * 10, width=20)
'a long message a lo…'
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from .threads import BUYER


def printable(text: str, keep: str = "") -> str:
    """``text`` safe for a terminal: control characters (escape sequences, bells, bidi
    overrides) shown as ``\\x1b``-style escapes instead of acted on; ``keep`` lists
    characters to leave, such as a newline."""
    return "".join(ch if ch in keep or not unicodedata.category(ch).startswith("C")
                   else ch.encode("unicode_escape").decode("ascii") for ch in text)


def short(text: str, width: int = 70) -> str:
    """One printable line of at most ``width`` characters."""
    text = printable(" ".join(text.split()))
    return text if len(text) <= width else text[: width - 1] + "…"


def warn(lines: Sequence[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def to_stderr(lines: Sequence[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def checked(problems: Sequence[str], where: str, ok: str) -> int:
    """Print a check's problems (exit 1) or its OK line (exit 0)."""
    for problem in problems:
        print(printable(str(problem), keep="\n"))
    if problems:
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return 1
    print(ok)
    return 0


def prediction_line(p: Any, max_chars: int) -> str:
    """``classify``'s line for one prediction."""
    alts = ", ".join(f"{a.label} {a.confidence:.2f}" for a in p.alternatives)
    flag = f"  NEEDS REVIEW ({p.review_reason})" if p.needs_review else ""
    if p.also:
        flag += f"  also: {p.also}"
    cut = f"  (classified on the first {max_chars:,} characters)" if p.truncated else ""
    return f"{p.label} ({p.confidence:.2f}){flag}  [then: {alts}]  <- {short(p.text)}{cut}"


# ---------------------------------------------------------------- evaluation


def print_metrics(result: dict[str, Any]) -> None:
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


def print_cross_validation(result: dict[str, Any], rows: int) -> None:
    print(f"{result['folds']}-fold cross-validation of the default pipeline on {rows} "
          "messages:")
    for key in ("accuracy", "macro_f1"):
        print(f"  {key:<9} {result[key]['mean']:.3f} ± {result[key]['std']:.3f}")
    for label, row in result["per_label"].items():
        print(f"  {label:<28} F1 {row['f1_mean']:.3f} ± {row['f1_std']:.3f}")


def print_tradeoff(trade: dict[str, Any], label: str) -> None:
    print(f"needs-review threshold vs out-of-scope ({trade['in_scope']} in scope, "
          f"{trade['out_of_scope']} out of scope labelled {label!r}):")
    print("  threshold  in-scope accuracy  out-of-scope recall")
    for row in trade["rows"]:
        mark = "  <- suggested" if row["threshold"] == trade["suggested"] else ""
        print(f"  {row['threshold']:9.2f}  {row['in_scope_accuracy']:17.3f}  "
              f"{row['out_of_scope_recall']:19.3f}{mark}")


def print_comparison(result: dict[str, Any], show: int) -> None:
    a, b = result["a"], result["b"]
    print(f"{'':<28} {a['name']:>12} {b['name']:>12}   difference")
    for key in ("accuracy", "macro_f1"):
        print(f"{key:<28} {a[key]:12.3f} {b[key]:12.3f}   {b[key] - a[key]:+.3f}")
    print("F1 per label:")
    for label, row in result["per_label"].items():
        print(f"  {label:<26} {row['f1_a']:12.3f} {row['f1_b']:12.3f}   {row['difference']:+.3f}")
    print(f"{len(result['changed'])} messages changed prediction: {result['fixed']} fixed, "
          f"{result['broken']} broken")
    for row in result["changed"][:show]:
        verdict = "fixed" if row["b_right"] and not row["a_right"] else (
            "broken" if row["a_right"] and not row["b_right"] else "still wrong")
        print(f"  [{verdict}] {row['a']} -> {row['b']} (true {row['true']}): "
              f"{short(row['text'], 60)}")


# ---------------------------------------------------------------- reply


def print_reply(result: Any) -> None:
    """``reply``'s layout: the scenario, the recommended action and its reasons, the draft."""
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


def _print_policy_parts(decision: Any, lang: str) -> None:
    """The decision's amounts (in the reply's locale), its options and the settings used."""
    from .replies import locale_for

    for name, text in decision.amount_texts(locale_for(lang)).items():
        print(f"  {name.replace('_', ' ')}: {text}")
    for number, option in enumerate(decision.options, start=1):
        print(f"Option {number}:  {option.title}  [{option.action}]")
    if decision.settings:
        print(f"Policy:    {', '.join(decision.settings)}  ({decision.policy})")


def print_turns(turns: Sequence[Any], request: str) -> None:
    """A pasted thread's turns, and the buyer's request the draft answers."""
    buyer = sum(t.role == BUYER for t in turns)
    print(f"Thread: {len(turns)} turns, {buyer} from the buyer")
    for number, turn in enumerate(turns, start=1):
        when = f" {turn.time}" if turn.time is not None else ""
        print(f"  {number:>2} {turn.role:<6}{when}  {short(turn.text, 64)}")
    print(f"Answering: {short(request, 90)}")


def turns_json(turns: Sequence[Any] | None, request: str) -> dict[str, Any]:
    if turns is None:
        return {}
    return {"turns": [{"role": t.role, "text": t.text, "name": t.name,
                       "time": None if t.time is None else t.time.isoformat()} for t in turns],
            "request": request}


# ---------------------------------------------------------------- policy and models


def print_policy(settings: Any) -> None:
    """``policy show``: the settings in effect and the rules in the order they are checked."""
    from .policy import describe_rules
    from .settings import describe

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


def card_line(card: dict[str, Any]) -> str:
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
