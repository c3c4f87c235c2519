"""One repository per aggregate; each works inside the caller's transaction."""

from storage.repositories.audit import AuditRepository
from storage.repositories.codes import CodeRepository
from storage.repositories.credits import CreditReason, CreditRepository
from storage.repositories.events import SupplierEventRepository
from storage.repositories.held_codes import HeldCodeRepository
from storage.repositories.meta import MetaRepository
from storage.repositories.orders import OrderRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.payments import PaymentRepository, PaymentStatus
from storage.repositories.products import ProductData, ProductRepository
from storage.repositories.telegram_updates import TelegramUpdateRepository
from storage.repositories.users import UserRepository

__all__ = [
    "AuditRepository",
    "CodeRepository",
    "CreditReason",
    "CreditRepository",
    "HeldCodeRepository",
    "MetaRepository",
    "OrderRepository",
    "OutboxRepository",
    "PaymentRepository",
    "PaymentStatus",
    "ProductData",
    "ProductRepository",
    "SupplierEventRepository",
    "TelegramUpdateRepository",
    "UserRepository",
]
