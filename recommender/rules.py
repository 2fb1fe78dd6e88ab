"""Rules: pick the reply template from tags, anger, context and fields, and say why.

Rules are small named units in a YAML file (``resources/rules.yaml`` or the user's own), each
with conditions that may or may not hold (like snorkel labelling functions). Every rule that
fires is ranked by the probability of the tag it answers, then its priority; the best is the
suggestion, the next ones are the alternatives. Conditions that YAML cannot express are named
Python predicates in :data:`PREDICATES`, never code inside YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RulesError
from .resources import resource
from .taxonomy import ANGER_LEVELS, TAGS

#: Strength of a rule that has no tag condition but whose context or predicate holds:
#: such rules encode facts the caller asserted, so they outrank any tag-based rule.
CONTEXT_STRENGTH = 1.0
#: Strength of a rule with no condition at all (a catch-all fallback).
FALLBACK_STRENGTH = 0.0
#: Number of alternatives returned besides the chosen template.
MAX_ALTERNATIVES = 3


@dataclass
class Facts:
    """Everything a rule may look at for one e-mail."""

    tags: list[str]
    tag_scores: dict[str, float]
    anger_level: int
    anger_flags: list[str]
    context: dict[str, Any]
    fields: dict[str, Any]
    text: str = ""


# -- named predicates ----------------------------------------------------------------------
_TERMS = re.compile(r"\b(terms|conditions|t&c|t&cs|fine print|small print|contract|"
                    r"advertis\w*|small-print)\b", re.I)
_OUR_EMAILS = re.compile(r"\b(e-?mails?|confirmation|receipt|newsletter|verification code|"
                         r"password reset|code)\b.{0,40}\b(never|not|didn'?t|don'?t|no)\b.{0,20}"
                         r"\b(arriv|receiv|come|came|get|got)", re.I)
_PROMOTION = re.compile(r"\b(sale|promo\w*|black friday|cyber monday|discount|offer|deal)\b", re.I)


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d"):
            try:
                return datetime.strptime(value.strip()[:10], fmt).date()
            except ValueError:
                continue
    return None


def outside_return_window(facts: Facts) -> bool:
    """Context says so, or the order date is older than the return window."""
    if "outside_return_window" in facts.context:
        return _truthy(facts.context["outside_return_window"])
    ordered = _parse_date(facts.context.get("order_date"))
    window = facts.fields.get("return_window_days")
    if ordered is None or window is None:
        return False
    today = _parse_date(facts.context.get("received_date")) or date.today()
    return (today - ordered).days > int(window)


PREDICATES: dict[str, Callable[[Facts], bool]] = {
    "mentions_terms": lambda f: bool(_TERMS.search(f.text)),
    "mentions_our_emails": lambda f: bool(_OUR_EMAILS.search(f.text)),
    "mentions_promotion": lambda f: bool(_PROMOTION.search(f.text)) or _truthy(
        f.context.get("promotion_active")),
    "outside_return_window": outside_return_window,
    "has_sla": lambda f: _truthy(f.context.get("has_sla")) or f.fields.get("sla_percent")
    is not None,
    "refund_date_known": lambda f: bool(f.fields.get("refund_date")),
}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value) and value == value  # NaN is not true


# -- schema ----------------------------------------------------------------------------------
class When(BaseModel):
    """Conditions of a rule; all given conditions must hold."""

    # Tag and flag conditions are sets (YAML lists are converted): every rule is checked
    # against every message, and set operations on them need no conversion each time.
    model_config = ConfigDict(extra="forbid")
    tags_any: frozenset[str] = frozenset()
    tags_all: frozenset[str] = frozenset()
    tags_none: frozenset[str] = frozenset()
    anger_min: int | str | None = None
    anger_max: int | str | None = None
    flags_any: frozenset[str] = frozenset()
    context: dict[str, Any] = Field(default_factory=dict)
    fields_present: list[str] = Field(default_factory=list)
    predicate: str | None = None
    not_predicate: str | None = None

    @field_validator("tags_any", "tags_all", "tags_none")
    @classmethod
    def _known_tags(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(TAGS))
        if unknown:
            raise ValueError(f"unknown tag(s) {unknown}; known tags: {', '.join(TAGS)}")
        return value

    @field_validator("anger_min", "anger_max")
    @classmethod
    def _level(cls, value: int | str | None) -> int | None:
        if value is None or isinstance(value, int) and 0 <= value < len(ANGER_LEVELS):
            return value
        if isinstance(value, str) and value in ANGER_LEVELS:
            return ANGER_LEVELS.index(value)
        raise ValueError(f"anger level must be 0-3 or one of {', '.join(ANGER_LEVELS)}")

    @field_validator("predicate", "not_predicate")
    @classmethod
    def _known_predicate(cls, value: str | None) -> str | None:
        if value is not None and value not in PREDICATES:
            raise ValueError(f"unknown predicate {value!r}; known: {', '.join(PREDICATES)}")
        return value


class Rule(BaseModel):
    """One rule: when its conditions hold, suggest ``template``."""

    model_config = ConfigDict(extra="forbid")
    id: str
    template: str
    priority: int = 0
    when: When = Field(default_factory=When)
    why: str

    def strength(self, facts: Facts, tags: frozenset[str] | None = None) -> float | None:
        """How strongly the rule fires on ``facts``, or ``None`` when it does not; ``tags`` is
        ``facts.tags`` as a set, when the caller has it already."""
        w = self.when
        tags = frozenset(facts.tags) if tags is None else tags
        if w.tags_any and not tags & w.tags_any:
            return None
        if not w.tags_all <= tags or tags & w.tags_none:
            return None
        if w.anger_min is not None and facts.anger_level < w.anger_min:
            return None
        if w.anger_max is not None and facts.anger_level > w.anger_max:
            return None
        if w.flags_any and w.flags_any.isdisjoint(facts.anger_flags):
            return None
        for key, expected in w.context.items():
            actual = facts.context.get(key)
            if (_truthy(actual) if isinstance(expected, bool) else actual) != expected:
                return None
        if any(not facts.fields.get(name) for name in w.fields_present):
            return None
        if w.predicate and not PREDICATES[w.predicate](facts):
            return None
        if w.not_predicate and PREDICATES[w.not_predicate](facts):
            return None
        answered = (tags & w.tags_any) | w.tags_all
        if answered:
            return max(facts.tag_scores.get(t, 0.0) for t in answered)
        if w.context or w.predicate or w.fields_present:
            return CONTEXT_STRENGTH
        return FALLBACK_STRENGTH


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule]


# -- matching ------------------------------------------------------------------------------
@dataclass
class Candidate:
    template: str
    rule: str
    score: float
    why: str


@dataclass
class Match:
    """The decision: chosen template (or ``None`` to abstain), the runner-up and why."""

    template: str | None
    rule: str | None
    why: str
    alternatives: list[Candidate] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)

    @property
    def runner_up(self) -> Candidate | None:
        return self.alternatives[0] if self.alternatives else None


class RuleSet:
    """A validated list of rules.

    Examples
    --------
    >>> rules = RuleSet.load()
    >>> facts = Facts(["delay"], {"delay": 0.9}, 1, [], {}, {})
    >>> rules.match(facts).template
    'delivery_delay'
    """

    def __init__(self, rules: list[Rule], source: str = "<rules>"):
        self.rules = rules
        self.source = source

    @classmethod
    def load(cls, path: str | Path | None = None,
             templates: Iterable[str] | None = None) -> "RuleSet":
        """Load and validate a rules file (the packaged default when ``path`` is None).

        Raises :class:`RulesError` naming the file, the rule and the key on any problem,
        including a template id not in ``templates`` (when given).
        """
        node = resource("rules.yaml") if path is None else Path(path)
        source = "packaged rules.yaml" if path is None else str(path)
        try:
            data = yaml.safe_load(node.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RulesError(f"{source}: rules file not found") from None
        except yaml.YAMLError as exc:
            raise RulesError(f"{source}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RulesError(f"{source}: expected a top-level 'rules:' list")
        rules, seen = [], set()
        for i, raw in enumerate(data["rules"]):
            rid = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
            try:
                rule = Rule.model_validate(raw)
            except ValidationError as exc:
                err = exc.errors()[0]
                key = ".".join(str(p) for p in err["loc"]) or "rule"
                raise RulesError(f"{source}: rule {rid!r}: {key}: {err['msg']}") from None
            if rule.id in seen:
                raise RulesError(f"{source}: rule {rule.id!r}: duplicate id")
            seen.add(rule.id)
            rules.append(rule)
        extra = set(data) - {"rules"}
        if extra:
            raise RulesError(f"{source}: unknown top-level key(s) {sorted(extra)}")
        ruleset = cls(rules, source)
        if templates is not None:
            ruleset.check_templates(templates)
        return ruleset

    def check_templates(self, templates: Iterable[str]) -> None:
        known = set(templates)
        for rule in self.rules:
            if rule.template not in known:
                raise RulesError(f"{self.source}: rule {rule.id!r}: template "
                                 f"{rule.template!r} does not exist")

    def match(self, facts: Facts) -> Match:
        """Rank every rule that fires; the best template wins, distinct others follow."""
        fired, tags = [], frozenset(facts.tags)
        for order, rule in enumerate(self.rules):
            strength = rule.strength(facts, tags)
            if strength is not None:
                fired.append((strength, rule.priority, -order, rule))
        fired.sort(key=lambda item: item[:3], reverse=True)
        candidates, seen = [], set()
        for strength, _, _, rule in fired:
            if rule.template not in seen:
                seen.add(rule.template)
                candidates.append(Candidate(rule.template, rule.id, round(strength, 4), rule.why))
        fired_ids = [item[3].id for item in fired]
        if not candidates:
            return Match(None, None, "no rule fired: no complaint found", [], fired_ids)
        best = candidates[0]
        return Match(best.template, best.rule, best.why,
                     candidates[1:1 + MAX_ALTERNATIVES], fired_ids)
