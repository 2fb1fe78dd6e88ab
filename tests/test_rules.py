import pytest

from recommender.errors import RulesError
from recommender.render import TemplateLibrary
from recommender.rules import Facts, RuleSet

TEMPLATES = TemplateLibrary("en").ids()


@pytest.fixture(scope="module")
def rules():
    return RuleSet.load(None, TEMPLATES)


def facts(tags, anger=0, context=None, fields=None, text="", flags=()):
    scores = {t: 0.9 - 0.1 * i for i, t in enumerate(tags)}
    return Facts(list(tags), scores, anger, list(flags), context or {}, fields or {}, text)


# tags, anger level, context, fields, text, expected template
DEFAULTS = [
    (["delay"], 1, {}, {}, "", "delivery_delay"),
    (["wrong_item"], 0, {}, {}, "", "wrong_items"),
    (["damaged"], 1, {}, {}, "", "defective_product"),
    (["billing"], 2, {}, {}, "", "billing_error"),
    (["refund"], 0, {}, {}, "", "refund_accept"),
    (["refund"], 2, {}, {}, "", "refund_angry"),
    (["refund"], 3, {}, {}, "", "refund_angry"),
    (["refund"], 0, {"outside_return_window": True}, {}, "", "refund_deny"),
    (["refund"], 0, {"order_date": "2020-01-01"}, {"return_window_days": 30}, "", "refund_deny"),
    (["refund_missing"], 1, {}, {}, "", "refund_not_received"),
    (["refund_missing"], 1, {}, {"refund_date": "2026-03-01"}, "", "refund_status"),
    (["rude_agent"], 1, {}, {}, "", "rude_agent_apology"),
    (["rude_agent"], 2, {}, {}, "", "agent_behaviour"),
    (["no_reply"], 0, {}, {}, "", "no_reply_apology"),
    (["no_reply"], 3, {}, {}, "", "delayed_response"),
    (["outage"], 1, {}, {}, "", "saas_issue"),
    (["outage"], 1, {"has_sla": True}, {}, "", "service_downtime"),
    (["outage"], 1, {}, {"sla_percent": 99.9}, "", "service_downtime"),
    (["outage"], 1, {}, {}, "site crashed during the Black Friday sale", "website_glitch"),
    (["cancellation"], 1, {}, {}, "", "customer_leaving"),
    (["policy_exception"], 0, {}, {}, "", "exception_request"),
    (["misinformation"], 1, {}, {}, "", "insufficient_info"),
    (["misinformation"], 1, {}, {}, "your terms and conditions said otherwise", "incorrect_terms"),
    (["delay"], 1, {"customer_at_fault": True}, {}, "", "customer_wrong"),
    (["outage"], 1, {"followup": "yes"}, {}, "", "followup_apology"),
    (["delay", "no_reply"], 1, {}, {}, "", "delivery_delay"),
    (["damaged", "refund"], 3, {}, {}, "", "refund_angry"),
    (["damaged", "refund"], 0, {}, {}, "", "defective_product"),
    ([], 0, {}, {}, "", None),
]


@pytest.mark.parametrize("tags,anger,context,fields,text,expected", DEFAULTS)
def test_default_rules(rules, tags, anger, context, fields, text, expected):
    assert rules.match(facts(tags, anger, context, fields, text)).template == expected


def test_match_explains_runner_up(rules):
    m = rules.match(facts(["delay", "no_reply"], 1))
    assert m.rule == "delay" and m.why
    assert m.runner_up.template == "no_reply_apology"
    assert len({a.template for a in m.alternatives}) == len(m.alternatives)


def test_every_default_rule_template_exists(rules):
    assert {r.template for r in rules.rules} <= set(TEMPLATES)


BAD = [
    ("rules: [{id: a, template: saas_issue, why: x, colour: red}]", "rule 'a': colour"),
    ("rules: [{id: a, template: saas_issue, why: x}, {id: a, template: saas_issue, why: y}]",
     "rule 'a': duplicate id"),
    ("rules: [{id: a, template: no_such_template, why: x}]", "template 'no_such_template'"),
    ("rules: [{id: a, template: saas_issue, why: x, when: {tags_any: [late]}}]", "unknown tag"),
    ("rules: [{id: a, template: saas_issue, why: x, when: {predicate: nope}}]",
     "unknown predicate"),
    ("rules: [{id: a, template: saas_issue, why: x, when: {anger_min: livid}}]", "anger level"),
    ("rules: [{id: a, template: saas_issue}]", "rule 'a': why"),
    ("rules: {a: 1}", "top-level 'rules:' list"),
    ("rules: [unclosed", "not valid YAML"),
    ("rules: []\nextra: 1", "unknown top-level key"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_rules_files_name_file_rule_and_key(tmp_path, text, message):
    path = tmp_path / "my_rules.yaml"
    path.write_text(text)
    with pytest.raises(RulesError) as err:
        RuleSet.load(path, TEMPLATES)
    assert message in str(err.value)
    assert "my_rules.yaml" in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        RuleSet.load(tmp_path / "nope.yaml")
