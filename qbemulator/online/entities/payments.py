"""Payments and deposits, and the bookkeeping that links them to what they settle.

A Payment's `Line[].LinkedTxn` applies it to invoices (reducing their Balance), to
credit memos (consuming their credit) and to purchases posted to A/R, the cheques that
refund a customer (TxnType "Check" or "Expense": they consume the payment like an
invoice); `sync_links` keeps the targets' LinkedTxn and open amounts in step and
`sync_customer` the customer's Balance. An amount beyond a target's open balance, or
applied amounts beyond the payment, are refused (6000).
"""

from decimal import Decimal
from typing import Any

from qbemulator.online import faults
from qbemulator.online.entities import purchases
from qbemulator.online.entities.common import (
    USD,
    Entity,
    is_voided,
    money,
    referenced,
    today,
    touch,
)
from qbemulator.online.entities.index import index
from qbemulator.online.entities.names import ordered, server
from qbemulator.online.entities.txns import (
    KNOWN,
    LINK_ENTITY,
    ZERO,
    account_ref,
    applied,
    check_open_period,
    date_field,
    undeposited_funds,
)
from qbemulator.online.state import Company


def payment_lines(
    company: Company, data: Entity, own_id: str | None, customer_id: str
) -> tuple[list[Entity], Decimal]:
    """Each line applies Amount to the invoices / credit memos it links; never beyond their open balance."""
    out: list[Entity] = []
    net = ZERO
    for line in data.get("Line") or []:
        if line.get("Amount") is None:
            raise faults.required_param("Amount")
        amount = money(line["Amount"])
        links = line.get("LinkedTxn") or []
        if not links:
            raise faults.required_param("LinkedTxn")
        extras: list[Entity] = []
        stored_links: list[Entity] = []
        for link in links:
            kind, target_id = str(link.get("TxnType")), str(link.get("TxnId", ""))
            entity = LINK_ENTITY.get(kind, "")
            target = company.entities.get(entity, {}).get(target_id) if entity else None
            if target is None:
                raise faults.business(
                    f"The entity {kind} {target_id} that you are trying to link does not exist. {kind} {target_id}"
                )
            open_balance = link_open_balance(company, entity, target, customer_id, own_id)
            if amount > open_balance:
                raise faults.business(
                    f"The amount applied to {kind} {target_id} ({amount}) is more than its open balance ({open_balance})"
                )
            net += -amount if entity == "CreditMemo" else amount
            extras = line_ex(target, open_balance)
            stored_type = purchases.link_type(target) if entity == "Purchase" else kind
            stored_links.append({"TxnId": target_id, "TxnType": stored_type})
        out.append({"Amount": amount, "LinkedTxn": stored_links, "LineEx": {"any": extras}})
    return out, net


def link_open_balance(
    company: Company, entity: str, target: Entity, customer_id: str, own_id: str | None
) -> Decimal:
    """What a payment of `customer_id` may still apply to `target` (6000 if it is another's)."""
    target_id = target["Id"]
    if entity == "Purchase":
        owner = purchases.ar_customer(company, target)
        if owner is None:
            raise faults.business(
                f"Purchase {target_id} has no Accounts Receivable line and cannot be linked to a payment"
            )
        total = purchases.ar_amount(company, target)
    else:
        owner = target.get("CustomerRef", {}).get("value")
        total = money(target["TotalAmt"])
    if owner != customer_id:
        raise faults.business(
            f"{entity} {target_id} belongs to another customer and cannot be linked to this payment"
        )
    if is_voided(company, entity, target_id):
        return ZERO
    return total - applied(company, target, entity, exclude=own_id)


def line_ex(target: Entity, open_balance: Decimal) -> list[Entity]:
    """The JAXB `LineEx.any[]` NameValues real QBO JSON carries on payment lines."""
    pairs = (
        ("txnId", target["Id"]),
        ("txnOpenBalance", str(open_balance)),
        ("txnReferenceNumber", target.get("DocNumber") or ""),
    )
    return [
        {
            "name": "{http://schema.intuit.com/finance/v3}NameValue",
            "declaredType": "com.intuit.schema.finance.v3.NameValue",
            "scope": "javax.xml.bind.JAXBElement$GlobalScope",
            "value": {"Name": name, "Value": value},
            "nil": False,
            "globalScope": True,
            "typeSubstituted": False,
        }
        for name, value in pairs
    ]


