"""API: carts addressed by their secret token."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, Router, delete, get, post, put, route
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.params import FromPath, JSONBody, PathParameter

from app.api.bodies import StrictBody
from app.api.common import ApiProblem, View, money_out, problems, provide_view
from app.api.schemas import SKU_DESCRIPTION, SKU_MAX_LENGTH, CartLineIn, CartLineOut, CartOut, QuantityIn
from app.cart.rules import CartError, PricedLine, parse_quantity
from app.cart.services import (
    add_to_cart,
    create_cart,
    find_cart_id,
    load_priced_cart,
    remove_line,
    set_quantity,
)
from app.catalog.rules import Catalog
from app.i18n.markers import N_


async def cart_id_or_404(token: str) -> int:
    cart_id = await find_cart_id(token)
    if cart_id is None:
        raise ApiProblem(404, N_("No cart with this token."), "unknown_cart")
    return cart_id


# The SKU of a cart line, as the catalogue stores it (CartLineIn.sku in a body).
SkuPath = Annotated[str, PathParameter(min_length=1, max_length=SKU_MAX_LENGTH, description=SKU_DESCRIPTION)]


def variant_id_or_422(catalog: Catalog, sku: str) -> int:
    found = catalog.variants_by_sku.get(sku)
    if found is None:
        raise ApiProblem(
            422,
            N_("No product variant with this SKU."),
            "unknown_sku",
            [{"field": "sku", "message": "unknown"}],
        )
    return found[1]


def cart_problem(error: CartError) -> ApiProblem:
    status = 409 if error.is_stock_problem else 422
    return ApiProblem(
        status, error.message, error.code, [{"field": error.field, "message": str(error)}], error.params
    )


def cart_line_out(line: PricedLine, view: View) -> CartLineOut:
    locale = view.locale
    return CartLineOut(
        sku=line.sku,
        product_code=line.product.code,
        name=line.product.text(locale).name,
        variant=view.catalog.variant_label(line.variant, locale),
        quantity=line.quantity,
        available=line.available,
        unit_price=money_out(line.unit_price, locale),
        total=money_out(line.total, locale),
    )


async def cart_out(token: str, cart_id: int, view: View) -> CartOut:
    cart = await load_priced_cart(cart_id, view.catalog, view.pricer, view.shop.settings.shop_currency)
    return CartOut(
        token=token,
        lines=[cart_line_out(line, view) for line in cart.lines],
        item_count=cart.item_count,
        subtotal=money_out(cart.subtotal, view.locale),
    )


@post("/carts", summary="Create an empty cart; keep its token secret", responses=problems(422))
async def create(view: NamedDependency[View]) -> CartOut:
    cart_id, token = await create_cart()
    return await cart_out(token, cart_id, view)


@get("/carts/{token:str}", summary="A cart with priced lines", responses=problems(404, 422))
async def show(token: FromPath[str], view: NamedDependency[View]) -> CartOut:
    return await cart_out(token, await cart_id_or_404(token), view)


@post(
    "/carts/{token:str}/lines",
    summary="Add a quantity of a SKU",
    status_code=200,
    responses=problems(404, 409, 422),
)
async def add_line(token: FromPath[str], data: JSONBody[CartLineIn], view: NamedDependency[View]) -> CartOut:
    cart_id = await cart_id_or_404(token)
    variant_id = variant_id_or_422(view.catalog, data.sku)
    try:
        await add_to_cart(cart_id, variant_id, parse_quantity(data.quantity))
    except CartError as error:
        raise cart_problem(error) from error
    return await cart_out(token, cart_id, view)


@put(
    "/carts/{token:str}/lines/{sku:str}",
    summary="Set a line's quantity (0 removes it)",
    responses=problems(404, 409, 422),
)
async def update_line(
    token: FromPath[str], sku: SkuPath, data: JSONBody[QuantityIn], view: NamedDependency[View]
) -> CartOut:
    cart_id = await cart_id_or_404(token)
    variant_id = variant_id_or_422(view.catalog, sku)
    try:
        await set_quantity(cart_id, variant_id, parse_quantity(data.quantity, allow_zero=True))
    except CartError as error:
        raise cart_problem(error) from error
    return await cart_out(token, cart_id, view)


@delete(
    "/carts/{token:str}/lines/{sku:str}",
    summary="Remove a line",
    status_code=200,
    responses=problems(404, 422),
)
async def delete_line(token: FromPath[str], sku: SkuPath, view: NamedDependency[View]) -> CartOut:
    cart_id = await cart_id_or_404(token)
    await remove_line(cart_id, variant_id_or_422(view.catalog, sku))
    return await cart_out(token, cart_id, view)


@route(
    "/carts/{token:str}/lines/{sku:str}",
    http_method=[HttpMethod.OPTIONS],
    include_in_schema=False,
    status_code=204,
)
async def line_options() -> Response[None]:
    """The methods of a cart line. Litestar's automatic OPTIONS answer lists only the methods of the
    first handler registered on a path (PUT here), so this one, registered before both, names them all."""
    return Response(None, status_code=204, headers={"Allow": "DELETE, OPTIONS, PUT"})


router = Router(
    path="/api/v1",
    route_handlers=[create, show, add_line, line_options, update_line, delete_line],  # OPTIONS first
    tags=["cart"],
    dependencies={"view": Provide(provide_view)},
    dto=StrictBody,
    return_dto=None,
)
