"""Who speaks on the bus is the broker-verified user_id, never the body."""

import pytest

from usersvc.domain.commands import CommandContext
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.workers.identity import identify, may_reply_to

EDGE, SERVICES = "usersvc-edge", frozenset({"billing"})


def _identify(user: str | None, routing_key: str = "user.update"):
    return identify(broker_user=user, routing_key=routing_key, edge_user=EDGE, services=SERVICES)


def test_the_edge_speaks_for_users_and_passes_the_request_context():
    speaker = _identify(EDGE, "auth.login")
    context = CommandContext(ip="203.0.113.9", user_agent="curl", request_id="r1")
    assert speaker.is_edge and speaker.trusted_context(context) == context


def test_a_listed_service_acts_as_itself_and_its_claimed_context_is_dropped():
    speaker = _identify("billing")
    assert not speaker.is_edge and speaker.broker_user == "billing"
    assert speaker.trusted_context(CommandContext(ip="6.6.6.6", request_id="forged")) == CommandContext()


@pytest.mark.parametrize(
    "user, routing_key",
    [
        (None, "user.update"),
        ("", "user.get"),
        ("rogue", "user.get"),
        ("billing", "auth.login"),
        ("billing", "auth.refresh"),
        ("billing", "session.check"),
    ],
)
def test_everyone_else_is_forbidden(user, routing_key):
    with pytest.raises(DomainError) as refusal:
        _identify(user, routing_key)
    assert refusal.value.code == ErrorCode.FORBIDDEN


def test_the_second_login_step_is_the_edges_only_while_services_may_relay_mfa_and_import():
    with pytest.raises(DomainError):
        _identify("billing", "auth.mfa_verify")
    for routing_key in (
        "auth.mfa_totp_enrol",
        "auth.mfa_totp_confirm",
        "auth.mfa_totp_disable",
        "user.mfa_disable",
        "user.import",
    ):
        assert not _identify("billing", routing_key).is_edge


def test_registration_and_one_time_tokens_are_the_edges_only_while_services_may_ask_for_mails():
    for routing_key in ("auth.register", "auth.verify_email", "auth.reset_password"):
        with pytest.raises(DomainError):
            _identify("billing", routing_key)
    for routing_key in ("auth.request_email_verification", "auth.request_password_reset"):
        assert not _identify("billing", routing_key).is_edge


@pytest.mark.parametrize(
    "user, reply_to",
    [
        ("billing", "amq.gen-JzTY20BRgKO-HjmUJj0wLg"),
        ("billing", "amq.rabbitmq.reply-to.g1h2AA5yZXBseUAxAAAAAQ=="),
        ("billing", "billing.replies"),
        ("rogue", "rogue.replies"),  # its refusal, in its own queue
        (None, "amq.gen-anyone"),
        (EDGE, "usersvc.edge.replies.0f3a"),
    ],
)
def test_replies_go_to_the_callers_own_queues(user, reply_to):
    assert may_reply_to(reply_to, broker_user=user, edge_user=EDGE)


@pytest.mark.parametrize(
    "user, reply_to",
    [
        ("billing", "usersvc.dead-letter"),
        ("billing", "usersvc.user.update"),
        ("billing", "usersvc.edge.replies.0f3a"),
        ("billing", "other.replies"),
        ("billing", "billing"),
        ("billing", "billing.x|usersvc.events"),  # FastStream: queue billing.x on usersvc.events
        ("billing", "amq.gen-x|usersvc.dead-letter"),
        ("rogue", "usersvc.dead-letter"),
        (None, "usersvc.dead-letter"),
        ("usersvc", "usersvc.dead-letter"),  # its name space would be usersvc's own
        ("amq", "amq.default"),
        (EDGE, "usersvc.dead-letter"),
        (EDGE, "usersvc-edge.replies"),
    ],
)
def test_replies_never_go_to_anyone_elses_queue_nor_to_usersvcs(user, reply_to):
    assert not may_reply_to(reply_to, broker_user=user, edge_user=EDGE)
