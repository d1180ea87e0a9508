"""Pure customs rules: which form, how many HS digits, which registration is transmitted, and every
problem that keeps a shipment out of an export (it is never exported half-filled).

Sources are the keys of /work/shared/reference/crossborder-rules.md §4b/§4c and §7 (S22, S42, S44).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from moneyed import Money
from stdnum.au import abn
from stdnum.ch import vat as ch_vat
from stdnum.eu import oss
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from stdnum.nz import ird
from stdnum.sg import uen
from stdnum.util import get_cc_module

from app.core.money import from_minor, zero
from app.customs.model import REASONS, Line, Party, Problem, Registration, Shipment
from app.fx.rules import RateTable
from app.i18n.markers import N_
from app.markets.regions import EU_MEMBER_STATES
from app.shipping.rules import SERVICE_KINDS

CN22_LIMIT_SDR = Decimal(300)  # CN 22 below 300 SDR, CN 23 from 300 SDR (UPU, S42)
# Letter-post small packets weigh up to 2 kg (UPU Convention); heavier postal items go as parcel
# post, which always takes a CN 23 (S42). Conf. Medium: general knowledge, not re-verified.
SMALL_PACKET_MAX_KG = Decimal(2)
KG = Decimal("0.001")

# HS digits a destination needs on the declaration: 6 internationally (the HS, and EU H7 for low-value
# consignments, S44/S12); (digits, note) where more is required. Only the first 6 digits are shared
# by every tariff, so a longer number is the product's national tariff number for that destination
# (Product.tariff_codes, frozen on the order line), never another country's code cut short.
# Extend with a source per row.
HS_DIGITS_DEFAULT = 6
HS_DIGITS: Mapping[str, tuple[int, str]] = {
    "US": (10, "HTSUS 10-digit statistical number on CBP entries (issue 12; S34, S44)"),
    "CN": (10, "China customs commodity code, 10 digits (general knowledge, not re-verified)"),
    "KR": (10, "HSK 10-digit code (general knowledge, not re-verified; S37)"),
    "BR": (8, "Mercosur NCM, 8 digits (general knowledge, not re-verified; S40)"),
    "CH": (8, "Swiss customs tariff number, 8 digits (general knowledge, not re-verified)"),
    "JP": (9, "Japan statistical code, 9 digits (general knowledge, not re-verified)"),
}

# Charge rules of the tax engine (app/tax) under which the shop collected the VAT/GST at checkout as
# a registered seller, and the registration whose number the carrier transmits (§4c "Tax scheme
# IDs"). Keyed by the rule's prefix: "GB_LOW_VALUE:VAT:GB:standard" -> GB_LOW_VALUE. Import VAT the
# shop pays under DDP (GB_IMPORT, EU_IMPORT_VAT, ...) needs no scheme number. tests/customs checks
# this against the rules the engine produces for each registration.
SCHEME_OF_RULE = {
    "EU_IOSS": "IOSS",
    "GB_LOW_VALUE": "UK_VAT",
    "NO_VOEC": "VOEC",
    "AU_LVG": "AU_GST",
    "NZ_LVG": "NZ_GST",
    "SG_OVR": "SG_OVR",
    "CH_MAIL_ORDER": "CH_VAT",
    "CN_CBEC": "CN_CBEC",
}
# The consignment value the scheme covers (IOSS EUR 150 intrinsic value, S22; UK GBP 135, S27): above
# it the number must not be transmitted. VOEC, AU/NZ LVG and SG OVR limits apply per item, and the
# tax engine already split the order (dearer items imported normally): no consignment limit for them.
# Compared at today's FX rates; an order at the edge may need a look by hand.
SCHEME_LIMITS: Mapping[str, tuple[str, str]] = {
    "IOSS": ("150", "EUR"),
    "UK_VAT": ("135", "GBP"),
}

# The shop's languages by destination, for the second description (customs accept their own).
DESTINATION_LANGUAGE = {
    **dict.fromkeys(("DE", "AT", "CH", "LI"), "de"),
    **dict.fromkeys(("FR", "BE", "LU", "MC"), "fr"),
    **dict.fromkeys(("ES", "MX", "AR", "CL", "CO", "PE"), "es"),
    "JP": "ja",
    "CN": "zh-hans",
    **dict.fromkeys(("AE", "SA", "QA", "KW", "BH", "OM", "EG", "JO", "MA"), "ar"),
}

_IOSS = re.compile(r"IM[0-9]{10}")
_VOEC = re.compile(r"[0-9]{7}")
_SG_OVR = re.compile(r"M[0-9]{8}[A-Z]")
_EORI = re.compile(r"[A-Z]{2}[0-9A-Z]{1,15}")
_CN_CUSTOMS_CODE = re.compile(r"[0-9A-Z]{10}")


def _compact(number: str) -> str:
    return re.sub(r"[\s.\-]", "", number).upper()


def registration_valid(scheme: str, number: str) -> bool:
    """Whether `number` is a well-formed number of this scheme (python-stdnum where it knows it)."""
    if scheme == "IOSS":
        return bool(_IOSS.fullmatch(_compact(number))) and oss.is_valid(number)
    if scheme == "UK_VAT":
        return gb_vat.is_valid(number)
    if scheme == "VOEC":  # a 7-digit number (toll.no, S31)
        return bool(_VOEC.fullmatch(_compact(number)))
    if scheme == "AU_GST":  # ABN (ARN holders also quote their ABN where they have one)
        return abn.is_valid(number)
    if scheme == "NZ_GST":  # the GST number is the IRD number
        return ird.is_valid(number)
    if scheme == "SG_OVR":  # a UEN, or the M...X number IRAS gives overseas vendors
        return uen.is_valid(number) or bool(_SG_OVR.fullmatch(_compact(number)))
    if scheme == "CH_VAT":
        return ch_vat.is_valid(number)
    if scheme == "CN_CBEC":  # China customs registration code: 10 characters (format only)
        return bool(_CN_CUSTOMS_CODE.fullmatch(_compact(number)))
    return False


def vat_number_valid(country: str, number: str) -> bool:
    """The shop's own VAT number, checked by the rules of its country (python-stdnum): an EU number
    with its country prefix, else the country's VAT module (GB, CH, NO, ...). A country stdnum does
    not know passes when the number is not blank."""
    if not number.strip():
        return False
    if country in EU_MEMBER_STATES:
        prefix = "EL" if country == "GR" else country
        return _compact(number).startswith(prefix) and eu_vat.is_valid(number)
    try:
        module = get_cc_module(country.lower(), "vat")
    except ImportError:
        module = None
    return bool(module.is_valid(number)) if module is not None else True


def eori_valid(number: str) -> bool:
    """EORI: a country code and up to 15 characters (EU Reg. 2015/2446 Art. 1(18)); a GB EORI is
    GB + 12 digits. python-stdnum 2.2 has no EORI module, so the format is checked here."""
    compact = _compact(number)
    if compact.startswith(("GB", "XI")):
        return bool(re.fullmatch(r"(GB|XI)[0-9]{12}", compact))
    return bool(_EORI.fullmatch(compact))


def hs_digits(destination: str) -> int:
    return HS_DIGITS.get(destination, (HS_DIGITS_DEFAULT, ""))[0]


def form_for(service_kind: str, value_sdr: Decimal, gross_kg: Decimal) -> str:
    """Courier: commercial invoice. Post: CN 22 for a small packet under 300 SDR, else CN 23 (S42)."""
    if service_kind != "postal":
        return "COMMERCIAL_INVOICE"
    if gross_kg <= SMALL_PACKET_MAX_KG and value_sdr < CN22_LIMIT_SDR:
        return "CN22"
    return "CN23"


def service_kind(method: str) -> str:
    return SERVICE_KINDS.get(method, "courier")


@dataclass(frozen=True)
class LineFacts:
    sku: str
    name: str  # as frozen on the order (the shopper's language)
    customs_description: str
    english_name: str  # the product's English name today ("" when unknown)
    local_name: str  # the product's name in the destination's language ("" when none)
    hs_code: str
    origin_country: str
    weight_grams: int
    quantity: int
    unit_price_minor: int
    line_total_minor: int
    tariff_code: str = ""  # the national tariff number for the order's destination, "" when none

    @property
    def tax_key(self) -> str:
        """How the checkout named this line in its tax lines (app/checkout/landed._lines)."""
        return self.customs_description or self.sku


@dataclass(frozen=True)
class ChargeFacts:
    rule: str
    kind: str
    collected: str
    amount_minor: int = 0
    included: bool = False  # VAT/GST extracted from tax-inclusive prices: inside goods and shipping
    rate: str = ""  # percent
    description: str = ""  # the line it taxes (LineFacts.tax_key)


@dataclass(frozen=True)
class OrderFacts:
    """What a declaration needs of one order, as loaded (app/customs/assemble.py)."""

    number: str
    status: str
    created_at: date
    email: str
    currency: str
    incoterm: str
    shipping_method: str
    country: str
    address: Mapping[str, str]
    subtotal_minor: int
    shipping_minor: int
    lines: Sequence[LineFacts]
    charges: Sequence[ChargeFacts]
    invoice_number: str = ""


@dataclass(frozen=True)
class SenderFacts:
    """The shop as sender, from settings."""

    name: str
    address: Mapping[str, str]
    country: str
    phone: str
    email: str
    eori: str
    vat_number: str
    registrations: frozenset[str]
    tax_numbers: Mapping[str, str]
    packaging_grams: int = 0  # added once per parcel to the goods' weight (PACKAGING_GRAMS)


# Statuses whose parcels are (to be) sent: paid, on the way or there, refunds aside.
EXPORTABLE_STATUSES = frozenset({"paid", "shipped", "delivered", "partially_refunded"})


def sdr_per_unit(currency: str, eur_per_sdr: Decimal, rates: RateTable) -> Decimal | None:
    """Units of `currency` per SDR: the FX table's XDR rate when it has one, else SDR_RATE_EUR."""
    if not rates.has(currency):
        return None
    if rates.has("XDR"):
        return rates.cross("XDR", currency)
    if not rates.has("EUR"):
        return None
    return eur_per_sdr * rates.cross("EUR", currency)


