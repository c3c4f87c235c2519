"""The sandbox's catalog: real-looking brands, regions and denominations, plus scenario SKUs."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Final

from supplier.models import Money, ProductKind

REGION_CURRENCY: Final[dict[str, str]] = {
    "US": "USD",
    "EU": "EUR",
    "GB": "GBP",
    "TR": "TRY",
    "BR": "BRL",
    "IN": "INR",
    "GLOBAL": "USD",
}
# Regions where resellers get a deeper discount (weaker currencies, more competition).
REGION_EXTRA_DISCOUNT_BPS: Final[dict[str, int]] = {"TR": 200, "BR": 100, "IN": 150}
MAX_DISCOUNT_BPS: Final = 1200


@dataclass(frozen=True, slots=True)
class Brand:
    slug: str
    name: str
    product_name: str
    discount_bps: int
    instructions: str
    redemption_url: str | None
    code_format: str
    pin_format: str | None = None
    serial_format: str | None = None
    expires_days: int | None = None
    # Top-up brands: what a valid player id looks like, and the in-game currency sold.
    player_id_pattern: str | None = None
    unit_name: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogItem:
    sku: str
    name: str
    brand: Brand
    region: str
    currency: str
    face_amount: int  # minor units of `currency`
    discount_bps: int
    max_quantity: int
    initial_stock: int | None  # None: unlimited (scenario SKUs, top-ups)
    kind: ProductKind = "code"

    @property
    def face_value(self) -> Money:
        return Money(amount=self.face_amount, currency=self.currency)


BRANDS: Final[dict[str, Brand]] = {
    b.slug: b
    for b in (
        Brand("steam", "Steam", "Steam Wallet Code", 300,
              "Steam client > Games > Redeem a Steam Wallet Code.",
              "https://store.steampowered.com/account/redeemwalletcode", "AAAAA-AAAAA-AAAAA"),
        Brand("psn", "PlayStation", "PlayStation Store Gift Card", 500,
              "PlayStation Store > ... > Redeem Codes, then enter the 12-character code.",
              "https://store.playstation.com/redeem", "AAAA-AAAA-AAAA"),
        Brand("xbox", "Xbox", "Xbox Gift Card", 600,
              "Sign in at redeem.microsoft.com and enter the 25-character code.",
              "https://redeem.microsoft.com", "BBBBB-BBBBB-BBBBB-BBBBB-BBBBB"),
        Brand("nintendo", "Nintendo eShop", "Nintendo eShop Card", 400,
              "Nintendo eShop > your account icon > Redeem Code.",
              "https://ec.nintendo.com/redeem", "AAAA-AAAA-AAAA-AAAA"),
        Brand("googleplay", "Google Play", "Google Play Gift Code", 800,
              "Google Play Store > profile icon > Payments & subscriptions > Redeem code.",
              "https://play.google.com/redeem", "AAAAAAAAAAAAAAAAAAAA"),
        Brand("apple", "Apple", "App Store & iTunes Gift Card", 300,
              "App Store > your photo > Redeem Gift Card or Code.",
              "https://apps.apple.com/redeem", "XAAAAAAAAAAAAAAA"),
        Brand("amazon", "Amazon", "Amazon.com Gift Card", 200,
              "Your Account > Gift Cards > Redeem a Gift Card.",
              "https://www.amazon.com/gc/redeem", "AAAA-AAAAAA-AAAA", expires_days=3650),
        Brand("netflix", "Netflix", "Netflix Gift Card", 500,
              "Go to netflix.com/redeem and enter the 11-character code.",
              "https://www.netflix.com/redeem", "AAAAAAAAAAA", expires_days=365),
        Brand("spotify", "Spotify", "Spotify Premium Gift Card", 700,
              "Go to spotify.com/redeem, log in and enter the PIN.",
              "https://www.spotify.com/redeem", "9999999999", expires_days=365),
        Brand("razer", "Razer Gold", "Razer Gold PIN", 1000,
              "Razer Gold > Reload > Razer Gold PIN, enter the PIN and serial.",
              "https://gold.razer.com/gold/reload", "AAAAAAAAAAAAAA",
              pin_format="99999999999999", serial_format="M999999999"),
        Brand("roblox", "Roblox", "Roblox Gift Card", 900,
              "Go to roblox.com/redeem, log in and enter the PIN.",
              "https://www.roblox.com/redeem", "9999999999"),
        Brand("sandbox", "Sandbox", "Scenario", 500,
              "Sandbox scenario card: the code has no value.",
              None, "TEST-AAAA-AAAA-AAAA"),
        # Top-ups: credited to the player's account, so no code format.
        Brand("pubgm", "PUBG Mobile", "PUBG Mobile", 400,
              "Credited to the player id given at purchase; no code to redeem.",
              None, "", player_id_pattern=r"5\d{9}", unit_name="UC"),
        Brand("freefire", "Free Fire", "Free Fire", 500,
              "Credited to the player id given at purchase; no code to redeem.",
              None, "", player_id_pattern=r"\d{8,12}", unit_name="Diamonds"),
        Brand("genshin", "Genshin Impact", "Genshin Impact", 300,
              "Credited to the UID given at purchase; no code to redeem.",
              None, "", player_id_pattern=r"[6-9]\d{8}", unit_name="Genesis Crystals"),
    )
}  # fmt: skip

# (brand, region, denominations in major units of the region's currency)
_LISTINGS: Final[tuple[tuple[str, str, tuple[int, ...]], ...]] = (
    ("steam", "US", (5, 10, 20, 50, 100)),
    ("steam", "EU", (10, 20, 50)),
    ("steam", "TR", (100, 250)),
    ("psn", "US", (10, 25, 50, 100)),
    ("psn", "GB", (10, 25, 50)),
    ("psn", "EU", (20, 50)),
    ("psn", "BR", (60, 100)),
    ("psn", "IN", (1000, 2000)),
    ("xbox", "US", (15, 25, 50)),
    ("xbox", "GB", (10, 25)),
    ("nintendo", "US", (20, 35, 50)),
    ("nintendo", "EU", (15, 25, 50)),
    ("googleplay", "US", (10, 25, 50)),
    ("googleplay", "TR", (100, 250)),
    ("googleplay", "BR", (30, 100)),
    ("googleplay", "IN", (500, 1000)),
    ("apple", "US", (10, 25, 50, 100)),
    ("apple", "GB", (15, 25)),
    ("amazon", "US", (25, 50, 100)),
    ("amazon", "GB", (20, 50)),
    ("netflix", "US", (30, 60)),
    ("netflix", "TR", (200, 400)),
    ("spotify", "US", (10, 30, 60)),
    ("spotify", "BR", (35,)),
    ("razer", "GLOBAL", (5, 10, 20, 50)),
    ("roblox", "GLOBAL", (10, 25, 50)),
)

# Top-up packs: (brand, region, ((in-game units, face value in USD cents), ...)).
_TOPUP_LISTINGS: Final[tuple[tuple[str, str, tuple[tuple[int, int], ...]], ...]] = (
    ("pubgm", "GLOBAL", ((60, 99), (325, 499), (660, 999), (1800, 2499))),
    ("freefire", "GLOBAL", ((100, 99), (520, 499), (1080, 999))),
    ("genshin", "GLOBAL", ((60, 99), (330, 499), (1090, 1499))),
)

SCENARIO_SKUS: Final[tuple[str, ...]] = (
    "test-instant",
    "test-pending",
    "test-slow",
    "test-fail",
    "test-decline",
    "test-partial",
    "test-oos",
    "test-price-drift",
    "test-429",
    "test-500-committed",
    "test-refund-later",
    "test-webhook-chaos",
    "test-webhook-chaos-pending",
)


def _initial_stock(sku: str) -> int:
    # A stable spread: most SKUs well stocked, about one in eight running low.
    bucket = zlib.crc32(sku.encode()) % 64
    return 3 + bucket % 6 if bucket % 8 == 0 else 40 + bucket * 15


def _listing_item(brand: Brand, region: str, major: int) -> CatalogItem:
    currency = REGION_CURRENCY[region]
    sku = f"{brand.slug}-{region.lower()}-{major}"
    discount = min(brand.discount_bps + REGION_EXTRA_DISCOUNT_BPS.get(region, 0), MAX_DISCOUNT_BPS)
    return CatalogItem(
        sku=sku,
        name=f"{brand.product_name} {major} {currency} ({region})",
        brand=brand,
        region=region,
        currency=currency,
        face_amount=major * 100,
        discount_bps=discount,
        max_quantity=10,
        initial_stock=_initial_stock(sku),
    )


def _topup_item(brand: Brand, region: str, units: int, face_cents: int) -> CatalogItem:
    return CatalogItem(
        sku=f"{brand.slug}-{region.lower()}-{units}",
        name=f"{brand.product_name} {units} {brand.unit_name} ({region})",
        brand=brand,
        region=region,
        currency=REGION_CURRENCY[region],
        face_amount=face_cents,
        discount_bps=brand.discount_bps,
        max_quantity=1,  # one pack per order, as top-up APIs do
        initial_stock=None,
        kind="topup",
    )


def _scenario_item(sku: str) -> CatalogItem:
    brand = BRANDS["sandbox"]
    return CatalogItem(
        sku=sku,
        name=f"Sandbox scenario {sku} 10 USD",
        brand=brand,
        region="GLOBAL",
        currency="USD",
        face_amount=1000,
        discount_bps=brand.discount_bps,
        max_quantity=10,
        initial_stock=0 if sku == "test-oos" else None,
    )


def build_catalog() -> dict[str, CatalogItem]:
    """Every SKU in catalog order: gift cards, then top-ups, then scenario SKUs."""
    items = [
        _listing_item(BRANDS[slug], region, major)
        for slug, region, denominations in _LISTINGS
        for major in denominations
    ]
    items.extend(
        _topup_item(BRANDS[slug], region, units, face)
        for slug, region, packs in _TOPUP_LISTINGS
        for units, face in packs
    )
    items.extend(_scenario_item(sku) for sku in SCENARIO_SKUS)
    return {item.sku: item for item in items}
