"""The fast tier: handlers in-process over memory (tests/fast/world.py); no server at all."""

import pytest

from tests.fast.world import World, models_ready


@pytest.fixture(scope="session", autouse=True)
async def models():
    await models_ready()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def admin(world: World):
    return world.user("admin", username="root_admin")
