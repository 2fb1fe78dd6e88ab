"""The front object: the only place that knows the whole chain parse → tag → anger → fields →
rules → render. Batch, evaluation and notebooks call :meth:`Recommender.suggest_many`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, replace
from email.message import Message
from pathlib import Path
from typing import Any

from . import persist, vectors
from .anger import Anger, AngerDetector
from .config import Config, load_config, not_shouting
from .errors import InputError, ModelError, warn_once
from .lang import Detected, detect, written_in
from .nlp import get_nlp, tokenise
from .fields import gather
from .parse import Email, parse
from .render import TemplateLibrary
from .rules import Facts, Match, RuleSet
from .suggestion import Suggestion
from .tag import Blend, Tagger

#: The model shipped in the repository's ``models/`` folder.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"

EmailInput = str | bytes | Message
#: Name of the model part holding each language's version without the word vectors.
WITHOUT_VECTORS = "without_vectors"
#: Part file of the tagger that several languages share (the multilingual et / lv / sl one).
SHARED_TAGGER = "shared_tagger"
#: Part files of the languages' own taggers that a :class:`Blend` averages with the shared one
#: (one file a language, ``own_tagger_<lang>``).
OWN_TAGGER_PART = "own_tagger"


@dataclass
class LanguageModel:
    """The fitted parts for one language."""

    tagger: Tagger | Blend
    anger: AngerDetector
    #: The same parts fitted without the pretrained sentence vectors (:mod:`recommender.vectors`)
    #: when these have any weight: run where the vectors are not installed.
    without_vectors: LanguageModel | None = None

    def runnable(self, lang: str, word_vectors: bool = True) -> LanguageModel:
        """These parts, or their version without the pretrained vectors when ``word_vectors``
        is false or those are not installed on this machine."""
        if not (self.tagger.vector_weight or self.anger.vector_weight):
            return self
        if word_vectors and vectors.available():
            return self
        if self.without_vectors is None:
            why = ("are switched off (word_vectors: false)" if not word_vectors else
                   f"are not installed here (package {vectors.PACKAGE!r})")
            raise ModelError(f"the {lang} model needs the pretrained word vectors, which {why}, "
                             "and has no version fitted without them")
        if not word_vectors:  # the team's choice (configuration word_vectors: false)
            return self.without_vectors
        warn_once(f"the pretrained word vectors ({vectors.PACKAGE!r}) are not installed on this "
                  f"platform: {lang} runs its model fitted without them, which is less "
                  "accurate (README, 'Data and model')")
        return self.without_vectors

    def tokenise(self, texts: Sequence[str]) -> list | None:
        """The texts tokenised once for both the tagger and the anger detector, or ``None``
        when the tagger reads the lemmas of a trained spaCy pipeline of its own."""
        if self.tagger.spacy_model:
            return None
        return tokenise(get_nlp(self.anger.lang), texts)


class Recommender:
    """Suggest a reply for complaint e-mails.

    Parameters
    ----------
    models : fitted :class:`LanguageModel` per language code (``{"en": ..., "et": ...}``)
    config : team settings (defaults when ``None``)
    rules : rule set (packaged default when ``None``)
    meta : what the model's sidecar says about it

    The customer's language is detected (or taken from ``context["language"]``); messages in a
    language without a model are scored with the model of ``config.language``, and replies
    come in the customer's language when a template exists in it, else in English.

    Examples
    --------
    >>> rec = Recommender.load()
    >>> s = rec.suggest("Where is my parcel? Order 55120 was due a week ago.")
    >>> s.template
    'delivery_delay'
    """

    def __init__(self, models: dict[str, LanguageModel], config: Config | None = None,
                 rules: RuleSet | None = None, meta: dict[str, Any] | None = None):
        self.config = config or load_config()
        self._fitted = models  # saved as they are, whatever runs on this machine
        self.models = {lang: model.runnable(lang, self.config.word_vectors)
                       for lang, model in models.items()}
        self.default_language = (self.config.language if self.config.language in models
                                 else next(iter(models)))
        self._libraries: dict[str, TemplateLibrary] = {}
        self.rules = rules or RuleSet.load(self.config.rules_file,
                                           self.templates(self.default_language).ids())
        self.meta = meta or {}

    @property
    def tagger(self) -> Tagger | Blend:
        """Tagger of the default language."""
        return self.models[self.default_language].tagger

    @property
    def anger(self) -> AngerDetector:
        """Anger detector of the default language."""
        return self.models[self.default_language].anger

    def templates(self, language: str) -> TemplateLibrary:
        """The template library of ``language`` (English fills any gap)."""
        if language not in self._libraries:
            self._libraries[language] = TemplateLibrary(language, self.config.templates_dir,
                                                        self.config.currency)
        return self._libraries[language]

    # -- persistence --------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None, config: str | Path | Config | None = None,
             rules: str | Path | None = None) -> "Recommender":
        """Load a trained model directory (the shipped one by default).

        ``config`` is a YAML path or a :class:`Config`; ``rules`` a YAML rules file that
        replaces the default rules.
        """
        obj, meta, parts = persist.load(path or DEFAULT_MODEL_DIR)
        if not isinstance(obj, dict) or not obj or not all(
                isinstance(m, LanguageModel) for m in obj.values()):
            raise ModelError(f"{path or DEFAULT_MODEL_DIR}: not a recommender model")
        for lang, twin in parts.get(WITHOUT_VECTORS, {}).items():
            if lang in obj:
                obj[lang].without_vectors = twin
        for lang, tagger in parts.get(SHARED_TAGGER, {}).items():
            if lang in obj and isinstance(obj[lang].tagger, Blend):
                obj[lang].tagger.shared = tagger
            elif lang in obj:
                obj[lang].tagger = tagger
        for lang, model in obj.items():
            if isinstance(model.tagger, Blend):
                model.tagger.own = parts.get(f"{OWN_TAGGER_PART}_{lang}")
        if any(m.tagger is None or isinstance(m.tagger, Blend) and None in (
                m.tagger.shared, m.tagger.own) for m in obj.values()):
            raise ModelError(f"{path or DEFAULT_MODEL_DIR}: a language has no tagger; "
                             "retrain with `recommender train`")
        cfg = config if isinstance(config, Config) else load_config(config)
        if rules is not None:
            cfg = cfg.model_copy(update={"rules_file": str(rules)})
        return cls(obj, cfg, meta=meta)

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Write the fitted models to ``path`` (joblib + JSON sidecar). The models without the
        word vectors, the tagger that several languages share and the own taggers of a
        :class:`Blend` go to part files of their own, so that each file stays under 20 MB."""
        twins = {lang: m.without_vectors for lang, m in self._fitted.items()
                 if m.without_vectors is not None}
        blends = {lang: m.tagger for lang, m in self._fitted.items()
                  if isinstance(m.tagger, Blend)}
        taggers = {lang: blends[lang].shared if lang in blends else m.tagger
                   for lang, m in self._fitted.items()}
        users = Counter(id(t) for t in taggers.values())
        shared = {lang: t for lang, t in taggers.items() if users[id(t)] > 1}
        parts = {WITHOUT_VECTORS: twins, SHARED_TAGGER: shared,
                 **{f"{OWN_TAGGER_PART}_{lang}": blend.own for lang, blend in blends.items()}}
        main = {}
        for lang, m in self._fitted.items():
            tagger = None if lang in shared else taggers[lang]
            if lang in blends:  # its weight and thresholds; both taggers are parts
                tagger = copy(blends[lang])
                tagger.shared = tagger.own = None
            main[lang] = replace(m, without_vectors=None, tagger=tagger)
        return persist.save(main, path, meta or {}, {k: v for k, v in parts.items() if v})

    # -- suggesting ---------------------------------------------------------------------------
    def suggest(self, email: EmailInput, context: dict[str, Any] | None = None) -> Suggestion:
        """Suggest a reply for one e-mail.

        Parameters
        ----------
        email : plain text, a raw RFC 5322 message (``str``/``bytes``) or an ``EmailMessage``
        context : facts from the caller (export columns, CRM): ``order_id``, ``order_date``,
            ``refund_date``, ``tracking_url``, ``language``, flags such as
            ``customer_at_fault``, …
        """
        return self.suggest_many([email], [context])[0]

    def suggest_many(self, emails: Sequence[EmailInput],
                     contexts: Sequence[dict[str, Any] | None] | None = None) -> list[Suggestion]:
        """Suggest replies for many e-mails at once (one vectorised call per language)."""
        contexts = [c or {} for c in contexts] if contexts is not None else [{}] * len(emails)
        mails = [m if isinstance(m, Email) else parse(m) for m in emails]
        for mail in mails:
            if not mail.full_text.strip():
                raise InputError("empty message: no subject and no text to score")
        languages = [self.language_of(m, c) for m, c in zip(mails, contexts)]
        by_model: dict[str, list[int]] = {}
        for i, found in enumerate(languages):
            model = found.language if found.language in self.models else self.default_language
            by_model.setdefault(model, []).append(i)
        out: list[Suggestion | None] = [None] * len(mails)
        names = not_shouting(self.config)
        for model_language, idx in by_model.items():
            model = self.models[model_language]
            texts = [mails[i].full_text for i in idx]
            docs = model.tokenise(texts)
            probabilities = model.tagger.predict_proba(texts, docs)
            angers = model.anger.grade_many(texts, docs, names)
            for i, row, anger in zip(idx, probabilities, angers):
                out[i] = self._finish(mails[i], model.tagger, row, anger, contexts[i],
                                      languages[i], model_language)
        return out  # type: ignore[return-value]

    def language_of(self, mail: Email, context: dict[str, Any]) -> Detected:
        """The context's ``language`` when given, else the detected one."""
        given = context.get("language")
        if isinstance(given, str) and given.strip():
            return Detected(given.strip().lower(), 1.0)
        return detect(mail.text or mail.full_text, self.config.languages, self.config.language,
                      other_languages=self.config.detect_other_languages)

    def _finish(self, mail: Email, tagger: Tagger | Blend, probabilities, anger: Anger,
                context: dict[str, Any], language: Detected, model_language: str) -> Suggestion:
        tag_scores = {t: round(float(p), 4) for t, p in zip(tagger.tags, probabilities)}
        tags = {t: tag_scores[t] for t in tagger.decide(probabilities, model_language)}
        found = gather(mail, context, self.config)
        if language.supported:
            match, tentative = self._choose(tags, tag_scores, anger, context, found.values,
                                            mail.full_text)
        else:  # not read: the default model's scores stay, for what they are worth
            tags, tentative = {}, False
            match = Match(None, None, "a person should read and answer it")
        reply = subject = ""
        missing: list[str] = []
        template_language = None
        if match.template is not None:
            rendered = self.templates(language.language).render(match.template, found.values)
            reply, subject, missing = rendered.body, rendered.subject, rendered.missing
            template_language = rendered.language
        suggestion = Suggestion(
            tags=tags, tag_scores=tag_scores, anger=anger.score, anger_level=anger.level,
            anger_flags=anger.flags, anger_evidence=anger.evidence, template=match.template,
            rule=match.rule, alternatives=match.alternatives, fields=found.values,
            field_sources=found.sources, missing_fields=missing, reply=reply,
            reply_subject=subject, language=language.language,
            language_confidence=language.confidence, explanation="", subject=mail.subject,
            sender=mail.sender_address or mail.sender_name, template_language=template_language,
            threat_kinds=anger.threat_kinds, rules_fired=match.fired, text=mail.text,
            tentative=tentative, language_supported=language.supported)
        suggestion.explanation = explain(suggestion, match)
        return suggestion

    def _choose(self, tags: dict[str, float], tag_scores: dict[str, float], anger: Anger,
                context: dict[str, Any], fields: dict[str, Any], text: str) -> tuple[Match, bool]:
        """The rules' choice, a tentative draft when no tag reached its threshold, or the
        configured no-complaint template; and whether the choice is tentative."""
        facts = Facts(list(tags), tag_scores, anger.level, anger.flags, context, fields, text)
        match = self.rules.match(facts)
        if not tags and self._tentative(tag_scores, anger):
            top = max(tag_scores, key=tag_scores.get)
            guess = self.rules.match(replace(facts, tags=[top]))
            if guess.template is not None:
                return guess, True
        if match.template is None and not tags and self.config.no_complaint_template:
            match = Match(self.config.no_complaint_template, None,
                          "no complaint found; configured no_complaint_template")
        return match, False

    def _tentative(self, tag_scores: dict[str, float], anger: Anger) -> bool:
        """Whether to draft a reply for the most likely tag although none reached its
        threshold: the customer reads at least annoyed and that tag is likely enough."""
        floor = self.config.tentative_min
        return (floor is not None and bool(tag_scores) and anger.level >= 1
                and max(tag_scores.values()) >= floor)


