"""Staff who sign in to the Dashboard pages, where this host keeps its own (standalone): list them,
add one, change one's scopes, password or whether they may sign in (the Dashboard's Staff page).

Needs settings:write (Saleor: MANAGE_PLUGINS), and the rules of hosts/standalone/staff.py hold:
nobody grants or revokes a scope they lack, nor acts on a user who holds one they lack, nor
disables themselves. Inside Saleor the staff are Saleor's users: the list is empty, `managed_here`
false, `managed_in` says where they are managed, and changes are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from .. import hosts
from ..auth import ALL_SCOPES, Principal, Scope, permissions_for
from ..queries.errors import InputError
from .errors import NotFound
from .schemas import ErrorOut, Input
from .security import need

router = Router(tags=["staff"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Password = Annotated[str, Field(min_length=1, max_length=256)]
ScopeList = Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=len(ALL_SCOPES) + 4)]


class StaffUserOut(Schema):
    id: int
    email: str
    scopes: list[str]
    active: bool
    superuser: bool = Field(description="Holds every scope, whatever is granted (Django's superuser).")
    you: bool = Field(description="The caller themselves.")
    date_joined: dt.datetime
    last_login: Optional[dt.datetime]


class ScopeOut(Schema):
    scope: str
    saleor_permissions: list[str] = Field(description="Inside Saleor, any one of these gives the scope.")


class StaffDirectoryOut(Schema):
    managed_here: bool
    managed_in: Optional[dict[str, str]] = Field(description="Where staff are managed instead: {ja, en}.")
    your_scopes: list[str]
    scopes: list[ScopeOut]
    users: list[StaffUserOut]


class StaffCreateIn(Input):
    email: Annotated[str, Field(max_length=254)]
    password: Password = Field(description="Checked by the server's password validators.")
    scopes: ScopeList


class StaffUpdateIn(Input):
    scopes: Optional[ScopeList] = Field(None, description="Exactly these scopes; omitted: unchanged.")
    active: Optional[bool] = Field(None, description="False: stop them signing in (their sessions end).")
    password: Optional[Password] = Field(None, description="A new password; their sessions end.")


def _directory():
    """The host's staff module, or a refusal saying where staff are managed."""
    host = hosts.current()
    users = host.staff_users if host else None
    if users is None:
        home = (host.staff_home if host else None) or {}
        raise InputError({"staff": home.get("en", "staff are not managed by this server")}, code="managed_elsewhere",
                         ja={"staff": home.get("ja", "このサーバーではスタッフを管理しません")})
    return users


def _refused(exc) -> InputError:
    return InputError({exc.field: str(exc)}, code="refused", ja={exc.field: exc.ja})


def _out(user, directory, who: Principal) -> dict:
    return {"id": user.pk, "email": user.get_username(), "scopes": sorted(directory.granted_scopes(user)),
            "active": user.is_active, "superuser": user.is_superuser, "you": user.get_username() == who.email,
            "date_joined": user.date_joined, "last_login": user.last_login}


@router.get("staff", response={200: StaffDirectoryOut, **ERRORS}, summary="Staff who sign in to the Dashboard pages")
def list_staff(request: HttpRequest):
    who = need(request, Scope.SETTINGS)
    host = hosts.current()
    directory = host.staff_users if host else None
    return Status(200, {
        "managed_here": directory is not None,
        "managed_in": None if directory is not None else (host.staff_home if host else None),
        "your_scopes": sorted(who.scopes),
        "scopes": [{"scope": s.value, "saleor_permissions": permissions_for(s)} for s in Scope],
        "users": [_out(u, directory, who) for u in directory.users()] if directory is not None else [],
    })


@router.post("staff", response={201: StaffUserOut, **ERRORS}, summary="Add a staff user")
def create_staff(request: HttpRequest, payload: StaffCreateIn):
    who = need(request, Scope.SETTINGS)
    directory = _directory()
    try:
        user = directory.create(payload.email, payload.password, payload.scopes, by=who)
    except directory.StaffError as exc:
        raise _refused(exc) from None
    return Status(201, _out(user, directory, who))


@router.post("staff/{user_id}", response={200: StaffUserOut, **ERRORS},
             summary="Change a staff user's scopes, password or whether they may sign in")
def update_staff(request: HttpRequest, user_id: int, payload: StaffUpdateIn):
    """All the changes asked for, or none of them."""
    who = need(request, Scope.SETTINGS)
    directory = _directory()
    user = directory.users().filter(pk=user_id).first()
    if user is None:
        raise NotFound("user_id", f"no staff user with id {user_id}")
    try:
        with transaction.atomic():
            if payload.scopes is not None:
                directory.set_scopes(user, payload.scopes, by=who)
            if payload.password is not None:
                directory.set_password(user, payload.password, by=who)
            if payload.active is not None and payload.active != user.is_active:
                directory.set_active(user, payload.active, by=who)
    except directory.StaffError as exc:
        raise _refused(exc) from None
    return Status(200, _out(get_user_model().objects.get(pk=user.pk), directory, who))
