"""Shopper account pages under /{locale}/account: sign up, verify, log in and out, reset the
password, the overview with order history and preferences. Never page-cached, always no-store;
forms carry the shop's CSRF token and re-render with what was typed (never the password)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from app.accounts import sessions
from app.accounts.rules import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    FormError,
    email_problem,
    normalise_email,
    password_problem,
)
from app.accounts.services import (
    CustomerView,
    authenticate,
    complete_password_reset,
    order_history,
    owns_order,
    request_password_reset,
    resend_verification,
    set_preferences,
    sign_up,
    valid_reset_token,
    verify_email,
)
from app.core.settings import Settings
from app.fx.data import supported_currencies
from app.i18n.locales import LOCALES, get_locale
from app.i18n.markers import N_
from app.notifications.outbox import deliver_pending
from app.orders.rules import STATUS_LABELS
from app.web import urls
from app.web.deps import PAGE_DEPENDENCIES
from app.web.forms import read_form
from app.web.pages import PageMeta, PageRequest, base_url, build_page, cookie, gettext_for, render_page
from app.web.state import CURRENCY_COOKIE, request_shop

NO_STORE = {"Cache-Control": "no-store"}
# Token pages: the token must not leave in a Referer header (or be indexed).
TOKEN_HEADERS = {**NO_STORE, "Referrer-Policy": "no-referrer"}

BAD_LOGIN = N_("The email address or the password is not correct.")
CHECK_INBOX = N_(
    "Thank you. We have sent an email to %(email)s. Open the link in it to confirm your address "
    "(it works for 48 hours). If you already have an account, the email tells you how to log in."
)
RESET_SENT = N_("If an account exists for this address, we have sent it a link to set a new password.")
LINK_INVALID = N_("This link is not valid any more. It may have been used already or have expired.")
VERIFIED = N_("Thank you: your email address is confirmed.")
DONE_MESSAGES = {
    "saved": N_("Your preferences are saved."),
    "resent": N_("We have sent you a new confirmation link."),
    "password": N_("Your new password is saved."),
}


def account_url(locale: str, *parts: str) -> str:
    return "/".join((f"/{locale}/account", *(quote(part, safe="") for part in parts)))


def safe_next(value: str, locale: str) -> str:
    """Where to go after logging in: a path on this site only (never another site)."""
    if (
        value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(c) < 32 for c in value)
    ):
        return value
    return account_url(locale)


async def show(
    page: PageRequest,
    template: str,
    title: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    alternate: Callable[[str], str] | None = None,
    description: str = "",
    headers: dict[str, str] | None = None,
    background: BackgroundTask | None = None,
) -> Response[bytes]:
    """An account page: never cached, and indexed only when it is a public form (`alternate`)."""
    _ = page.gettext()
    meta = PageMeta(
        title=f"{_(title)} | {page.shop.settings.shop_name}",
        description=_(description) if description else "",
        alternate=alternate,
        noindex=alternate is None,
        headers={**NO_STORE, **(headers or {})},
    )
    page_context = {
        "values": {},
        "errors": {},
        "error": None,
        **context,
        "heading": title,
        "account_url": account_url,
    }
    response = await render_page(page, template, page_context, meta, status_code=status)
    response.background = background
    return response


def see_other(location: str) -> Redirect:
    return Redirect(location, status_code=303, headers=NO_STORE)


def to_login(locale: str, target: str) -> Redirect:
    return see_other(f"{account_url(locale, 'login')}?next={quote(target, safe='/')}")


def field_errors(*problems: FormError | None) -> dict[str, FormError]:
    return {problem.field: problem for problem in problems if problem is not None}


def too_many_error(wait: int) -> FormError:
    return FormError("form", sessions.TOO_MANY, {"minutes": max(1, -(-wait // 60))})


# --- signing up and confirming the address --------------------------------------------------------


SIGNUP_DESCRIPTION = N_("Create an account to see your orders and keep your language and currency.")
LOGIN_DESCRIPTION = N_("Log in to your account to see your orders.")
RESET_DESCRIPTION = N_("Forgot your password? Ask for a link to set a new one.")


def signup_form(page: PageRequest, context: dict[str, Any], status: int = 200) -> Any:
    return show(
        page,
        "account/signup.html",
        N_("Create an account"),
        {"min_password": MIN_PASSWORD_LENGTH, **context},
        status=status,
        alternate=lambda code: account_url(code, "signup"),
        description=SIGNUP_DESCRIPTION,
    )


@get("/{locale:str}/account/signup", name="account-signup", include_in_schema=False)
async def signup_page(page: NamedDependency[PageRequest]) -> Response[Any]:
    return await signup_form(page, {})


@post("/{locale:str}/account/signup", name="account-signup-submit", include_in_schema=False)
async def signup_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    request, locale = page.request, page.locale.code
    form = await read_form(request)
    email = normalise_email(form.get("email", ""))[:254]
    password = form.get("password", "")[: MAX_PASSWORD_LENGTH + 1]
    errors = field_errors(email_problem(email), password_problem(password, email))
    if errors:
        return await signup_form(page, {"values": {"email": email}, "errors": errors}, 422)
    if await sessions.over_limit(request, sessions.SIGNUPS_PER_ADDRESS, email) is None:
        await sign_up(email, password, locale, base_url(request))
    # The same answer whether or not the address has an account (its owner gets an email saying so).
    return await show(
        page,
        "account/message.html",
        N_("Check your inbox"),
        {"message": FormError("form", CHECK_INBOX, {"email": email}), "links": ["login"]},
        background=BackgroundTask(deliver_pending),
    )


@get("/{locale:str}/account/verify/{token:str}", name="account-verify", include_in_schema=False)
async def verify_page(page: NamedDependency[PageRequest], token: FromPath[str]) -> Response[Any]:
    customer = await verify_email(token[:100])
    if customer is None:
        context = {"message": FormError("form", LINK_INVALID, {}), "links": ["login", "signup"]}
        return await show(
            page,
            "account/message.html",
            N_("Confirm your email address"),
            context,
            status=404,
            headers=TOKEN_HEADERS,
        )
    context = {"message": FormError("form", VERIFIED, {}), "links": ["account"]}
    return await show(
        page, "account/message.html", N_("Confirm your email address"), context, headers=TOKEN_HEADERS
    )


@post("/{locale:str}/account/verify/resend", name="account-verify-resend", include_in_schema=False)
async def resend_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    locale = page.locale.code
    customer = await sessions.current_customer(page.request)
    if customer is None:
        return to_login(locale, account_url(locale))
    wait = await sessions.over_limit(page.request, sessions.RESENDS_PER_ACCOUNT, f"customer:{customer.id}")
    if wait is not None:
        return await show(
            page,
            "account/message.html",
            N_("Confirm your email address"),
            {"message": too_many_error(wait), "links": ["account"]},
            status=429,
            headers={"Retry-After": str(max(wait, 1))},
        )
    await resend_verification(customer, locale, base_url(page.request))
    response = see_other(f"{account_url(locale)}?done=resent")
    response.background = BackgroundTask(deliver_pending)
    return response


# --- logging in and out --------------------------------------------------------------------------


def login_form(page: PageRequest, context: dict[str, Any], status: int = 200, **extra: Any) -> Any:
    return show(
        page,
        "account/login.html",
        N_("Log in"),
        {"next": "", **context},
        status=status,
        alternate=lambda code: account_url(code, "login"),
        description=LOGIN_DESCRIPTION,
        **extra,
    )


@get("/{locale:str}/account/login", name="account-login", include_in_schema=False)
async def login_page(page: NamedDependency[PageRequest], next: FromQuery[str] = "") -> Response[Any]:
    locale = page.locale.code
    if await sessions.current_customer(page.request) is not None:
        return see_other(safe_next(next, locale))
    return await login_form(page, {"next": safe_next(next, locale) if next else ""})


def preferred_start(customer: CustomerView, locale: str, target: str) -> Redirect:
    """After login: the account in the shopper's preferred language, with their currency chosen."""
    if not target:
        target = account_url(customer.preferred_locale or locale)
    response = see_other(target)
    if customer.preferred_currency:
        response.set_cookie(cookie(CURRENCY_COOKIE, customer.preferred_currency))
    return response


