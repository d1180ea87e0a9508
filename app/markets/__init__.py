"""Markets: countries grouped with a currency, locale, tax display, rounding and FX markup."""
