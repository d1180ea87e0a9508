"""Shipments as a printable PDF: per shipment a commercial invoice (courier), or the CN 23 / CN 22
declaration (post), followed by a commercial invoice when the post carries a sale (carriers ask for
one with the CN 23). Labels in the reader's language with the English beside them (customs officers
read English); amounts and weights written as in the CSV/JSON export (Decimal, currency digits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from babel import Locale
from moneyed import Money

from app.customs.json_out import amount, kg
from app.customs.model import Party, Shipment
from app.customs.pdf_layout import (
    LABEL_PT,
    Box,
    Column,
    Sheet,
    box_row,
    line_height,
    lines_needed,
    room_for,
    signature_lines,
    table,
    tick_boxes,
    write,
)
from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.i18n.translations import get_translations

REASON_LABELS = {
    "sale_of_goods": N_("Sale of goods"),
    "gift": N_("Gift"),
    "return": N_("Returned goods"),
}
# The CN 23 "category of item" boxes (UPU): ours are the three reasons above.
CATEGORIES = (
    ("gift", N_("Gift")),
    ("documents", N_("Documents")),
    ("sample", N_("Commercial sample")),
    ("return", N_("Returned goods")),
    ("sale_of_goods", N_("Sale of goods")),
    ("other", N_("Other")),
)
CN_DECLARATION = N_(
    "I, the undersigned, whose name and address are given on the item, certify that the particulars "
    "given in this declaration are correct and that this item does not contain any dangerous article "
    "or articles prohibited by legislation or by postal or customs regulations."
)
INVOICE_DECLARATION = N_(
    "I declare that the information on this invoice is true and correct and that the goods are of "
    "the origin shown."
)


class Labels:
    """Labels in `language`, with the English after them when they differ."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LOCALES else "en"
        self._gettext: Callable[[str], str] = get_translations(self.language).gettext

    def local(self, msgid: str) -> str:
        return self._gettext(msgid)

    def __call__(self, msgid: str) -> str:
        local = self._gettext(msgid)
        return msgid if local == msgid else f"{msgid} / {local}"

    def stacked(self, msgid: str) -> str:
        """English above, the translation below: for narrow table headings."""
        local = self._gettext(msgid)
        return msgid if local == msgid else f"{msgid}\n{local}"


@cache
def country_name(code: str) -> str:
    """The country in English capitals, as the post writes a destination."""
    return str(Locale("en").territories.get(code, code)).upper()


def money(value: Money) -> str:
    return f"{amount(value)} {value.currency.code}"


def party_text(who: Party) -> str:
    place = " ".join(part for part in (who.postal_code, who.city) if part)
    lines = [who.name, who.street_address, ", ".join(p for p in (place, who.region) if p)]
    lines.append(f"{country_name(who.country)} ({who.country})")
    lines += [who.phone, who.email]
    return "\n".join(line for line in lines if line)


def registration_text(shipment: Shipment) -> str:
    """The scheme and number the carrier transmits (IOSS IM..., UK VAT GB...), or ""."""
    registration = shipment.registration
    return f"{registration.scheme.replace('_', ' ')} {registration.number}" if registration else ""


def pdf_document(shipments: Sequence[Shipment], language: str) -> bytes:
    """One PDF for the shipments, in order; each starts on a new page."""
    pdf = Sheet()
    labels = Labels(language)
    pdf.set_title(", ".join(s.order_number for s in shipments))
    for shipment in shipments:
        if shipment.form == "COMMERCIAL_INVOICE":
            commercial_invoice(pdf, shipment, labels)
            continue
        declaration(pdf, shipment, labels)
        if shipment.reason == "sale_of_goods":
            commercial_invoice(pdf, shipment, labels)
    return bytes(pdf.output())


