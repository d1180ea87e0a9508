"""The embedded engine's index layout and query construction on tantivy.

One tantivy document per product. Each locale has its own fields, filled with tokens that
app.search.analysis produced (tantivy only splits them on spaces), so the same analysis serves
documents and queries:

    name_<loc>  keys_<loc>  desc_<loc>   stemmed terms of the name, of the category path and
                                         option labels, of the description (BM25, weighted)
    head_<loc>                           the name's head noun (what the product is)
    word_<loc>                           folded surface words of all three: exact-word bonus,
                                         prefix and typo matching, spelling suggestions
    part_de                              heads and modifiers inside German compounds
    gram_ja, gram_zh_hans                CJK characters and bigrams (positions: phrase queries)

plus filter/sort/facet columns: product_id, category (with ancestors), attribute ("axis:value"),
price, stock, position, created, and the locales that have text.

Queries are built from analysed terms only; the shopper's text never reaches a query parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence

import tantivy
from tantivy import FieldType, Occur, Query

from app.search.analysis import CJK_LOCALES, Analysed, analyse, analyse_name, cjk_grams, compound_parts
from app.search.matching import QueryPlan, TermPlan, WordPlan
from app.search.model import SearchDocument, SearchQuery
from app.search.vocabulary import Vocabulary, synonym_expansions

SCHEMA_VERSION = 2  # bump when fields or analysis change: the index folder is per version

# Relevance weights. BM25 scores of exact terms are in the 1-20 range; typo and prefix matches
# score a constant, so an exact word always ranks above a misspelt one (Meilisearch's "typo" rule).
W_NAME = 3.0  # the product's name says what it is
W_KEYS = 2.0  # its category path and option labels ("Knitwear", "Navy")
W_DESC = 1.0
W_HEAD = 3.0  # the name's head noun: "headphones" are headphones, not a headphone stand
W_WORD = 2.0  # the word exactly as typed (bonus over a stem match: "exactness")
W_PART = 1.5  # a German compound's head or modifier
W_GRAM = 0.8  # CJK characters in order when segmentation disagreed
W_TYPO_NAME = 1.5
W_TYPO = 0.6
W_PREFIX = 1.0  # any word starting with the one being typed
W_PREFIX_NAME = 8.0  # ... in the name: ranks with an exact match elsewhere (attribute before exactness)
W_JOINED = 2.0  # "kaschmir pullover" meeting "kaschmirpullover"
LOCALE_BOOST = 1.5  # the page's locale ranks first; other locales still match
LOCALE_TIE = 0.2  # dis-max: a product matching in several languages is not counted seven times


# Attribute codes as the catalogue writes them ("colour:sky-blue", "capacity:1000ml").
ATTRIBUTE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]*:[a-z0-9][a-z0-9_.-]*")
NO_ATTRIBUTE = "none:none"  # never an attribute of a product: a filter clause that matches nothing


def field_key(locale: str) -> str:
    return locale.replace("-", "_")


def build_schema(locales: Sequence[str]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("product_id", stored=True, indexed=True, fast=True)
    builder.add_unsigned_field("category", indexed=True, fast=True)
    builder.add_text_field("attribute", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("price", indexed=True, fast=True)
    builder.add_unsigned_field("stock", indexed=True, fast=True)
    builder.add_integer_field("position", fast=True)
    builder.add_integer_field("created", fast=True)
    builder.add_text_field("locale", tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("texts", stored=True)
    for locale in locales:
        key = field_key(locale)
        for prefix in ("name", "head", "keys", "desc", "word"):
            builder.add_text_field(f"{prefix}_{key}", tokenizer_name="whitespace", index_option="freq")
        if locale == "de":
            builder.add_text_field(f"part_{key}", tokenizer_name="whitespace", index_option="freq")
        if locale in CJK_LOCALES:
            builder.add_text_field(f"gram_{key}", tokenizer_name="whitespace", index_option="position")
    return builder.build()


def _joined(tokens: Iterable[str]) -> str:
    return " ".join(tokens)  # analysis never yields a token with a space inside


def to_tantivy(
    document: SearchDocument, locales: Sequence[str], vocabulary: Mapping[str, Vocabulary] | None = None
) -> tantivy.Document:
    """Analyse a product's texts in every locale it has and lay them out as index fields; the
    synonyms of what they mention go with the categories and options (found, never highlighted)."""
    doc = tantivy.Document()
    doc.add_unsigned("product_id", document.product_id)
    for category_id in document.category_ids:
        doc.add_unsigned("category", category_id)
    for attribute in document.attributes:
        doc.add_text("attribute", attribute)
    doc.add_integer("price", document.price_minor)
    doc.add_unsigned("stock", int(document.in_stock))
    doc.add_integer("position", document.position)
    doc.add_integer("created", int(document.created_at.timestamp()))
    stored: dict[str, list[str]] = {}
    for locale in locales:
        text = document.texts.get(locale)
        if text is None or not text.name:
            continue
        key = field_key(locale)
        doc.add_text("locale", locale)
        stored[locale] = [text.name, text.description]
        name, head = analyse_name(text.name, locale)
        spoken = vocabulary.get(locale) if vocabulary else None
        synonyms = synonym_expansions((text.name, *text.categories, *text.options), spoken) if spoken else ()
        keys = analyse("\n".join((*text.categories, *text.options, *synonyms)), locale)
        # Japanese descriptions are matched by their CJK grams only: Sudachi on the longest text
        # was a third of all indexing time, and the relevance set did not move without it.
        desc = analyse(text.description, locale) if locale != "ja" else Analysed((), ())
        doc.add_text(f"name_{key}", _joined(name.terms))
        if head:
            doc.add_text(f"head_{key}", head)
        doc.add_text(f"keys_{key}", _joined(keys.terms))
        doc.add_text(f"desc_{key}", _joined(desc.terms))
        doc.add_text(f"word_{key}", _joined((*name.words, *keys.words, *desc.words)))
        if locale == "de":
            doc.add_text(f"part_{key}", _joined(compound_parts((*name.terms, *keys.terms))))
        if locale in CJK_LOCALES:
            everything = "\n".join((text.name, *text.categories, text.description))
            doc.add_text(f"gram_{key}", _joined(cjk_grams(everything)))
    doc.add_bytes("texts", json.dumps(stored, ensure_ascii=False).encode())
    return doc


def stored_texts(doc: tantivy.Document) -> Mapping[str, list[str]]:
    raw = doc.get_first("texts")
    return json.loads(bytes(raw).decode()) if raw else {}


# --- queries ---------------------------------------------------------------------------------


def _should(queries: Sequence[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _must(queries: Sequence[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Must, q) for q in queries])


def _boost(query: Query, weight: float) -> Query:
    return Query.boost_query(query, weight)


class QueryBuilder:
    """Turns query plans and filters into tantivy queries for one schema."""

    def __init__(self, schema: tantivy.Schema, locales: Sequence[str]) -> None:
        self.schema = schema
        self.locales = tuple(locales)

    def term(self, field: str, value: object) -> Query:
        return Query.term_query(self.schema, field, value)

    def _term_clause(self, term: TermPlan, locale: str, *, exact: bool = False) -> Query:
        key = field_key(locale)
        word_field = f"word_{key}"
        leaves = [_boost(self.term(word_field, term.word), W_WORD if term.native else W_NAME)]
        if term.native:
            leaves += [
                _boost(self.term(f"name_{key}", term.term), W_NAME),
                _boost(self.term(f"head_{key}", term.term), W_HEAD),
                _boost(self.term(f"keys_{key}", term.term), W_KEYS),
                _boost(self.term(f"desc_{key}", term.term), W_DESC),
            ]
            if locale == "de":
                leaves.append(_boost(self.term(f"part_{key}", term.term), W_PART))
        if exact:
            return _should(leaves)
        if term.typos:
            fuzzy = Query.fuzzy_term_query
            leaves.append(_boost(fuzzy(self.schema, f"name_{key}", term.term, term.typos), W_TYPO_NAME))
            leaves.append(_boost(fuzzy(self.schema, f"head_{key}", term.term, term.typos), W_TYPO_NAME))
            leaves.append(_boost(fuzzy(self.schema, word_field, term.word, term.typos), W_TYPO))
        if term.prefix:
            prefix = Query.fuzzy_term_query(self.schema, word_field, term.word, 0, True, True)
            leaves.append(_boost(prefix, W_PREFIX))
            if term.native:
                name_prefix = Query.fuzzy_term_query(self.schema, f"name_{key}", term.term, 0, True, True)
                leaves.append(_boost(name_prefix, W_PREFIX_NAME))
        return _should(leaves)

    def word_in_locale(self, word: WordPlan, locale: str, *, exact: bool = False) -> Query | None:
        """The word in one locale: all its terms there, or (CJK) its characters in order.
        `exact`: without typo and prefix matching (cheap: no automaton to build)."""
        options = []
        terms = word.locales.get(locale, ())
        if terms:
            options.append(_must([self._term_clause(term, locale, exact=exact) for term in terms]))
        if word.grams and locale in CJK_LOCALES:
            field = f"gram_{field_key(locale)}"
            grams = word.grams
            gram_query = (
                self.term(field, grams[0])
                if len(grams) == 1
                else Query.phrase_query(self.schema, field, list(grams))
            )
            options.append(_boost(gram_query, W_GRAM))
        if not options:
            return None
        return _should(options)

    def word_clause(self, word: WordPlan, page_locale: str) -> Query | None:
        per_locale = []
        for locale in self.locales:
            clause = self.word_in_locale(word, locale)
            if clause is not None:
                per_locale.append(_boost(clause, LOCALE_BOOST) if locale == page_locale else clause)
        for joined in word.joined:
            per_locale.extend(
                _boost(self.term(f"word_{field_key(loc)}", joined), W_JOINED) for loc in self.locales
            )
        if not per_locale:
            return None
        return Query.disjunction_max_query(per_locale, LOCALE_TIE)

    def text_query(self, plan: QueryPlan, need: int | None = None) -> Query | None:
        """Every required word must match (in some locale); optional words only add to the score.
        `need`: how many required words must match instead (the relaxed retry)."""
        required = [c for w in plan.required if (c := self.word_clause(w, plan.locale)) is not None]
        optional = [
            c for w in plan.words if w.optional and (c := self.word_clause(w, plan.locale)) is not None
        ]
        if not required:
            return None
        if need is None or need >= len(required):
            clauses = [(Occur.Must, c) for c in required]
            return Query.boolean_query(clauses + [(Occur.Should, c) for c in optional])
        clauses = [(Occur.Should, c) for c in required]
        text = Query.boolean_query(clauses, minimum_number_should_match=max(1, need))
        if optional:
            return Query.boolean_query([(Occur.Must, text), *[(Occur.Should, c) for c in optional]])
        return text

    def locale_query(self, plan: QueryPlan, locale: str) -> Query | None:
        """How well a product's text in one locale matches exactly: which locale a hit is shown as."""
        clauses = [c for w in plan.words if (c := self.word_in_locale(w, locale, exact=True)) is not None]
        return _should(clauses) if clauses else None

    def filters(self, query: SearchQuery) -> dict[str, Query]:
        """Each filter by facet name, so a facet's counts can leave its own filter out."""
        found: dict[str, Query] = {}
        if query.category_id is not None:
            found["category"] = self.term("category", query.category_id)
        by_axis: dict[str, list[str]] = {}
        for attribute in query.attributes:
            axis, _, value = attribute.partition(":")
            if axis and value:
                by_axis.setdefault(axis, []).append(attribute)
        for axis, values in sorted(by_axis.items()):
            found[f"axis:{axis}"] = _should([self.term("attribute", v) for v in dict.fromkeys(values)])
        if query.min_price_minor is not None or query.max_price_minor is not None:
            found["price"] = Query.range_query(
                self.schema, "price", FieldType.Integer, query.min_price_minor, query.max_price_minor
            )
        if query.in_stock:
            found["stock"] = self.term("stock", 1)
        return found

    def filter_expressions(self, query: SearchQuery) -> dict[str, str]:
        """The same filters as `filters`, as expressions for tantivy's filter aggregation (which
        takes no query objects). Built only from integers and attribute codes that pass
        ATTRIBUTE_CODE, never from the shopper's text; a code that fails cannot be in the index,
        so it stands for a clause that matches nothing."""
        found: dict[str, str] = {}
        if query.category_id is not None:
            found["category"] = f"category:{int(query.category_id)}"
        by_axis: dict[str, list[str]] = {}
        for attribute in query.attributes:
            axis, _, value = attribute.partition(":")
            if axis and value:
                valid = ATTRIBUTE_CODE.fullmatch(attribute) is not None
                by_axis.setdefault(axis, []).append(f'attribute:"{attribute if valid else NO_ATTRIBUTE}"')
        for axis, values in sorted(by_axis.items()):
            found[f"axis:{axis}"] = " OR ".join(dict.fromkeys(values))
        if query.min_price_minor is not None or query.max_price_minor is not None:
            low = "*" if query.min_price_minor is None else int(query.min_price_minor)
            high = "*" if query.max_price_minor is None else int(query.max_price_minor)
            found["price"] = f"price:[{low} TO {high}]"
        if query.in_stock:
            found["stock"] = "stock:1"
        return found

    def combine(self, text: Query | None, filters: Iterable[Query]) -> Query:
        """Text and filters; filters only narrow (they add nothing to the score)."""
        clauses = [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
        if text is not None:
            clauses.insert(0, (Occur.Must, text))
        if not clauses:
            return Query.all_query()
        return clauses[0][1] if len(clauses) == 1 and text is not None else Query.boolean_query(clauses)
