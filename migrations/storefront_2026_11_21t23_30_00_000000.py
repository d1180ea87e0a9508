"""Unique and check constraints, written so the same history applies on SQLite and PostgreSQL.

Piccolo emits ALTER TABLE ... ADD CONSTRAINT, which SQLite lacks, so composite unique
constraints are unique indexes (same SQL on both engines) and CHECK constraints are
ALTER TABLE on PostgreSQL and equivalent triggers on SQLite.
"""

import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints"


UNIQUE_INDEXES = [
    'CREATE UNIQUE INDEX category_translation_locale ON category_translation (category, locale)',
    'CREATE UNIQUE INDEX category_translation_slug ON category_translation (locale, slug)',
    'CREATE UNIQUE INDEX product_translation_locale ON product_translation (product, locale)',
    'CREATE UNIQUE INDEX product_translation_slug ON product_translation (locale, slug)',
    'CREATE UNIQUE INDEX option_label_axis_value_locale ON option_label (axis, value, locale)',
    'CREATE UNIQUE INDEX cart_line_cart_variant ON cart_line (cart, variant)',
]

# (table, name, condition): the database itself refuses negative stock, quantities and refunds.
CHECKS = [
    ("variant", "variant_stock_not_negative", "stock >= 0"),
    ("variant", "variant_price_not_negative", "price_minor >= 0"),
    ("cart_line", "cart_line_quantity_positive", "quantity > 0"),
    ("shop_order", "shop_order_refund_within_total", "refunded_minor >= 0 AND refunded_minor <= total_minor"),
]

POSTGRES_CHECKS = [f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})" for table, name, condition in CHECKS]

def _new_row(condition: str) -> str:
    """`a >= 0 AND a <= b` -> `NEW.a >= 0 AND NEW.a <= NEW.b` for a trigger's WHEN clause."""
    return re.sub(r"\b([a-z_]+)\b", lambda m: m.group(1) if m.group(1) in {"AND", "OR", "NOT"} else f"NEW.{m.group(1)}", condition)


SQLITE_CHECK_TRIGGERS = [
    f"CREATE TRIGGER {name}_{event} BEFORE {event.upper()} ON {table} "
    f"WHEN NOT ({_new_row(condition)}) "
    f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
    for table, name, condition in CHECKS
    for event in ("insert", "update")
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_constraints() -> None:
        engine = engine_finder()
        checks = POSTGRES_CHECKS if engine.engine_type == "postgres" else SQLITE_CHECK_TRIGGERS
        for statement in UNIQUE_INDEXES + checks:
            await engine.run_ddl(statement)

    manager.add_raw(add_constraints)
    return manager
