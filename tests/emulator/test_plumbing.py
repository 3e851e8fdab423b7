"""The WSGI plumbing: routing, unknown paths, exact decimal JSON."""

from decimal import Decimal

import httpx

from qbemulator.online.http import dumps


def test_unknown_path_is_a_json_404(client: httpx.Client) -> None:
    reply = client.get("/nowhere")
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/json"


def test_amounts_are_written_with_their_exact_digits() -> None:
    assert (
        dumps({"TotalAmt": Decimal("100.10"), "Line": [Decimal("-0.05")]})
        == '{"TotalAmt":100.10,"Line":[-0.05]}'
    )
