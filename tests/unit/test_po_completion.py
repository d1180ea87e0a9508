"""Completion of a gettext catalogue, counted from a small .po file: translated, fuzzy (not used by
gettext) and untranslated messages, plural forms, obsolete entries and the header left out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polib
import pytest

from app.staff.ui_strings import Message, MessageState, catalogue_completion, message_state

PO = r"""# A tiny catalogue.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Cart"
msgstr "Warenkorb"

#, fuzzy
msgid "Checkout"
msgstr "Kasse"

#, fuzzy
msgid "Fuzzy but empty"
msgstr ""

msgid "Order"
msgstr ""

msgctxt "button"
msgid "Pay"
msgstr "Bezahlen"

msgid "%(num)s item"
msgid_plural "%(num)s items"
msgstr[0] "%(num)s Artikel"
msgstr[1] ""

msgid "%(num)s product"
msgid_plural "%(num)s products"
msgstr[0] "%(num)s Produkt"
msgstr[1] "%(num)s Produkte"

#~ msgid "Gone"
#~ msgstr "Weg"
"""


@pytest.fixture
def catalogue(tmp_path: Path) -> polib.POFile:
    path = tmp_path / "messages.po"
    path.write_text(PO, encoding="utf-8")
    return polib.pofile(str(path))


def test_a_catalogue_is_counted_as_gettext_uses_it(catalogue: polib.POFile) -> None:
    completion = catalogue_completion(catalogue)
    assert completion.counts == {
        MessageState.TRANSLATED: 3,  # Cart, Pay (in its context), the complete plural
        MessageState.FUZZY: 1,
        MessageState.UNTRANSLATED: 3,  # Order, the empty fuzzy one, the plural missing a form
    }
    assert completion.total == 7
    assert completion.percent == {
        MessageState.TRANSLATED: Decimal(43),
        MessageState.FUZZY: Decimal(14),
        MessageState.UNTRANSLATED: Decimal(43),
    }
    assert completion.fuzzy == (Message("Checkout"),)
    assert completion.untranslated == (
        Message("Fuzzy but empty"),
        Message("Order"),
        Message("%(num)s item", plural="%(num)s items"),
    )


def test_an_empty_catalogue_counts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "messages.po"
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n', encoding="utf-8")
    completion = catalogue_completion(polib.pofile(str(path)))
    assert completion.total == 0 and set(completion.percent.values()) == {Decimal(0)}


@pytest.mark.parametrize(
    ("msgstr", "plurals", "fuzzy", "state"),
    [
        ("Ja", [], False, MessageState.TRANSLATED),
        ("", [], False, MessageState.UNTRANSLATED),
        ("Ja", [], True, MessageState.FUZZY),
        ("", [], True, MessageState.UNTRANSLATED),
        ("", ["eins", "zwei"], False, MessageState.TRANSLATED),
        ("", ["eins", ""], False, MessageState.UNTRANSLATED),
        ("", ["eins", ""], True, MessageState.FUZZY),
    ],
)
def test_the_state_of_one_message(msgstr: str, plurals: list[str], fuzzy: bool, state: MessageState) -> None:
    assert message_state(msgstr, plurals, fuzzy) is state
