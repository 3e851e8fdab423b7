"""What can be queried: the entity names QBO knows, and per entity the properties a WHERE or
ORDERBY may use, with the type each is compared as.

The filterable lists are the ones Intuit's entity references mark "filterable"
(../shared/reference/qbo/api.md §3.1, §2.3-2.7); `MetaData.CreateTime` and
`MetaData.LastUpdatedTime` are filterable on every entity. A property the entity has
but does not filter on gives QBO's "property 'X' is not queryable"; a property it does
not have gives "Property X not found for Entity E".
"""

from dataclasses import dataclass

# Types: how a stored value and a literal are compared.
ID, TEXT, REF, BOOL, MONEY, DATE, DATETIME = (
    "id",
    "text",
    "ref",
    "bool",
    "money",
    "date",
    "datetime",
)


@dataclass(frozen=True)
class Field:
    """One queryable property: its canonical dotted name, its path in the entity JSON, its type."""

    name: str
    path: tuple[str, ...]
    kind: str


def _fields(**kinds: str) -> dict[str, Field]:
    """Fields keyed by lower-case name; `PrimaryEmailAddr` is compared by its `Address`."""
    table = {
        "id": Field("Id", ("Id",), ID),
        "metadata.createtime": Field("MetaData.CreateTime", ("MetaData", "CreateTime"), DATETIME),
        "metadata.lastupdatedtime": Field(
            "MetaData.LastUpdatedTime", ("MetaData", "LastUpdatedTime"), DATETIME
        ),
    }
    for name, kind in kinds.items():
        path = (name, "Address") if name == "PrimaryEmailAddr" else (name,)
        table[name.lower()] = Field(name, path, kind)
    return table


_PERSON = {
    "DisplayName": TEXT,
    "GivenName": TEXT,
    "MiddleName": TEXT,
    "FamilyName": TEXT,
    "CompanyName": TEXT,
    "PrintOnCheckName": TEXT,
    "Active": BOOL,
}
_SALES = {"CustomerRef": REF, "DocNumber": TEXT, "TxnDate": DATE, "Balance": MONEY}

FILTERABLE: dict[str, dict[str, Field]] = {
    "Customer": _fields(**_PERSON, PrimaryEmailAddr=TEXT, Balance=MONEY, FullyQualifiedName=TEXT),
    "Vendor": _fields(**_PERSON),
    "Employee": _fields(**_PERSON),
    "Invoice": _fields(**_SALES, DueDate=DATE, SalesTermRef=REF, ProjectRef=REF),
    "CreditMemo": _fields(**_SALES, SalesTermRef=REF, ProjectRef=REF),
    "SalesReceipt": _fields(**_SALES, TotalAmt=MONEY, ProjectRef=REF),
    "RefundReceipt": _fields(**_SALES, PaymentType=TEXT, ProjectRef=REF),
    "Payment": _fields(
        CustomerRef=REF,
        TotalAmt=MONEY,
        TxnDate=DATE,
        PaymentRefNum=TEXT,
        PaymentMethodRef=REF,
        ProjectRef=REF,
    ),
    "Deposit": _fields(TxnDate=DATE),
    "Purchase": _fields(DocNumber=TEXT, TxnDate=DATE, PaymentType=TEXT, TotalAmt=MONEY),
    "Item": _fields(
        Name=TEXT, Type=TEXT, Active=BOOL, Taxable=BOOL, FullyQualifiedName=TEXT, SubItem=BOOL
    ),
    "Account": _fields(
        Name=TEXT,
        AccountType=TEXT,
        AccountSubType=TEXT,
        Classification=TEXT,
        Active=BOOL,
        FullyQualifiedName=TEXT,
        CurrentBalance=MONEY,
    ),
    "CompanyInfo": _fields(),
    "Preferences": _fields(),
    "TaxCode": _fields(Name=TEXT, Active=BOOL),
    "Term": _fields(Name=TEXT, Active=BOOL),
    "PaymentMethod": _fields(Name=TEXT, Active=BOOL),
    "Class": _fields(Name=TEXT, Active=BOOL),
    "Department": _fields(Name=TEXT, Active=BOOL),
}

