"""Revoke API tokens on the account events of ``healthpov.accounts.authentication``.

Receivers rather than services: logging out, django-axes' lockout and edits in the admin all
happen in code this project does not own, and each must end the token.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from healthpov.accounts.authentication import TOKEN_BINDING_FIELDS, revoke_tokens
from healthpov.accounts.models import User


@receiver(user_logged_out, dispatch_uid="revoke_token_on_logout")
def revoke_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        revoke_tokens(user_id=user.pk)


@receiver(user_locked_out, dispatch_uid="revoke_token_on_lockout")
def revoke_on_lockout(sender, request, username, **kwargs) -> None:
    revoke_tokens(username=username)


@receiver(pre_save, sender=User, dispatch_uid="note_token_binding_fields")
def note_binding_change(sender, instance: User, **kwargs) -> None:
    instance._token_binding_changed = False
    if instance.pk is None:
        return
    before = User.objects.filter(pk=instance.pk).values(*TOKEN_BINDING_FIELDS).first()
    if before is not None:
        instance._token_binding_changed = any(
            before[field] != getattr(instance, field) for field in TOKEN_BINDING_FIELDS
        )


@receiver(post_save, sender=User, dispatch_uid="revoke_token_on_account_change")
def revoke_on_account_change(sender, instance: User, created: bool, **kwargs) -> None:
    if getattr(instance, "_token_binding_changed", False):
        revoke_tokens(user_id=instance.pk)
