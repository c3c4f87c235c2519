"""Chat messages built from domain objects: HTML text plus inline keyboards."""

from bot.rendering.delivery import render_delivery
from bot.rendering.message import OutgoingMessage
from bot.rendering.notices import NOTICE_KINDS, render_notice

__all__ = ["NOTICE_KINDS", "OutgoingMessage", "render_delivery", "render_notice"]
