"""The second factor in the database: TOTP enrolments (sealed secrets), recovery-code
digests and the login challenges between a password and a code. workers/second_factor.py
and the MFA handlers use them, always on rows their transaction has locked."""

from datetime import datetime

from usersvc.workers.models import MfaChallenge, MfaRecoveryCode, UserTotp
from usersvc.workers.repositories.base import Repository


class SecondFactorRepository(Repository):
    # --- TOTP -------------------------------------------------------------------------------

    async def lock_totp(self, user_id: object) -> UserTotp | None:
        return await UserTotp.filter(user_id=user_id).select_for_update().using_db(self._db).first()

    async def add_totp(self, totp: UserTotp) -> None:
        await totp.save(using_db=self._db, force_create=True)

    async def update_totp(self, totp: UserTotp, fields: list[str]) -> None:
        await totp.save(update_fields=fields, using_db=self._db)

    async def delete_totp(self, user_id: object) -> int:
        """How many enrolments (0 or 1) there were."""
        return await UserTotp.filter(user_id=user_id).using_db(self._db).delete()

    # --- recovery codes ---------------------------------------------------------------------

    async def add_recovery_codes(self, codes: list[MfaRecoveryCode]) -> None:
        await MfaRecoveryCode.bulk_create(codes, using_db=self._db)

    async def lock_unused_recovery_code(self, user_id: object, digest: str) -> MfaRecoveryCode | None:
        return await (
            MfaRecoveryCode.filter(user_id=user_id, used_at=None, code_digest=digest)
            .select_for_update()
            .using_db(self._db)
            .first()
        )

    async def update_recovery_code(self, code: MfaRecoveryCode, fields: list[str]) -> None:
        await code.save(update_fields=fields, using_db=self._db)

    async def delete_recovery_codes(self, user_id: object) -> None:
        await MfaRecoveryCode.filter(user_id=user_id).using_db(self._db).delete()

    # --- login challenges -------------------------------------------------------------------

    async def add_challenge(self, challenge: MfaChallenge) -> None:
        await challenge.save(using_db=self._db, force_create=True)

    async def lock_challenge(self, token_digest: str) -> MfaChallenge | None:
        return await MfaChallenge.filter(token_digest=token_digest).select_for_update().using_db(self._db).first()

    async def update_challenge(self, challenge: MfaChallenge, fields: list[str]) -> None:
        await challenge.save(update_fields=fields, using_db=self._db)

    async def delete_expired_challenges(self, user_id: object, *, now: datetime) -> None:
        await MfaChallenge.filter(user_id=user_id, expires_at__lt=now).using_db(self._db).delete()
