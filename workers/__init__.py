"""FastStream workers: the only code that opens a database connection."""
