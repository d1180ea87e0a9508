"""Partner API keys. Only a digest of each key is stored: the key itself is shown once, at creation."""

from __future__ import annotations

from piccolo.columns import Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class PartnerKey(Table, tablename="partner_key"):
    """One API key of a logistics partner. `prefix` names the key in lists, logs and the audit log
    (and finds its row); `secret_hash` is the SHA-256 of the whole key (app/partners/rules.py says
    why a fast hash is right here). Revoked keys stay, for the audit trail; nothing is deleted."""

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    prefix = Varchar(length=32, unique=True)
    secret_hash = Varchar(length=64)  # hex SHA-256
    scopes = Varchar(length=200)  # comma-separated, e.g. "customs:export"
    destinations = Text(default="")  # comma-separated ISO country codes; "" = every destination
    created_by = Varchar(length=254)  # the owner's email at the time
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
