"""Four languages: detection, templates in every language, replies in the customer's language."""

import re

import pytest
import yaml

from recommender import corpus
from recommender.lang import detect
from recommender.render import TemplateLibrary
from recommender.resources import resource
from recommender.taxonomy import LANGUAGES

ENGLISH = TemplateLibrary("en")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_exists_in_every_language_with_the_same_variables(lang):
    lib = TemplateLibrary(lang)
    assert list(lib.templates) == list(ENGLISH.templates)
    for tid in ENGLISH.ids():
        assert lib.variables(tid) == ENGLISH.variables(tid), tid
        assert lib.templates[tid].group == ENGLISH.templates[tid].group


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marker_is_labelled_in_every_language(lang):
    markers = yaml.safe_load(resource("templates", "markers.yaml").read_text("utf-8"))
    assert set(markers[lang]) == set(markers["en"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_detection_on_test_splits(lang):
    records = corpus.load(lang, "test")
    texts = [corpus.text_of(r) for r in records]
    from recommender.parse import parse

    full = [parse(t).text or parse(t).full_text for t in texts]
    # a one-sentence e-mail: the first sentence of at least three words (not "Tere!")
    first = [next((p for p in re.split(r"(?<=[.!?])\s+|\n+", t) if len(p.split()) >= 3), t)
             for t in full]
    assert sum(detect(t).language == lang for t in full) / len(full) >= 0.98
    assert sum(detect(t).language == lang for t in first) / len(first) >= 0.98


def test_detection_is_unsure_on_no_text():
    assert detect("12345").language == "en" and detect("12345").confidence == 0.0
    assert detect("12345", default="et").language == "et"


EXAMPLES = [
    ("et", "Tere! Tellimus 55120 pidi saabuma eelmisel nädalal, aga pakki pole ikka veel. "
           "Kus see on?", "delivery_delay"),
    ("lv", "Labdien! Pasūtījums 55120 bija jāpiegādā pagājušajā nedēļā, bet sūtījums joprojām "
           "nav atnācis. Kur tas ir?", "delivery_delay"),
    ("sl", "Pozdravljeni! Naročilo 55120 bi moralo prispeti prejšnji teden, paket pa še vedno "
           "ni prišel. Kje je?", "delivery_delay"),
]


@pytest.mark.parametrize("lang,text,template", EXAMPLES)
def test_reply_comes_in_the_customers_language(rec, lang, text, template):
    s = rec.suggest(text)
    assert s.language == lang and s.template_language == lang
    assert s.template is not None
    assert s.reply.strip() == TemplateLibrary(lang).render(s.template, s.fields).body


def test_context_language_overrides_detection(rec):
    s = rec.suggest("My parcel is late.", {"language": "sl"})
    assert s.language == "sl" and s.template_language == "sl"


def test_missing_language_template_falls_back_to_english_and_says_so(rec, tmp_path):
    from recommender import Recommender
    from recommender.config import load_config

    (tmp_path / "et.yaml").write_text("{}")  # an Estonian library with no templates
    local = Recommender(rec.models, load_config(templates_dir=str(tmp_path)))
    s = local.suggest("Tere! Minu pakk on juba kaks nädalat hiljaks jäänud, kus see on?",
                      {"outside_return_window": False, "customer_at_fault": True})
    assert s.language == "et" and s.template_language == "en"
    assert "replied in en" in s.explanation


@pytest.mark.parametrize("lang,expected", [("en", "€35.00"), ("et", "35,00\xa0€"),
                                           ("lv", "35,00\xa0€"), ("sl", "35,00\xa0€")])
def test_amounts_given_as_numbers_are_formatted_per_locale(lang, expected):
    body = TemplateLibrary(lang).render("refund_status", {"refund_amount": 35.0}).body
    assert expected in body


@pytest.mark.parametrize("lang,expected", [("en", "27 November 2026"), ("et", "27.11.2026"),
                                           ("lv", "27.11.2026"), ("sl", "27. 11. 2026")])
def test_dates_given_as_values_are_formatted_per_locale(lang, expected):
    body = TemplateLibrary(lang).render("refund_status", {"refund_date": "2026-11-27"}).body
    assert expected in body
