"""How a signed-in session's user is loaded on every request."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from healthpov.accounts.models import User


class UserBackend(ModelBackend):
    """Django's ModelBackend; the user's place comes in the same query as the user.

    Every signed-in page reads the place (the menu names it, the scoping starts from its
    path), so loading it apart cost every page a query (docs/architecture.md "Performance
    choices").
    """

    def get_user(self, user_id: int) -> User | None:
        try:
            user = User._default_manager.select_related("place").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