def net_values(order: OrderFacts) -> tuple[list[int], int]:
    """Each line's total and the shipping, in minor units, without the VAT/GST of the sale.

    Customs values exclude the sale's VAT (the IOSS intrinsic value, S22; CN 23 and the commercial
    invoice show the price actually paid for the goods). Where the shop extracted VAT from
    tax-inclusive prices (charges `included`), each line is divided by its own rate and shipping
    takes the rest of the VAT, so net goods + net shipping + VAT is exactly what the shopper paid.
    Where the tax in the prices was taken off instead (a `removed` line: the goods are imported),
    lines and shipping are reduced in proportion. Otherwise the prices are already net.
    """
    gross = [line.line_total_minor for line in order.lines]
    shipping = order.shipping_minor
    included = [c for c in order.charges if c.kind == "tax" and c.included and c.collected == "checkout"]
    removed = sum(c.amount_minor for c in order.charges if c.kind == "removed")
    if included:
        rates = {c.description: Decimal(c.rate) for c in included if c.rate}
        nets = [
            _divide(amount, (HUNDRED + rates[line.tax_key]) / HUNDRED) if line.tax_key in rates else amount
            for line, amount in zip(order.lines, gross, strict=True)
        ]
        vat_on_shipping = sum(c.amount_minor for c in included) - sum(gross) + sum(nets)
        return nets, min(max(shipping - vat_on_shipping, 0), shipping)
    if removed:
        paid = sum(gross) + shipping
        nets = [_divide(amount * (paid - removed), Decimal(paid)) for amount in gross]
        return nets, max(paid - removed - sum(nets), 0)
    return gross, shipping


