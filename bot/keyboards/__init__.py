"""Inline keyboards and the callback data their buttons carry."""
