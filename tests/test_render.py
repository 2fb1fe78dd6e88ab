import pytest
import yaml

from recommender.errors import TemplateError
from recommender.render import TemplateLibrary
from recommender.resources import resource

LIB = TemplateLibrary("en")
IDS = LIB.ids()
MARKERS = yaml.safe_load(resource("templates", "markers.yaml").read_text("utf-8"))["en"]
FULL = {name: f"<{name}>" for name in MARKERS}


def test_there_are_32_templates_in_four_groups():
    assert len(IDS) == 32
    assert {LIB.spec(t)[0].group for t in IDS} == {"apology", "angry_customer", "call_centre",
                                                   "refund"}


@pytest.mark.parametrize("tid", IDS)
def test_variables_are_known_and_labelled(tid):
    assert LIB.variables(tid) <= set(MARKERS)


@pytest.mark.parametrize("tid", IDS)
def test_renders_with_full_context(tid):
    r = LIB.render(tid, FULL)
    assert r.missing == [] and "[" not in r.body
    assert "<customer_name>" in r.body


@pytest.mark.parametrize("tid", IDS)
def test_renders_with_empty_context_and_marks_every_gap(tid):
    r = LIB.render(tid, {})
    assert r.missing == sorted(LIB.variables(tid))
    for name in r.missing:
        assert f"[{MARKERS[name]}]" in r.subject + r.body


def test_customer_text_is_data_not_code():
    r = LIB.render("refund_basic", {"customer_name": "{{ 7*7 }}{% if 1 %}x{% endif %}"})
    assert "{{ 7*7 }}{% if 1 %}x{% endif %}" in r.body and "49" not in r.body


def test_blank_value_counts_as_missing():
    r = LIB.render("refund_basic", {"customer_name": "   "})
    assert "customer_name" in r.missing and "[customer name]" in r.body


def test_unknown_template_is_a_clear_error():
    with pytest.raises(TemplateError, match="unknown template 'nope'"):
        LIB.render("nope", {})


def test_user_template_directory_overrides(tmp_path):
    (tmp_path / "en.yaml").write_text(
        "refund_basic:\n  group: refund\n  title: t\n  subject: s\n  body: Hi {{ customer_name }}\n")
    lib = TemplateLibrary("en", tmp_path)
    assert lib.render("refund_basic", {"customer_name": "Ana"}).body == "Hi Ana"


@pytest.mark.parametrize("text,message", [
    ("x:\n  group: apology\n  title: t\n  subject: s\n  body: b\n  colour: red\n", "colour"),
    ("x:\n  group: nonsense\n  title: t\n  subject: s\n  body: b\n", "group must be"),
    ("x: [unclosed", "not valid YAML"),
])
def test_bad_template_files(tmp_path, text, message):
    (tmp_path / "en.yaml").write_text(text)
    with pytest.raises(TemplateError, match=message):
        TemplateLibrary("en", tmp_path).templates


def test_missing_language_falls_back_to_english():
    lib = TemplateLibrary("xx")  # a language with no templates at all
    r = lib.render("refund_basic", {})
    assert r.fallback and r.language == "en"
