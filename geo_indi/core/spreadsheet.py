"""Text cells that a spreadsheet will not run as a formula (CSV injection, OWASP)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text starting like a formula gets a leading apostrophe; other values are returned as they are."""
    if not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
