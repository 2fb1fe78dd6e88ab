from email.message import EmailMessage

import pytest

from recommender.parse import html_to_text, looks_like_rfc822, parse, split_quoted


def test_plain_text_splits_signature():
    e = parse("Hi,\nmy parcel is late.\n\nThanks,\nMaria")
    assert e.text == "Hi,\nmy parcel is late."
    assert e.signature == "Thanks,\nMaria"


@pytest.mark.parametrize("kind", ["str", "bytes", "message"])
def test_raw_message_kinds_agree(kind):
    raw = ("From: \"Kadri Tamm\" <kadri@example.ee>\nSubject: Late order\n"
           "Content-Type: text/plain; charset=utf-8\n\nWhere is my order 5512?\n")
    if kind == "bytes":
        message = raw.encode()
    elif kind == "message":
        message = EmailMessage()
        message["From"] = '"Kadri Tamm" <kadri@example.ee>'
        message["Subject"] = "Late order"
        message.set_content("Where is my order 5512?\n")
    else:
        message = raw
    e = parse(message)
    assert e.subject == "Late order"
    assert e.sender_name == "Kadri Tamm"
    assert e.text == "Where is my order 5512?"


@pytest.mark.parametrize("text,newest", [
    ("Still nothing.\n\nOn Tue, 3 Mar 2026 at 10:00, Support <s@x.com> wrote:\n> We are on it",
     "Still nothing."),
    ("Fine.\n> quoted line\n> another", "Fine."),
    ("No.\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold", "No."),
    ("Yes\n\nFrom: Support <s@x.com>\nSent: Monday\nTo: me\n\nold text", "Yes"),
])
def test_quoted_history_is_split_off(text, newest):
    assert split_quoted(text)[0] == newest


def test_html_only_message_becomes_text():
    raw = (b"From: a@b.c\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n"
           b"<html><body><p>Broken <b>again</b></p><script>alert(1)</script></body></html>")
    e = parse(raw)
    assert "Broken" in e.text and "again" in e.text and "alert" not in e.text


def test_inline_tags_do_not_break_lines():
    # "my \norder\n?" used to read as three short broken sentences (an anger signal)
    assert html_to_text("<p>Hi</p>Where is my <b>order</b>?<br>Thanks,<br/>Ana") == (
        "Hi\nWhere is my order?\nThanks,\nAna")
    assert html_to_text("<table><tr><td>Order</td><td>A-77</td></tr></table>") == "Order A-77"


@pytest.mark.parametrize("text,html", [
    ("<html><body><p>No refund of €89,90 yet.</p><p>Thanks,<br>Ana</p></body></html>", True),
    ("<div>Where is my order?</div>", True),
    ("Still waiting.<br><br>Sent from my phone", True),
    ("I got <3 items, not the 5 I paid for", False),
    ("Order <A-77> is late", False),
])
def test_html_in_a_plain_text_column_becomes_text(text, html):
    e = parse(text)  # e.g. the body column of a helpdesk export
    assert ("<" not in e.text + e.signature) == html
    if "Ana" in text:
        assert e.text == "No refund of €89,90 yet." and e.signature == "Thanks,\nAna"


@pytest.mark.parametrize("body,device", [
    ("Where is my order?", "-- Sent from my iPhone"),
    ("Where is my order?", "Get Outlook for Android"),
    ("Kus mu pakk on?", "Saadetud minu iPhone'ist"),
    ("Kur ir sūtījums?", "Nosūtīts no mana iPhone"),
    ("Kje je paket?", "Poslano iz mojega iPhona"),
])
def test_mobile_sign_offs_are_signatures(body, device):
    e = parse(f"{body}\n\n{device}")
    assert (e.text, e.signature) == (body, device)


def test_a_sent_from_line_about_the_order_is_text():
    text = "The courier says it was\nsent from your warehouse on Monday"
    assert parse(text).text == text


def test_a_bare_name_in_the_sender_column_is_a_name():
    assert parse("late again", sender="Tamm, Kadri").sender_name == "Tamm, Kadri"
    assert parse("late again", sender="José Müller").sender_name == "José Müller"
    e = parse("late again", sender="Ana <ana@example.com>")
    assert (e.sender_name, e.sender_address) == ("Ana", "ana@example.com")


def test_mislabelled_utf8_is_decoded():
    raw = ("From: a@b.c\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n"
           "Content-Transfer-Encoding: quoted-printable\n\nPaid =E2=82=AC49.99\n").encode()
    assert "€49.99" in parse(raw).text


def test_rfc2047_subject_is_decoded():
    raw = "From: a@b.c\nSubject: =?utf-8?q?App_down_=E2=80=93_again?=\n\nbody\n"
    assert parse(raw).subject == "App down – again"


@pytest.mark.parametrize("raw", [
    "From: Jüri Tämm <j@x.ee>\nSubject: Pakk hilineb – kus see on?\n\nTere\n",
    "From: Jüri Tämm <j@x.ee>\nSubject: Pakk hilineb – kus see on?\n\nTere\n".encode(),
    "From: Jüri Tämm <j@x.ee>\nSubject: Pakk hilineb - kus see on?\n\nTere\n".encode("latin-1"),
    ("From: Jüri Tämm <j@x.ee>\nSubject: Pakk hilineb - kus see on?\nContent-Type: text/plain;"
     " charset=iso-8859-13\n\nTere\n").encode("iso-8859-13"),
])
def test_raw_8bit_headers_keep_their_letters(raw):
    # Raw UTF-8 in headers (RFC 6532, and how many exports write them) or a legacy charset.
    e = parse(raw)
    assert e.sender_name == "Jüri Tämm"
    assert e.subject.startswith("Pakk hilineb ") and e.subject.endswith(" kus see on?")
    assert "\ufffd" not in e.subject


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe\x00garbage", "", "   \n  "])
def test_empty_and_garbage_never_crash(raw):
    e = parse(raw)
    assert isinstance(e.text, str)


def test_looks_like_rfc822_is_not_fooled_by_text():
    assert not looks_like_rfc822("Hello: I have a problem with my order\nplease help")
    assert looks_like_rfc822("From: a@b.c\nSubject: hi\n\nbody")


def test_html_to_text_marks_blockquotes_as_quoted():
    text = html_to_text("<p>New</p><blockquote>old reply</blockquote>")
    assert "> old reply" in text


@pytest.mark.parametrize("html", ["<blockquote>a<blockquote>b</blockquote></blockquote>",
                                  "<blockquote>only</blockquote>", "<p>x</p><blockquote>"])
def test_html_blockquotes_never_crash(html):
    assert isinstance(html_to_text(html), str)


def test_bottom_posted_reply_keeps_the_new_text():
    text = "On 04/02/2012 06:26 PM, Megan wrote:\n> Hi\nHello there"
    assert split_quoted(text)[0] == "Hello there"


def test_huge_body_is_cut_and_marked():
    from recommender.parse import MAX_BODY_CHARS

    e = parse("word " * (MAX_BODY_CHARS // 2))
    assert e.truncated and len(e.text) <= MAX_BODY_CHARS