def _title(pdf: Sheet, english: str, local: str, code: str, reference: str) -> None:
    y = pdf.get_y()
    write(pdf, pdf.l_margin, y, pdf.epw * 0.7, english.upper(), 15)
    if local != english:
        write(pdf, pdf.l_margin, pdf.get_y(), pdf.epw * 0.7, local, 11)
    bottom = pdf.get_y()
    write(pdf, pdf.l_margin + pdf.epw * 0.7, y, pdf.epw * 0.3, code, 18, align="R")
    write(pdf, pdf.l_margin + pdf.epw * 0.7, pdf.get_y(), pdf.epw * 0.3, reference, 9, align="R")
    pdf.set_xy(pdf.l_margin, max(bottom, pdf.get_y()) + 3)


def _declaration_text(pdf: Sheet, labels: Labels, msgid: str) -> None:
    pdf.set_y(pdf.get_y() + 3)
    room_for(pdf, 2 * (lines_needed(pdf, pdf.epw, msgid, 8) + 1) * line_height(8))
    write(pdf, pdf.l_margin, pdf.get_y(), pdf.epw, msgid, 8)
    if labels.local(msgid) != msgid:
        write(pdf, pdf.l_margin, pdf.get_y() + 1, pdf.epw, labels.local(msgid), 8)


def commercial_invoice(pdf: Sheet, shipment: Shipment, labels: Labels) -> None:
    _ = labels
    pdf.add_page()  # the previous page's footer is drawn here, with its own text
    pdf.footer_text = f"{shipment.order_number} · " + _("Commercial invoice")
    _title(
        pdf,
        "Commercial invoice",
        labels.local(N_("Commercial invoice")),
        shipment.invoice_number,
        shipment.invoice_date.isoformat(),
    )
    box_row(
        pdf,
        [
            Box(_("Seller / exporter"), party_text(shipment.sender), 1),
            Box(_("Consignee"), party_text(shipment.recipient), 1),
        ],
        min_height=34,
    )
    box_row(
        pdf,
        [
            Box(_("Invoice number"), shipment.invoice_number, 1),
            Box(_("Invoice date"), shipment.invoice_date.isoformat(), 1),
            Box(_("Order number"), shipment.order_number, 1),
            Box(_("Currency"), shipment.currency, 1),
            Box(_("Incoterm"), shipment.incoterm, 1),
        ],
    )
    box_row(
        pdf,
        [
            Box(_("EORI number"), shipment.sender_eori, 1.05),
            Box(_("VAT number"), shipment.sender_vat_number, 0.95),
            Box(_("Reason for export"), _(REASON_LABELS[shipment.reason]), 1),
            Box(_("Shipping method"), shipment.shipping_method, 0.8),
            Box(_("Registration number to transmit"), registration_text(shipment) or "–", 1.4),
        ],
    )
    pdf.set_y(pdf.get_y() + 3)
    currency = shipment.currency
    table(
        pdf,
        [
            Column("#", 0.35, "R"),
            Column(labels.stacked(N_("Description")), 3.2),
            Column(labels.stacked(N_("HS code")), 1.1),
            Column(labels.stacked(N_("Origin")), 0.75),
            Column(labels.stacked(N_("Quantity")), 0.75, "R"),
            Column(labels.stacked(N_("Net weight (kg)")), 0.95, "R"),
            Column(labels.stacked(N_("Unit value")) + f" ({currency})", 1.0, "R"),
            Column(labels.stacked(N_("Total value")) + f" ({currency})", 1.05, "R"),
        ],
        [
            [
                str(line.position),
                "\n".join(d for d in (line.description, line.local_description) if d),
                line.hs_code,
                line.origin_country,
                f"{line.quantity} {line.unit}",
                kg(line.net_weight_kg),
                amount(line.unit_value),
                amount(line.total_value),
            ]
            for line in shipment.lines
        ],
    )
    pdf.set_y(pdf.get_y() + 3)
    total = shipment.goods_value + shipment.shipping_cost + shipment.insurance_cost
    box_row(
        pdf,
        [
            Box(_("Packages"), str(shipment.packages), 1),
            Box(_("Net weight (kg)"), kg(shipment.net_weight_kg), 1),
            Box(_("Gross weight (kg)"), kg(shipment.gross_weight_kg), 1),
            Box(_("Goods value"), money(shipment.goods_value), 1.2, "R"),
            Box(_("Shipping"), money(shipment.shipping_cost), 1.2, "R"),
            Box(_("Insurance"), money(shipment.insurance_cost), 1.2, "R"),
            Box(_("Invoice total"), money(total), 1.3, "R", 10),
        ],
    )
    _declaration_text(pdf, labels, INVOICE_DECLARATION)
    signature_lines(
        pdf,
        [
            (_("Name"), ""),
            (_("Date"), ""),
            (_("Signature"), ""),
        ],
    )


