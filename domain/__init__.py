"""The core shared by edge and workers: commands, replies, rules and errors. Imports no framework."""