HUNDRED = Decimal(100)


def _divide(amount: int | Decimal, divisor: Decimal) -> int:
    return int((Decimal(amount) / divisor).quantize(Decimal(1), ROUND_HALF_UP))


def declare(
    order: OrderFacts,
    sender: SenderFacts,
    rates: RateTable,
    eur_per_sdr: Decimal,
    reason: str = "sale_of_goods",
) -> Shipment | list[Problem]:
    """The declaration of this order, or every problem that stops it (all of them at once)."""
    problems: list[Problem] = []
    currency = order.currency
    if order.status not in EXPORTABLE_STATUSES:
        problems.append(
            Problem(
                "not_paid",
                N_("The order is %(status)s: only paid orders are declared."),
                {"status": order.status},
            )
        )
    if reason not in REASONS:
        problems.append(Problem("reason", N_("Unknown reason for export: %(reason)s."), {"reason": reason}))
    problems += _sender_problems(sender)
    recipient = _recipient(order)
    line_nets, shipping_net = net_values(order)
    for name in ("name", "street_address", "city"):
        if not getattr(recipient, name):
            problems.append(
                Problem("recipient", N_("The recipient's address has no %(field)s."), {"field": name})
            )
    lines: list[Line] = []
    for position, (facts, net) in enumerate(zip(order.lines, line_nets, strict=True), start=1):
        line, line_problems = _line(position, facts, order.country, currency, net)
        problems += line_problems
        if line is not None:
            lines.append(line)
    if not order.lines:
        problems.append(Problem("no_lines", N_("The order has no lines.")))
    goods = from_minor(sum(line_nets), currency)
    registration, reg_problems = _registration(order, sender, rates, goods)
    problems += reg_problems
    per_sdr = sdr_per_unit(currency, eur_per_sdr, rates)
    if per_sdr is None:
        problems.append(
            Problem(
                "no_sdr_rate",
                N_("No exchange rate for %(currency)s: the form cannot be chosen."),
                {"currency": currency},
            )
        )
    if problems:
        return problems
    net_kg = sum((line.net_weight_kg for line in lines), Decimal(0))
    gross = net_kg + (Decimal(sender.packaging_grams) / 1000).quantize(KG)
    kind = service_kind(order.shipping_method)
    assert per_sdr is not None
    return Shipment(
        order_number=order.number,
        form=form_for(kind, goods.amount / per_sdr, gross),
        service_kind=kind,
        shipping_method=order.shipping_method,
        sender=Party(
            name=sender.name,
            street_address=sender.address.get("street_address", ""),
            postal_code=sender.address.get("postal_code", ""),
            city=sender.address.get("city", ""),
            country=sender.country,
            phone=sender.phone,
            email=sender.email,
        ),
        recipient=recipient,
        sender_eori=_compact(sender.eori),
        sender_vat_number=_compact(sender.vat_number),
        invoice_number=order.invoice_number or order.number,
        invoice_date=order.created_at,
        incoterm=order.incoterm or "DAP",
        reason=reason,
        currency=currency,
        goods_value=goods,
        shipping_cost=from_minor(shipping_net, currency),
        insurance_cost=zero(currency),  # the shop does not sell shipping insurance
        gross_weight_kg=gross,  # the goods and one parcel's packaging (PACKAGING_GRAMS)
        lines=tuple(lines),
        registration=registration,
    )


