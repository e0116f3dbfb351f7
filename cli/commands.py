"""Registry of the commands that live in their own modules."""

ALL: list = []
