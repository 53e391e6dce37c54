"""Staff users of the standalone server: Django auth users whose scopes are the API keys' scopes.

Each scope is a Django permission (saleor_ltv_plugin.scope_metrics_read …), so groups and Django's
admin tools work as usual; a superuser holds every scope. Only active users marked staff sign in.
Nobody grants (or takes away) a scope they do not hold themselves, as with API keys; and, as in
Saleor's staff pages, nobody disables or sets the password of a user who holds a scope they lack,
nor disables themselves. The CLI (`ltv_staff`) and the Dashboard's Staff page (REST `staff`) share
these rules.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ...auth import ALL_SCOPES, Principal, permissions_covered_by

APP_LABEL = "saleor_ltv_plugin"


class StaffError(ValueError):
    """Refused: `field` names what was wrong (email, scopes, password, active, by); `ja` says it in
    Japanese for the Dashboard."""

    def __init__(self, field: str, message: str, ja: str = ""):
        super().__init__(message)
        self.field = field
        self.ja = ja or message


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


def granted_scopes(user) -> frozenset[str]:
    """The scopes stored on `user` (a superuser: all), whether or not the user may sign in now."""
    if user.is_superuser:
        return ALL_SCOPES
    names = user.user_permissions.filter(content_type__app_label=APP_LABEL, codename__startswith="scope_") \
        .values_list("codename", flat=True)
    return frozenset(s for s in ALL_SCOPES if codename(s) in set(names))


def _check_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise StaffError("scopes", f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(ALL_SCOPES))}",
                         f"不明なスコープです: {', '.join(unknown)}（使えるもの: {', '.join(sorted(ALL_SCOPES))}）")
    return scopes


def _may_manage(user, by: Principal | None, field: str) -> None:
    """`by` may act on `user` only if it holds every scope `user` holds (None: the operator)."""
    if by is None:
        return
    lacking = by.lacks(granted_scopes(user))
    if lacking:
        raise StaffError(field, f"{user.get_username()} holds scope(s) you do not hold: {', '.join(lacking)}",
                         f"{user.get_username()} はあなたの持たないスコープを持っています: {', '.join(lacking)}")


def set_scopes(user, scopes, *, by: Principal | None = None) -> list[str]:
    """Give `user` exactly `scopes`. `by` (None: the server's operator, who holds all) may change only
    scopes it holds: adding or removing one it lacks is refused, naming it."""
    scopes = _check_scopes(scopes)
    changed = granted_scopes(user).symmetric_difference(scopes)
    if by is not None and by.lacks(changed):
        lacking = ", ".join(by.lacks(changed))
        raise StaffError("scopes", f"you cannot grant or revoke scope(s) you do not hold: {lacking}",
                         f"自分の持たないスコープは付与も削除もできません: {lacking}")
    with transaction.atomic():
        ours = Permission.objects.filter(content_type__app_label=APP_LABEL, codename__startswith="scope_")
        user.user_permissions.remove(*ours)
        user.user_permissions.add(*(_permission(s) for s in scopes))
    return scopes


def create(email: str, password: str, scopes, *, by: Principal | None = None):
    """A new staff user signing in with `email` and `password`, holding `scopes`."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise StaffError("email", f"{email!r} is not an e-mail address",
                         f"{email!r} はメールアドレスではありません") from None
    if not _check_scopes(scopes):
        raise StaffError("scopes", "at least one scope is needed", "スコープを 1 つ以上選んでください")
    User = get_user_model()
    if User.objects.filter(username=email).exists():
        raise StaffError("email", f"a staff user {email} exists already", f"スタッフ {email} はすでに登録されています")
    _check_password(password)
    with transaction.atomic():
        user = User.objects.create_user(username=email, email=email, password=password, is_staff=True)
        set_scopes(user, scopes, by=by)
    return user


def _check_password(password: str, user=None) -> None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), their reasons in both languages."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    def reasons(lang: str) -> str:
        with translation.override(lang):  # the validators word their reasons when they raise
            try:
                validate_password(password or "", user)
            except ValidationError as exc:
                return " ".join(exc.messages)
        return ""

    en = reasons("en")
    if en:
        raise StaffError("password", en, reasons("ja"))


def set_password(user, password: str, *, by: Principal | None = None) -> None:
    """A new password for `user` (their other sessions end, as Django does on a password change)."""
    _may_manage(user, by, "password")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions(user)


def set_active(user, active: bool, *, by: Principal | None = None) -> int:
    """Let `user` sign in again, or stop them: a disabled user's sessions end at once (their
    Dashboard tokens are renewed only with the session, so they stop within tokens.ACCESS_TTL).
    Returns the number of sessions ended."""
    _may_manage(user, by, "active")
    if not active and by is not None and by.email and by.email == user.get_username():
        raise StaffError("active", "you cannot disable yourself", "自分自身は無効にできません")
    user.is_active = bool(active)
    user.save(update_fields=["is_active"])
    return 0 if active else end_sessions(user)


def end_sessions(user) -> int:
    from django.contrib.sessions.models import Session

    ended = [s.pk for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def users():
    """Every staff user, by e-mail (the login name)."""
    return get_user_model().objects.filter(is_staff=True).prefetch_related("user_permissions").order_by("username")
