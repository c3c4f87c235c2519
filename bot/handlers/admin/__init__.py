"""The operations console: one router per feature under a parent that admits ADMIN_IDS only
and writes every action to the audit log."""

from __future__ import annotations

from aiogram import Router

from bot.handlers.admin import credit, menu, orders, refunds, reports, stock_import, supply
from bot.handlers.admin.access import AuditMiddleware, IsAdmin


def create_router() -> Router:
    router = Router(name=__name__)
    # Filters on the parent: a non-admin's update never reaches a console handler and
    # goes on to the customer routers as if the console did not exist.
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    audit = AuditMiddleware()
    router.message.middleware(audit)
    router.callback_query.middleware(audit)
    router.include_routers(
        *(
            feature.create_router()
            for feature in (menu, supply, orders, refunds, credit, reports, stock_import)
        )
    )
    return router
