"""The fixed vocabulary shared by every module: tags, anger levels, languages, fields."""

from __future__ import annotations

TAGS: tuple[str, ...] = (
    "delay",
    "wrong_item",
    "damaged",
    "billing",
    "refund",
    "refund_missing",
    "rude_agent",
    "no_reply",
    "outage",
    "cancellation",
    "policy_exception",
    "misinformation",
)

ANGER_LEVELS: tuple[str, ...] = ("calm", "annoyed", "angry", "furious")

LANGUAGES: tuple[str, ...] = ("en", "et", "lv", "sl")
DEFAULT_LANGUAGE = "en"

#: Fields found in the e-mail itself (the rest come from context and configuration).
EMAIL_FIELDS: tuple[str, ...] = (
    "customer_name",
    "order_id",
    "tracking_number",
    "carrier",
    "amount",
    "date",
    "product",
)


def level_name(level: int) -> str:
    """Name of an anger level, e.g. ``level_name(2) == "angry"``."""
    return ANGER_LEVELS[level]
