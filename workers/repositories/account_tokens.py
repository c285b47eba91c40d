"""One-time tokens in the database (only their SHA-256: domain/one_time_tokens.py);
workers/account_tokens.py issues, spends and retires them through this."""

from datetime import datetime

from usersvc.workers.models import AccountToken
from usersvc.workers.repositories.base import Repository


class AccountTokensRepository(Repository):
    async def add(self, token: AccountToken) -> None:
        await token.save(using_db=self._db, force_create=True)

    async def retire(self, *, user_id: object, purpose: str | None, at: datetime) -> None:
        """The user's unused tokens (of `purpose`, or all) are used up as of `at`."""
        unused = AccountToken.filter(user_id=user_id, used_at=None)
        if purpose is not None:
            unused = unused.filter(purpose=purpose)
        await unused.using_db(self._db).update(used_at=at)

    async def live(self, token_hash: str, *, purpose: str, now: datetime, lock: bool = False) -> AccountToken | None:
        """The unused, unexpired token of this purpose (locked, with `lock`)."""
        query = AccountToken.filter(token_hash=token_hash, purpose=purpose, used_at=None, expires_at__gt=now)
        if lock:
            query = query.select_for_update()
        return await query.using_db(self._db).first()

    async def update(self, token: AccountToken, fields: list[str]) -> None:
        await token.save(update_fields=fields, using_db=self._db)

    async def issued_since(self, *, user_id: object, purpose: str, since: datetime) -> bool:
        return (
            await AccountToken.filter(user_id=user_id, purpose=purpose, created_at__gt=since)
            .using_db(self._db)
            .exists()
        )