def _sender_problems(sender: SenderFacts) -> list[Problem]:
    problems = []
    for name in ("street_address", "postal_code", "city"):
        if not sender.address.get(name):
            problems.append(
                Problem(
                    "sender_address",
                    N_("The shop's address has no %(field)s (SHOP_ADDRESS)."),
                    {"field": name},
                )
            )
    if not eori_valid(sender.eori):
        problems.append(Problem("eori", N_("The shop's EORI number is missing or invalid (SHOP_EORI).")))
    if not vat_number_valid(sender.country, sender.vat_number):
        problems.append(
            Problem("vat_number", N_("The shop's VAT number is missing or invalid (SHOP_VAT_NUMBER)."))
        )
    return problems


def _recipient(order: OrderFacts) -> Party:
    address = order.address
    return Party(
        name=address.get("name", "").strip(),
        street_address=", ".join(
            part.strip()
            for part in (address.get("street_address", ""), address.get("extended_address", ""))
            if part.strip()
        ),
        postal_code=address.get("postal_code", "").strip(),
        city=address.get("city", "").strip(),
        region=address.get("region", "").strip(),
        country=order.country,
        phone=address.get("phone", "").strip(),
        email=order.email,
    )


def _digits(code: str) -> str:
    return code.replace(".", "").replace(" ", "")


