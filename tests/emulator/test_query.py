"""The QBO query language (qbemulator.online.query.run) over a company filled directly.

Each fault is checked for its exact code, message and detail; the envelopes are
compared key by key with Intuit's recorded bodies where a recording exists.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbemulator.online import query
from qbemulator.online.faults import Fault
from qbemulator.online.state import Company

PARSE = ("4000", "Error parsing query")
INVALID = ("4001", "Invalid query")


def customer(number: int, name: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": str(number),
        "SyncToken": "0",
        "DisplayName": name,
        "Active": True,
        "Balance": Decimal("0.00"),
        "MetaData": {
            "CreateTime": "2026-01-01T09:00:00-08:00",
            "LastUpdatedTime": f"2026-01-{number:02d}T09:00:00-08:00",
        },
    }
    record.update(fields)
    return record


def invoice(number: int, customer_id: str, date: str, total: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": str(number),
        "DocNumber": str(1000 + number),
        "TxnDate": date,
        "CustomerRef": {"value": customer_id, "name": f"Customer {customer_id}"},
        "TotalAmt": Decimal(total),
        "Balance": Decimal(total),
        "MetaData": {
            "CreateTime": f"{date}T10:00:00-08:00",
            "LastUpdatedTime": f"{date}T10:00:00-08:00",
        },
    }
    record.update(fields)
    return record


@pytest.fixture
def books() -> Company:
    company = Company(realm_id="1", name="Books")
    people = [
        customer(1, "Amy's Bird Sanctuary", Balance=Decimal("739.00"), GivenName="Amy"),
        customer(2, "Bill's Windsurf Shop", Balance=Decimal("85.00")),
        customer(3, "Cool Cars", Balance=Decimal("10.50"), Notes="car person"),
        customer(4, "Diego Rodriguez", Active=False, Balance=Decimal("0.00")),
        customer(5, "Back\\slash Ltd", Balance=Decimal("10.5")),
    ]
    company.entities["Customer"] = {c["Id"]: c for c in people}
    bills = [
        invoice(1, "1", "2026-01-05", "100.00"),
        invoice(2, "1", "2026-02-10", "250.00", Balance=Decimal("0.00")),
        invoice(3, "2", "2026-02-28", "85.00"),
        invoice(4, "3", "2026-03-15", "10.50"),
        invoice(5, "10", "2026-03-31", "1.00"),
    ]
    company.entities["Invoice"] = {i["Id"]: i for i in bills}
    return company


def rows(company: Company, text: str) -> list[dict[str, Any]]:
    body = query.run(company, text)["QueryResponse"]
    found = [value for value in body.values() if isinstance(value, list)]
    return found[0] if found else []


def ids(company: Company, text: str) -> list[str]:
    return [row["Id"] for row in rows(company, text)]


def fault(company: Company, text: str) -> tuple[str, str, str]:
    with pytest.raises(Fault) as raised:
        query.run(company, text)
    return raised.value.code, raised.value.message, raised.value.detail


# --- envelope ------------------------------------------------------------------------------


def test_select_star_answers_in_the_query_response_envelope(books: Company) -> None:
    body = query.run(books, "SELECT * FROM Invoice WHERE CustomerRef = '1'")
    assert set(body) == {"QueryResponse", "time"}
    assert body["QueryResponse"] == {
        "Invoice": [books.entities["Invoice"]["1"], books.entities["Invoice"]["2"]],
        "startPosition": 1,
        "maxResults": 2,
    }


def test_count_answers_total_count_only(books: Company) -> None:
    assert query.run(books, "SELECT COUNT(*) FROM Invoice")["QueryResponse"] == {"totalCount": 5}
    body = query.run(books, "select count(*) from Invoice where Balance > '0' maxresults 1")
    assert body["QueryResponse"] == {"totalCount": 4}


def test_no_match_and_a_page_past_the_end_are_an_empty_query_response(books: Company) -> None:
    assert query.run(books, "SELECT * FROM Invoice WHERE DocNumber = 'X'")["QueryResponse"] == {}
    assert query.run(books, "SELECT * FROM Invoice STARTPOSITION 6")["QueryResponse"] == {}
    assert query.run(books, "SELECT * FROM Deposit")["QueryResponse"] == {}


def test_matches_the_recorded_query_by_display_name(books: Company, fixtures_dir: Path) -> None:
    recorded = json.loads(
        (fixtures_dir / "customer_query_by_displayname_response.json").read_text(),
        parse_float=Decimal,
    )
    amy = recorded["QueryResponse"]["Customer"][0]
    books.entities["Customer"] = {amy["Id"]: amy}
    # The recorded request: GET /query?query=SELECT * FROM Customer WHERE DisplayName = 'Amy\'s Bird Sanctuary'
    body = query.run(books, "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'")
    assert set(body) == set(recorded)
    assert list(body["QueryResponse"]) == list(recorded["QueryResponse"])
    assert body["QueryResponse"] == recorded["QueryResponse"]


def test_unknown_entity_matches_the_recorded_4001(books: Company, fixtures_dir: Path) -> None:
    recorded = json.loads((fixtures_dir / "fault_invalid_query_4001.json").read_text())
    with pytest.raises(Fault) as raised:
        query.run(books, "SELECT * FROM Custmoer")
    body = raised.value.body()
    assert set(body) == set(recorded)
    assert set(body["Fault"]) == set(recorded["Fault"])
    assert body["Fault"]["type"] == recorded["Fault"]["type"]
    assert body["Fault"]["Error"] == recorded["Fault"]["Error"]
    assert raised.value.status == 400


def test_other_stored_entities_are_queryable_by_id_but_hidden_tables_are_not(
    books: Company,
) -> None:
    books.entities["TaxRate"] = {"7": {"Id": "7", "Name": "Zero"}}
    books.entities["_Deleted"] = {"9": {"Id": "9"}}
    assert ids(books, "SELECT * FROM taxrate WHERE Id = '7'") == ["7"]
    assert fault(books, "SELECT * FROM _Deleted") == (
        *INVALID,
        "QueryValidationError: invalid context declaration: _Deleted",
    )


def test_unreadable_stored_timestamps_never_match(books: Company) -> None:
    books.entities["Invoice"]["1"]["MetaData"]["LastUpdatedTime"] = "yesterday"
    text = "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime < '2027-01-01' ORDERBY MetaData.LastUpdatedTime"
    assert ids(books, text) == ["2", "3", "4", "5"]


def test_returned_entities_are_copies(books: Company) -> None:
    found = rows(books, "SELECT * FROM Invoice WHERE Id = '1'")[0]
    found["CustomerRef"]["value"] = "99"
    found["TotalAmt"] = Decimal("0")
    assert books.entities["Invoice"]["1"]["CustomerRef"]["value"] == "1"
    assert books.entities["Invoice"]["1"]["TotalAmt"] == Decimal("100.00")


def test_column_list_returns_those_properties(books: Company) -> None:
    found = rows(books, "SELECT Id, DisplayName FROM Customer WHERE Id = '2'")
    assert found == [{"Id": "2", "DisplayName": "Bill's Windsurf Shop"}]


# --- operators and values ------------------------------------------------------------------


def test_equals_on_text_ignores_case(books: Company) -> None:
    assert ids(books, "SELECT * FROM Customer WHERE DisplayName = 'cool cars'") == ["3"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("TotalAmt = '85.00'", ["3"]),
        ("TotalAmt = '85'", ["3"]),
        ("TotalAmt = 10.5", ["4"]),
        ("TotalAmt < '85.00'", ["4", "5"]),
        ("TotalAmt <= '85.00'", ["3", "4", "5"]),
        ("TotalAmt > 85", ["1", "2"]),
        ("TotalAmt >= '85.00'", ["1", "2", "3"]),
        ("TotalAmt IN ('1', 250, '10.50')", ["2", "4", "5"]),
    ],
)
def test_amounts_compare_as_decimal(books: Company, where: str, expected: list[str]) -> None:
    assert ids(books, f"SELECT * FROM SalesReceipt WHERE {where}") == []
    books.entities["SalesReceipt"] = books.entities["Invoice"]
    assert ids(books, f"SELECT * FROM SalesReceipt WHERE {where}") == expected


def test_balance_decimal_places_do_not_matter(books: Company) -> None:
    # Customer 3 holds 10.50 and customer 5 holds 10.5: the same amount.
    assert ids(books, "SELECT * FROM Customer WHERE Balance = '10.500'") == ["3", "5"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("TxnDate = '2026-02-10'", ["2"]),
        ("TxnDate > '2026-02-10'", ["3", "4", "5"]),
        ("TxnDate >= '2026-02-10' AND TxnDate < '2026-03-15'", ["2", "3"]),
        ("TxnDate <= '2026-01-05'", ["1"]),
        ("TxnDate IN ('2026-01-05', '2026-03-31')", ["1", "5"]),
    ],
)
def test_dates_compare_as_dates(books: Company, where: str, expected: list[str]) -> None:
    assert ids(books, f"SELECT * FROM Invoice WHERE {where}") == expected


def test_timestamps_compare_as_instants_across_offsets(books: Company) -> None:
    # Invoice 3 was updated at 2026-02-28T10:00:00-08:00 = 18:00:00Z.
    assert ids(books, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-02-28T18:00:00Z'") == ["3", "4", "5"]  # fmt: skip
    assert ids(books, "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-02-28T18:00:00Z'") == ["4", "5"]  # fmt: skip
    assert ids(books, "SELECT * FROM Invoice WHERE metadata.lastupdatedtime > '2026-03-15'") == ["4", "5"]  # fmt: skip


def test_customer_ref_compares_by_the_reference_value(books: Company) -> None:
    assert ids(books, "SELECT * FROM Invoice WHERE CustomerRef = '1'") == ["1", "2"]
    assert ids(books, "SELECT * FROM Invoice WHERE CustomerRef IN ('2', '10')") == ["3", "5"]
    assert ids(books, "SELECT * FROM Invoice WHERE CustomerRef = 'Customer 1'") == []


def test_ids_equal_and_in(books: Company) -> None:
    assert ids(books, "SELECT * FROM Invoice WHERE Id = '4'") == ["4"]
    assert ids(books, "SELECT * FROM Invoice WHERE Id IN ('5', '1', '42')") == ["1", "5"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("B%", ["2", "5"]),
        ("%shop", ["2"]),
        ("%BIRD%", ["1"]),
        ("C%s", ["3"]),
        ("Cool Cars", ["3"]),
        ("%", ["1", "2", "3", "5"]),
        ("Cool_Cars", []),
        ("Back\\\\slash%", ["5"]),
    ],
)
def test_like_has_percent_as_its_only_wildcard(
    books: Company, pattern: str, expected: list[str]
) -> None:
    assert ids(books, f"SELECT * FROM Customer WHERE DisplayName LIKE '{pattern}'") == expected


def test_backslash_escapes_quotes(books: Company) -> None:
    assert ids(books, "SELECT * FROM Customer WHERE DisplayName = 'Bill\\'s Windsurf Shop'") == [
        "2"
    ]
    assert ids(books, "SELECT * FROM Customer WHERE DisplayName = 'Back\\\\slash Ltd'") == ["5"]


def test_conditions_are_anded(books: Company) -> None:
    text = (
        "SELECT * FROM Invoice WHERE CustomerRef = '1' AND Balance > '0' AND TxnDate < '2026-03-01'"
    )
    assert ids(books, text) == ["1"]


def test_reserved_words_entities_and_properties_ignore_case(books: Company) -> None:
    assert ids(books, "select * from cUstomer where givenname = 'AMY'") == ["1"]
    assert ids(books, "Select * From INVOICE Where customerref = '2'") == ["3"]


def test_current_date_is_the_company_today(books: Company) -> None:
    books.entities["Invoice"]["5"]["TxnDate"] = "2999-01-01"
    assert ids(books, "SELECT * FROM Invoice WHERE TxnDate <= CURRENT_DATE") == ["1", "2", "3", "4"]
    assert ids(books, "SELECT * FROM Invoice WHERE TxnDate > current_date") == ["5"]


def test_the_queries_python_quickbooks_writes(books: Company) -> None:
    books.entities["Item"] = {"1": {"Id": "1", "Name": "Dues", "Active": True, "Sku": "D-1"}}
    # Item.all(), Customer.filter(Active=True, DisplayName=...), .choose(), .where(), .count()
    assert ids(books, "SELECT *, Sku FROM Item MAXRESULTS 100") == ["1"]
    assert ids(books, "SELECT * FROM Customer ORDER BY DisplayName STARTPOSITION 2 MAXRESULTS 2") == ["5", "2"]  # fmt: skip
    text = "SELECT * FROM Customer WHERE Active = True AND DisplayName = 'Amy\\'s Bird Sanctuary'"
    assert ids(books, text) == ["1"]
    assert ids(books, "SELECT * FROM Invoice WHERE Id in ('1', '3')") == ["1", "3"]
    assert ids(books, "SELECT * FROM Customer WHERE Balance < 86 ORDERBY Id DESC MAXRESULTS 2") == ["5", "3"]  # fmt: skip
    count = query.run(books, "SELECT COUNT(*) FROM Invoice WHERE CustomerRef = '1'")
    assert count["QueryResponse"] == {"totalCount": 2}


def test_booleans_unquoted_or_quoted(books: Company) -> None:
    books.entities["Item"] = {
        "1": {"Id": "1", "Name": "Dues", "Active": True, "Taxable": False},
        "2": {"Id": "2", "Name": "Fees", "Active": True, "Taxable": True},
    }
    assert ids(books, "SELECT * FROM Item WHERE Taxable = true") == ["2"]
    assert ids(books, "SELECT * FROM Item WHERE Taxable = 'false'") == ["1"]


# --- Active on name lists ------------------------------------------------------------------


def test_name_lists_return_only_active_records_by_default(books: Company) -> None:
    assert ids(books, "SELECT * FROM Customer") == ["1", "2", "3", "5"]
    assert query.run(books, "SELECT COUNT(*) FROM Customer")["QueryResponse"] == {"totalCount": 4}


def test_active_in_the_where_replaces_the_default(books: Company) -> None:
    assert ids(books, "SELECT * FROM Customer WHERE Active = false") == ["4"]
    assert ids(books, "SELECT * FROM Customer WHERE Active IN (true, false)") == ["1", "2", "3", "4", "5"]  # fmt: skip
    assert ids(books, "SELECT * FROM Customer WHERE active = true AND Balance = '0'") == []
    total = query.run(books, "SELECT COUNT(*) FROM Customer WHERE Active IN (true,false)")
    assert total["QueryResponse"] == {"totalCount": 5}


def test_transactions_have_no_active_default(books: Company) -> None:
    books.entities["Invoice"]["1"]["Active"] = False  # not a real Invoice field; never filtered
    assert ids(books, "SELECT * FROM Invoice WHERE CustomerRef = '1'") == ["1", "2"]


# --- ordering and paging -------------------------------------------------------------------


def test_orderby_ascending_and_descending(books: Company) -> None:
    assert ids(books, "SELECT * FROM Invoice ORDERBY TxnDate DESC") == ["5", "4", "3", "2", "1"]
    assert ids(books, "SELECT * FROM Customer ORDER BY DisplayName") == ["1", "5", "2", "3"]
    assert ids(books, "SELECT * FROM Customer ORDERBY Balance ASC") == ["3", "5", "2", "1"]


def test_orderby_several_keys_and_missing_values_first(books: Company) -> None:
    books.entities["Invoice"]["1"]["DueDate"] = "2026-04-01"
    books.entities["Invoice"]["2"]["DueDate"] = "2026-04-01"  # invoice 3 has no DueDate
    where = "SELECT * FROM Invoice WHERE Id IN ('1', '2', '3')"
    assert ids(books, f"{where} ORDERBY DueDate, TxnDate DESC") == ["3", "2", "1"]
    assert ids(books, f"{where} ORDERBY DueDate DESC, TxnDate") == ["1", "2", "3"]


def test_orderby_metadata_timestamp(books: Company) -> None:
    assert ids(books, "SELECT * FROM Customer ORDERBY MetaData.LastUpdatedTime DESC") == ["5", "3", "2", "1"]  # fmt: skip


def test_paging_is_one_based_and_reports_the_count_returned(books: Company) -> None:
    body = query.run(books, "SELECT * FROM Invoice ORDERBY TxnDate STARTPOSITION 2 MAXRESULTS 2")
    page = body["QueryResponse"]
    assert [row["Id"] for row in page["Invoice"]] == ["2", "3"]
    assert (page["startPosition"], page["maxResults"]) == (2, 2)
    last = query.run(books, "SELECT * FROM Invoice MAXRESULTS 2 STARTPOSITION 5")["QueryResponse"]
    assert [row["Id"] for row in last["Invoice"]] == ["5"]
    assert (last["startPosition"], last["maxResults"]) == (5, 1)


def test_maxresults_defaults_to_100_and_allows_1000(books: Company) -> None:
    books.entities["Invoice"] = {
        str(n): invoice(n, "1", "2026-01-05", "1.00") for n in range(1, 1102)
    }
    assert len(ids(books, "SELECT * FROM Invoice")) == 100
    assert len(ids(books, "SELECT * FROM Invoice MAXRESULTS 1000")) == 1000
    assert ids(books, "SELECT * FROM Invoice STARTPOSITION 1001 MAXRESULTS 1000")[0] == "1001"


# --- faults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("SELECT * FROM Custmoer", "invalid context declaration: Custmoer"),
        ("SELECT COUNT(*) FROM invoices", "invalid context declaration: invoices"),
        (
            "SELECT * FROM Customer WHERE DisplayName = 'A' OR DisplayName = 'B'",
            "OR operation is not supported",
        ),
        ("SELECT * FROM Customer WHERE Notes = 'x'", "property 'Notes' is not queryable"),
        ("SELECT * FROM Invoice WHERE TotalAmt > '5'", "property 'TotalAmt' is not queryable"),
        ("SELECT * FROM Customer ORDERBY Notes", "property 'Notes' is not queryable"),
        (
            "SELECT * FROM Customer WHERE Colour = 'red'",
            "Property Colour not found for Entity Customer",
        ),
        ("SELECT * FROM Customer STARTPOSITION 0", "value 0 is too small. Min allowed value is 1"),
        ("SELECT * FROM Customer MAXRESULTS 0", "value 0 is too small. Min allowed value is 1"),
        (
            "SELECT * FROM Customer MAXRESULTS 1001",
            "value 1001 is too large. Max allowed value is 1000",
        ),
        (
            "SELECT * FROM Invoice WHERE Balance > 'lots'",
            "value lots is not valid for property 'Balance'",
        ),
        (
            "SELECT * FROM Invoice WHERE TxnDate > '31/01/2026'",
            "value 31/01/2026 is not valid for property 'TxnDate'",
        ),
        ("SELECT * FROM Invoice WHERE Id = 'abc'", "value abc is not valid for property 'Id'"),
        (
            "SELECT * FROM Invoice WHERE Balance < 'NaN'",
            "value NaN is not valid for property 'Balance'",
        ),
        (
            "SELECT * FROM Item WHERE Active = 'maybe'",
            "value maybe is not valid for property 'Active'",
        ),
    ],
)
def test_invalid_queries_give_4001(books: Company, text: str, detail: str) -> None:
    assert fault(books, text) == (*INVALID, f"QueryValidationError: {detail}")


def test_an_unescaped_apostrophe_gives_the_parser_fault_qbo_gives(books: Company) -> None:
    # The query node-quickbooks sent for 'Cutlery \'R Us' before it escaped quotes.
    text = (
        "select * from vendor where DisplayName = 'Cutlery 'R Us' startposition 1 maxresults 1000"
    )
    expecting = [
        "<EOF> ",
        "<AND> ...",
        '"iterator" ...',
        '"maxresults" ...',
        "<OR> ...",
        '"order" ...',
        '"orderby" ...',
        '"startposition" ...',
    ]
    detail = (
        'QueryParserError: Encountered " <IDENTIFIER> "R "" at line 1, column 52.\n'
        "Was expecting one of:\n" + "".join(f"    {line}\n" for line in expecting) + "    "
    )
    assert fault(books, text) == (*PARSE, detail)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", 'Encountered "<EOF>" at line 0, column 0.\nWas expecting:\n    "select" ...\n    '),
        (
            "SELECT * FORM Customer",
            'Encountered " <IDENTIFIER> "FORM "" at line 1, column 10.\n'
            'Was expecting one of:\n    "," ...\n    "from" ...\n    ',
        ),
        (
            "SELECT * FROM Customer WHERE DisplayName",
            'Encountered "<EOF>" at line 1, column 40.\nWas expecting one of:\n'
            '    "<" ...\n    "<=" ...\n    "=" ...\n    ">" ...\n    ">=" ...\n'
            '    "in" ...\n    "like" ...\n    ',
        ),
        (
            "SELECT * FROM Customer MAXRESULTS many",
            'Encountered " <IDENTIFIER> "many "" at line 1, column 35.\n'
            "Was expecting:\n    <NUMBER> ...\n    ",
        ),
        (
            "SELECT * FROM Customer\nWHERE Balance ! 3",
            "Invalid content. Lexical error at line 2, column 15.  "
            'Encountered: "!" (33), after : ""',
        ),
        (
            "SELECT * FROM Customer WHERE DisplayName = 'open",
            "Invalid content. Lexical error at line 1, column 49.  "
            'Encountered: <EOF> after : "\'open"',
        ),
    ],
)
def test_malformed_queries_give_4000(books: Company, text: str, detail: str) -> None:
    assert fault(books, text) == (*PARSE, f"QueryParserError: {detail}")


# --- over HTTP, as a client sends it -------------------------------------------------------


def test_query_over_http_get_and_post(client: httpx.Client) -> None:
    realm = client.post("/_emulator/companies", json={"name": "Query Co"}).json()["realmId"]
    pair = client.post(f"/_emulator/companies/{realm}/tokens", json={"client_id": "q"}).json()
    client.headers["Authorization"] = f"Bearer {pair['access_token']}"
    client.headers["Accept"] = "application/json"
    base = f"/v3/company/{realm}"
    made = client.post(f"{base}/customer", json={"DisplayName": "Amy's Bird Sanctuary"})
    assert made.status_code == 200, made.text
    # The recorded request: the statement URL-encoded in ?query=, apostrophe escaped.
    text = "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'"
    got = client.get(f"{base}/query", params={"query": text, "minorversion": "75"})
    assert got.status_code == 200
    page = got.json()["QueryResponse"]
    assert [c["DisplayName"] for c in page["Customer"]] == ["Amy's Bird Sanctuary"]
    assert (page["startPosition"], page["maxResults"]) == (1, 1)
    posted = client.post(
        f"{base}/query",
        content=b"select count(*) from customer",
        headers={"Content-Type": "application/text"},
    )
    assert posted.json()["QueryResponse"] == {"totalCount": 1}
    bad = client.get(f"{base}/query", params={"query": "SELECT * FROM Custmoer"})
    assert bad.status_code == 400
    assert bad.json()["Fault"]["Error"] == [
        {
            "Message": "Invalid query",
            "Detail": "QueryValidationError: invalid context declaration: Custmoer",
            "code": "4001",
        }
    ]


# --- property: the engine agrees with a plain filter, sort and slice -----------------------

_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}
_cents = st.integers(min_value=0, max_value=500).map(lambda c: Decimal(c).scaleb(-2))
_days = st.integers(min_value=1, max_value=28).map(lambda d: f"2026-02-{d:02d}")


@settings(max_examples=150, deadline=None)
@given(
    stored=st.lists(st.tuples(st.sampled_from("123"), _days, _cents), max_size=25),
    amount=st.tuples(st.sampled_from(sorted(_OPS)), _cents),
    date=st.one_of(st.none(), st.tuples(st.sampled_from(sorted(_OPS)), _days)),
    customers=st.one_of(st.none(), st.sets(st.sampled_from("1234"), min_size=1)),
    order=st.sampled_from(["", "TxnDate", "TxnDate DESC", "Balance", "Balance DESC"]),
    start=st.integers(min_value=1, max_value=30),
    size=st.integers(min_value=1, max_value=30),
)
def test_results_equal_a_plain_filter_sort_and_slice(
    stored: list[tuple[str, str, Decimal]],
    amount: tuple[str, Decimal],
    date: tuple[str, str] | None,
    customers: set[str] | None,
    order: str,
    start: int,
    size: int,
) -> None:
    company = Company(realm_id="1", name="P")
    table = {str(n): invoice(n, c, d, "1.00", Balance=b) for n, (c, d, b) in enumerate(stored, 1)}
    company.entities["Invoice"] = table
    conditions = [f"Balance {amount[0]} '{amount[1]}'"]
    expected = [i for i in table.values() if _OPS[amount[0]](i["Balance"], amount[1])]
    if date is not None:
        conditions.append(f"TxnDate {date[0]} '{date[1]}'")
        expected = [i for i in expected if _OPS[date[0]](i["TxnDate"], date[1])]
    if customers is not None:
        choices = ", ".join(f"'{c}'" for c in sorted(customers))
        conditions.append(f"CustomerRef IN ({choices})")
        expected = [i for i in expected if i["CustomerRef"]["value"] in customers]
    if order:
        key, _, direction = order.partition(" ")
        expected.sort(key=lambda i: i[key], reverse=direction == "DESC")
    text = f"SELECT * FROM Invoice WHERE {' AND '.join(conditions)}"
    text += f" ORDERBY {order}" if order else ""
    text += f" STARTPOSITION {start} MAXRESULTS {size}"
    assert ids(company, text) == [i["Id"] for i in expected[start - 1 : start - 1 + size]]
    total = query.run(company, f"SELECT COUNT(*) FROM Invoice WHERE {' AND '.join(conditions)}")
    assert total["QueryResponse"] == {"totalCount": len(expected)}
