"""The fast tier covers every command the workers answer: each command class is sent by at
least one test here (a new command without fast tests fails this)."""

import re
from pathlib import Path

from usersvc.workers.app import HANDLERS

HERE = Path(__file__).parent


def test_every_command_is_sent_by_a_fast_test():
    text = "\n".join(path.read_text() for path in HERE.glob("test_*.py") if path.name != Path(__file__).name)
    sent = set(re.findall(r"\b([A-Z][A-Za-z]+)\(", text))
    missing = sorted(command.__name__ for command in HANDLERS if command.__name__ not in sent)
    assert missing == [], f"no fast test sends {missing}"
