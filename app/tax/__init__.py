"""Landed cost: destination VAT/GST, duties and fees of a cross-border parcel, pure rules over data/tax/.

Modules:
- `model`: the quote's input (`Shipment`, `QuoteLine`) and answer (`LandedCostQuote`, `ChargeLine`,
  `QuoteWarning`), the dated table rows (`TaxTables`, ...) and `QuoteError` (stable `code`, gettext
  `message`, `params`).
- `parse` (pure) builds `TaxTables` from the TOML documents and refuses bad data with ValueError:
  missing fields, floats, unknown source keys or confidences, bad dates, overlapping
  [effective_from, effective_to) ranges for the same key. `data.tax_tables()` reads data/tax/*.toml
  once per process (the only module here that may import settings).
- `rules.quote_landed_cost(shipment, tables, rates, today)`: the entry point. It dispatches on the
  destination's regime to `eu` (EU-27, OSS), `europe` (GB, NO, CH), `americas` (CA, US) and
  `asia_pacific` (AU, NZ, SG, JP, KR, CN), built from `charges` and `common`.
- `display.display_rate(...)`: the VAT/GST rate a small B2C sale carries at checkout (for showing
  tax-inclusive prices), and `display.home_rate(...)`: the shop country's domestic rate of a class.

Data (data/tax/, each row with effective dates, source keys from sources.toml and the reference's
confidence): destinations.toml (currency, regime, CIF/FOB), vat_rates.toml (country/region rates
with history), tax_classes.toml (product tax class -> rate key), regimes.toml (thresholds, flat
duties, fees, factors), duties.toml (HS-prefix default rates and origin preferences).
Rows rated Low or UNVERIFIED are used but every amount from them says estimate=True and the quote
warns; nothing the reference could not confirm is silently treated as fact.

Speed: TaxTables indexes its rows by (country, key) on first use and memoises each look-up per date
(`TaxTables.cached`, also a line's duty resolution, the EU add-ons and every parameter in force per
date); the hot paths build their frozen answers without the dataclass __init__ (see `model`;
`charges._line`, `charges.with_changes` for `replace`, `rules._context`), round with the
per-currency units of `common` (the same results as app.core.money, fewer calls), check a plain
shipment in one pass (`rules._valid`, else the ordered `rules._check`), work out once per quote what
the regimes read (`common.Context`) and split shipping with `common.split_shares` (`shares` as a
list, in Decimal arithmetic). No basket amount and no shipment is remembered: no answer depends on
the shipment being seen before, and the benchmark measures the work a new basket costs.

Conventions: `unit_value` and `shipping_charged` are net of VAT, in `Shipment.currency`, unless
`Shipment.prices_include_tax` says they are gross (see `rules`: the checkout VAT is then extracted,
its lines say included=True, and `LandedCostQuote.net_required` asks for net values where goods are
imported instead); answers are
in the destination's currency, each charge rounded half-up to the unit the shopper is charged in
(`app.core.money.quantize_charge`: whole kroner in NOK, as in Norway's official example); the goods
and shipping amounts are quantised to the minor unit. Thresholds are compared exactly, in their own
currency, with the rates passed in (pass customs rates where a regime prescribes them).
"""
