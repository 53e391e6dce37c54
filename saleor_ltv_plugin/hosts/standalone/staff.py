"""Staff users of the standalone server: Django auth users whose scopes are the API keys' scopes.

Each scope is a Django permission (saleor_ltv_plugin.scope_metrics_read …), so groups and Django's
admin tools work as usual; a superuser holds every scope. Only active users marked staff sign in.
Nobody grants (or takes away) a scope they do not hold themselves, as with API keys.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ...auth import ALL_SCOPES, Principal, permissions_covered_by

APP_LABEL = "saleor_ltv_plugin"


class StaffError(ValueError):
    """Refused: `field` names what was wrong (email, scopes, password, by)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def codename(scope: str) -> str:
    return "scope_" + scope.replace(":", "_")


def _permission(scope: str) -> Permission:
    from ...models import ApiKey  # the scopes hang on the model they mirror

    content_type = ContentType.objects.get_for_model(ApiKey)
    permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=codename(scope),
                                                     defaults={"name": f"LTV scope {scope}"})
    return permission


def scopes_of(user) -> frozenset[str]:
    """The scopes `user` holds (directly or through a group); none for an inactive or non-staff user."""
    if not user.is_active or not user.is_staff:
        return frozenset()
    return frozenset(s for s in ALL_SCOPES if user.has_perm(f"{APP_LABEL}.{codename(s)}"))


def principal_of(user) -> Principal:
    scopes = scopes_of(user)
    return Principal(kind="staff", scopes=scopes, permissions=frozenset(permissions_covered_by(scopes)),
                     email=user.get_username(), label="staff login")


def _check_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise StaffError("scopes", f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(ALL_SCOPES))}")
    return scopes


def set_scopes(user, scopes, *, by: Principal | None = None) -> list[str]:
    """Give `user` exactly `scopes`. `by` (None: the server's operator, who holds all) may change only
    scopes it holds: adding or removing one it lacks is refused, naming it."""
    scopes = _check_scopes(scopes)
    before = {s for s in ALL_SCOPES if user.user_permissions.filter(codename=codename(s)).exists()}
    changed = before.symmetric_difference(scopes)
    if by is not None and by.lacks(changed):
        raise StaffError("scopes", f"you cannot grant or revoke scope(s) you do not hold: {', '.join(by.lacks(changed))}")
    with transaction.atomic():
        ours = Permission.objects.filter(content_type__app_label=APP_LABEL, codename__startswith="scope_")
        user.user_permissions.remove(*ours)
        user.user_permissions.add(*(_permission(s) for s in scopes))
    return scopes


def create(email: str, password: str, scopes, *, by: Principal | None = None):
    """A new staff user signing in with `email` and `password`, holding `scopes`."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise StaffError("email", f"{email!r} is not an e-mail address") from None
    if not _check_scopes(scopes):
        raise StaffError("scopes", "at least one scope is needed")
    User = get_user_model()
    if User.objects.filter(username=email).exists():
        raise StaffError("email", f"a staff user {email} exists already")
    try:
        validate_password(password or "")
    except ValidationError as exc:
        raise StaffError("password", " ".join(exc.messages)) from None
    with transaction.atomic():
        user = User.objects.create_user(username=email, email=email, password=password, is_staff=True)
        set_scopes(user, scopes, by=by)
    return user
