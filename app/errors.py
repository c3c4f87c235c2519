"""Errors of the composition root: what stops a command before it does any work."""


class ConfigError(Exception):
    """A missing or invalid setting; the message names it and says what is wrong."""
