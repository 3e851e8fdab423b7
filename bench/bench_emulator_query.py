"""Benchmark: the QBO emulator's query language over 100,000 invoices (target: under 200 ms).

Builds one company in memory with 100,000 invoices (1,000 customers, amounts as
Decimal, two years of dates) straight into `Company.entities`, then times
`qbemulator.online.query.run` in-process: no HTTP, no JSON, only parse, filter,
page and copy. Each query runs once to warm up, then `--runs` times.

    python bench/bench_emulator_query.py [--runs 20] [--invoices 100000]
"""

import argparse
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common

from qbemulator.online import query
from qbemulator.online.state import Company

NAME = "emulator_query"
QUERIES = [
    "SELECT * FROM Invoice WHERE CustomerRef = '42' MAXRESULTS 1000",
    "SELECT COUNT(*) FROM Invoice",
    "SELECT COUNT(*) FROM Invoice WHERE Balance > '0' AND TxnDate >= '2025-07-01'",
    "SELECT * FROM Invoice MAXRESULTS 1000",
    "SELECT * FROM Invoice WHERE DocNumber = '99999'",
    "SELECT * FROM Invoice WHERE TxnDate >= '2026-01-01' ORDERBY TxnDate DESC MAXRESULTS 1000",
    "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-06-01T00:00:00-08:00' "
    "STARTPOSITION 1001 MAXRESULTS 1000",
]


def invoice(number: int, customers: int) -> dict[str, Any]:
    """An invoice shaped like a real response (two lines, refs, addresses, metadata)."""
    customer = str(number % customers + 1)
    day = dt.date(2025, 1, 1) + dt.timedelta(days=number % 730)
    amount = Decimal(10 + number % 500) + Decimal("0.25")
    stamp = f"{day.isoformat()}T09:30:00-08:00"
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": str(number),
        "SyncToken": "0",
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        "DocNumber": str(1000 + number),
        "TxnDate": day.isoformat(),
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "LinkedTxn": [],
        "Line": [
            {
                "Id": "1",
                "LineNum": 1,
                "Amount": amount,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Dues"}},
            },
            {"Amount": amount, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
        "TxnTaxDetail": {"TotalTax": 0},
        "CustomerRef": {"value": customer, "name": f"Member {customer}"},
        "BillAddr": {"Id": "2", "Line1": "1 Main St.", "City": "Bayshore"},
        "DueDate": (day + dt.timedelta(days=30)).isoformat(),
        "TotalAmt": amount,
        "Balance": amount if number % 3 else Decimal("0.00"),
    }


def company(invoices: int) -> Company:
    books = Company(realm_id="1", name="Bench")
    books.entities["Invoice"] = {str(n): invoice(n, 1000) for n in range(1, invoices + 1)}
    return books


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=100_000)
    args = parser.parse_args()
    books = company(args.invoices)
    data = f"{args.invoices:,} invoices"
    results = []
    for text in QUERIES:
        body = query.run(books, text)["QueryResponse"]
        returned = body.get("totalCount", body.get("maxResults", 0))
        samples = common.measure(lambda text=text: query.run(books, text), args.runs)
        results.append(
            common.Result(NAME, text, "memory", data, samples, note=f"{returned} returned")
        )
    common.print_results(results)
    common.write_results(NAME, results)


if __name__ == "__main__":
    main()