def explain(s: Suggestion, match: Match) -> str:
    """One paragraph saying what was found and why this template was chosen."""
    parts = []
    if not s.language_supported:
        parts.append(f"No tags: {written_in(s.language)} ({s.language}, "
                     f"{s.language_confidence:.2f}), which this model does not read.")
    elif s.tags:
        parts.append("Tagged " + ", ".join(f"{t} ({p:.2f})" for t, p in s.tags.items()) + ".")
    else:
        top = max(s.tag_scores, key=s.tag_scores.get) if s.tag_scores else None
        parts.append("No complaint tag reached its threshold"
                     + (f" (highest: {top} {s.tag_scores[top]:.2f})." if top else "."))
    cues = "; ".join(f"{e.signal.replace('_', ' ')}: {', '.join(dict.fromkeys(e.matches))[:60]}"
                     for e in s.anger_evidence[:3] if e.contribution > 0 and e.matches)
    parts.append(f"Anger {s.anger:.2f} ({s.anger_level_name})" + (f" — {cues}." if cues else ".")
                 + ("" if s.language_supported else
                    " (Read with the default language's lexicons: a rough guide only.)"))
    if s.tentative:
        parts.append(f"Tentative: the customer reads {s.anger_level_name}, so the reply is "
                     "drafted for the most likely issue; check that it fits.")
    if s.template:
        chosen = f"Rule '{match.rule}' chose {s.template}: {match.why}." if match.rule else \
            f"{match.why}: {s.template}."
        parts.append(chosen)
        if match.runner_up:
            r = match.runner_up
            parts.append(f"Runner-up: {r.template} (rule '{r.rule}', {r.score:.2f}).")
        if s.template_language and s.template_language != s.language:
            parts.append(f"No '{s.language}' version of {s.template}; replied in "
                         f"{s.template_language}.")
    else:
        parts.append("Abstained: " + match.why + ".")
    if s.missing_fields:
        parts.append("Needs a human for: " + ", ".join(s.missing_fields) + ".")
    return " ".join(parts)