@post("/{locale:str}/account/login", name="account-login-submit", include_in_schema=False)
async def login_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    request, locale = page.request, page.locale.code
    form = await read_form(request)
    email = normalise_email(form.get("email", ""))[:254]
    target = safe_next(form.get("next", ""), locale) if form.get("next") else ""
    context = {"values": {"email": email}, "next": target}
    wait = await sessions.over_limit(request, sessions.LOGIN_PER_ACCOUNT, email)
    if wait is not None:
        return await login_form(
            page, {**context, "error": too_many_error(wait)}, 429, headers={"Retry-After": str(max(wait, 1))}
        )
    customer = await authenticate(email, form.get("password", "")[:MAX_PASSWORD_LENGTH])
    if customer is None:
        return await login_form(page, {**context, "error": FormError("form", BAD_LOGIN, {})}, 400)
    sessions.start_session(request, customer)
    return preferred_start(customer, locale, target)


@post("/{locale:str}/account/logout", name="account-logout", include_in_schema=False)
async def logout(page: NamedDependency[PageRequest]) -> Response[Any]:
    sessions.end_session(page.request)
    return see_other(urls.home_url(page.locale.code))


# --- password reset ------------------------------------------------------------------------------


def reset_form(page: PageRequest, context: dict[str, Any], status: int = 200, **extra: Any) -> Any:
    return show(
        page,
        "account/reset_request.html",
        N_("Forgot your password?"),
        context,
        status=status,
        alternate=lambda code: account_url(code, "reset"),
        description=RESET_DESCRIPTION,
        **extra,
    )


