"""The code that reads and writes the database for more than one command handler."""