def build_payment(company: Company, data: Entity, stored: Entity | None, new_id: str) -> Entity:
    own_id = stored["Id"] if stored else None
    voided = own_id is not None and is_voided(company, "Payment", own_id)
    customer = referenced(company, "Customer", data, "CustomerRef", required=True, stored=stored)
    assert customer is not None
    if data.get("TotalAmt") is None:
        raise faults.required_param("TotalAmt")
    total = money(data["TotalAmt"], "TotalAmt")
    txn_date = date_field(data, "TxnDate") or (stored or {}).get("TxnDate") or today()
    check_open_period(company, txn_date, (stored or {}).get("TxnDate"))
    lines, net = ([], ZERO) if voided else payment_lines(company, data, own_id, customer["Id"])
    if voided:
        total = ZERO
    if net > total:
        raise faults.business("The amount applied to transactions is more than the payment amount")
    deposit_to = account_ref(
        company, data, "DepositToAccountRef", ("Bank", "Other Current Asset"), stored
    )
    values: dict[str, Any] = {
        "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
        "ARAccountRef": account_ref(
            company, data, "ARAccountRef", ("Accounts Receivable",), stored
        ),
        "DepositToAccountRef": {"value": (deposit_to or undeposited_funds(company))["value"]},
        "PaymentMethodRef": data.get("PaymentMethodRef"),
        "PaymentRefNum": data.get("PaymentRefNum"),
        "TotalAmt": total,
        "UnappliedAmt": total - net,
        "ProcessPayment": bool(data.get("ProcessPayment", False)),
        **server(stored, new_id),
        "DocNumber": data.get("DocNumber"),
        "TxnDate": txn_date,
        "CurrencyRef": USD,
        "PrivateNote": data.get("PrivateNote"),
        "Line": lines,
    }
    rest = {k: v for k, v in data.items() if k in KNOWN["Payment"]}
    return ordered(list(values), values, rest)


def build_deposit(company: Company, data: Entity, stored: Entity | None, new_id: str) -> Entity:
    own_id = stored["Id"] if stored else None
    voided = own_id is not None and is_voided(company, "Deposit", own_id)
    deposit_to = account_ref(
        company, data, "DepositToAccountRef", ("Bank", "Other Current Asset"), stored
    )
    if deposit_to is None:
        raise faults.required_param("DepositToAccountRef")
    txn_date = date_field(data, "TxnDate") or (stored or {}).get("TxnDate") or today()
    check_open_period(company, txn_date, (stored or {}).get("TxnDate"))
    lines = data.get("Line")
    if not isinstance(lines, list) or not lines:
        raise faults.required_param("Line")
    out: list[Entity] = []
    total = ZERO
    for number, line in enumerate(lines, 1):
        amount = ZERO if voided else money(line.get("Amount", 0))
        body: Entity = {"Id": str(number), "LineNum": number, "Amount": amount}
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") != "Payment" or str(
                link.get("TxnId")
            ) not in company.entities.get("Payment", {}):
                raise faults.business(
                    f"The entity {link.get('TxnType')} {link.get('TxnId')} that you are trying to link does not exist. {link.get('TxnType')} {link.get('TxnId')}"
                )
            body.setdefault("LinkedTxn", []).append(
                {"TxnId": str(link["TxnId"]), "TxnType": "Payment", "TxnLineId": "0"}
            )
        if "LinkedTxn" not in body:
            detail = dict(line.get("DepositLineDetail") or {})
            account = referenced(company, "Account", detail, "AccountRef", required=True)
            assert account is not None
            detail["AccountRef"] = {"value": account["Id"], "name": account["Name"]}
            body |= {"DetailType": "DepositLineDetail", "DepositLineDetail": detail}
        out.append(body)
        total += amount
    values: dict[str, Any] = {
        "DepositToAccountRef": deposit_to,
        **server(stored, new_id),
        "TxnDate": txn_date,
        "CurrencyRef": USD,
        "PrivateNote": data.get("PrivateNote"),
        "Line": out,
        "TotalAmt": total,
    }
    rest = {k: v for k, v in data.items() if k in KNOWN["Deposit"]}
    return ordered(list(values), values, rest)


def deposited(company: Company, payment_id: str) -> bool:
    for deposit in company.entities.get("Deposit", {}).values():
        for line in deposit.get("Line", []):
            for link in line.get("LinkedTxn", []):
                if link.get("TxnType") == "Payment" and link.get("TxnId") == payment_id:
                    return True
    return False


