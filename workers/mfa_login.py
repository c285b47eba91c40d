"""The first half of a login with MFA on: a right password earns an mfa_token, not a session."""

import uuid

from usersvc.domain.mfa_challenge import LIFETIME
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.models import MfaChallenge, User


async def start_mfa_challenge(unit: UnitOfWork, user: User) -> dict:
    """No session, no tokens, no last_login_at: only a challenge that auth.mfa_verify spends."""
    # The user's expired challenges go now, so none piles up without a pruning job.
    await MfaChallenge.filter(user_id=user.id, expires_at__lt=unit.now).using_db(unit.connection).delete()
    token = new_opaque_token()
    challenge = await MfaChallenge.create(
        id=uuid.uuid4(),
        user_id=user.id,
        token_digest=opaque_token_digest(token),
        expires_at=unit.now + LIFETIME,
        created_at=unit.now,
        using_db=unit.connection,
    )
    await unit.record(
        action="auth.mfa_challenge", entity_id=str(user.id), old=None, new={"challenge_id": str(challenge.id)}
    )
    return {"mfa_required": True, "mfa_token": token, "expires_in": int(LIFETIME.total_seconds())}
