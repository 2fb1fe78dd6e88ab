import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from recommender import Recommender, Suggestion
from recommender.taxonomy import TAGS

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"

# sample file, expected tag among the predicted ones, expected template (None = abstain)
CASES = [
    ("01_late_parcel.eml", "delay", "delivery_delay"),
    ("02_double_charge.eml", "billing", "billing_error"),
    ("03_broken_angry.eml", "refund", "refund_angry"),
    ("04_rude_agent.eml", "rude_agent", "agent_behaviour"),
    ("05_thanks.eml", None, None),
    ("06_app_down.eml", "outage", "saas_issue"),
]


@pytest.mark.parametrize("name,tag,template", CASES)
def test_sample_emails(rec, name, tag, template):
    s = rec.suggest((SAMPLES / name).read_bytes())
    assert s.template == template
    if tag:
        assert tag in s.tags
    else:
        assert s.tags == {} and s.reply == ""


def test_suggestion_api(rec):
    s = rec.suggest("Where is my parcel?? Order 55120 was due a week ago. Unacceptable!")
    assert isinstance(s, Suggestion)
    assert set(s.tag_scores) == set(TAGS)
    assert all(0 <= p <= 1 for p in s.tag_scores.values())
    assert set(s.tags) <= set(TAGS)
    assert 0 <= s.anger <= 1 and s.anger_level in (0, 1, 2, 3)
    assert s.fields["order_id"] == "55120"
    assert s.language == "en"
    assert s.explanation and "delivery_delay" in s.explanation
    json.dumps(s.to_dict())  # serialisable
    assert "delivery_delay" in repr(s) and len(repr(s)) < 200


def test_missing_fields_are_marked_never_blank(rec):
    s = rec.suggest("my parcel is late")
    assert s.missing_fields
    labels = rec.templates("en").markers
    for name in s.missing_fields:
        assert f"[{labels[name]}]" in s.reply_subject + s.reply
    assert "{{" not in s.reply and "None" not in s.reply


def test_context_fills_fields_and_drives_rules(rec):
    s = rec.suggest("I want a refund for these shoes, they don't fit.",
                    {"customer_name": "Ana", "order_id": "A-1", "outside_return_window": True})
    assert s.template == "refund_deny"
    assert "Ana" in s.reply and "A-1" in s.reply_subject + s.reply
    assert s.field_sources["order_id"] == "context"


def test_email_message_input(rec):
    msg = EmailMessage()
    msg["From"] = "Laura Smith <laura@example.com>"
    msg["Subject"] = "Charged twice"
    msg.set_content("You charged my card twice for invoice 7781, $20.00 each time.")
    s = rec.suggest(msg)
    assert "billing" in s.tags and s.fields["customer_name"] == "Laura Smith"
    assert "Laura Smith" in s.reply


def test_hostile_text_stays_data(rec):
    s = rec.suggest("From: \"{{ 7*7 }}\" <x@y.z>\nSubject: late\n\nmy order 9911 is late!!")
    assert "{{ 7*7 }}" in s.reply and "49" not in s.reply.replace("{{ 7*7 }}", "")


def test_suggest_many_equals_suggest(rec):
    texts = ["my parcel is late", "thanks a lot for the help!", "cancel my subscription now"]
    many = rec.suggest_many(texts)
    assert [m.to_dict() for m in many] == [rec.suggest(t).to_dict() for t in texts]


def test_no_complaint_template_can_be_configured():
    from recommender.config import load_config

    rec = Recommender.load(config=load_config(no_complaint_template="followup_apology"))
    s = rec.suggest("Thank you so much, everything arrived!")
    assert s.template == "followup_apology"


def test_the_teams_names_in_capitals_are_not_shouting(rec):
    from recommender.config import load_config, not_shouting

    config = load_config(company="IKEA", product_catalogue=["BILLY bookcase"], names=["Pax"])
    assert not_shouting(config) == {"IKEA", "BILLY", "BOOKCASE", "PAX"}
    text = "I ordered a BILLY bookcase and a PAX wardrobe from IKEA. One shelf arrived cracked."
    shouted = [e.matches for e in rec.suggest(text).anger_evidence if e.signal == "shouting"]
    assert shouted == [["BILLY", "PAX", "IKEA"]]
    ours = Recommender.load(config=config)
    named = ours.suggest(text)
    assert not any(e.signal == "shouting" for e in named.anger_evidence)
    assert named.anger < rec.suggest(text).anger
    again = ours.suggest(text + " AGAIN!")
    assert [e.matches for e in again.anger_evidence if e.signal == "shouting"] == [["AGAIN"]]


def test_an_annoyed_customer_without_a_confident_tag_gets_a_tentative_draft(rec):
    from recommender.rules import Facts

    text = "Really disappointed with the delivery this time."
    s = rec.suggest(text)
    top = max(s.tag_scores, key=s.tag_scores.get)
    assert s.tags == {} and s.anger_level >= 1 and s.tag_scores[top] >= rec.config.tentative_min
    assert s.tentative and s.template and s.reply
    assert s.template == rec.rules.match(Facts([top], s.tag_scores, s.anger_level,
                                               s.anger_flags, {}, s.fields, text)).template
    assert "Tentative" in s.explanation and "(tentative)" in repr(s)
    assert s.to_dict()["tentative"] is True
    # switched off, or with the floor above the top probability: abstain as before
    for floor in (None, min(1.0, s.tag_scores[top] + 0.01)):
        config = rec.config.model_copy(update={"tentative_min": floor})
        plain = Recommender(rec.models, config=config).suggest(text)
        assert plain.template is None and not plain.tentative and plain.reply == ""


def test_a_calm_message_without_tags_gets_no_tentative_draft(rec):
    s = rec.suggest("Thank you so much, everything arrived!")
    assert s.anger_level == 0 and s.tags == {}
    assert s.template is None and not s.tentative


def test_a_confident_tag_is_never_tentative(rec):
    s = rec.suggest("You charged me twice for order 12345!")
    assert s.tags and s.template and not s.tentative
