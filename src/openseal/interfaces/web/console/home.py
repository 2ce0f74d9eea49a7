"""The signed-in user's start page: who they are, their organisation and roles, and (filled
by the features) what waits for them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openseal.bootstrap import Context, Wiring
from openseal.interfaces.api.auth import SESSION_COOKIE
from openseal.interfaces.api.deps import wiring
from openseal.interfaces.web.console.layout import Page, show
from openseal.interfaces.web.console.session import SignedIn, signed_in

router = APIRouter(include_in_schema=False)
HOME = Page("console/home.html", "Home", "home#overview", "home")


@router.get("/")
def root(request: Request) -> Response:
    """The console's front door: home when logged in, else the login page."""
    return RedirectResponse("/home" if request.cookies.get(SESSION_COOKIE) else "/login",
                            status_code=303)


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, user: SignedIn = Depends(signed_in),
         w: Wiring = Depends(wiring)) -> Response:
    def who(c: Context) -> tuple[str, str | None]:
        record = c.repos.get_user(user.principal.id)
        org_id = user.principal.org_id
        org = c.repos.get_organization(org_id) if org_id else None
        return (record.display_name if record else user.principal.name,
                org.name if org else None)

    display_name, organisation = w.run(who)
    return show(request, HOME, user, display_name=display_name, organisation=organisation)
