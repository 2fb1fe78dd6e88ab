"""Suggestion: the result for one e-mail, as an object, a dict and a short ``repr``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .anger import Evidence
from .rules import Candidate
from .taxonomy import ANGER_LEVELS


@dataclass
class Suggestion:
    """Tags, anger, the chosen template and the prefilled reply for one e-mail.

    ``template`` is ``None`` when the recommender abstains (no complaint found); ``reply`` is
    then ``""`` and ``explanation`` says why. ``tentative`` marks a reply drafted for the most
    likely tag of an annoyed customer when no tag reached its threshold. Every unfilled
    template field shows in the reply as a ``[label]`` marker and is listed in
    ``missing_fields``.
    """

    tags: dict[str, float]
    tag_scores: dict[str, float]
    anger: float
    anger_level: int
    anger_flags: list[str]
    anger_evidence: list[Evidence]
    template: str | None
    rule: str | None
    alternatives: list[Candidate]
    fields: dict[str, Any]
    field_sources: dict[str, str]
    missing_fields: list[str]
    reply: str
    reply_subject: str
    language: str
    explanation: str
    subject: str = ""
    sender: str = ""
    template_language: str | None = None
    language_confidence: float = 1.0
    rules_fired: list[str] = field(default_factory=list)
    text: str = ""
    threat_kinds: list[str] = field(default_factory=list)
    #: The reply is drafted for the most likely tag although no tag reached its threshold
    #: (``Config.tentative_min``): ``tags`` stays empty, and a human should check it.
    tentative: bool = False
    #: ``False`` when the customer wrote in a language the model does not read (``language``
    #: names it): no tags and no reply; ``tag_scores`` and the anger are the default
    #: language's model's reading and may mean little.
    language_supported: bool = True

    def _repr_html_(self) -> str:
        """A card for notebooks (all customer text escaped)."""
        from .notebook import card_html

        return card_html(self)

    @property
    def anger_level_name(self) -> str:
        return ANGER_LEVELS[self.anger_level]

    @property
    def abstained(self) -> bool:
        return self.template is None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict of every attribute (and the anger level name)."""
        data = asdict(self)
        data["anger_level_name"] = self.anger_level_name
        return data

    def __repr__(self) -> str:
        tags = (", ".join(f"{t} {p:.2f}" for t, p in self.tags.items())
                or ("no complaint" if self.language_supported else f"not read ({self.language})"))
        choice = (self.template or "abstain") + (" (tentative)" if self.tentative else "")
        missing = f", missing {len(self.missing_fields)}" if self.missing_fields else ""
        return (f"<Suggestion {choice} | {tags} | anger {self.anger:.2f} "
                f"{self.anger_level_name}{missing}>")
