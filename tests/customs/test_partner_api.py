"""The partner API through real HTTP (the ASGI app in process): partner keys refused when missing,
malformed, wrong, revoked, of another scope or for another destination; batches streamed as JSON
(validated against the published schema, with the orders left out and their problems) and CSV;
bad parameters, the rate limit, the audit trail; and the owner's key screens in the back office."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from app.partners import controllers as partner_api
from app.partners.rules import CUSTOMS_EXPORT
from app.partners.services import create_key
from app.partners.tables import PartnerKey
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from app.web.limits import Limit
from tests.customs.orders import catalogue, order, pin
from tests.customs.test_batches import SCHEMA, damage
from tests.functional.admin import SETUP, forget_admin_store, login, make_staff, submit
from tests.html import tags, text

SHIPMENTS = "/api/v1/partner/customs/shipments"
LEFT_OUT = "/api/v1/partner/customs/left-out"
DAY = {"since": "2026-12-01", "until": "2026-12-01"}


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def batch() -> None:
    """Two good UK parcels, one UK parcel without an HS code, one to the US, one inside the EU."""
    await catalogue()
    for fixed, country, sku in (
        ("P-GB1", "GB", "MG-001"),
        ("P-GB2", "GB", "SH-001"),
        ("P-NOHS", "GB", "MG-001"),
        ("P-US", "US", "CT-001"),
        ("P-FR", "FR", "SH-001"),
    ):
        await pin(await order(country, [(sku, 1)]), fixed)
    await damage("P-NOHS", hs_code="")


async def key(
    scopes: frozenset[str] = frozenset({CUSTOMS_EXPORT}), destinations: tuple[str, ...] = ()
) -> str:
    _, text_of_key = await create_key(SETUP, "Test carrier", scopes, destinations)
    return text_of_key


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def fetch(client: Any, value: str | None, path: str = SHIPMENTS, **params: Any) -> Any:
    headers = bearer(value) if value is not None else {}
    return await client.get(path, params={**DAY, **params}, headers=headers)


def numbers(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    return [s["order_number"] for s in document["shipments"]], [
        e["order_number"] for e in document["left_out"]
    ]


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return dict(body)


async def audit_rows(action: str | None = None) -> list[dict[str, Any]]:
    query = StaffAuditLog.select().order_by(StaffAuditLog.id)
    if action:
        query = query.where(StaffAuditLog.action == action)
    return list(await query.run())


# --- who may ask ---------------------------------------------------------------------------------


async def test_no_key_is_a_401_with_a_bearer_challenge(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    response = await fetch(client, None)
    assert_problem(response, 401, "missing_key")
    assert response.headers["www-authenticate"].startswith("Bearer ")
    # Another scheme is no key either.
    response = await client.get(SHIPMENTS, params=DAY, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_problem(response, 401, "missing_key")


@pytest.mark.parametrize(
    "value",
    [
        "not-a-key",
        "sfp_0123456789ab",  # a prefix alone
        "sfp_0123456789ab." + "A" * 42,  # one character short
        "sfp_0123456789AB." + "A" * 43,  # upper-case hex
        "sfp_0123456789ab." + "A" * 42 + "=",
    ],
)
async def test_a_malformed_key_is_a_401(client, value: str) -> None:  # type: ignore[no-untyped-def]
    response = await fetch(client, value)
    assert_problem(response, 401, "invalid_key")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_wrong_key_is_a_401_whether_its_prefix_exists_or_not(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    real = await key()
    prefix, secret = real.split(".")
    wrong_secret = f"{prefix}.{'B' if secret[0] != 'B' else 'C'}{secret[1:]}"
    unknown_prefix = f"sfp_{'0' * 12}.{secret}"
    for value in (wrong_secret, unknown_prefix):
        assert_problem(await fetch(client, value), 401, "invalid_key")
    assert (await fetch(client, real)).status_code == 200  # the real one works
    # Nothing is recorded for a key nobody holds: no row names a prefix that does not exist.
    assert [r["actor"] for r in await audit_rows("partner.refused")] == []


async def test_a_revoked_key_is_a_401_and_the_attempt_is_audited(client) -> None:  # type: ignore[no-untyped-def]
    from app.partners.services import revoke_key

    await batch()
    value = await key()
    assert (await fetch(client, value)).status_code == 200
    row = await PartnerKey.select(PartnerKey.id, PartnerKey.prefix).first().run()
    await revoke_key(SETUP, row["id"])
    response = await fetch(client, value)
    assert_problem(response, 401, "revoked_key")
    assert response.headers["www-authenticate"].startswith("Bearer ")
    [refused] = await audit_rows("partner.refused")
    assert refused["actor"] == f"partner:{row['prefix']}"
    assert json.loads(refused["after"])["why"] == "revoked"


async def test_a_key_of_another_scope_is_a_403(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    value = await key(scopes=frozenset({"orders:read"}))
    response = await fetch(client, value)
    assert_problem(response, 403, "insufficient_scope")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert_problem(await fetch(client, value, LEFT_OUT), 403, "insufficient_scope")
    assert [json.loads(r["after"])["why"] for r in await audit_rows("partner.refused")] == ["scope", "scope"]
    assert await audit_rows("partner.customs_export") == []


async def test_a_destination_outside_the_keys_is_a_403(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    value = await key(destinations=("GB",))
    response = await fetch(client, value, destination="US")
    body = assert_problem(response, 403, "destination_not_allowed")
    assert "US" in body["detail"]
    response = await fetch(client, value, destination=["GB", "US"])  # one outside is enough
    assert_problem(response, 403, "destination_not_allowed")
    assert (await fetch(client, value, destination="GB")).status_code == 200
    refusals = [json.loads(r["after"]) for r in await audit_rows("partner.refused")]
    assert [(r["why"], r["destinations"]) for r in refusals] == [("destination", ["US"])] * 2


async def test_a_restricted_key_without_a_destination_sees_only_its_own(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    restricted = await key(destinations=("GB",))
    document = (await fetch(client, restricted)).json()
    shipped, left_out = numbers(document)
    assert sorted(shipped + left_out) == ["P-GB1", "P-GB2", "P-NOHS"]  # never P-US
    assert document["batch"]["destinations"] == ["GB"]
    everything = (await fetch(client, await key())).json()
    shipped, left_out = numbers(everything)
    assert sorted(shipped + left_out) == ["P-GB1", "P-GB2", "P-NOHS", "P-US"]  # P-FR needs no declaration


# --- what a valid key gets ------------------------------------------------------------------------


async def test_json_batch_is_complete_valid_and_lists_what_was_left_out(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    response = await fetch(client, await key(), destination="GB")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    document = response.json()
    assert numbers(document) == (["P-GB1", "P-GB2"], ["P-NOHS"])
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for shipment in document["shipments"]:
        validator.validate(shipment)
        assert shipment["recipient"]["country"] == "GB" and shipment["reason"] == "sale_of_goods"
    [left_out] = document["left_out"]
    assert left_out["problems"] == [
        {"code": "no_hs_code", "sku": "MG-001", "message": "MG-001: No HS code.", "params": {}}
    ]
    assert (document["exported"], document["left_out_count"]) == (2, 1)
    assert document["schema"] == "/api/v1/customs/schema.json"
    # The half-filled order is nowhere in the shipments.
    assert "P-NOHS" not in json.dumps(document["shipments"])


async def test_csv_batch_has_the_shipments_and_left_out_lists_the_rest(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    value = await key()
    response = await fetch(client, value, format="csv", destination="GB", reason="gift")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "customs-2026-12-01-2026-12-01.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["order_number"], r["sku"], r["reason"]) for r in rows] == [
        ("P-GB1", "MG-001", "gift"),
        ("P-GB2", "SH-001", "gift"),
    ]
    left = (await fetch(client, value, LEFT_OUT, destination="GB")).json()
    assert "shipments" not in left
    assert [(e["order_number"], [p["code"] for p in e["problems"]]) for e in left["left_out"]] == [
        ("P-NOHS", ["no_hs_code"])
    ]
    assert (left["exported"], left["left_out_count"]) == (2, 1)


async def test_carrier_filters_the_batch(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    value = await key()
    express = (await fetch(client, value, carrier="express")).json()
    assert numbers(express) == ([], [])
    standard = (await fetch(client, value, carrier=["standard", "express"], destination="GB")).json()
    assert numbers(standard) == (["P-GB1", "P-GB2"], ["P-NOHS"])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"since": "2026-12-02", "until": "2026-12-01"}, "invalid_range"),
        ({"since": "2025-01-01", "until": "2026-01-02"}, "invalid_range"),  # 367 days
        ({"since": "yesterday"}, "invalid_request"),
        ({"format": "xml"}, "invalid_request"),
        ({"reason": "bribe"}, "invalid_request"),
        ({"destination": "XX"}, "invalid_request"),
        ({"carrier": "pigeon"}, "invalid_request"),
    ],
)
async def test_bad_parameters_are_a_400(client, params: dict[str, str], code: str) -> None:  # type: ignore[no-untyped-def]
    value = await key()
    assert_problem(await fetch(client, value, **params), 400, code)
    assert await audit_rows("partner.customs_export") == []  # refused before any export


async def test_a_whole_year_is_allowed(client) -> None:  # type: ignore[no-untyped-def]
    response = await fetch(client, await key(), since="2026-01-01", until="2026-12-31")
    assert response.status_code == 200
    assert numbers(response.json()) == ([], [])


async def test_a_key_over_its_rate_limit_gets_429_with_retry_after(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert (partner_api.PER_KEY.attempts, partner_api.PER_KEY.window_seconds) == (60, 3600)
    monkeypatch.setattr(partner_api, "PER_KEY", Limit("partner-key", 3, 3600))
    value, other = await key(), await key()
    for _ in range(3):
        assert (await fetch(client, value)).status_code == 200
    response = await fetch(client, value)
    assert_problem(response, 429, "too_many_requests")
    assert 0 < int(response.headers["retry-after"]) <= 3600
    assert (await fetch(client, other)).status_code == 200  # per key, not per client


async def test_every_use_is_audited_and_marks_the_key_used(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    value = await key()
    row = await PartnerKey.select().first().run()
    assert row["last_used_at"] is None
    await fetch(client, value, destination="GB", format="csv")
    await fetch(client, value, LEFT_OUT, destination="GB")
    uses = await audit_rows("partner.customs_export")
    assert [r["actor"] for r in uses] == [f"partner:{row['prefix']}"] * 2
    assert all(r["staff_id"] is None and r["target"] == f"partner_key:{row['prefix']}" for r in uses)
    first = json.loads(uses[0]["after"])
    assert (first["shape"], first["destinations"], first["since"], first["until"]) == (
        "csv",
        ["GB"],
        "2026-12-01",
        "2026-12-01",
    )
    totals = [json.loads(r["after"]) for r in await audit_rows("partner.customs_export.done")]
    assert [(t["shape"], t["exported"], t["left_out"]) for t in totals] == [("csv", 2, 1), ("left_out", 2, 1)]
    assert (await PartnerKey.select().first().run())["last_used_at"] is not None
    assert value not in json.dumps(await audit_rows(), default=str)  # the key is never written anywhere


async def test_the_openapi_schema_documents_the_endpoint(client) -> None:  # type: ignore[no-untyped-def]
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["partnerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": partner_api.SECURITY_SCHEMES["partnerKey"].description,
    }
    operation = schema["paths"][SHIPMENTS]["get"]
    assert operation["security"] == [{"partnerKey": []}]
    assert operation["summary"] and "left_out" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} == {
        "since",
        "until",
        "carrier",
        "destination",
        "format",
        "reason",
    }
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "429"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert schema["paths"][LEFT_OUT]["get"]["security"] == [{"partnerKey": []}]


# --- the owner's screens ---------------------------------------------------------------------------


async def as_owner(client: Any) -> None:
    await make_staff(Role.OWNER)
    assert (await login(client, "owner@shop.test")).status_code == 303


async def test_the_owner_creates_a_key_that_is_shown_once_and_stored_hashed(client) -> None:  # type: ignore[no-untyped-def]
    await batch()
    await as_owner(client)
    home = await client.get("/admin/")
    assert "/admin/partners" in [a["href"] for a in tags(home.text, "a")]
    response = await submit(
        client, "/admin/partners", "/admin/partners", name="Royal Mail", destinations="gb, ch"
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    [value] = re.findall(r'<textarea id="new-key"[^>]*>([^<]*)</textarea>', response.text)
    assert value.startswith("sfp_") and len(value) == 4 + 12 + 1 + 43
    assert "shown only this once" in text(response.text)
    row = await PartnerKey.select().first().run()
    assert row["secret_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert value not in json.dumps(row, default=str)  # the database holds the digest only
    assert (row["name"], row["scopes"], row["destinations"], row["created_by"]) == (
        "Royal Mail",
        CUSTOMS_EXPORT,
        "CH,GB",
        "owner@shop.test",
    )
    listing = await client.get("/admin/partners")
    assert listing.status_code == 200
    assert value not in listing.text and value.split(".")[1] not in listing.text
    assert row["prefix"] in listing.text and "Royal Mail" in text(listing.text)
    [created] = await audit_rows("partner_key.create")
    assert created["actor"] == "owner@shop.test" and json.loads(created["after"])["destinations"] == [
        "CH",
        "GB",
    ]
    assert value not in json.dumps(await audit_rows(), default=str)
    # The partner's key works, within its destinations.
    assert numbers((await fetch(client, value)).json())[0] == ["P-GB1", "P-GB2"]


async def test_the_owner_revokes_a_key(client) -> None:  # type: ignore[no-untyped-def]
    await as_owner(client)
    value = await key()
    row = await PartnerKey.select().first().run()
    assert (await fetch(client, value)).status_code == 200
    response = await submit(client, "/admin/partners", f"/admin/partners/{row['id']}/revoke")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/partners?done=revoked"
    page = await client.get(response.headers["location"])
    assert "The key is revoked" in text(page.text)
    assert not [f for f in tags(page.text, "form") if f.get("action", "").endswith("/revoke")]
    assert_problem(await fetch(client, value), 401, "revoked_key")
    [revoked] = await audit_rows("partner_key.revoke")
    assert (
        json.loads(revoked["before"])["revoked"] is False and json.loads(revoked["after"])["revoked"] is True
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter a name for the key"),
        ({"name": "x" * 101}, "name", "The name is too long"),
        ({"scope": "orders:read"}, "scope", "Choose what the key may do"),
        ({"destinations": "GB, XX"}, "destinations", "Not a country code the shop ships to: XX."),
        ({"destinations": "FR"}, "destinations", "No customs declaration is needed for: FR."),
    ],
)
async def test_an_invalid_form_is_shown_again_with_the_problem(
    client, fields: dict[str, str], field: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    await as_owner(client)
    response = await submit(client, "/admin/partners", "/admin/partners", **{"name": "Carrier", **fields})
    assert response.status_code == 400
    assert message in text(response.text)
    marked = [
        t for t in tags(response.text, "input") + tags(response.text, "select") if t.get("aria-invalid")
    ]
    assert [t["name"] for t in marked] == [field]
    assert await PartnerKey.count().run() == 0


async def test_every_form_field_has_a_label(client) -> None:  # type: ignore[no-untyped-def]
    await as_owner(client)
    await key()
    page = await client.get("/admin/partners")
    labelled = {label["for"] for label in tags(page.text, "label") if label.get("for")}
    fields = [t for t in tags(page.text, "input") + tags(page.text, "select") if t.get("type") != "hidden"]
    assert fields and all(t.get("id") in labelled for t in fields)
    prefix = (await PartnerKey.select(PartnerKey.prefix).first().run())["prefix"]
    assert [b["aria-label"] for b in tags(page.text, "button") if "aria-label" in b] == [
        f"Revoke the key {prefix} (Test carrier)"
    ]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.OWNER])
async def test_other_roles_get_403_and_no_menu_entry(client, role: Role) -> None:  # type: ignore[no-untyped-def]
    await make_staff(Role.OWNER)
    await make_staff(role, locales=frozenset({"de"}))
    await key()
    row = await PartnerKey.select().first().run()
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303
    assert "/admin/partners" not in [a["href"] for a in tags((await client.get("/admin/")).text, "a")]
    assert (await client.get("/admin/partners")).status_code == 403
    token = str(client.cookies.get("csrftoken"))
    for action, fields in (
        ("/admin/partners", {"name": "Mine", "scope": CUSTOMS_EXPORT}),
        (f"/admin/partners/{row['id']}/revoke", {}),
    ):
        response = await client.post(action, data={**fields, "_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, action
    assert await PartnerKey.count().run() == 1
    assert (await PartnerKey.select().first().run())["revoked_at"] is None


async def test_the_forms_need_the_csrf_token(client) -> None:  # type: ignore[no-untyped-def]
    await as_owner(client)
    await key()
    row = await PartnerKey.select().first().run()
    response = await client.post(
        "/admin/partners", data={"name": "Forged", "scope": CUSTOMS_EXPORT}, follow_redirects=False
    )
    assert response.status_code == 403
    response = await client.post(f"/admin/partners/{row['id']}/revoke", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert await PartnerKey.count().run() == 1
    assert (await PartnerKey.select().first().run())["revoked_at"] is None


async def test_without_a_session_the_screens_send_to_the_login_page(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/admin/partners", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=/admin/partners")


# --- one stream for the CLI and the API ------------------------------------------------------------


async def test_the_cli_and_the_api_write_the_same_csv_with_the_reason_asked(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from click.testing import CliRunner

    from app.cli import main

    await batch()
    api = await fetch(client, await key(), format="csv", destination="GB", reason="return")
    target = tmp_path / "batch.csv"
    args = ["customs", "export", "--since", "2026-12-01", "--until", "2026-12-01", "--destination", "GB"]
    result = await asyncio.to_thread(
        CliRunner().invoke, main, [*args, "--reason", "return", "-o", str(target)]
    )
    assert result.exit_code == 1  # P-NOHS was left out
    assert "P-NOHS: MG-001: No HS code." in result.stderr
    assert target.read_bytes() == api.content
    assert {row["reason"] for row in csv.DictReader(io.StringIO(api.text))} == {"return"}
    refused = await asyncio.to_thread(CliRunner().invoke, main, [*args, "--reason", "bribe"])
    assert refused.exit_code == 2 and "bribe" in refused.stderr


# --- the rules ---------------------------------------------------------------------------------------


def test_keys_are_random_well_formed_and_checked_by_digest() -> None:
    from app.partners.rules import key_matches, key_prefix, new_key

    made = [new_key() for _ in range(50)]
    assert len({m.key for m in made}) == 50 and len({m.prefix for m in made}) == 50
    for m in made:
        assert key_prefix(m.key) == m.prefix and m.key.startswith(m.prefix + ".")
        assert m.digest == hashlib.sha256(m.key.encode()).hexdigest()
        assert key_matches(m.key, m.digest)
    assert not key_matches(made[0].key, made[1].digest)
    assert key_prefix(made[0].key + "x") is None and key_prefix(" " + made[0].key) is None


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("BEARER abc", "abc"),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic abc", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    from app.partners.rules import bearer_token

    assert bearer_token(header) == token


@pytest.mark.parametrize(
    ("allowed", "asked", "result"),
    [
        ((), (), ()),
        ((), ("US",), ("US",)),
        (("GB", "US"), (), ("GB", "US")),
        (("GB", "US"), ("US",), ("US",)),
        (("GB", "US"), ("US", "CH"), None),
        (("GB",), ("CH",), None),
    ],
)
def test_export_destinations(
    allowed: tuple[str, ...], asked: tuple[str, ...], result: tuple[str, ...] | None
) -> None:
    from app.partners.rules import KeyGrant, export_destinations

    grant = KeyGrant(1, "sfp_000000000000", frozenset({CUSTOMS_EXPORT}), allowed)
    assert export_destinations(grant, asked) == result
