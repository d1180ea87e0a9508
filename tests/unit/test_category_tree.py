"""The back office's category tree logic (pure): no move may make a loop, sibling order moves one
place at a time, the tree nests and orders what the database holds (and shows even rows a broken
tree would hide), and the forms' shape checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.staff.categories import (
    BAD_CODE,
    NAME_REQUIRED,
    CategoryRow,
    build_tree,
    creates_cycle,
    descendants,
    flatten,
    move_in_order,
    name_in,
    read_category_form,
)

# clothing(1) > shirts(2) > tees(3); home(4) > mugs(5)
PARENTS: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: None, 5: 4}


@pytest.mark.parametrize(
    ("node", "new_parent", "loop"),
    [
        (1, 1, True),  # under itself
        (1, 2, True),  # under its child
        (1, 3, True),  # under its grandchild
        (2, 3, True),
        (1, 4, False),  # under an unrelated branch
        (3, 1, False),  # up to its grandparent
        (5, None, False),  # to the top level
        (2, 5, False),
    ],
)
def test_a_move_under_itself_or_below_is_a_loop(node: int, new_parent: int | None, loop: bool) -> None:
    assert creates_cycle(PARENTS, node, new_parent) is loop


def test_a_loop_already_in_the_data_ends_the_walk_and_counts_as_one() -> None:
    broken = {1: 2, 2: 1, 3: None}
    assert creates_cycle(broken, 3, 1) is True


def test_descendants_are_every_level_below_and_not_the_node() -> None:
    assert descendants(PARENTS, 1) == {2, 3}
    assert descendants(PARENTS, 3) == set()
    assert descendants({1: 2, 2: 1}, 1) == {2}  # a loop ends too


@st.composite
def forests(draw: st.DrawFn) -> dict[int, int | None]:
    """A valid tree: each category's parent is an earlier category or none."""
    size = draw(st.integers(min_value=1, max_value=25))
    return {
        node: draw(st.one_of(st.none(), st.integers(min_value=0, max_value=node - 1))) if node else None
        for node in range(size)
    }


def _reaches_root(parents: dict[int, int | None], node: int) -> bool:
    seen: set[int] = set()
    current: int | None = node
    while current is not None:
        if current in seen:
            return False
        seen.add(current)
        current = parents[current]
    return True


@given(forests(), st.data())
def test_every_move_allowed_keeps_a_tree_and_every_move_refused_would_loop(
    parents: dict[int, int | None], data: st.DataObject
) -> None:
    node = data.draw(st.sampled_from(sorted(parents)))
    new_parent = data.draw(st.one_of(st.none(), st.sampled_from(sorted(parents))))
    refused = creates_cycle(parents, node, new_parent)
    moved = {**parents, node: new_parent}
    assert refused == (not all(_reaches_root(moved, n) for n in moved))
    assert refused == (
        new_parent is not None and (new_parent == node or new_parent in descendants(parents, node))
    )


def test_move_in_order_moves_one_place_and_stops_at_the_edges() -> None:
    assert move_in_order([1, 2, 3], 2, -1) == [2, 1, 3]
    assert move_in_order([1, 2, 3], 2, 1) == [1, 3, 2]
    assert move_in_order([1, 2, 3], 1, -1) is None
    assert move_in_order([1, 2, 3], 3, 1) is None
    assert move_in_order([1, 2, 3], 9, 1) is None
    assert move_in_order([1, 2, 3], 2, 0) is None


@given(st.lists(st.integers(), min_size=1, max_size=30, unique=True), st.data())
def test_move_in_order_is_a_permutation_with_the_target_one_place_further(
    ids: list[int], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(ids))
    step = data.draw(st.sampled_from([-1, 1]))
    order = move_in_order(ids, target, step)
    index = ids.index(target)
    if not 0 <= index + step < len(ids):
        assert order is None
        return
    assert order is not None and sorted(order) == sorted(ids)
    assert order.index(target) == index + step
    # Only the target and its neighbour traded places.
    assert [i for i in order if i != target] == [i for i in ids if i != target]


def row(id: int, code: str, parent: int | None, position: int = 0) -> CategoryRow:
    return CategoryRow(id=id, code=code, parent_id=parent, position=position, name=code.title())


def test_the_tree_nests_and_orders_siblings_by_position_then_code() -> None:
    tree = build_tree(
        [
            row(1, "clothing", None, 1),
            row(2, "shirts", 1, 0),
            row(3, "knitwear", 1, 0),
            row(4, "home", None, 0),
            row(5, "mugs", 4, 0),
        ]
    )
    assert [node.code for node in tree] == ["home", "clothing"]
    assert [child.code for child in tree[1].children] == ["knitwear", "shirts"]
    assert [(node.code, depth) for node, depth in flatten(tree)] == [
        ("home", 0),
        ("mugs", 1),
        ("clothing", 0),
        ("knitwear", 1),
        ("shirts", 1),
    ]


def test_rows_a_broken_tree_would_hide_still_show() -> None:
    tree = build_tree([row(1, "a", 2), row(2, "b", 1), row(3, "c", 99)])  # a loop, a missing parent
    shown = {node.code for node, _ in flatten(tree)}
    assert shown == {"a", "b", "c"}


def test_names_follow_the_fallback_chain() -> None:
    texts = {"en": "Mugs", "de": "Becher"}
    assert name_in(texts, "de", "en") == "Becher"
    assert name_in(texts, "fr", "en") == "Mugs"
    assert name_in({"ja": "マグ"}, "fr", "en") == "マグ"
    assert name_in({}, "fr", "en") == ""


@pytest.mark.parametrize("code", ["mugs", "home-kitchen", "a", "x1", "a" * 64])
def test_good_codes(code: str) -> None:
    assert read_category_form({"code": code, "name": "X"}, with_code=True).errors == {}


@pytest.mark.parametrize("code", ["", "-mugs", "mugs-", "mu gs", "mugs/", "ä", "a" * 65, "../x"])
def test_bad_codes(code: str) -> None:
    assert read_category_form({"code": code, "name": "X"}, with_code=True).errors["code"][0] == BAD_CODE


def test_codes_are_lowercased_and_names_folded_and_required() -> None:
    form = read_category_form({"code": " Mugs ", "name": "  Tea \n cups "}, with_code=True)
    assert form.values["code"] == "mugs" and form.values["name"] == "Tea cups" and not form.errors
    assert read_category_form({"name": "   "}, with_code=False).errors["name"][0] == NAME_REQUIRED
    assert "name" in read_category_form({"name": "x" * 201}, with_code=False).errors
