"""The first half of a login with MFA on: a right password earns an mfa_token, not a session."""

import uuid
from typing import TYPE_CHECKING

from usersvc.domain.mfa_challenge import LIFETIME
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.workers.models import MfaChallenge, User

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork


async def start_mfa_challenge(unit: "UnitOfWork", user: User) -> dict:
    """No session, no tokens, no last_login_at: only a challenge that auth.mfa_verify spends."""
    # The user's expired challenges go now, so none piles up without a pruning job.
    await unit.second_factor.delete_expired_challenges(user.id, now=unit.now)
    token = new_opaque_token()
    challenge = MfaChallenge(
        id=uuid.uuid4(),
        user_id=user.id,
        token_digest=opaque_token_digest(token),
        expires_at=unit.now + LIFETIME,
        created_at=unit.now,
    )
    await unit.second_factor.add_challenge(challenge)
    unit.record(action="auth.mfa_challenge", entity_id=str(user.id), old=None, new={"challenge_id": str(challenge.id)})
    return {"mfa_required": True, "mfa_token": token, "expires_in": int(LIFETIME.total_seconds())}
