"""Render: fill a reply template in a sandbox, with visible markers for what is unknown.

Templates live in ``resources/templates/<lang>.yaml`` (or a user directory with the same
layout). Customer text only ever arrives as variable *values*, never as template source, and
rendering uses a sandboxed environment with ``StrictUndefined``: a variable that is neither
known nor marked is an error, never a silent blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import TemplateError
from .resources import resource
from .taxonomy import DEFAULT_LANGUAGE

GROUPS = ("apology", "angry_customer", "call_centre", "refund")
#: Babel locale and date pattern used for dates and amounts given as values (not as text).
LOCALES = {"en": "en_GB", "et": "et_EE", "lv": "lv_LV", "sl": "sl_SI"}
DATE_PATTERNS = {"en_GB": "d MMMM yyyy", "et_EE": "dd.MM.yyyy", "lv_LV": "dd.MM.yyyy",
                 "sl_SI": "d. M. yyyy"}
DATE_VARIABLES = frozenset({"delivery_date", "refund_date", "incident_date", "sale_end_date",
                            "date"})
AMOUNT_VARIABLES = frozenset({"amount", "refund_amount", "store_credit"})


class TemplateSpec(BaseModel):
    """One entry of a template file."""

    model_config = ConfigDict(extra="forbid")
    group: str
    title: str
    subject: str
    body: str


@dataclass
class Rendered:
    """A filled template: subject, body, the variables that got a marker, the language used."""

    template: str
    subject: str
    body: str
    missing: list[str]
    language: str
    fallback: bool = False


class TemplateLibrary:
    """All reply templates of one language, with English as the fallback.

    Parameters
    ----------
    language : language of the replies
    directory : a folder with ``<lang>.yaml`` files replacing the packaged ones (optional)

    Examples
    --------
    >>> lib = TemplateLibrary("en")
    >>> r = lib.render("refund_basic", {"customer_name": "Ana"})
    >>> "Ana" in r.body and "[order number]" in r.body
    True
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE, directory: str | Path | None = None,
                 currency: str = "EUR"):
        self.language = language
        self.directory = Path(directory) if directory else None
        self.currency = currency
        self.env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                        keep_trailing_newline=False)

    # -- loading --------------------------------------------------------------------------
    def _source(self, lang: str, name: str):
        if self.directory is not None and (self.directory / name).is_file():
            return self.directory / name
        return resource("templates", name)

    def _load(self, lang: str) -> dict[str, TemplateSpec]:
        node = self._source(lang, f"{lang}.yaml")
        if not node.is_file():
            return {}
        try:
            data = yaml.safe_load(node.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise TemplateError(f"{node}: not valid YAML ({exc})") from None
        if not isinstance(data, dict):
            raise TemplateError(f"{node}: expected a mapping of template id to template")
        specs = {}
        for tid, entry in data.items():
            try:
                specs[tid] = TemplateSpec(**(entry or {}))
            except (ValidationError, TypeError) as exc:
                raise TemplateError(f"{node}: template {tid!r}: {_first_problem(exc)}") from None
            if specs[tid].group not in GROUPS:
                raise TemplateError(f"{node}: template {tid!r}: group must be one of {GROUPS}")
        return specs

    @cached_property
    def templates(self) -> dict[str, TemplateSpec]:
        """Templates of :attr:`language`."""
        return self._load(self.language)

    @cached_property
    def fallback_templates(self) -> dict[str, TemplateSpec]:
        return self.templates if self.language == DEFAULT_LANGUAGE else self._load(
            DEFAULT_LANGUAGE)

    @cached_property
    def markers(self) -> dict[str, str]:
        """Human label of each variable, shown as ``[label]`` when its value is unknown."""
        data = yaml.safe_load(self._source(self.language, "markers.yaml").read_text("utf-8"))
        labels = dict(data.get(DEFAULT_LANGUAGE, {}))
        labels.update(data.get(self.language, {}))
        return labels

    def ids(self) -> list[str]:
        """Every template id available (in this language or through the fallback)."""
        return list(dict.fromkeys([*self.templates, *self.fallback_templates]))

    def __contains__(self, template_id: str) -> bool:
        return template_id in self.templates or template_id in self.fallback_templates

    def spec(self, template_id: str) -> tuple[TemplateSpec, str, bool]:
        """The template, the language it is in, and whether that is the fallback."""
        if template_id in self.templates:
            return self.templates[template_id], self.language, False
        if template_id in self.fallback_templates:
            return self.fallback_templates[template_id], DEFAULT_LANGUAGE, True
        raise TemplateError(f"unknown template {template_id!r}; "
                            "`recommender templates list` shows the available ids")

    def variables(self, template_id: str) -> set[str]:
        """Variables a template uses (subject and body)."""
        return set(self._compiled(template_id)[2])

    def _compiled(self, template_id: str):
        """Compiled subject and body and their variables, cached per template."""
        cache = self.__dict__.setdefault("_cache", {})
        if template_id not in cache:
            spec, _, _ = self.spec(template_id)
            try:
                ast = self.env.parse(spec.subject + "\n" + spec.body)
                cache[template_id] = (self.env.from_string(spec.subject),
                                      self.env.from_string(spec.body),
                                      frozenset(meta.find_undeclared_variables(ast)))
            except TemplateSyntaxError as exc:
                raise TemplateError(f"template {template_id!r}: {exc.message} "
                                    f"(line {exc.lineno})") from None
        return cache[template_id]

    # -- rendering --------------------------------------------------------------------------
    def render(self, template_id: str, values: dict[str, Any]) -> Rendered:
        """Fill ``template_id`` with ``values``; unknown variables become ``[label]`` markers."""
        _, lang, fallback = self.spec(template_id)
        subject_t, body_t, needed = self._compiled(template_id)
        missing = sorted(v for v in needed if _blank(values.get(v)))
        locale = LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])
        context = {v: self._display(v, values[v], locale) for v in needed if v not in missing}
        context.update({v: f"[{self.markers.get(v, v.replace('_', ' '))}]" for v in missing})
        subject, body = subject_t.render(context), body_t.render(context)
        return Rendered(template_id, subject.strip(), body.strip(), missing, lang, fallback)


    def _display(self, name: str, value: Any, locale: str) -> str:
        """Text of a value: dates and amounts given as values are written the local way
        (``35,00 €`` and ``27.11.2026`` in Estonian); text found in an e-mail stays as is."""
        from babel.dates import format_date
        from babel.numbers import format_currency

        if name in DATE_VARIABLES:
            day = _as_date(value)
            if day is not None:
                return format_date(day, DATE_PATTERNS[locale], locale=locale)
        if name in AMOUNT_VARIABLES and isinstance(value, (int, float)) and not isinstance(
                value, bool):
            return format_currency(value, self.currency, locale=locale)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"]))
        return f"{where}: {err['msg']}" if where else err["msg"]
    return str(exc)
