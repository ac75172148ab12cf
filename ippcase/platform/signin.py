"""Sign-in: the sign-in page, the lockout page (django-axes) and the optional single sign-on
over OpenID Connect (mozilla-django-oidc). The settings are in ``ippcase.settings.base``;
the decisions are in docs/security.md."""

from __future__ import annotations

import logging
from typing import Any

import pghistory
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from ippcase.models import User

logger = logging.getLogger(__name__)

LOCKOUT_STATUS = 429


class SignInView(auth_views.LoginView):
    """Django's sign-in form; also offers single sign-on when OIDC_ENABLED."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME
        return context


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The link of an invitation (ippcase.organisation): choose a password. The link is Django's
    password reset token: it works once (setting the password spends it) and for
    PASSWORD_RESET_TIMEOUT (3 days by default); then the page says to ask for a new one."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The page shown while a username + IP address is locked out (AXES_LOCKOUT_CALLABLE).

    It is the same whether or not the username exists, and never repeats the username."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=LOCKOUT_STATUS,
    )


def client_str(
    username: str, ip_address: str, user_agent: str, path_info: str, request: HttpRequest
) -> str:
    """What django-axes writes in its log lines: the path only, no username, address or
    browser (AXES_CLIENT_STR_CALLABLE)."""
    return f"{{path_info: {path_info!r}}}"


def client_ip(request: HttpRequest) -> str:
    """The address a sign-in attempt is counted against (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless SIGNIN_TRUSTED_PROXY_COUNT proxies stand in front of the app: each appends
    the address it was reached from to X-Forwarded-For, so the client's is the Nth from the right
    (anything further left was sent by the client and cannot be trusted)."""
    count = settings.SIGNIN_TRUSTED_PROXY_COUNT
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-count] if len(forwarded) >= count else remote


class NoAccount(Exception):
    """A first single sign-on whose username or email already belongs to another account."""


class OIDCBackend(OIDCAuthenticationBackend):
    """Single sign-on: signs in an existing, active account, or at a first sign-in creates one
    that waits for an administrator (active, NO role and no team, so it sees nothing).

    The account is found by the username claim (OIDC_USERNAME_CLAIM, any case) or by a verified
    email claim (OIDC_MATCH_ON=email). An identity that matches more than one account is refused;
    so is one whose username or email belongs to an account that did not match (a deactivated
    leaver's, say): no second account is made for it."""

    def _claim(self, claims: dict[str, Any]) -> str:
        if settings.OIDC_MATCH_ON == "email":
            if claims.get("email_verified") is not True:
                return ""
            return str(claims.get("email") or "").strip()
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip()

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(self._claim(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        value = self._claim(claims)
        if not value:
            return User.objects.none()
        active = User.objects.filter(is_active=True)
        if settings.OIDC_MATCH_ON == "email":
            return active.filter(email__iexact=value)
        return active.filter(username__iexact=value)

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        # Goes into the library's log line: never the username or email itself.
        return f"the {settings.OIDC_MATCH_ON} claim"

    def get_or_create_user(self, access_token: str, id_token: str, payload: Any) -> User | None:
        try:
            user = super().get_or_create_user(access_token, id_token, payload)
        except NoAccount:
            user = None
        if user is None and self.request is not None:
            # Read by the callback view to say why (the library only returns None).
            self.request.oidc_no_account = True
        return user

    def get_user(self, user_id: Any) -> User | None:
        # The library's returns a deactivated account too: a session would outlive deactivation.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def create_user(self, claims: dict[str, Any]) -> User:
        """A first sign-in: an active account with no role and no team, named from the claims,
        waiting for an administrator (the administration home lists it)."""
        value = self._claim(claims)
        if settings.OIDC_MATCH_ON == "email":
            email = value
            username = str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip() or value
        else:
            username = value
            verified = claims.get("email_verified") is True
            email = str(claims.get("email") or "").strip() if verified else ""
        username = username[:150]
        taken = Q(username__iexact=username) | (Q(email__iexact=email) if email else Q())
        if User.objects.filter(taken).exists():
            raise NoAccount
        try:
            with (
                transaction.atomic(),
                pghistory.context(reason="Account created at a first single sign-on"),
            ):
                user = User(
                    username=username,
                    email=email,
                    first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150],
                    roles=[],
                    team=None,
                )
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # the same identity signing in twice at once
            raise NoAccount from None
        logger.info("single sign-on: account %s created, waiting for an administrator", user.pk)
        return user


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The return from the identity provider: a refusal goes back to the sign-in page with a
    message saying why, in the GOV.UK notification banner."""

    def login_failure(self) -> HttpResponse:
        provider = settings.OIDC_PROVIDER_NAME
        if getattr(self.request, "oidc_no_account", False):
            logger.info("single sign-on refused: no matching account")
            text = (
                f"You signed in with {provider}, but there is no account in this service for "
                "you. Ask your administrator to set one up."
            )
        else:
            logger.info("single sign-on failed")
            text = f"Sign in with {provider} did not work. Try again."
        messages.error(self.request, text)
        return super().login_failure()