@get("/{locale:str}/account/reset", name="account-reset", include_in_schema=False)
async def reset_page(page: NamedDependency[PageRequest]) -> Response[Any]:
    return await reset_form(page, {})


@post("/{locale:str}/account/reset", name="account-reset-submit", include_in_schema=False)
async def reset_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    request, locale = page.request, page.locale.code
    form = await read_form(request)
    email = normalise_email(form.get("email", ""))[:254]
    problem = email_problem(email)
    if problem is not None:
        return await reset_form(page, {"values": {"email": email}, "errors": field_errors(problem)}, 422)
    if await sessions.over_limit(request, sessions.RESETS_PER_ACCOUNT, email) is None:
        await request_password_reset(email, locale, base_url(request))
    # The same answer whether or not the account exists; the email goes out after the response.
    return await show(
        page,
        "account/message.html",
        N_("Check your inbox"),
        {"message": FormError("form", RESET_SENT, {}), "links": ["login"]},
        background=BackgroundTask(deliver_pending),
    )


def new_password_form(page: PageRequest, token: str, context: dict[str, Any], status: int = 200) -> Any:
    return show(
        page,
        "account/reset_password.html",
        N_("Choose a new password"),
        {"token": token, "min_password": MIN_PASSWORD_LENGTH, **context},
        status=status,
        headers=TOKEN_HEADERS,
    )


def invalid_link(page: PageRequest) -> Any:
    context = {"message": FormError("form", LINK_INVALID, {}), "links": ["reset"]}
    return show(
        page, "account/message.html", N_("Choose a new password"), context, status=404, headers=TOKEN_HEADERS
    )


@get("/{locale:str}/account/reset/{token:str}", name="account-reset-token", include_in_schema=False)
async def new_password_page(page: NamedDependency[PageRequest], token: FromPath[str]) -> Response[Any]:
    if not await valid_reset_token(token[:100]):
        return await invalid_link(page)
    return await new_password_form(page, token, {})


@post("/{locale:str}/account/reset/{token:str}", name="account-reset-token-submit", include_in_schema=False)
async def new_password_submit(page: NamedDependency[PageRequest], token: FromPath[str]) -> Response[Any]:
    form = await read_form(page.request)
    password = form.get("password", "")[: MAX_PASSWORD_LENGTH + 1]
    problem = password_problem(password)
    if problem is not None:
        if not await valid_reset_token(token[:100]):
            return await invalid_link(page)
        return await new_password_form(page, token, {"errors": field_errors(problem)}, 422)
    customer = await complete_password_reset(token[:100], password)
    if customer is None:
        return await invalid_link(page)
    sessions.start_session(page.request, customer)  # a new session id; every older session ended
    return see_other(f"{account_url(page.locale.code)}?done=password")


# --- the account ---------------------------------------------------------------------------------


