"""Passkeys in the database: the credentials (public keys, counters, backup flags) and the
WebAuthn challenges (digests only) that workers/handlers/passkeys.py spends, always on rows
its transaction has locked."""

from datetime import datetime

from usersvc.workers.models import Passkey, WebAuthnChallenge
from usersvc.workers.repositories.base import Repository


class PasskeysRepository(Repository):
    # --- credentials ------------------------------------------------------------------------

    async def of_user(self, user_id: object) -> list[Passkey]:
        """The user's passkeys, oldest first."""
        return await Passkey.filter(user_id=user_id).order_by("created_at", "id").using_db(self._db)

    async def lock_of_user(self, user_id: object) -> list[Passkey]:
        return await Passkey.filter(user_id=user_id).order_by("created_at", "id").select_for_update().using_db(self._db)

    async def credential_taken(self, credential_id: str) -> bool:
        return await Passkey.filter(credential_id=credential_id).using_db(self._db).exists()

    async def lock(self, *, user_id: object, passkey_id: object) -> Passkey | None:
        return await Passkey.filter(id=passkey_id, user_id=user_id).select_for_update().using_db(self._db).first()

    async def lock_by_credential(self, credential_id: str) -> Passkey | None:
        return await Passkey.filter(credential_id=credential_id).select_for_update().using_db(self._db).first()

    async def add(self, passkey: Passkey) -> None:
        await passkey.save(using_db=self._db, force_create=True)

    async def update(self, passkey: Passkey, fields: list[str]) -> None:
        await passkey.save(update_fields=fields, using_db=self._db)

    async def delete(self, passkeys: list[Passkey]) -> None:
        await Passkey.filter(id__in=[passkey.id for passkey in passkeys]).using_db(self._db).delete()

    async def delete_of_user(self, user_id: object) -> int:
        """How many there were."""
        return await Passkey.filter(user_id=user_id).using_db(self._db).delete()

    # --- challenges -------------------------------------------------------------------------

    async def add_challenge(self, challenge: WebAuthnChallenge) -> None:
        await challenge.save(using_db=self._db, force_create=True)

    async def lock_challenge(self, digest: str) -> WebAuthnChallenge | None:
        return await WebAuthnChallenge.filter(challenge_digest=digest).select_for_update().using_db(self._db).first()

    async def update_challenge(self, challenge: WebAuthnChallenge, fields: list[str]) -> None:
        await challenge.save(update_fields=fields, using_db=self._db)

    async def delete_expired_challenges(self, *, now: datetime) -> None:
        await WebAuthnChallenge.filter(expires_at__lt=now).using_db(self._db).delete()