def _line(
    position: int, facts: LineFacts, destination: str, currency: str, net_minor: int
) -> tuple[Line | None, list[Problem]]:
    problems = []
    sku = facts.sku
    code = _digits(facts.hs_code)
    needed = hs_digits(destination)
    declared = code[:HS_DIGITS_DEFAULT]
    if not code:
        problems.append(Problem("no_hs_code", N_("No HS code."), sku=sku))
    elif not code.isdigit() or not 6 <= len(code) <= 10:
        problems.append(
            Problem(
                "hs_code", N_("HS code %(code)s is not 6 to 10 digits."), {"code": facts.hs_code}, sku=sku
            )
        )
    elif needed > HS_DIGITS_DEFAULT:
        declared = _digits(facts.tariff_code)
        if not (declared.isdigit() and len(declared) == needed):
            problems.append(
                Problem(
                    "hs_code_length",
                    N_("No %(needed)s-digit tariff number for %(country)s (national tariff numbers)."),
                    {"country": destination, "needed": needed},
                    sku=sku,
                )
            )
        elif not declared.startswith(code[:HS_DIGITS_DEFAULT]):
            problems.append(
                Problem(
                    "hs_code_mismatch",
                    N_("Tariff number %(number)s for %(country)s does not start with HS code %(code)s."),
                    {"number": declared, "country": destination, "code": code[:HS_DIGITS_DEFAULT]},
                    sku=sku,
                )
            )
    origin = facts.origin_country.strip().upper()
    if len(origin) != 2 or not origin.isalpha():
        problems.append(Problem("origin", N_("Unknown country of origin."), sku=sku))
    if facts.weight_grams <= 0:
        problems.append(Problem("weight", N_("Zero weight."), sku=sku))
    description = (facts.customs_description or facts.english_name).strip()
    if not description:
        problems.append(Problem("description", N_("No English description."), sku=sku))
    if facts.quantity <= 0:
        problems.append(Problem("quantity", N_("Zero quantity."), sku=sku))
    if problems:
        return None, problems
    language = DESTINATION_LANGUAGE.get(destination, "")
    local = facts.local_name.strip() if language else ""
    return (
        Line(
            position=position,
            sku=sku,
            description=description,
            local_description=local,
            local_language=language if local else "",
            hs_code=declared,
            origin_country=origin,
            quantity=facts.quantity,
            net_weight_kg=(Decimal(facts.weight_grams * facts.quantity) / 1000).quantize(KG),
            unit_value=from_minor(_divide(net_minor, Decimal(facts.quantity)), currency),
            total_value=from_minor(net_minor, currency),
        ),
        [],
    )


def _registration(
    order: OrderFacts, sender: SenderFacts, rates: RateTable, goods: Money
) -> tuple[Registration | None, list[Problem]]:
    """The registration to transmit: DDP, and a tax charge collected at checkout under a scheme."""
    if order.incoterm != "DDP":
        return None, []
    prefixes = {c.rule.split(":", 1)[0] for c in order.charges if c.collected == "checkout"}
    schemes = {SCHEME_OF_RULE[p] for p in prefixes if p in SCHEME_OF_RULE}
    if not schemes:
        return None, []
    scheme = min(schemes)
    number = sender.tax_numbers.get(scheme, "")
    if not number:
        return None, [
            Problem(
                "registration_missing",
                N_("No %(scheme)s number is configured (TAX_REGISTRATION_NUMBERS)."),
                {"scheme": scheme},
            )
        ]
    if not registration_valid(scheme, number):
        return None, [
            Problem(
                "registration_invalid",
                N_("The %(scheme)s number %(number)s is not valid."),
                {"scheme": scheme, "number": number},
            )
        ]
    over = _over_scheme_limit(scheme, goods, rates)
    if over:
        return None, [over]
    return Registration(scheme, _compact(number)), []


def _over_scheme_limit(scheme: str, goods: Money, rates: RateTable) -> Problem | None:
    limit = SCHEME_LIMITS.get(scheme)
    if limit is None or not (rates.has(goods.currency.code) and rates.has(limit[1])):
        return None
    amount, currency = Decimal(limit[0]), limit[1]
    value = (goods.amount * rates.cross(goods.currency.code, currency)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    if value <= amount:
        return None
    return Problem(
        "value_over_limit",
        N_("Goods worth %(value)s %(currency)s are above the %(scheme)s limit of %(limit)s %(currency)s."),
        {"value": value, "currency": currency, "scheme": scheme, "limit": amount},
    )
