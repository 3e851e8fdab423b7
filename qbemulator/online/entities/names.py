"""Name lists (Customer, Item, Account) and the company singletons (CompanyInfo, Preferences).

Each `build_*` turns request data (already merged with the stored entity for a
sparse update) into the full stored entity, in the key order QBO returns.
"""

from decimal import Decimal
from typing import Any

from qbemulator.online import faults
from qbemulator.online.entities.common import (
    BASE,
    USD,
    Entity,
    fields,
    metadata,
    money,
    referenced,
)
from qbemulator.online.state import Company

DELETED = " (deleted)"
NAME_LISTS = ("Customer", "Vendor", "Employee")  # DisplayName is unique across these (6240)

CUSTOMER_FIELDS = fields(
    BASE
    + " Organization Title GivenName MiddleName FamilyName Suffix FullyQualifiedName CompanyName"
    " DisplayName PrintOnCheckName UserId Active V4IDPseudonym PrimaryPhone AlternatePhone Mobile"
    " Fax PrimaryEmailAddr WebAddr OtherContactInfo DefaultTaxCodeRef Taxable BillAddr ShipAddr"
    " OtherAddr ContactName AltContactName Notes Job BillWithParent RootCustomerRef ParentRef"
    " Level CustomerTypeRef SalesTermRef SalesRepRef PaymentMethodRef CCDetail PriceLevelRef"
    " Balance OpenBalanceDate BalanceWithJobs CreditLimit AcctNum CurrencyRef OverDueBalance"
    " TotalRevenue TotalExpense PreferredDeliveryMethod ResaleNum JobInfo TaxExemptionReasonId"
    " ARAccountRef PrimaryTaxIdentifier SecondaryTaxIdentifier BusinessNumber GSTIN"
    " GSTRegistrationType IsProject ClientEntityId Source TaxRegime CustomerEx"
)
ITEM_FIELDS = fields(
    BASE + " Name Sku Description Active SubItem ParentRef Level FullyQualifiedName Taxable"
    " SalesTaxIncluded PercentBased UnitPrice RatePercent Type PaymentMethodRef UOMSetRef"
    " IncomeAccountRef PurchaseDesc PurchaseTaxIncluded PurchaseCost ExpenseAccountRef"
    " COGSAccountRef AssetAccountRef PrefVendorRef AvgCost TrackQtyOnHand QtyOnHand"
    " QtyOnPurchaseOrder QtyOnSalesOrder ReorderPoint ManPartNum DepositToAccountRef"
    " SalesTaxCodeRef PurchaseTaxCodeRef InvStartDate BuildPoint PrintGroupedItems SpecialItem"
    " SpecialItemType ItemGroupDetail ItemAssemblyDetail AbatementRate ReverseChargeRate"
    " ServiceType ItemCategoryType ItemEx TaxClassificationRef ClassRef Source"
)
ACCOUNT_FIELDS = fields(
    BASE + " Name SubAccount ParentRef Description FullyQualifiedName AccountAlias TxnLocationType"
    " Active Classification AccountType AccountSubType AccountPurposes AcctNum BankNum"
    " OpeningBalance OpeningBalanceDate CurrentBalance CurrentBalanceWithSubAccounts CurrencyRef"
    " TaxAccount TaxCodeRef OnlineBankingEnabled FIName JournalCodeRef AccountEx"
)
COMPANY_INFO_FIELDS = fields(
    BASE + " CompanyName LegalName CompanyAddr CustomerCommunicationAddr LegalAddr CompanyEmailAddr"
    " CustomerCommunicationEmailAddr CompanyURL PrimaryPhone OtherContactInfo Country Email"
    " WebAddr FiscalYearStartMonth SupportedLanguages DefaultTimeZone NameValue"
    " CompanyStartDate EmployerId SampleCompany QBVersion CompanyFileName"
)
PREFERENCES_FIELDS = fields(
    BASE + " AccountingInfoPrefs AdvancedInventoryPrefs ProductAndServicesPrefs SalesFormsPrefs"
    " EmailMessagesPrefs PrintDocumentPrefs VendorAndPurchasesPrefs TimeTrackingPrefs TaxPrefs"
    " FinanceChargesPrefs CurrencyPrefs ReportPrefs OtherPrefs"
)

