"""After-sales reply assistant: classify buyer messages, recommend a resolution, draft the reply.

>>> from assistant import draft, get_model
>>> result = draft("my parcel arrived empty", model=get_model())   # doctest: +SKIP
>>> print(result.decision.title)                                    # doctest: +SKIP
"""

from .assist import Draft, draft, order_from_message, respond
from .conversations import Conversation, Conversations, read_conversations
from .dataset import read_labelled
from .delivery import facts
from .errors import (
    AssistantError,
    DataError,
    ModelError,
    ModelVersionError,
    OrderError,
    PolicyError,
    TemplateError,
)
from .evaluation import evaluate
from .model import Model, Prediction, train
from .orderids import extract_ids
from .orders import Order, find_order, read_orders
from .policy import Decision, decide
from .registry import get_model, load, save
from .replies import Reply, check_templates, render
from .scenarios import LABELS, SCENARIOS, SELLER_MESSAGES
from .settings import Settings
from .settings import load as load_policy
from .tables import read_table
from .threads import Turn, current_request, split_thread

__all__ = [
    "LABELS", "SCENARIOS", "SELLER_MESSAGES",
    "AssistantError", "DataError", "ModelError", "ModelVersionError", "OrderError",
    "PolicyError", "TemplateError",
    "Conversation", "Conversations", "Decision", "Draft", "Model", "Order", "Prediction",
    "Reply", "Settings", "Turn",
    "check_templates", "current_request", "decide", "draft", "evaluate", "extract_ids", "facts",
    "find_order", "get_model", "load", "load_policy", "order_from_message",
    "read_conversations",
    "read_labelled", "read_orders", "read_table", "render", "respond", "save", "split_thread",
    "train",
]
