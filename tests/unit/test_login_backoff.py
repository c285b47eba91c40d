"""The per-account back-off's arithmetic and identifiers (docs/api.md, "REST"), without Redis."""

from usersvc.cache_keys import CacheKeys, account_subject, login_identifier
from usersvc.edge.login_guard import (
    LONGEST_HOLD_SECONDS,
    hold_schedule,
    hold_seconds,
)


def test_no_hold_below_the_threshold():
    assert [hold_seconds(failures=n, threshold=10) for n in range(10)] == [0] * 10


def test_a_minute_at_the_threshold_doubling_up_to_fifteen_minutes():
    holds = [hold_seconds(failures=n, threshold=10) for n in range(10, 17)]
    assert holds == [60, 120, 240, 480, 900, 900, 900]
    assert hold_seconds(failures=10**6, threshold=10) == LONGEST_HOLD_SECONDS


def test_the_schedule_the_script_reads_matches_the_formula():
    for threshold in (1, 3, 10):
        schedule = hold_schedule(threshold=threshold)
        assert schedule == [
            hold_seconds(failures=threshold + step, threshold=threshold) for step in range(len(schedule))
        ]
        assert schedule[-1] == LONGEST_HOLD_SECONDS and schedule.count(LONGEST_HOLD_SECONDS) == 1


def test_identifiers_are_normalised_like_the_workers_look_them_up_and_never_alias():
    assert login_identifier(email=" Jo@Example.COM ", username=None) == "email:jo@example.com"
    assert login_identifier(email=None, username="John_Doe") == "username:john_doe"
    assert login_identifier(email=None, username="jo@example.com") != login_identifier(
        email="jo@example.com", username=None
    )
    assert login_identifier(email=None, username=" Jo ") == "username:jo"


def test_an_account_is_one_subject_that_no_identifier_aliases():
    subject = account_subject("9b2f0c1e-0000-4000-8000-000000000001")
    assert subject == "account:9b2f0c1e-0000-4000-8000-000000000001"
    assert subject not in {
        login_identifier(email=None, username="account"),
        login_identifier(email="account:9b2f0c1e@example.com", username=None),
    }


def test_keys_hold_a_digest_of_the_identifier_never_the_address():
    keys = CacheKeys("p")
    built = [
        keys.login_failures("email:jo@example.com"),
        keys.login_held_back("email:jo@example.com"),
        keys.login_known_client("email:jo@example.com", "203.0.113.5"),
        keys.login_account("email:jo@example.com"),
    ]
    assert not any("jo@" in key or "example" in key or "203.0.113.5" in key for key in built)
    tags = {key.split("{")[1].split("}")[0] for key in built}
    assert len(tags) == 1  # one Redis Cluster slot per subject
    assert keys.login_failures("email:a@example.com") != keys.login_failures("email:b@example.com")
