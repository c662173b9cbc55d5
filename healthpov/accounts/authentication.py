"""API tokens that expire, and the events that revoke them.

A token lives ``API_TOKEN_TTL_HOURS`` from its creation; ``POST /api/token/`` then hands out a
new one. Logging out, being locked out by django-axes, deactivation and a change of role or
place delete the user's token: what it allowed was decided by the account as it was.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

# Account fields whose change revokes the token (they decide what the API may show).
TOKEN_BINDING_FIELDS = ("is_active", "role", "place_id")


def token_expired(token: Token) -> bool:
    return token.created <= timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def revoke_tokens(*, user_id: int | None = None, username: str | None = None) -> None:
    tokens = Token.objects.all()
    if user_id is not None:
        tokens = tokens.filter(user_id=user_id)
    elif username:
        tokens = tokens.filter(user__username=username)
    else:
        return
    tokens.delete()


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise AuthenticationFailed(_("The token has expired; ask for a new one."))
        return user, token
