"""One function names the client's address (audit.context.client_ip) for the audit trail, django-axes and
django-ratelimit; the proxy's headers are believed only when settings.BEHIND_PROXY says a proxy is there."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from django_ratelimit.core import _get_ip

from audit.context import client_ip

PEER = "127.0.0.1"
CLIENT = "203.0.113.7"


def request(**meta):
    return RequestFactory().get("/", REMOTE_ADDR=PEER, **meta)


def test_without_a_proxy_the_headers_a_client_can_set_are_ignored(settings):
    settings.BEHIND_PROXY = False
    forged = request(HTTP_X_REAL_IP="198.51.100.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert client_ip(forged) == PEER


def test_behind_the_proxy_x_real_ip_is_the_client(settings):
    settings.BEHIND_PROXY = True
    assert client_ip(request(HTTP_X_REAL_IP=CLIENT, HTTP_X_FORWARDED_FOR=f"198.51.100.2, {CLIENT}")) == CLIENT


def test_behind_the_proxy_without_x_real_ip_the_hop_the_proxy_appended_counts(settings):
    """The client may send its own X-Forwarded-For; the proxy appends the real peer last."""
    settings.BEHIND_PROXY = True
    assert client_ip(request(HTTP_X_FORWARDED_FOR=f"198.51.100.2, {CLIENT}")) == CLIENT


def test_behind_the_proxy_a_header_that_is_no_address_falls_back_to_the_peer(settings):
    settings.BEHIND_PROXY = True
    assert client_ip(request(HTTP_X_REAL_IP="<script>", HTTP_X_FORWARDED_FOR="unknown")) == PEER


def test_axes_and_ratelimit_name_the_same_address(settings):
    settings.BEHIND_PROXY = True
    proxied = request(HTTP_X_REAL_IP=CLIENT)
    assert get_client_ip_address(proxied) == _get_ip(proxied) == client_ip(proxied) == CLIENT
    settings.BEHIND_PROXY = False
    assert get_client_ip_address(proxied) == _get_ip(proxied) == PEER
