"""How the service is used, per UTC day (docs/analytics.md): what counts, and the summary's shape.

The figures come from the audit trail: an audit row of a counted action is queued with it
(in the command's one write statement) and the workers' roll-up adds it to daily counts
(workers/repositories/analytics.py), so a day's figures never need a scan of the trail, and
`usersvc analytics rebuild` recomputes them from the whole trail by the same rules.
"""

from datetime import date, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from usersvc.domain.commands import Command

# Accounts created: by registration, by an admin or service, by an import, through a provider.
SIGN_UP_ACTIONS = ("user.create", "user.register", "user.import")
# A session opened by a sign-in (password, then perhaps a code; a passkey; another provider).
SIGN_IN_ACTION = "auth.login"
# A user signed in to an OAuth client (a code issued to it, through a new or an existing session).
CLIENT_SIGN_IN_ACTION = "oauth.authorize"
# Wrong passwords, wrong second-factor codes and refused passkeys.
FAILED_SIGN_IN_ACTIONS = ("auth.login_failed", "auth.mfa_wrong_code", "auth.passkey_refused")
COUNTED_ACTIONS = (*SIGN_UP_ACTIONS, SIGN_IN_ACTION, CLIENT_SIGN_IN_ACTION, *FAILED_SIGN_IN_ACTIONS)

SIGN_IN_METHODS = ("password", "mfa", "passkey", "provider", "client")
MAX_RANGE_DAYS = 366
# The daily metrics as the roll-up stores them (metric, dimension).
SIGN_UPS, SIGN_INS, NEW_SESSIONS, FAILED_SIGN_INS, CLIENT_SIGN_INS = (
    "sign_ups", "sign_ins", "new_sessions", "failed_sign_ins", "client_sign_ins",
)  # fmt: skip


def sign_in_method(new_values: dict[str, Any] | None) -> str:
    """The method of an auth.login audit row (workers/repositories/sessions.py open_session
    writes it; the rule for rows written before it did mirrors the SQL's)."""
    values = new_values or {}
    if method := values.get("method"):
        return str(method)
    if "second_factor" in values:
        return "mfa"
    return "passkey" if "amr" in values else "password"


class DateRange(Command):
    """`from` and `to`: inclusive UTC dates, at most MAX_RANGE_DAYS apart."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    first: date = Field(alias="from", description="the first day (UTC), YYYY-MM-DD")
    last: date = Field(alias="to", description="the last day (UTC), inclusive")

    @model_validator(mode="after")
    def _ordered_and_short(self) -> "DateRange":
        if self.last < self.first:
            raise ValueError("'to' is before 'from'")
        if (self.last - self.first).days > MAX_RANGE_DAYS:
            raise ValueError(f"'from' and 'to' are at most {MAX_RANGE_DAYS} days apart")
        return self

    def days(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]


class GetAnalyticsSummary(DateRange):
    """The figures of each day of the range, and the totals now (admins and services)."""

    ROUTING_KEY: ClassVar[str] = "analytics.summary"


class GetClientSignIns(DateRange):
    """Sign-ins through each OAuth client over the range (admins and services)."""

    ROUTING_KEY: ClassVar[str] = "analytics.clients"


def summary_days(
    query: DateRange, figures: list[tuple[date, str, str, int]], active_users: dict[date, int]
) -> list[dict[str, Any]]:
    """Every day of the range once, in order, zeros included. `figures`: (day, metric,
    dimension, value) rows of the roll-up; `active_users`: distinct users per day."""
    days = query.days()
    counts = {day: dict.fromkeys((SIGN_UPS, FAILED_SIGN_INS, NEW_SESSIONS), 0) for day in days}
    sign_ins = {day: dict.fromkeys(SIGN_IN_METHODS, 0) for day in days}
    for day, metric, dimension, value in figures:
        if day not in counts:
            continue
        if metric == SIGN_INS and dimension in SIGN_IN_METHODS:
            sign_ins[day][dimension] += value
        elif metric in counts[day]:
            counts[day][metric] += value
    return [
        {
            "date": day.isoformat(),
            SIGN_UPS: counts[day][SIGN_UPS],
            SIGN_INS: sign_ins[day],
            FAILED_SIGN_INS: counts[day][FAILED_SIGN_INS],
            "active_users": active_users.get(day, 0),
            NEW_SESSIONS: counts[day][NEW_SESSIONS],
        }
        for day in days
    ]


# --- the answers, as documented (edge/openapi.py) ---------------------------------------------


class SignInsByMethod(BaseModel):
    password: int
    mfa: int = Field(description="a password, then a second factor (TOTP, recovery code or passkey)")
    passkey: int
    provider: int = Field(description="through another identity provider")
    client: int = Field(description="to an OAuth client: an authorization code issued")


class AnalyticsDayView(BaseModel):
    date: str = Field(description="YYYY-MM-DD (UTC)")
    sign_ups: int = Field(description="accounts created: registration, admin or service, import, another provider")
    sign_ins: SignInsByMethod
    failed_sign_ins: int = Field(description="wrong passwords and codes, refused passkeys")
    active_users: int = Field(description="distinct users who signed in (to usersvc or to a client)")
    new_sessions: int


class AnalyticsTotals(BaseModel):
    users: int = Field(description="accounts not deleted")
    active_users_7d: int = Field(description="distinct users who signed in over the last 7 days, today included")
    active_users_30d: int
    mfa_enabled: int = Field(description="accounts with a second factor on")
    passkeys: int = Field(description="passkeys of accounts not deleted")


class AnalyticsSummary(BaseModel):
    days: list[AnalyticsDayView]
    totals: AnalyticsTotals


class ClientSignIns(BaseModel):
    client_id: str
    sign_ins: int


class ClientSignInsView(BaseModel):
    from_: str = Field(alias="from")
    to: str
    clients: list[ClientSignIns] = Field(description="most sign-ins first")