# AccountType -> (Classification, default AccountSubType)
ACCOUNT_TYPES: dict[str, tuple[str, str]] = {
    "Bank": ("Asset", "Checking"),
    "Accounts Receivable": ("Asset", "AccountsReceivable"),
    "Other Current Asset": ("Asset", "OtherCurrentAssets"),
    "Fixed Asset": ("Asset", "OtherFixedAssets"),
    "Other Asset": ("Asset", "OtherLongTermAssets"),
    "Accounts Payable": ("Liability", "AccountsPayable"),
    "Credit Card": ("Liability", "CreditCard"),
    "Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
    "Long Term Liability": ("Liability", "OtherLongTermLiabilities"),
    "Equity": ("Equity", "OpeningBalanceEquity"),
    "Income": ("Revenue", "ServiceFeeIncome"),
    "Other Income": ("Revenue", "OtherMiscellaneousIncome"),
    "Cost of Goods Sold": ("Expense", "SuppliesMaterialsCogs"),
    "Expense": ("Expense", "OtherMiscellaneousServiceCost"),
    "Other Expense": ("Expense", "OtherMiscellaneousExpense"),
}


def ordered(first: list[str], values: dict[str, Any], rest: Entity) -> Entity:
    """`values` in QBO's key order, then any other supplied fields in request order."""
    out = {key: values[key] for key in first if values.get(key) is not None}
    for key, value in rest.items():
        if key not in out and value is not None and key not in values:
            out[key] = value
    return out


def deleted_name(name: str, active: bool) -> str:
    """Inactive names carry " (deleted)", which frees the original name; reactivation drops it."""
    if active:
        return name.removesuffix(DELETED)
    return name if name.endswith(DELETED) else name + DELETED


def unique(
    company: Company, tables: tuple[str, ...], key: str, name: str, own_id: str | None
) -> None:
    from qbemulator.online.entities.index import NAME_GROUPS, index

    wanted = name.casefold()
    for entity, other_id in index(company).names.get((NAME_GROUPS[tables[0]], wanted), set()):
        other = company.entities.get(entity, {}).get(other_id)
        if other is None or (entity == tables[0] and other_id == own_id):
            continue
        if str(other.get(key, "")).casefold() == wanted:
            raise faults.duplicate_name()


def server(stored: Entity | None, entity_id: str) -> dict[str, Any]:
    """The server-owned fields: domain, sparse, Id, SyncToken, MetaData."""
    if stored is None:
        return {
            "domain": "QBO",
            "sparse": False,
            "Id": entity_id,
            "SyncToken": "0",
            "MetaData": metadata(),
        }
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": stored["Id"],
        "SyncToken": stored["SyncToken"],
        "MetaData": dict(stored["MetaData"]),
    }


