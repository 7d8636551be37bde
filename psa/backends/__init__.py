"""PSA backends: one adapter per vendor behind the PsaBackend contract (see base.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from psa.backends.base import PsaBackend, PsaError, RetryPolicy

VENDORS = ("connectwise", "autotask", "halopsa")


def backend_class(vendor: str) -> type[PsaBackend]:
    if vendor == "connectwise":
        from psa.backends.connectwise import ConnectWiseBackend

        return ConnectWiseBackend
    if vendor == "autotask":
        from psa.backends.autotask import AutotaskBackend

        return AutotaskBackend
    if vendor == "halopsa":
        from psa.backends.halopsa import HaloBackend

        return HaloBackend
    raise PsaError(f"unknown PSA vendor {vendor!r}; expected one of {', '.join(VENDORS)}", retryable=False)


def get_backend(
    vendor: str,
    base_url: str,
    credentials: Mapping[str, Any],
    client: httpx.Client | None = None,
    **options: Any,
) -> PsaBackend:
    """The backend for a vendor. Options: retry (RetryPolicy), page_size (tickets per page)."""
    return backend_class(vendor)(base_url, credentials, client, **options)


__all__ = ["VENDORS", "PsaBackend", "PsaError", "RetryPolicy", "get_backend"]
