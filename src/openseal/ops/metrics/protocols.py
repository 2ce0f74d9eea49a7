"""Counting the answers of the protocol endpoints that leave no audit entry (OCSP)."""

from __future__ import annotations

from asn1crypto import ocsp

from openseal.ops.metrics.instruments import OCSP_ANSWERS


def count_ocsp(der: bytes) -> None:
    """One count per answer: "good", "revoked", "unknown" (each certificate asked about),
    or the response status when it is not successful ("unauthorized", ...)."""
    try:
        response = ocsp.OCSPResponse.load(der)
        status = response["response_status"].native
        if status != "successful":
            OCSP_ANSWERS.labels(status).inc()
            return
        for single in response.basic_ocsp_response["tbs_response_data"]["responses"]:
            OCSP_ANSWERS.labels(single["cert_status"].name).inc()
    except (ValueError, TypeError, KeyError):
        OCSP_ANSWERS.labels("unreadable").inc()
