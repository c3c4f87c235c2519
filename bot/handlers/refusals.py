"""What the customer reads when checkout says no, one sentence per reason."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.services.checkout import RefusalReason


def refusal_text(reason: RefusalReason | None) -> str:
    texts = {
        RefusalReason.UNKNOWN_PRODUCT: _("This product is no longer sold."),
        RefusalReason.OUT_OF_STOCK: _("Sorry, this product has just run out of stock."),
        RefusalReason.QUANTITY: _("That many are not available right now. Try fewer."),
        RefusalReason.TOO_MANY_PURCHASES: _(
            "You have started many purchases in a short time. Please wait a minute."
        ),
        RefusalReason.SUPPLIER_UNAVAILABLE: _(
            "Our supplier is not answering right now. Please try again in a few minutes."
        ),
        RefusalReason.UNKNOWN_ORDER: _("We could not find this order. Please start again."),
        RefusalReason.NOT_YOURS: _("This invoice belongs to someone else."),
        RefusalReason.ALREADY_PAID: _("This invoice has already been paid."),
        RefusalReason.EXPIRED: _("This price quote has expired. Please open the product again."),
        RefusalReason.PRICE_CHANGED: _(
            "The price has changed since the quote. Please open the product again."
        ),
        RefusalReason.AMOUNT_MISMATCH: _(
            "The amount does not match the quote. Please open the product again."
        ),
        RefusalReason.CURRENCY: _(
            "This card cannot be priced in our payment currency right now. "
            "Please choose another card."
        ),
        RefusalReason.CREDIT_CHANGED: _(
            "Your store credit has changed since the quote. Please open the product again."
        ),
        RefusalReason.PLAYER_ID: _(
            "A top-up needs your player ID first. Please open the product again."
        ),
    }
    if reason is None:
        return _("Something went wrong. Please try again.")
    return texts[reason]
