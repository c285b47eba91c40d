"""Mail composition, template overrides, retry schedule and the development log transport (no I/O
but files)."""

import logging
from datetime import timedelta

import pytest

from usersvc.workers.email_change import masked_email
from usersvc.workers.mail_outbox import LONGEST_RETRY, retry_delay
from usersvc.workers.mail_render import SAMPLE_VALUES, MailTemplateError, load_templates
from usersvc.workers.mail_transport import LogTransport

VALUES = {
    "username": "jane_doe",
    "link": "http://localhost:8000/reset-password?token=abc&x=<1>",
    "expires": "30 minutes",
}


def test_a_mail_has_a_text_and_an_html_part_with_the_link():
    message = load_templates("")["reset_password"].compose(
        sender="usersvc@localhost", to="jane@example.com", values=VALUES
    )
    assert (message["Subject"], message["To"], message["From"]) == (
        "Reset your password",
        "jane@example.com",
        "usersvc@localhost",
    )
    assert message["Message-ID"].endswith("@localhost>")
    assert VALUES["link"] in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert 'href="http://localhost:8000/reset-password?token=abc&amp;x=&lt;1&gt;"' in html  # escaped


@pytest.mark.parametrize(
    "address, masked",
    [
        ("john@example.com", "j***@e***.com"),
        ("a@mail.example.co.uk", "a***@m***.uk"),
        ("x@localhost", "x***@l***"),
    ],
)
def test_the_notice_to_an_old_address_shows_the_new_one_masked(address, masked):
    assert masked_email(address) == masked
    notice = load_templates("")["email_changed"].compose(
        sender="usersvc@localhost", to="old@example.com", values={**SAMPLE_VALUES, "new_email": masked}
    )
    assert masked in notice.get_body(("plain",)).get_content()
    assert masked in notice.get_body(("html",)).get_content()
    assert address not in notice.as_string()


def test_a_template_in_mail_templates_dir_replaces_the_shipped_one(tmp_path):
    (tmp_path / "verify_email.txt").write_text("Subject: Welcome, $username\n\nClick $link within $expires.\n")
    templates = load_templates(str(tmp_path))
    mine = templates["verify_email"].compose(sender="a@example.com", to="b@example.com", values=VALUES)
    assert mine["Subject"] == "Welcome, jane_doe"
    assert mine.get_body(("plain",)).get_content().startswith(f"Click {VALUES['link']} within 30 minutes.")
    shipped = templates["reset_password"].compose(sender="a@example.com", to="b@example.com", values=VALUES)
    assert shipped["Subject"] == "Reset your password"  # files not overridden stay as shipped


@pytest.mark.parametrize("text", ["No subject line\n\n$link\n", "Subject: x\n\n$link and $unknown\n"])
def test_a_broken_template_is_refused_when_loaded(tmp_path, text):
    (tmp_path / "reset_password.txt").write_text(text)
    with pytest.raises(MailTemplateError, match="reset_password"):
        load_templates(str(tmp_path))
    with pytest.raises(MailTemplateError, match="not a directory"):
        load_templates(str(tmp_path / "missing"))


def test_retries_double_from_the_first_delay_up_to_fifteen_minutes():
    assert [retry_delay(attempts, first=10).total_seconds() for attempts in (1, 2, 3)] == [10, 20, 40]
    assert retry_delay(9, first=10) == LONGEST_RETRY == timedelta(minutes=15)
    assert retry_delay(1000, first=10) == LONGEST_RETRY


async def test_without_smtp_in_development_the_mail_is_printed_to_the_log(caplog):
    message = load_templates("")["verify_email"].compose(
        sender="usersvc@localhost", to="jane@example.com", values=VALUES
    )
    with caplog.at_level(logging.INFO, logger="workers.mail"):
        await LogTransport().send(message)
    assert VALUES["link"] in caplog.text and "jane@example.com" in caplog.text
