"""How to classify and train on conversations: measured on conversations built from the
shipped held-out messages (data/test.csv), never from real buyers' data.

    python benchmarks/conversations.py [--folds 5] [--seed 0]

Each conversation starts with one or two buyer messages of a label (the contact reason, as a
helpdesk tags it), then the seller answers, then one of: nothing more ("single"), another
message of the same label ("elaborate"), a short nudge in the buyer's language ("nudge": "any
news?", "here are the photos"), or a message of another label ("switch": a new problem). The
buyer's current scenario is the opener's label, except after a switch.

Part 1: the shipped model, the current scenario by each way of choosing the text
(assistant.threads.current_request is the one chosen). Part 2: k-fold cross-validation over
the conversations: train on data/train.csv plus one example per training conversation, built
from the buyer's messages up to the seller's first answer, or from all buyer messages; measure
on the held-out conversations: each model on its own kind of example against the
conversation's label, both on the opening messages against the label, and both on the current
request (assistant.threads.current_request) against the current scenario. Nothing is saved.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import get_model  # noqa: E402
from assistant.model import build_pipeline  # noqa: E402
from assistant.threads import (  # noqa: E402
    ALL_BUYER,
    BUYER,
    FIRST_ANSWER,
    SELLER,
    Turn,
    _blocks,
    buyer_side,
    current_request,
)

# Written for this benchmark: follow-ups that name no problem.
NUDGES = {
    "en": ["Any news?", "Hello? Still waiting for an answer.", "Here are the photos.",
           "Please reply.", "Ok, and now what?", "I sent you the pictures yesterday.",
           "Can you help me or not?", "It's been three days since my last message."],
    "es": ["¿Alguna novedad?", "Hola, sigo esperando respuesta.", "Aquí están las fotos.",
           "Por favor, respondan."],
    "pt": ["Alguma novidade?", "Olá, ainda aguardo resposta.", "Seguem as fotos.",
           "Por favor, respondam."],
    "fr": ["Des nouvelles ?", "Bonjour, j'attends toujours une réponse.", "Voici les photos.",
           "Merci de me répondre."],
    "de": ["Gibt es Neuigkeiten?", "Hallo, ich warte immer noch auf eine Antwort.",
           "Hier sind die Fotos.", "Bitte antworten Sie."],
    "ru": ["Есть новости?", "Здравствуйте, всё ещё жду ответа.", "Вот фотографии.",
           "Пожалуйста, ответьте."],
}
SELLER_LINES = ["Sorry to hear that. Could you send us a photo?",
                "Thank you for your message, we are checking it now.",
                "We have passed this to our team and will reply shortly.",
                "Thanks for letting us know, we'll look into it today."]
KINDS = ("single", "elaborate", "nudge", "switch")


def build(frame: pd.DataFrame, seed: int) -> list[dict]:
    """Conversations from the messages, each message used once."""
    rng = random.Random(seed)
    pools: dict[tuple[str, str], list[str]] = defaultdict(list)
    for text, label, lang in frame[["text", "label", "lang"]].itertuples(index=False):
        pools[(label, lang)].append(text)
    for pool in pools.values():
        rng.shuffle(pool)
    keys = sorted(pools)
    out = []
    while True:
        live = [k for k in keys if pools[k]]
        if not live:
            return out
        label, lang = rng.choice(live)
        turns = [Turn(BUYER, pools[(label, lang)].pop())]
        if pools[(label, lang)] and rng.random() < 0.3:
            turns.append(Turn(BUYER, pools[(label, lang)].pop()))
        kind, current = rng.choice(KINDS), label
        if kind != "single":
            turns.append(Turn(SELLER, rng.choice(SELLER_LINES)))
        if kind == "elaborate" and pools[(label, lang)]:
            turns.append(Turn(BUYER, pools[(label, lang)].pop()))
        elif kind == "nudge":
            turns.append(Turn(BUYER, rng.choice(NUDGES[lang])))
        elif kind == "switch":
            others = [k for k in live if k[1] == lang and k[0] != label and pools[k]]
            if others:
                new = rng.choice(others)
                turns.append(Turn(BUYER, pools[new].pop()))
                current = new[0]
        if kind == "elaborate" and turns[-1].role == SELLER:
            kind = "single"
        if kind != "single" and rng.random() < 0.3:
            turns.append(Turn(SELLER, rng.choice(SELLER_LINES)))
        out.append({"turns": turns, "label": label, "current": current, "kind": kind})


def _buyer_blocks(turns):
    return [texts for role, texts in _blocks(turns) if role == BUYER]


def _short_then_context(words: int):
    def pick(turns):
        blocks = _buyer_blocks(turns)
        latest = "\n".join(blocks[-1])
        earlier = [t for b in blocks[:-1] for t in b]
        return "\n".join([latest, *earlier]) if earlier and len(latest.split()) < words \
            else latest
    return pick


STRATEGIES = {
    "latest buyer turns only": lambda t: "\n".join(_buyer_blocks(t)[-1]),
    "all buyer turns": lambda t: buyer_side(t, ALL_BUYER),
    "latest twice + earlier": lambda t: "\n".join(
        [*(_buyer_blocks(t)[-1] * 2), *(x for b in _buyer_blocks(t)[:-1] for x in b)]),
    "first buyer turns only": lambda t: buyer_side(t, FIRST_ANSWER),
    **{f"latest; earlier added under {n} words": _short_then_context(n) for n in (4, 8, 12, 20)},
    "assistant.threads.current_request": current_request,
}


def part1(convs: list[dict]) -> None:
    model = get_model()
    truth = np.array([c["current"] for c in convs])
    kinds = np.array([c["kind"] for c in convs])
    print(f"Part 1: the shipped model {model.name!r}, the buyer's current scenario on "
          f"{len(convs)} conversations ({dict(Counter(kinds))})")
    print(f"  {'text classified':<40} {'all':>6} " + " ".join(f"{k:>9}" for k in KINDS))
    for name, pick in STRATEGIES.items():
        texts = [pick(c["turns"]) for c in convs]
        got = np.array([p.label for p in model.predict(texts, languages=None)])
        right = got == truth
        per = " ".join(f"{right[kinds == k].mean():9.3f}" for k in KINDS)
        print(f"  {name:<40} {right.mean():6.3f} {per}")


def part2(convs: list[dict], folds: int, seed: int) -> None:
    train = pd.read_csv(ROOT / "data" / "train.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(convs)) % folds
    print(f"\nPart 2: {folds}-fold cross-validation, data/train.csv ({len(train)} rows) plus "
          "one example per training conversation")
    print(f"  {'training example':<14} {'own examples':>13} {'opening messages':>17} "
          f"{'current scenario':>17}")
    for mode in (FIRST_ANSWER, ALL_BUYER):
        own, opening, current = [], [], []
        for fold in range(folds):
            fit = [c for c, f in zip(convs, fold_of, strict=True) if f != fold]
            held = [c for c, f in zip(convs, fold_of, strict=True) if f == fold]
            texts = train["text"].tolist() + [buyer_side(c["turns"], mode) for c in fit]
            labels = train["label"].tolist() + [c["label"] for c in fit]
            pipe = build_pipeline().fit(texts, labels)
            truth = np.array([c["label"] for c in held])
            own += list(pipe.predict([buyer_side(c["turns"], mode) for c in held]) == truth)
            opening += list(pipe.predict([buyer_side(c["turns"], FIRST_ANSWER)
                                          for c in held]) == truth)
            current += list(pipe.predict([current_request(c["turns"]) for c in held])
                            == np.array([c["current"] for c in held]))
        print(f"  {mode:<14} {np.mean(own):13.3f} {np.mean(opening):17.3f} "
              f"{np.mean(current):17.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-training", action="store_true", help="part 1 only")
    args = parser.parse_args()
    test = pd.read_csv(ROOT / "data" / "test.csv", dtype=str, keep_default_na=False)
    convs = build(test, args.seed)
    part1(convs)
    if not args.skip_training:
        part2(convs, args.folds, args.seed)


if __name__ == "__main__":
    main()
