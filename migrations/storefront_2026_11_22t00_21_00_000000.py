"""Price lists: one fixed price per variant and market; orders from before FX settle in their own currency.

The unique index is the same SQL on both engines. Orders placed before multi-currency pricing were
charged in the shop currency, so their settlement amounts are their presentment amounts.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T00:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "price override unique index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_index() -> None:
        engine = engine_finder()
        await engine.run_ddl("CREATE UNIQUE INDEX price_override_variant_market ON price_override (variant, market)")
        await engine.run_ddl("CREATE INDEX fx_event_created ON fx_event (created_at)")
        await engine.run_ddl(
            "UPDATE shop_order SET settlement_currency = currency, settlement_subtotal_minor = subtotal_minor, "
            "settlement_shipping_minor = shipping_minor, settlement_total_minor = total_minor, "
            "refunded_settlement_minor = refunded_minor, fx_rate = '1' WHERE settlement_currency = ''"
        )
        await engine.run_ddl(
            "UPDATE order_line SET settlement_total_minor = line_total_minor WHERE settlement_total_minor = 0"
        )

    manager.add_raw(add_index)
    return manager
