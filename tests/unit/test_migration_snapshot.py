"""The newest migration holds aerich's snapshot of the models as they are: `aerich migrate`
diffs the models against it, so a stale one would make it write changes already made."""

import importlib
import pkgutil

from aerich.utils import decompress_dict, get_models_describe
from tortoise import Tortoise

from usersvc.migrations import models as migration_files
from usersvc.workers.db import tortoise_config


async def test_the_newest_migration_holds_the_current_models():
    names = [info.name for info in pkgutil.iter_modules(migration_files.__path__)]
    newest = max(names, key=lambda name: int(name.split("_")[0]))
    snapshot = decompress_dict(importlib.import_module(f"{migration_files.__name__}.{newest}").MODELS_STATE)
    await Tortoise.init(config=tortoise_config("postgres://nobody@127.0.0.1:1/unused"))  # connects to nothing
    try:
        assert snapshot == get_models_describe("models"), f"regenerate MODELS_STATE of {newest}"
    finally:
        await Tortoise.close_connections()
