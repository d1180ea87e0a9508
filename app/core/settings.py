"""Settings read from environment variables, with safe defaults for the embedded mode."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Stale-rate limit in hours (see `fx_max_age_hours` in load_settings for why 120).
FX_MAX_AGE_HOURS_DEFAULT = 120


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _public_base_url(production: bool) -> str:
    """PUBLIC_BASE_URL; required in production, so no link (emails, canonical, hreflang) can ever
    follow a request's Host header there."""
    url = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    if production and not url.startswith(("https://", "http://")):
        raise RuntimeError("PUBLIC_BASE_URL (https://shop.example) must be set when APP_ENV=production")
    return url


def _allowed_hosts(public_base_url: str, production: bool) -> tuple[str, ...]:
    """Host names requests may name: PUBLIC_BASE_URL's, ALLOWED_HOSTS (comma-separated) and,
    outside production, the loopback names."""
    hosts = [h.strip().lower() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if public_base_url:
        hosts.append((urlsplit(public_base_url).hostname or "").lower())
    if not production:
        hosts.extend(LOOPBACK_HOSTS)
    return tuple(dict.fromkeys(h for h in hosts if h))


def _secret_key(var_dir: Path, env: str) -> str:
    """SECRET_KEY from the environment; in development a random key kept under var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters")
        return key
    if env == "production":
        raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# The demo shop's tax registrations (a German shop selling to consumers abroad): EU OSS, and the
# schemes where a foreign seller charges the tax at checkout. Outside production they are the
# default; in production only what TAX_REGISTRATIONS says counts.
DEMO_TAX_REGISTRATIONS = (
    "OSS",
    "UK_VAT",
    "VOEC",
    "CH_VAT",
    "AU_GST",
    "NZ_GST",
    "SG_OVR",
    "CA_GST",
    "CN_CBEC",
)


def _registrations(production: bool) -> tuple[str, ...]:
    raw = os.environ.get("TAX_REGISTRATIONS")
    if raw is None:
        return () if production else DEMO_TAX_REGISTRATIONS
    return tuple(part.strip().upper() for part in raw.split(",") if part.strip())


# The demo shop's customs identity (sender of every parcel): test numbers that pass their check
# digits (python-stdnum), so the demo and the tests export. Outside production they are the
# default; in production SHOP_EORI, SHOP_VAT_NUMBER, TAX_REGISTRATION_NUMBERS and SHOP_ADDRESS
# must say the real ones (customs export lists what is missing).
DEMO_TAX_NUMBERS = {
    "IOSS": "IM2760000742",
    "UK_VAT": "GB980780684",
    "VOEC": "2024001",
    "AU_GST": "51824753556",
    "NZ_GST": "49091850",
    "SG_OVR": "M90312345X",
    "CH_VAT": "CHE-116.281.710 MWST",
    "CN_CBEC": "3105W6007A",  # a China customs registration code: 10 characters (format only)
}
DEMO_SHOP_ADDRESS = {"street_address": "Heidestraße 17", "postal_code": "51147", "city": "Köln"}
# Euros per SDR (IMF special drawing right), used when the FX table has no XDR rate: the CN 22
# limit is 300 SDR (UPU). Merchant configuration, about 1.17 EUR (not verified here): update it with
# SDR_RATE_EUR; no FX provider publishes the SDR, and `fx set` takes only the shop's currencies.
SDR_RATE_EUR_DEFAULT = "1.17"


def _pairs(name: str, default: dict[str, str], *, upper: bool = True) -> dict[str, str]:
    """KEY=value,KEY=value from the environment (keys upper- or lower-cased); `default` when unset."""
    raw = os.environ.get(name)
    if raw is None:
        return dict(default)
    pairs = (part.split("=", 1) for part in raw.split(",") if "=" in part)
    return {
        (key.strip().upper() if upper else key.strip().lower()): value.strip()
        for key, value in pairs
        if value.strip()
    }


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a running shop."""

    env: str
    database_url: str
    secret_key: str
    var_dir: Path
    media_dir: Path
    shop_name: str = "Storefront"
    public_base_url: str = ""
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    bank_iban: str = "DE89 3704 0044 0532 0130 00"
    bank_bic: str = "COBADEFFXXX"
    shop_currency: str = "EUR"
    shop_country: str = "DE"
    # Entered catalogue prices include the shop country's VAT for their tax class (demo: EUR incl.
    # German VAT). Shipping rates are net either way.
    prices_include_tax: bool = True
    # Where the shop is registered to charge tax itself (IOSS, OSS, UK_VAT, VOEC, CH_VAT, AU_GST,
    # NZ_GST, SG_OVR, CA_GST, US_SALES_TAX:NY, ...): TAX_REGISTRATIONS, comma-separated.
    tax_registrations: tuple[str, ...] = ()
    # Invoices carry a statement on origin, so goods of preferential origin (EU goods into the UK
    # under the TCA, say) get the preferential duty rate.
    origin_statement: bool = True
    # Customs declarations (app/customs): the sender's identifiers and address, and the numbers of
    # the registrations in tax_registrations (TAX_REGISTRATION_NUMBERS=IOSS=IM...,UK_VAT=GB...).
    shop_eori: str = ""
    shop_vat_number: str = ""
    tax_numbers: dict[str, str] = field(default_factory=dict)
    shop_address: dict[str, str] = field(default_factory=dict)
    shop_phone: str = ""
    shop_email: str = ""
    sdr_rate_eur: str = SDR_RATE_EUR_DEFAULT
    # What one parcel's packaging weighs, added to the goods' weight for the gross weight customs ask
    # for (PACKAGING_GRAMS; the demo's is a padded mailer's, set your own box's).
    packaging_grams: int = 0
    default_locale: str = "en"
    outbox_poll_seconds: float = (
        5  # each worker delivers due follow-ups this often (0: `storefront worker` does)
    )
    redis_url: str = ""  # shared attempt limits across workers and servers (memory per worker when unset)
    # Search: Meilisearch when the URL is set, else the embedded engine's index under var/search.
    meilisearch_url: str = ""
    meilisearch_key: str = ""
    meilisearch_index_prefix: str = "storefront"
    db_pool_min: int = 1
    db_pool_max: int = 10
    cookie_secure: bool = False
    test_payments_enabled: bool = True
    catalog_check_seconds: int = 2
    page_cache_pages: int = 4096
    fx_providers: tuple[str, ...] = ("ecb", "forex-python")
    fx_ecb_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
    fx_forex_python_url: str = "https://theratesapi.com/api/"
    fx_timeout_seconds: float = 10
    fx_max_jump: str = "0.2"
    fx_max_age_hours: float = FX_MAX_AGE_HOURS_DEFAULT
    fx_refresh_minutes: int = 0
    fx_cache_seconds: int = 60
    page_size: int = 24
    unpaid_order_days: int = 7
    debug: bool = False
    log_level: str = "INFO"
    mail_from: str = "Storefront <orders@storefront.invalid>"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Build settings from the environment (call `get_settings()` for the cached copy)."""
    env = os.environ.get("APP_ENV", "development")
    var_dir = _path("VAR_DIR", PROJECT_ROOT / "var")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'storefront.sqlite3'}"
    production = env == "production"
    return Settings(
        env=env,
        database_url=database_url,
        secret_key=_secret_key(var_dir, env),
        var_dir=var_dir,
        media_dir=_path("MEDIA_DIR", var_dir / "media"),
        shop_name=os.environ.get("SHOP_NAME", "Storefront"),
        public_base_url=_public_base_url(production),
        allowed_hosts=_allowed_hosts(os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"), production),
        # Demo defaults are the standard example IBAN/BIC; set real ones in production.
        bank_iban=os.environ.get("BANK_IBAN", "DE89 3704 0044 0532 0130 00"),
        bank_bic=os.environ.get("BANK_BIC", "COBADEFFXXX"),
        shop_currency=os.environ.get("SHOP_CURRENCY", "EUR").upper(),
        shop_country=os.environ.get("SHOP_COUNTRY", "DE").upper(),
        prices_include_tax=_bool("PRICES_INCLUDE_TAX", True),
        tax_registrations=_registrations(production),
        origin_statement=_bool("ORIGIN_STATEMENT", True),
        shop_eori=os.environ.get("SHOP_EORI", "" if production else "DE123456789012345"),
        shop_vat_number=os.environ.get("SHOP_VAT_NUMBER", "" if production else "DE136695976"),
        tax_numbers=_pairs("TAX_REGISTRATION_NUMBERS", {} if production else DEMO_TAX_NUMBERS),
        # SHOP_ADDRESS=street_address=...,postal_code=...,city=... (the country is SHOP_COUNTRY).
        shop_address=_pairs("SHOP_ADDRESS", {} if production else DEMO_SHOP_ADDRESS, upper=False),
        shop_phone=os.environ.get("SHOP_PHONE", "" if production else "+49 221 123456"),
        shop_email=os.environ.get("SHOP_EMAIL", "" if production else "shipping@storefront.invalid"),
        sdr_rate_eur=os.environ.get("SDR_RATE_EUR", SDR_RATE_EUR_DEFAULT),
        packaging_grams=_int("PACKAGING_GRAMS", 0 if production else 120),
        default_locale=os.environ.get("DEFAULT_LOCALE", "en"),
        redis_url=os.environ.get("REDIS_URL", ""),
        meilisearch_url=os.environ.get("MEILISEARCH_URL", "").rstrip("/"),
        meilisearch_key=os.environ.get("MEILISEARCH_KEY", ""),
        meilisearch_index_prefix=os.environ.get("MEILISEARCH_INDEX_PREFIX", "storefront"),
        outbox_poll_seconds=float(os.environ.get("OUTBOX_POLL_SECONDS", "5")),
        db_pool_min=_int("DB_POOL_MIN", 1),
        db_pool_max=_int("DB_POOL_MAX", 10),
        cookie_secure=_bool("COOKIE_SECURE", production),
        test_payments_enabled=_bool("TEST_PAYMENTS_ENABLED", not production),
        catalog_check_seconds=_int("CATALOG_CHECK_SECONDS", 2),
        page_size=_int("PAGE_SIZE", 24),
        page_cache_pages=_int("PAGE_CACHE_PAGES", 4096),
        fx_providers=tuple(
            p.strip() for p in os.environ.get("FX_PROVIDERS", "ecb,forex-python").split(",") if p.strip()
        ),
        fx_ecb_url=os.environ.get(
            "FX_ECB_URL", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
        ),
        fx_forex_python_url=os.environ.get("FX_FOREX_PYTHON_URL", "https://theratesapi.com/api/"),
        fx_timeout_seconds=float(os.environ.get("FX_TIMEOUT_SECONDS", "10")),
        fx_max_jump=os.environ.get("FX_MAX_JUMP", "0.2"),
        # On in every environment (0 turns it off). 120 h survives the longest ECB gap: over Easter
        # (Good Friday and Easter Monday are TARGET holidays) Thursday's rates stay in force until
        # Tuesday's ~16:00 CET publication, about 112 h after the end of Thursday as `age_days`
        # measures it; the rest is margin for a refresh that runs a few hours after publication.
        fx_max_age_hours=float(os.environ.get("FX_MAX_AGE_HOURS", str(FX_MAX_AGE_HOURS_DEFAULT))),
        fx_refresh_minutes=_int("FX_REFRESH_MINUTES", 0),
        fx_cache_seconds=_int("FX_CACHE_SECONDS", 60),
        mail_from=os.environ.get("MAIL_FROM", "Storefront <orders@storefront.invalid>"),
        smtp_host=os.environ.get("SMTP_HOST", ""),
        smtp_port=_int("SMTP_PORT", 587),
        smtp_user=os.environ.get("SMTP_USER", ""),
        smtp_password=os.environ.get("SMTP_PASSWORD", ""),
        unpaid_order_days=_int("UNPAID_ORDER_DAYS", 7),
        debug=_bool("DEBUG", False),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
