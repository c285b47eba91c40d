"""usersvc: the composition root shared by the edge and the workers (settings, CLI, bus names)."""
