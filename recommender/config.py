"""Configuration: company facts and policies that fill templates and steer rules.

The packaged ``resources/config.yaml`` holds the defaults; a user file overrides any of them.
Unknown keys are errors (a typo must not be silently ignored).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .resources import resource
from .taxonomy import DEFAULT_LANGUAGE, LANGUAGES


class Config(BaseModel):
    """Settings of one support team. Every field is optional in a user file."""

    model_config = ConfigDict(extra="forbid")

    language: str = DEFAULT_LANGUAGE
    #: Languages the customer's text is detected among (the default when detection is unsure).
    languages: tuple[str, ...] = LANGUAGES
    currency: str = "EUR"
    company: str | None = None
    agent_name: str | None = None
    support_phone: str | None = None
    policy_url: str | None = None
    discount_code: str | None = None
    discount_percent: int | None = None
    return_window_days: int | None = None
    return_days: int | None = None
    refund_days: str | None = None
    store_credit: str | None = None
    sla_percent: float | None = None
    tracking_url_template: str | None = Field(
        None, description="e.g. 'https://track.example.com/{tracking_number}'")
    product_catalogue: list[str] = Field(default_factory=list)
    #: Brand, product and place names that customers write in capitals ("IKEA", "BILLY"):
    #: never counted as shouting. The company and the product catalogue count as names too.
    names: list[str] = Field(default_factory=list)
    spacy_model: str | None = None
    rules_file: str | None = None
    templates_dir: str | None = None
    #: Template suggested when no complaint is found; ``None`` abstains.
    no_complaint_template: str | None = None
    #: When no tag reaches its threshold but the customer reads at least annoyed and the most
    #: likely tag has at least this probability, draft a reply for that tag, marked tentative;
    #: ``None`` abstains instead.
    tentative_min: float | None = Field(None, ge=0, le=1)
    #: A message clearly written in a language outside ``languages`` (Polish, Russian, …) gets
    #: no tags and no reply, and says which language it is in; ``False`` scores it with the
    #: default language's model instead.
    detect_other_languages: bool = True
    #: English reads pretrained word vectors (``recommender.vectors``); ``False`` runs the twin
    #: model fitted without them: a little faster and about 115 MB less a process, and less
    #: accurate (the README's "Data and model").
    word_vectors: bool = True

    def template_values(self) -> dict[str, Any]:
        """Configuration values that templates may use directly."""
        skip = {"language", "languages", "currency", "tracking_url_template", "product_catalogue",
                "names", "spacy_model", "rules_file", "templates_dir", "no_complaint_template",
                "tentative_min", "detect_other_languages", "word_vectors"}
        return {k: v for k, v in self.model_dump().items() if k not in skip and v is not None}


def not_shouting(config: Config) -> frozenset[str]:
    """The words of the company's name, its product catalogue and its ``names``, in capitals:
    a customer who writes them so is naming, not shouting (:mod:`recommender.anger`)."""
    return frozenset(word.upper() for name in [config.company or "", *config.product_catalogue,
                                               *config.names]
                     for word in re.findall(r"[^\W\d_]+", name))


def load_config(path: str | Path | None = None, **overrides: Any) -> Config:
    """Defaults, then the YAML file at ``path`` (if any), then keyword ``overrides``."""
    data = yaml.safe_load(resource("config.yaml").read_text(encoding="utf-8")) or {}
    source = "packaged config.yaml"
    if path is not None:
        source = str(path)
        try:
            user = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from None
        if not isinstance(user, dict):
            raise ConfigError(f"{path}: expected a mapping of settings at the top level")
        data.update(user)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        config = Config(**data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None
    unknown = sorted({config.language, *config.languages} - set(LANGUAGES))
    if unknown:
        raise ConfigError(f"{source}: unsupported language(s) {unknown}; supported: "
                          f"{', '.join(LANGUAGES)}")
    return config
