import pytest

from recommender.config import load_config
from recommender.fields import from_email, gather
from recommender.parse import parse


@pytest.mark.parametrize("text,field,expected", [
    ("My order #NC-48213 is late", "order_id", "NC-48213"),
    ("order number: 5512093 never came", "order_id", "5512093"),
    ("Booking reference QX7H2P, flight cancelled", "order_id", "QX7H2P"),
    ("tracking 1Z999AA10123456784 stuck", "tracking_number", "1Z999AA10123456784"),
    ("Omniva says CE123456789EE was delivered", "tracking_number", "CE123456789EE"),
    ("sent with DHL last week", "carrier", "DHL"),
    ("Royal Mail lost it", "carrier", "Royal Mail"),
    ("you charged me $49.99 twice", "amount", "$49.99"),
    ("maksin 35,00 € eest", "amount", "35,00 €"),
    ("GBP 12.40 fee appeared", "amount", "GBP 12.40"),
    ("Zaračunali ste mi znesek 840,00 € namesto 420,00 €", "amount", "840,00 €"),  # not SEK
    ("waited 48 hours 5 times and paid 12 EUR", "amount", "12 EUR"),  # not Rs 5
    ("ordered on March 3, 2026 and nothing", "date", "March 3, 2026"),
    ("paid on 2026-05-14", "date", "2026-05-14"),
    ("Hi, my name is Laura Smith and my card is blocked", "customer_name", "Laura Smith"),
])
def test_fields_from_text(text, field, expected):
    assert from_email(parse(text)).values.get(field) == expected


def test_tracking_number_is_not_taken_as_order_id():
    f = from_email(parse("Parcel 1Z999AA10123456784 for order 7781 is stuck"))
    assert f.values["tracking_number"] == "1Z999AA10123456784"
    assert f.values["order_id"] == "7781"


@pytest.mark.parametrize("raw,name", [
    ("From: \"Kadri Tamm\" <k@x.ee>\nSubject: x\n\nLate.\n", "Kadri Tamm"),
    ("From: \"TAMM, KADRI\" <k@x.ee>\nSubject: x\n\nLate.\n", "Kadri Tamm"),
    ("From: k@x.ee\nSubject: x\n\nIt is late.\n\nBest regards,\nJānis Bērziņš\n", "Jānis Bērziņš"),
    ("From: k@x.ee\nSubject: x\n\nIt is late.\n\nThanks,\nMojca\n", "Mojca"),
])
def test_customer_name_from_header_or_signature(raw, name):
    assert from_email(parse(raw)).values["customer_name"] == name


def test_no_name_means_no_field():
    assert "customer_name" not in from_email(parse("where is my parcel")).values


def test_product_from_catalogue():
    f = from_email(parse("the Aero Blender 500 broke"), catalogue=("Aero Blender 500", "Kettle"))
    assert f.values["product"] == "Aero Blender 500"


def test_context_overrides_email_and_config():
    config = load_config(company="NordCart", tracking_url_template="https://t.example/{tracking_number}")
    f = gather(parse("order 1234, tracking 1Z999AA10123456784"),
               {"order_id": "A-99", "customer_name": None}, config)
    assert f.values["order_id"] == "A-99" and f.sources["order_id"] == "context"
    assert f.values["company"] == "NordCart" and f.sources["company"] == "config"
    assert f.values["tracking_url"] == "https://t.example/1Z999AA10123456784"
    assert "customer_name" not in f.values