def declaration(pdf: Sheet, shipment: Shipment, labels: Labels) -> None:
    """The CN 23 (or CN 22) fields of the UPU form, laid out on A4."""
    _ = labels
    form = "CN 23" if shipment.form == "CN23" else "CN 22"
    pdf.add_page()
    pdf.footer_text = f"{shipment.order_number} · {form}"
    _title(pdf, "Customs declaration", labels.local(N_("Customs declaration")), form, shipment.order_number)
    box_row(
        pdf,
        [
            Box(_("From (sender)"), party_text(shipment.sender), 1),
            Box(_("To (addressee)"), party_text(shipment.recipient), 1),
        ],
        min_height=34,
    )
    box_row(
        pdf,
        [
            Box(
                _("Sender's customs reference"),
                f"EORI {shipment.sender_eori}\nVAT {shipment.sender_vat_number}",
                1,
            ),
            # The registration of a scheme the shop collected the tax under (IOSS, UK VAT, ...).
            Box(
                _("Importer's reference (tax code / VAT number / importer code)"),
                registration_text(shipment),
                1,
            ),
        ],
    )
    pdf.set_y(pdf.get_y() + 3)
    currency = shipment.currency
    table(
        pdf,
        [
            Column(labels.stacked(N_("Detailed description of contents")), 3.4),
            Column(labels.stacked(N_("Quantity")), 0.8, "R"),
            Column(labels.stacked(N_("Net weight (kg)")), 1.0, "R"),
            Column(labels.stacked(N_("Value")) + f" ({currency})", 1.0, "R"),
            Column(labels.stacked(N_("HS tariff number")), 1.2),
            Column(labels.stacked(N_("Country of origin of goods")), 1.1),
        ],
        [
            [
                "\n".join(d for d in (line.description, line.local_description) if d),
                f"{line.quantity} {line.unit}",
                kg(line.net_weight_kg),
                amount(line.total_value),
                line.hs_code,
                line.origin_country,
            ]
            for line in shipment.lines
        ],
    )
    box_row(
        pdf,
        [
            Box(_("Total gross weight (kg)"), kg(shipment.gross_weight_kg), 1, "R"),
            Box(_("Total value"), money(shipment.goods_value), 1, "R"),
            Box(_("Postal charges / fees"), money(shipment.shipping_cost), 1, "R"),
        ],
    )
    pdf.set_y(pdf.get_y() + 3)
    room_for(pdf, 16)
    write(pdf, pdf.l_margin, pdf.get_y(), pdf.epw, _("Category of item"), LABEL_PT, grey=True)
    tick_boxes(
        pdf,
        [
            (
                code == shipment.reason,
                msgid if labels.local(msgid) == msgid else f"{msgid} {labels.local(msgid)}",
            )
            for code, msgid in CATEGORIES
        ],
    )
    box_row(
        pdf,
        [
            Box(_("Invoice number"), shipment.invoice_number, 1),
            Box(_("Order number"), shipment.order_number, 1),
            Box(_("Incoterm"), shipment.incoterm, 1),
            Box(_("Packages"), str(shipment.packages), 1),
        ],
    )
    _declaration_text(pdf, labels, CN_DECLARATION)
    signature_lines(
        pdf,
        [
            (_("Name"), ""),
            (_("Date"), ""),
            (_("Sender's signature"), ""),
        ],
    )
