"""A new company's starting books: chart of accounts, items, CompanyInfo and Preferences."""

from typing import Any

from qbemulator.online.entities.common import USD, metadata, today
from qbemulator.online.entities.names import ACCOUNT_TYPES
from qbemulator.online.state import Company

ACCOUNTS = (
    # Name, AccountType, AccountSubType
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Checking", "Bank", "Checking"),
    ("Membership Dues", "Income", "ServiceFeeIncome"),
    ("Event Revenue", "Income", "ServiceFeeIncome"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
)
ITEMS = (
    # Name, Type, income account, UnitPrice
    ("Services", "Service", "Services", "0"),
    ("Annual Membership", "Service", "Membership Dues", "120.00"),
    ("Event Registration", "Service", "Event Revenue", "50.00"),
    ("Merchandise", "NonInventory", "Sales of Product Income", "25.00"),
)


def _base(entity_id: str) -> dict[str, Any]:
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": entity_id,
        "SyncToken": "0",
        "MetaData": metadata(),
    }


def seed(company: Company) -> None:
    from decimal import Decimal

    accounts: dict[str, dict[str, Any]] = {}
    for name, kind, sub in ACCOUNTS:
        account_id = company.new_id("Account")
        accounts[name] = company.table("Account")[account_id] = {
            "Name": name,
            "SubAccount": False,
            "FullyQualifiedName": name,
            "Active": True,
            "Classification": ACCOUNT_TYPES[kind][0],
            "AccountType": kind,
            "AccountSubType": sub,
            "CurrentBalance": Decimal(0),
            "CurrentBalanceWithSubAccounts": Decimal(0),
            "CurrencyRef": USD,
            **_base(account_id),
        }
    for name, kind, income, price in ITEMS:
        item_id = company.new_id("Item")
        company.table("Item")[item_id] = {
            "Name": name,
            "Active": True,
            "FullyQualifiedName": name,
            "Taxable": False,
            "UnitPrice": Decimal(price),
            "Type": kind,
            "IncomeAccountRef": {"value": accounts[income]["Id"], "name": income},
            "PurchaseCost": Decimal(0),
            "TrackQtyOnHand": False,
            **_base(item_id),
        }
    address = {
        "Id": "1",
        "Line1": "1 Main Street",
        "City": "Mountain View",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "94043",
    }
    company.table("CompanyInfo")["1"] = {
        "CompanyName": company.name,
        "LegalName": company.name,
        "CompanyAddr": address,
        "CustomerCommunicationAddr": address,
        "LegalAddr": address,
        "PrimaryPhone": {},
        "CompanyStartDate": today(),
        "FiscalYearStartMonth": "January",
        "Country": "US",
        "Email": {"Address": "books@example.org"},
        "WebAddr": {},
        "SupportedLanguages": "en",
        "DefaultTimeZone": "America/Los_Angeles",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
        ],
        **_base("1"),
    }
    company.table("Preferences")["1"] = {
        "AccountingInfoPrefs": {
            "FirstMonthOfFiscalYear": "January",
            "UseAccountNumbers": False,
            "TaxYearMonth": "January",
            "ClassTrackingPerTxn": False,
            "TrackDepartments": False,
            "DepartmentTerminology": "Location",
            "ClassTrackingPerTxnLine": False,
            "CustomerTerminology": "Customers",
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": False,
        },
        "SalesFormsPrefs": {
            "CustomField": [],
            "AllowDeposit": False,
            "AllowDiscount": True,
            "AllowEstimates": True,
            "ETransactionEnabledStatus": "NotApplicable",
            "CustomTxnNumbers": False,
            "AllowShipping": False,
            "AllowServiceDate": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "PrintItemWithZeroAmount": False,
            "DefaultTerms": {"value": "3"},
        },
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": False, "BillableExpenseTracking": False},
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": False,
            "ShowBillRateToAll": False,
            "WorkWeekStartDate": "Monday",
            "MarkTimeEntriesBillable": False,
        },
        "TaxPrefs": {"UsingSalesTax": False},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {
            "NameValue": [
                {
                    "Name": "SalesFormsPrefs.DefaultCustomerMessage",
                    "Value": "Thank you for your business.",
                }
            ]
        },
        **_base("1"),
    }
