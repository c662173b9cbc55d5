"""Masking of personal data shown in lists and exports."""


def mask_id_number(value: str | None) -> str:
    """First 6 + 8 stars + last 4: ``350429********1234``."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_phone(value: str | None) -> str:
    """3 + 4 stars + 4: ``138****5678``."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