# What any other stored entity may be filtered on.
COMMON = _fields()

# Canonical entity name by lower-case name (QBO accepts `cUstomer`).
ENTITIES = {name.lower(): name for name in FILTERABLE}

# Name lists: their queries return only Active=true records unless the WHERE names Active.
NAME_LISTS = frozenset(
    {"Customer", "Vendor", "Employee", "Item", "Account", "TaxCode", "Term", "PaymentMethod",
     "Class", "Department"}
)  # fmt: skip

# Properties the entities have besides the filterable ones (XSD field lists, api.md §2).
_TXN = """SyncToken domain sparse MetaData CustomField DocNumber TxnDate CurrencyRef ExchangeRate
PrivateNote TxnStatus LinkedTxn Line TxnSource TotalAmt HomeTotalAmt ProjectRef DepartmentRef
ClassRef TxnTaxDetail"""
_SALES_TXN = f"""{_TXN} CustomerRef CustomerMemo BillAddr ShipAddr ShipFromAddr SalesTermRef DueDate
ShipDate TrackingNum PrintStatus EmailStatus BillEmail BillEmailCc BillEmailBcc Balance HomeBalance
DepositToAccountRef ApplyTaxAfterDiscount GlobalTaxCalculation ARAccountRef PaymentMethodRef
PaymentRefNum PaymentType CheckPayment CreditCardPayment RemainingCredit AllowIPNPayment
AllowOnlinePayment AllowOnlineCreditCardPayment AllowOnlineACHPayment Deposit DeliveryInfo
InvoiceLink FreeFormAddress ShipMethodRef TransactionLocationType RecurDataRef TaxExemptionRef"""
_NAME = """SyncToken domain sparse MetaData Title Suffix FullyQualifiedName PrimaryPhone
AlternatePhone Mobile Fax PrimaryEmailAddr WebAddr BillAddr ShipAddr OtherAddr Notes Balance
CurrencyRef AcctNum Taxable DefaultTaxCodeRef Job BillWithParent ParentRef Level SalesTermRef
PaymentMethodRef BalanceWithJobs OpenBalanceDate PreferredDeliveryMethod ResaleNum ARAccountRef
IsProject Source CustomerTypeRef PrimaryTaxIdentifier"""
_PAYMENT = f"""{_TXN} CustomerRef ARAccountRef DepositToAccountRef UnappliedAmt ProcessPayment
PaymentType CheckPayment CreditCardPayment RemitToRef"""
_ITEM = """SyncToken domain sparse MetaData Sku Description ParentRef Level UnitPrice IncomeAccountRef
PurchaseDesc PurchaseCost ExpenseAccountRef AssetAccountRef TrackQtyOnHand QtyOnHand InvStartDate
SalesTaxCodeRef PurchaseTaxCodeRef ClassRef Source"""
_ACCOUNT = """SyncToken domain sparse MetaData SubAccount ParentRef Description AccountAlias AcctNum
CurrentBalanceWithSubAccounts CurrencyRef TaxCodeRef"""
KNOWN: dict[str, frozenset[str]] = {
    entity: frozenset(words.split())
    for entity, words in {
        "Customer": _NAME,
        "Vendor": _NAME,
        "Employee": _NAME,
        "Invoice": _SALES_TXN,
        "CreditMemo": _SALES_TXN,
        "SalesReceipt": _SALES_TXN,
        "RefundReceipt": _SALES_TXN,
        "Payment": _PAYMENT,
        "Deposit": f"{_TXN} DepositToAccountRef CashBack",
        "Purchase": f"""{_TXN} AccountRef PaymentType EntityRef Credit RemitToAddr PrintStatus
PurchaseEx PaymentMethodRef GlobalTaxCalculation IncludeInAnnualTPAR""",
        "Item": _ITEM,
        "Account": _ACCOUNT,
    }.items()
}