def build_customer(
    company: Company, data: Entity, body: Entity, stored: Entity | None, new_id: str
) -> Entity:
    active = data.get("Active", True) is not False
    display = data.get("DisplayName")
    if not display:
        parts = [data.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
        display = " ".join(str(p) for p in parts if p)
    if not display:
        raise faults.required_param("DisplayName")
    display = deleted_name(str(display), active)
    unique(company, NAME_LISTS, "DisplayName", display, stored["Id"] if stored else None)
    if (
        not active
        and stored is not None
        and stored.get("Active", True)
        and money(stored.get("Balance", 0)) != 0
    ):
        raise faults.business("This customer cannot be deleted because it has a non-zero balance")
    printed = body.get("PrintOnCheckName") or display
    values: dict[str, Any] = {
        "Taxable": data.get("Taxable", True),
        "BillAddr": data.get("BillAddr"),
        "ShipAddr": data.get("ShipAddr"),
        "Job": data.get("Job", False),
        "BillWithParent": data.get("BillWithParent", False),
        "Balance": stored.get("Balance", Decimal(0)) if stored else Decimal(0),
        "BalanceWithJobs": stored.get("BalanceWithJobs", Decimal(0)) if stored else Decimal(0),
        "CurrencyRef": USD,
        "PreferredDeliveryMethod": data.get("PreferredDeliveryMethod", "Print"),
        **server(stored, new_id),
        "Title": data.get("Title"),
        "GivenName": data.get("GivenName"),
        "MiddleName": data.get("MiddleName"),
        "FamilyName": data.get("FamilyName"),
        "Suffix": data.get("Suffix"),
        "FullyQualifiedName": display,
        "CompanyName": data.get("CompanyName"),
        "DisplayName": display,
        "PrintOnCheckName": deleted_name(str(printed), active) if printed == display else printed,
        "Active": active,
        "PrimaryPhone": data.get("PrimaryPhone"),
        "PrimaryEmailAddr": data.get("PrimaryEmailAddr"),
        "DefaultTaxCodeRef": data.get("DefaultTaxCodeRef", {"value": "2"}),
    }
    if data.get("ARAccountRef") is not None:
        referenced(company, "Account", data, "ARAccountRef", required=False, stored=stored)
    return ordered(list(values), values, data)


def build_item(
    company: Company, data: Entity, body: Entity, stored: Entity | None, new_id: str
) -> Entity:
    active = data.get("Active", True) is not False
    if not data.get("Name"):
        raise faults.required_param("Name")
    name = deleted_name(str(data["Name"]), active)
    unique(company, ("Item",), "Name", name, stored["Id"] if stored else None)
    kind = data.get("Type", "Service")
    if kind not in ("Service", "NonInventory"):
        raise faults.Fault(
            "2170", "Invalid Enumeration", f"Invalid Enumeration : {kind}", element="Type"
        )
    account = referenced(company, "Account", data, "IncomeAccountRef", required=True, stored=stored)
    assert account is not None
    values: dict[str, Any] = {
        "Name": name,
        "Description": data.get("Description"),
        "Active": active,
        "FullyQualifiedName": name,
        "Taxable": data.get("Taxable", False),
        "UnitPrice": money(data.get("UnitPrice", 0), "UnitPrice")
        if data.get("UnitPrice") is not None
        else Decimal(0),
        "Type": kind,
        "IncomeAccountRef": {"value": account["Id"], "name": account["Name"]},
        "PurchaseDesc": data.get("PurchaseDesc"),
        "PurchaseCost": data.get("PurchaseCost", Decimal(0)),
        "TrackQtyOnHand": False,
        **server(stored, new_id),
    }
    return ordered(list(values), values, data)


def build_account(
    company: Company, data: Entity, body: Entity, stored: Entity | None, new_id: str
) -> Entity:
    active = data.get("Active", True) is not False
    if not data.get("Name"):
        raise faults.required_param("Name")
    name = deleted_name(str(data["Name"]), active)
    unique(company, ("Account",), "Name", name, stored["Id"] if stored else None)
    kind = data.get("AccountType")
    sub = data.get("AccountSubType")
    if kind is None and sub is None:
        raise faults.Fault(
            "6010",
            "A business validation error has occurred while processing your request",
            "Either an Account.AccountType or an Account.AccountSubType must be specified",
        )
    if kind is None:
        kind = next((k for k, (_, s) in ACCOUNT_TYPES.items() if s == sub), "Other Current Asset")
    if kind not in ACCOUNT_TYPES:
        raise faults.Fault(
            "2170", "Invalid Enumeration", f"Invalid Enumeration : {kind}", element="AccountType"
        )
    classification, default_sub = ACCOUNT_TYPES[kind]
    values: dict[str, Any] = {
        "Name": name,
        "SubAccount": False,
        "FullyQualifiedName": name,
        "Active": active,
        "Classification": classification,
        "AccountType": kind,
        "AccountSubType": sub or default_sub,
        "AcctNum": data.get("AcctNum"),
        "Description": data.get("Description"),
        "CurrentBalance": stored.get("CurrentBalance", Decimal(0)) if stored else Decimal(0),
        "CurrentBalanceWithSubAccounts": stored.get("CurrentBalanceWithSubAccounts", Decimal(0))
        if stored
        else Decimal(0),
        "CurrencyRef": USD,
        **server(stored, new_id),
    }
    return ordered(list(values), values, data)


def build_single(
    company: Company, data: Entity, body: Entity, stored: Entity | None, new_id: str
) -> Entity:
    """CompanyInfo and Preferences: stored as given, with the server fields kept."""
    out = {
        k: v
        for k, v in data.items()
        if k not in ("domain", "sparse", "Id", "SyncToken", "MetaData")
    }
    return {**out, **server(stored, new_id)}


def merge_deep(stored: Entity, body: Entity) -> Entity:
    """Sparse Preferences: nested groups merge key by key."""
    out = dict(stored)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_deep(out[key], value)
        else:
            out[key] = value
    return out