def targets(payment: Entity | None) -> set[tuple[str, str]]:
    """(entity, id) of everything the payment's lines link to."""
    found: set[tuple[str, str]] = set()
    for line in (payment or {}).get("Line", []):
        for link in line.get("LinkedTxn", []):
            kind = str(link["TxnType"])
            found.add((LINK_ENTITY.get(kind, kind), str(link["TxnId"])))
    return found


AR_SHARES = {
    "Invoice": ("Balance", 1),
    "CreditMemo": ("Balance", -1),
    "Payment": ("UnappliedAmt", -1),
}


def default_ar(company: Company) -> str | None:
    accounts = company.entities.get("Account", {})
    found = [
        a["Id"]
        for a in accounts.values()
        if a.get("AccountType") == "Accounts Receivable" and a.get("Active", True)
    ]
    return min(found, key=int) if found else None


def ar_share(
    company: Company, kind: str, txn: Entity | None, deltas: dict[str, Decimal], sign: int
) -> None:
    """Add (sign=1) or take back (sign=-1) what `txn` holds open in its A/R account."""
    if txn is None or kind not in AR_SHARES:
        return
    key, direction = AR_SHARES[kind]
    account = str((txn.get("ARAccountRef") or {}).get("value") or default_ar(company) or "")
    deltas[account] = deltas.get(account, ZERO) + sign * direction * money(txn.get(key, 0))


def move_ar(company: Company, deltas: dict[str, Decimal]) -> None:
    """A/R accounts' CurrentBalance follows the open amounts posted to them."""
    for account_id, delta in deltas.items():
        account = company.entities.get("Account", {}).get(account_id)
        if account is None or delta == 0:
            continue
        for key in ("CurrentBalance", "CurrentBalanceWithSubAccounts"):
            account[key] = money(account.get(key, 0)) + delta


def sync_links(
    company: Company,
    payment_id: str,
    before: Entity | None,
    after: Entity | None,
    deltas: dict[str, Decimal],
) -> list[tuple[str, str]]:
    """Keep each linked invoice / credit memo / purchase's LinkedTxn and open amount in step."""
    changed: list[tuple[str, str]] = []
    now_linked = targets(after)
    for kind, target_id in sorted(targets(before) | now_linked):
        target = company.entities.get(kind, {}).get(target_id)
        if target is None:
            continue
        links = [
            x
            for x in target.get("LinkedTxn", [])
            if not (x.get("TxnType") == "Payment" and x.get("TxnId") == payment_id)
        ]
        if (kind, target_id) in now_linked:
            links.append({"TxnId": payment_id, "TxnType": "Payment"})
        if kind == "Purchase":
            if links:
                target["LinkedTxn"] = links
            else:
                target.pop("LinkedTxn", None)
            purchases.sync_open(company, target_id, deltas)
            touch(target)
            changed.append((kind, target_id))
            continue
        ar_share(company, kind, target, deltas, -1)
        target["LinkedTxn"] = links
        voided = is_voided(company, kind, target_id)
        target["Balance"] = (
            ZERO if voided else money(target["TotalAmt"]) - applied(company, target, kind)
        )
        if kind == "CreditMemo":
            target["RemainingCredit"] = target["Balance"]
        ar_share(company, kind, target, deltas, 1)
        touch(target)
        changed.append((kind, target_id))
    return changed


def customer_balance(company: Company, customer_id: str) -> Decimal:
    """Open AR of one customer: invoice balances and refund cheques' open A/R amounts, less
    unused credit memos and unapplied payments."""
    total = ZERO
    for kind, txn_id in index(company).by_customer.get(customer_id, set()):
        txn = company.entities.get(kind, {}).get(txn_id)
        if txn is None:
            continue
        if kind == "Purchase":
            if purchases.ar_customer(company, txn) == customer_id:
                total += purchases.open_balance(company, txn)
        elif txn.get("CustomerRef", {}).get("value") == customer_id:
            key, sign = AR_SHARES[kind]
            total += sign * money(txn.get(key, 0))
    return total


def sync_customer(company: Company, customer_id: str | None) -> bool:
    customer = company.entities.get("Customer", {}).get(customer_id or "")
    if customer is None:
        return False
    balance = customer_balance(company, customer["Id"])
    if money(customer.get("Balance", 0)) == balance:
        return False
    customer["Balance"] = balance
    customer["BalanceWithJobs"] = balance
    touch(customer)
    return True