@get("/{locale:str}/account", name="account", include_in_schema=False)
async def account_page(page: NamedDependency[PageRequest], done: FromQuery[str] = "") -> Response[Any]:
    locale = page.locale.code
    customer = await sessions.current_customer(page.request)
    if customer is None:
        return to_login(locale, account_url(locale))
    currencies = sorted(supported_currencies())
    context = {
        "customer": customer,
        "orders": await order_history(customer),
        "status_labels": STATUS_LABELS,
        "done": DONE_MESSAGES.get(done),
        "locales": LOCALES,
        "currencies": currencies,
    }
    return await show(page, "account/overview.html", N_("Your account"), context)


@post("/{locale:str}/account/settings", name="account-settings", include_in_schema=False)
async def settings_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    locale = page.locale.code
    customer = await sessions.current_customer(page.request)
    if customer is None:
        return to_login(locale, account_url(locale))
    form = await read_form(page.request)
    language = form.get("language", "")
    language = language if language in LOCALES else ""
    currency = form.get("currency", "").strip().upper()
    currency = currency if currency in supported_currencies() else ""
    await set_preferences(customer.id, language, currency)
    response = see_other(f"{account_url(language or locale)}?done=saved")
    if currency:
        response.set_cookie(cookie(CURRENCY_COOKIE, currency))
    else:
        response.delete_cookie(CURRENCY_COOKIE, path="/")  # follow the country's currency
    return response


@get("/{locale:str}/account/orders/{number:str}", name="account-order", include_in_schema=False)
async def account_order(page: NamedDependency[PageRequest], number: FromPath[str]) -> Response[Any]:
    """The account's own order: on to its private page. Another shopper's order (or any order while
    the address is unconfirmed) is a 404, as for a wrong order link."""
    locale = page.locale.code
    customer = await sessions.current_customer(page.request)
    if customer is None:
        return to_login(locale, account_url(locale, "orders", number))
    if not await owns_order(customer, number[:20]):
        raise NotFoundException()
    return see_other(urls.private_order_url(locale, number, page.shop.settings.secret_key))


# --- too many guesses from one client ------------------------------------------------------------


TOO_MANY_TITLE = N_("Too many attempts")
FORM_OF_PATH = {
    "login": "account/login.html",
    "signup": "account/signup.html",
    "reset": "account/reset_request.html",
}


def too_many_guesses(request: Request[Any, Any, Any], exc: TooManyRequestsException) -> Response[Any]:
    """The rate-limit middleware refused a form POST from this client: the form again (or a
    message), with the wait in the page's language and Retry-After."""
    wait = int((exc.headers or {}).get("RateLimit-Reset", "3600"))
    parts = request.url.path.strip("/").split("/")
    locale = get_locale(parts[0]) or get_locale("en")
    assert locale is not None
    shop = request_shop(request)
    template = FORM_OF_PATH.get(parts[2] if len(parts) > 2 and len(parts) < 4 else "", "account/message.html")
    error = too_many_error(wait)
    context = {
        "values": {},
        "errors": {},
        "error": error,
        "message": error,
        "links": ["account"],
        "next": "",
        "min_password": MIN_PASSWORD_LENGTH,
        "heading": TOO_MANY_TITLE,
        "account_url": account_url,
    }
    title = f"{gettext_for(locale.code)(TOO_MANY_TITLE)} | {shop.settings.shop_name}"
    meta = PageMeta(title=title, noindex=True, headers={**NO_STORE, "Retry-After": str(max(wait, 1))})
    return build_page(request, shop, locale, template, context, meta, 429)


ROUTES = [
    signup_page,
    signup_submit,
    verify_page,
    resend_submit,
    login_page,
    login_submit,
    logout,
    reset_page,
    reset_submit,
    new_password_page,
    new_password_submit,
    account_page,
    settings_submit,
    account_order,
]


def account_router(settings: Settings) -> Router:
    """The account pages, with the shopper session middleware and the per-client guess limit (the
    rest of the shop has neither)."""
    return Router(
        path="/",
        route_handlers=ROUTES,
        dependencies=PAGE_DEPENDENCIES,
        middleware=[sessions.session_config(settings).middleware, sessions.client_limit().middleware],
        exception_handlers={TooManyRequestsException: too_many_guesses},
        include_in_schema=False,
    )
