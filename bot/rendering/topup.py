"""Texts of game top-ups: the card's label, the player-id steps, who receives the quote,
and the confirmation that replaces a codes message once the account is credited."""

from __future__ import annotations

from html import escape

from bot.i18n import translator
from bot.rendering.formatting import format_money
from bot.rendering.message import OutgoingMessage
from bot.services.order_queries import OrderDetails
from bot.services.topups import MAX_PLAYER_ID, TopupProblem, ValidatedPlayer
from storage.models import Order, Product
from storage.order_states import HAS_CODES

TOPUP_MARK = "🎮"


def topup_card_line(locale: str) -> str:
    """The product card's label for a top-up (HTML)."""
    _ = translator(locale).gettext
    return (
        f"{TOPUP_MARK} <b>"
        + escape(_("Game top-up"))
        + "</b>: "
        + escape(_("credited straight to your game account, no code to redeem."))
    )


def ask_player_id(product: Product, locale: str) -> str:
    _ = translator(locale).gettext
    return "\n".join(
        [
            f"{TOPUP_MARK} <b>{escape(product.name)}</b>",
            "",
            escape(_("Send the player ID of the game account to top up.")),
            escape(_("You will see the player's name to confirm before paying.")),
            escape(_("Send /cancel to stop.")),
        ]
    )


def problem_text(problem: TopupProblem, locale: str) -> str:
    """Why a player id was not accepted, and what to do next (plain text)."""
    _ = translator(locale).gettext
    texts = {
        TopupProblem.EMPTY: _("Please send the player ID as text."),
        TopupProblem.TOO_LONG: _(
            "That is too long for a player ID (at most {n} characters). Please check it."
        ).format(n=MAX_PLAYER_ID),
        TopupProblem.CHARSET: _(
            "A player ID has only letters, digits, dots, dashes and underscores. "
            "Please check it and send it again."
        ),
        TopupProblem.INVALID_PLAYER: _(
            "The game has no player with this ID. Please check it and send it again."
        ),
        TopupProblem.REGION_MISMATCH: _(
            "This player's account is in a region this pack cannot be sent to. "
            "Send another player ID, or choose another pack."
        ),
        TopupProblem.SLOW: _(
            "The game did not answer in time. Send the ID again to retry, or /cancel."
        ),
        TopupProblem.UNAVAILABLE: _(
            "We cannot check player IDs right now. Send the ID again in a minute, or /cancel."
        ),
        TopupProblem.NOT_A_TOPUP: _("This product is no longer sold as a top-up."),
    }
    return texts[problem]


def confirm_player(product: Product, player: ValidatedPlayer, locale: str) -> str:
    _ = translator(locale).gettext
    return "\n".join(
        [
            f"{TOPUP_MARK} <b>{escape(product.name)}</b>",
            "",
            escape(_("Top up this player?")),
            "<b>" + escape(player.display_name) + "</b>",
            escape(_("Player ID")) + f": <code>{escape(player.player_id)}</code>",
        ]
    )


def topup_recipient_lines(order: Order, locale: str) -> list[str]:
    """Who a top-up order credits (plain text); nothing for a gift card."""
    if order.player_id is None:
        return []
    _ = translator(locale).gettext
    return [
        _("For player {name} (ID {player_id})").format(
            name=order.player_name or "?", player_id=order.player_id
        )
    ]


def order_player_line(order: Order, locale: str) -> str | None:
    """The /orders details line of a top-up (HTML): delivered to the player, or for them."""
    if order.player_id is None:
        return None
    _ = translator(locale).gettext
    who = escape(order.player_name or "?") + f" (ID <code>{escape(order.player_id)}</code>)"
    if order.status in HAS_CODES and order.voided_at is None:
        return f"{TOPUP_MARK} " + escape(_("Delivered to player")) + ": " + who
    return f"{TOPUP_MARK} " + escape(_("For player")) + ": " + who


def render_topup_delivery(details: OrderDetails, *, locale: str) -> list[OutgoingMessage]:
    """The confirmation a credited top-up gets instead of codes: no secret in it."""
    order, product = details.order, details.product
    if order.player_id is None:
        return []
    _ = translator(locale).gettext
    face = format_money(product.face_value, product.face_currency, locale)
    lines = [
        "✅ <b>" + escape(_("Your order {order_id}").format(order_id=order.id)) + "</b>",
        f"{escape(product.name)} ({escape(face)})",
        "",
        escape(_("Credited to player {name} (ID {player_id}).")).format(
            name="<b>" + escape(order.player_name or "?") + "</b>",
            player_id=f"<code>{escape(order.player_id)}</code>",
        ),
        escape(_("It may take a few minutes to appear in the game.")),
    ]
    return [OutgoingMessage(text="\n".join(lines))]
