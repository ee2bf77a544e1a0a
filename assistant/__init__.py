"""After-sales reply assistant: classify buyer messages, recommend a resolution, draft the reply.

>>> from assistant import draft, get_model
>>> result = draft("my parcel arrived empty", model=get_model())   # doctest: +SKIP
>>> print(result.decision.title)                                    # doctest: +SKIP
"""

from .assist import Draft, draft, order_from_message, respond
from .dataset import read_labelled, read_table
from .delivery import facts
from .errors import (
    AssistantError,
    DataError,
    ModelError,
    ModelVersionError,
    OrderError,
    TemplateError,
)
from .model import Model, Prediction, evaluate, train
from .orders import Order, extract_ids, find_order, read_orders
from .policy import Decision, decide
from .registry import get_model, load, save
from .replies import Reply, check_templates, render
from .scenarios import LABELS, SCENARIOS, SELLER_MESSAGES

__all__ = [
    "LABELS", "SCENARIOS", "SELLER_MESSAGES",
    "AssistantError", "DataError", "ModelError", "ModelVersionError", "OrderError",
    "TemplateError",
    "Decision", "Draft", "Model", "Order", "Prediction", "Reply",
    "check_templates", "decide", "draft", "evaluate", "extract_ids", "facts", "find_order",
    "get_model", "load", "order_from_message", "read_labelled", "read_orders", "read_table",
    "render", "respond", "save", "train",
]
