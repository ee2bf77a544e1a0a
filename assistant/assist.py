"""The one chain every front end calls: message -> prediction -> decision -> reply.

>>> from assistant import draft, get_model
>>> result = draft("tracking says delivered but I have nothing", model=get_model())
>>> result.decision.action      # no order facts say delivered: look the tracking up first
'check_tracking'
>>> result.reply.missing_fields
('agent_name', 'store_name')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from .language import SERVED
from .model import Model, Prediction
from .orderids import extract_ids
from .orders import Order
from .policy import Decision, decide
from .replies import DEFAULT_LANG, Reply, locale_for, render
from .settings import Settings


@dataclass(frozen=True)
class Draft:
    """Everything an agent sees for one message.

    ``label`` is the scenario used (the agent's choice, else the prediction); the decision's
    template may differ from it (and the page shows both). ``english`` is the English version
    of the reply when the reply is in another language.
    """

    prediction: Prediction
    label: str
    order: Order
    decision: Decision
    reply: Reply
    english: Reply | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            **self.prediction.to_dict(),
            "label": self.label,
            "predicted_label": self.prediction.label,
            "decision": self.decision.to_dict(locale_for(self.reply.lang)),
            "template": self.reply.template,
            "reply": self.reply.text,
            "reply_language": self.reply.lang,
            "missing_fields": list(self.reply.missing_fields),
            "note": self.reply.note,
            "order_id": self.order.order_id,
            "tracking_number": self.order.tracking_number,
        }
        if self.english is not None:
            out["reply_english"] = self.english.text
        return out


def order_from_message(message: str, order: Order | None = None) -> Order:
    """The order, with an order number and tracking number from the message filling gaps."""
    order = order or Order()
    found = {k: v for k, v in extract_ids(message).items() if getattr(order, k, None) is None}
    return dataclasses.replace(order, **found) if found else order


def respond(prediction: Prediction, order: Order | None = None, *, label: str | None = None,
            lang: str | None = None, agent_name: str | None = None,
            store_name: str | None = None, today: date | None = None,
            english: bool = True, history: Any = None,
            settings: Settings | None = None) -> Draft:
    """Decide and draft for a prediction already made (batch calls this per row).

    ``english`` also renders the English version of a reply in another language (for an
    agent who does not read it); batch runs turn it off. ``history`` is the order's case so
    far (``FeedbackStore.history``), so the decision follows on from the last step taken.
    ``settings`` is the seller's policy (default: the policy file in effect); the message
    itself tells the decision whether the photos asked for were sent.
    """
    order = order_from_message(prediction.text, order)
    chosen = label or prediction.label
    decision = decide(chosen, order, today=today, history=history, settings=settings,
                      message=prediction.text)
    reply_lang = lang or buyer_language(prediction) or DEFAULT_LANG
    options = {"agent_name": agent_name, "store_name": store_name, "today": today}
    reply = render(decision.template, order, decision, lang=reply_lang, **options)
    english_reply = None
    if english and reply.lang != DEFAULT_LANG:
        english_reply = render(decision.template, order, decision, lang=DEFAULT_LANG, **options)
    return Draft(prediction, chosen, order, decision, reply, english_reply)


def buyer_language(prediction: Prediction) -> str | None:
    """The language to answer in: the detected one when it is served and the detection is
    not a guess on one or two words (then None: the caller's default)."""
    if prediction.language not in SERVED:
        return None
    sure = len(prediction.text.split()) >= 3 or (prediction.language_confidence or 0) >= 0.5
    return prediction.language if sure else None


def draft(message: str, *, model: Model, order: Order | None = None, label: str | None = None,
          lang: str | None = None, agent_name: str | None = None, store_name: str | None = None,
          today: date | None = None, history: Any = None,
          settings: Settings | None = None) -> Draft:
    """Classify ``message`` and draft the reply: the whole chain for one message.

    ``label`` overrides the predicted scenario; ``lang`` forces the reply's language (default:
    the buyer's language when templates exist for it, else English); ``history`` is the
    order's case so far (see :func:`respond`); ``settings`` the seller's policy.
    """
    [prediction] = model.predict([message])
    return respond(prediction, order, label=label, lang=lang, agent_name=agent_name,
                   store_name=store_name, today=today, history=history, settings=settings)


def prepare(model: Model | None = None) -> None:
    """Ready a process that answers many messages (the app, a benchmark), after its model is
    loaded: lingua's models built (1.5 s on the first message the language head is unsure of
    otherwise), every template compiled (3-5 ms on each one's first use), ``model``'s features
    readied (Model.ready: 0.25-0.4 s on its first batch of messages otherwise), then the heap
    settled: collected, and what is alive frozen, so that later garbage collections skip the
    model's objects (every full collection walked them all: 5-10 ms pauses, the slowest 1% of
    messages). What an earlier call froze is unfrozen first, so objects that died since are
    still collected."""
    import gc

    from .language import build_detectors
    from .replies import compile_templates

    build_detectors()
    compile_templates()
    if model is not None:
        model.ready()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
