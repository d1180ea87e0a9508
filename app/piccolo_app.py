"""The single Piccolo app: every table, one linear migration history in top-level migrations/."""

from piccolo.conf.apps import AppConfig

from app.accounts.tables import Customer, CustomerToken
from app.cart.tables import Cart, CartLine
from app.catalog.tables import (
    CatalogRevision,
    Category,
    CategoryTranslation,
    OptionLabel,
    Product,
    ProductImage,
    ProductTranslation,
    ShopPage,
    ShopPageTranslation,
    SlugHistory,
    Variant,
)
from app.core.settings import PROJECT_ROOT
from app.fx.tables import FxEvent, FxRate
from app.markets.tables import PriceOverride
from app.orders.tables import Order, OrderCharge, OrderEvent, OrderLine
from app.outbox.tables import OutboxMessage
from app.partners.tables import PartnerKey
from app.payments.tables import Payment, PaymentEvent, Refund
from app.staff.tables import StaffAccount, StaffAuditLog, StaffResetToken

TABLES = [
    Category,
    CategoryTranslation,
    Product,
    ProductTranslation,
    ShopPage,
    ShopPageTranslation,
    SlugHistory,
    ProductImage,
    Variant,
    OptionLabel,
    CatalogRevision,
    Cart,
    CartLine,
    # Before orders: an order may name the account that placed it (tests empty tables in reverse).
    Customer,
    CustomerToken,
    Order,
    OrderLine,
    OrderCharge,
    OrderEvent,
    Payment,
    PaymentEvent,
    Refund,
    FxRate,
    FxEvent,
    OutboxMessage,
    PriceOverride,
    StaffAccount,
    StaffResetToken,
    StaffAuditLog,
    PartnerKey,
]

APP_CONFIG = AppConfig(
    app_name="storefront",
    migrations_folder_path=str(PROJECT_ROOT / "migrations"),
    table_classes=TABLES,
)
