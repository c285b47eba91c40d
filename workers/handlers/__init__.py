"""One function per command; each module is a RabbitRouter for one area."""
