"""The client's address, the one rule: REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies are configured in front.

With N trusted proxies the address is the N-th from the right of X-Forwarded-For (the one the outermost
trusted proxy saw); what a client writes further left is its own claim and never used. The login lockout
(django-axes' AXES_CLIENT_IP_CALLABLE) and the rate limits (DRF's NUM_PROXIES, the same rule) both follow it.
"""
from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote
