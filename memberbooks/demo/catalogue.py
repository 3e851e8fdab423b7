"""What the demo association is made of: its chart of accounts, membership tiers,
events, and the names, streets and businesses of its members.

The demo is the Riverside Chamber of Commerce, a chamber in Riverside County,
California. Its members are local businesses (dues by employee count), a few
large employers in the President's Circle, nonprofits and individuals. The data
here is fixed; `generator.py` draws from it with a seeded random generator, so
the same seed always gives the same association.

Contact details are fictional on purpose: e-mail domains end in `.example`
(reserved, RFC 2606) and phone numbers use the 555-01xx range set aside for
fiction, so nobody real is ever written to.
"""

from dataclasses import dataclass
from decimal import Decimal

ORGANISATION_NAME = "Riverside Chamber of Commerce"


@dataclass(frozen=True)
class Account:
    number: str
    name: str
    kind: str


# Account numbers the generator refers to by name.
CHECKING = "1000"
UNDEPOSITED = "1010"
MERCHANT = "1020"
RECEIVABLE = "1200"
DEFERRED_DUES = "2300"
FOUNDATION_PAYABLE = "2400"
APPLICATION_FEES = "4050"
GOLF = "4300"
EXPO = "4310"
GALA = "4320"
SPONSORSHIP = "4400"
ADVERTISING = "4500"
FEES = "4800"
ALLOWANCES = "4900"
BAD_DEBT = "6800"

CHART = (
    Account(CHECKING, "Operating Checking - Citrus Valley Bank", "deposit"),
    Account(UNDEPOSITED, "Undeposited Funds", "deposit"),
    Account(MERCHANT, "Merchant Account - Card Clearing", "deposit"),
    Account(RECEIVABLE, "Accounts Receivable", "receivable"),
    Account(DEFERRED_DUES, "Deferred Dues Revenue", "deferred"),
    Account(FOUNDATION_PAYABLE, "Due to Riverside Chamber Foundation", "deferred"),
    Account("4010", "Dues - Business Members", "income"),
    Account("4020", "Dues - Nonprofit Members", "income"),
    Account("4030", "Dues - Individual Members", "income"),
    Account("4040", "Dues - President's Circle", "income"),
    Account(APPLICATION_FEES, "New Member Application Fees", "income"),
    Account(GOLF, "Event Revenue - Golf Classic", "income"),
    Account(EXPO, "Event Revenue - Business Expo", "income"),
    Account(GALA, "Event Revenue - Awards Gala", "income"),
    Account(SPONSORSHIP, "Sponsorship Revenue", "income"),
    Account(ADVERTISING, "Directory & Website Advertising", "income"),
    Account(FEES, "Returned Check & Late Fees", "income"),
    Account(ALLOWANCES, "Refunds & Allowances", "income"),
    Account(BAD_DEBT, "Bad Debt Expense", "expense"),
)


@dataclass(frozen=True)
class Tier:
    """A membership type: what it costs a year (and a month, when it may be paid monthly)."""

    code: str
    label: str
    gl_number: str
    annual: Decimal
    monthly: Decimal | None = None

    @property
    def is_business(self) -> bool:
        return self.code.startswith("business") or self.code == "presidents-circle"


TIERS = {
    tier.code: tier
    for tier in (
        Tier("business-1", "Business, 1-10 employees", "4010", Decimal("395.00"), Decimal("35.00")),
        Tier(
            "business-2", "Business, 11-50 employees", "4010", Decimal("650.00"), Decimal("56.00")
        ),
        Tier(
            "business-3", "Business, 51-250 employees", "4010", Decimal("1150.00"), Decimal("98.00")
        ),
        Tier("business-4", "Business, 250+ employees", "4010", Decimal("2400.00")),
        Tier("presidents-circle", "President's Circle", "4040", Decimal("5000.00")),
        Tier("nonprofit", "Nonprofit organization", "4020", Decimal("275.00")),
        Tier("individual", "Individual / Friend of the Chamber", "4030", Decimal("125.00")),
    )
}

# How the membership is spread over the tiers, in percent.
TIER_WEIGHTS = {
    "business-1": 33,
    "business-2": 22,
    "business-3": 9,
    "business-4": 3,
    "presidents-circle": 2,
    "nonprofit": 15,
    "individual": 16,
}

APPLICATION_FEE = Decimal("50.00")
DIRECTORY_LISTING = Decimal("120.00")
FOUNDATION_GIFTS = (Decimal("25.00"), Decimal("50.00"), Decimal("100.00"))
RETURNED_CHECK_FEE = Decimal("25.00")


@dataclass(frozen=True)
class Fee:
    name: str
    gl_number: str
    price: Decimal
    sponsor: bool = False
    max_quantity: int = 1


@dataclass(frozen=True)
class EventPlan:
    """An event, its fees (the usual purchase first), and when it falls: `offset` days from the anchor date, moved
    forward to the next `weekday` (0 Monday .. 6 Sunday). A positive offset is an
    upcoming event whose registrations are still coming in."""

    code: str
    name: str
    location: str
    offset: int
    weekday: int
    fees: tuple[Fee, ...]


EVENTS = (
    EventPlan(
        "GOLF",
        "Spring Golf Classic",
        "Box Springs Golf Club, Riverside",
        -235,
        4,
        (
            Fee("Individual golfer", GOLF, Decimal("195.00")),
            Fee("Awards dinner only", GOLF, Decimal("65.00"), max_quantity=4),
            Fee("Foursome", GOLF, Decimal("720.00")),
            Fee("Hole sponsor", SPONSORSHIP, Decimal("350.00"), sponsor=True),
        ),
    ),
    EventPlan(
        "EXPO",
        "Inland Business Expo",
        "Magnolia Exhibition Hall, Riverside",
        -125,
        3,
        (
            Fee("Nonprofit table", EXPO, Decimal("150.00")),
            Fee("Standard booth (10x10)", EXPO, Decimal("450.00")),
            Fee("Premium corner booth", EXPO, Decimal("650.00")),
            Fee("Lunch & Learn sponsor", SPONSORSHIP, Decimal("1500.00"), sponsor=True),
        ),
    ),
    EventPlan(
        "GALA",
        "Annual Awards Gala & Installation Dinner",
        "Raincross Grand Ballroom, Riverside",
        24,
        5,
        (
            Fee("Member ticket", GALA, Decimal("135.00"), max_quantity=4),
            Fee("Reserved table of 10", GALA, Decimal("1250.00")),
            Fee("Table sponsor", SPONSORSHIP, Decimal("2500.00"), sponsor=True),
            Fee("Presenting sponsor", SPONSORSHIP, Decimal("7500.00"), sponsor=True),
        ),
    ),
)

FIRST_NAMES = (
    "Maria", "Jose", "David", "Jennifer", "Michael", "Linda", "Carlos", "Patricia", "James",
    "Elizabeth", "Luis", "Susan", "Robert", "Jessica", "Daniel", "Karen", "Juan", "Nancy",
    "Christopher", "Lisa", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Kimberly", "Paul",
    "Angela", "Kevin", "Michelle", "Brian", "Laura", "Jorge", "Rebecca", "Eric", "Sharon",
    "Ricardo", "Cynthia", "Thomas", "Amy", "Miguel", "Monica", "Jason", "Veronica", "Ryan",
    "Teresa", "Gary", "Diana", "Nathan", "Alicia", "Vinh", "Mei", "Raj", "Priya", "Hyun",
    "Grace", "Tuan", "Lan", "Arturo", "Yolanda", "Derek", "Tamika", "Omar", "Leticia", "Scott",
    "Brenda", "Ahmed", "Sofia", "Marcus", "Gloria", "Samuel", "Erin", "Francisco", "Heather",
    "Andre", "Rosa", "Wesley", "Denise", "Hector", "Megan",
)  # fmt: skip

LAST_NAMES = (
    "Garcia", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Rodriguez", "Perez", "Sanchez",
    "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Morales", "Reyes", "Cruz",
    "Ortiz", "Gutierrez", "Chavez", "Ramos", "Ruiz", "Alvarez", "Mendoza", "Castillo", "Vargas",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill",
    "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Campbell", "Parker",
    "Evans", "Edwards", "Collins", "Stewart", "Morris", "Nguyen", "Tran", "Pham", "Le", "Kim",
    "Park", "Chen", "Wang", "Patel", "Shah", "Singh", "Nakamura", "Tanaka", "Okafor",
    "Washington", "Brooks", "Bennett", "Hughes", "Sullivan", "Foster", "Murphy", "Coleman",
)  # fmt: skip

# Local names a Riverside business or nonprofit is likely to carry.
PLACE_WORDS = (
    "Riverside", "Magnolia", "Arlington", "Citrus", "Mission", "Orange Grove", "Canyon Crest",
    "La Sierra", "Rubidoux", "Santa Ana River", "Inland Empire", "Victoria", "Fairmount",
    "Box Springs", "Sycamore", "Jurupa", "Raincross", "Wood Streets", "Casa Blanca",
    "Grand Avenue", "Navel", "Hunter Park", "Northside", "Orangecrest", "Mount Rubidoux",
    "Tequesquite", "Alessandro", "University", "Evans Lake", "Arroyo",
)  # fmt: skip

BUSINESS_KINDS = (
    "Realty", "Dental Group", "Insurance Agency", "CPA Group", "Auto Repair", "Landscaping",
    "Plumbing & Heating", "Coffee Roasters", "Brewing Co.", "Print & Sign", "Physical Therapy",
    "Veterinary Hospital", "Construction", "Electric", "Roofing", "Florist", "Bakery",
    "Pizzeria", "Title Company", "Staffing", "IT Solutions", "Marketing Group", "Architects",
    "Engineering", "Financial Advisors", "Optometry", "Hardware", "Moving & Storage",
    "Event Rentals", "Photography", "Fitness", "Tax Service", "Chiropractic", "Pest Control",
    "Heating & Air", "Cleaning Services", "Catering", "Self Storage", "Family Medicine",
    "Pool Service", "Tree Care", "Tire & Wheel", "Cabinetry", "Mortgage", "Bookkeeping",
)  # fmt: skip

LAW_AND_PRACTICE = ("LLP", "Law Group", "Attorneys at Law", "& Associates")

COMPANY_FORMS = ("", "", "", ", Inc.", " LLC", " Corp.")

LARGE_EMPLOYERS = (
    "Inland Valley Medical Center", "Citrus Valley Bank", "Riverside Logistics Park",
    "Santa Ana River Water District", "Raincross Hospitality Group", "Arlington Distribution Co.",
    "Magnolia Health Partners", "Southland Packaging Corp.", "Mission Grove Builders, Inc.",
    "Jurupa Aggregates", "Inland Empire Credit Union", "Box Springs Solar",
)  # fmt: skip

NONPROFIT_KINDS = (
    "Boys & Girls Club", "Community Foundation", "Food Bank", "Arts Council",
    "Habitat for Humanity", "Rotary Club", "Historical Society", "Youth Soccer League",
    "Animal Rescue", "Senior Center", "Literacy Council", "Land Conservancy",
    "Symphony Guild", "Little League", "Family Services",
)  # fmt: skip

STREETS = (
    "Magnolia Ave", "Main St", "University Ave", "Market St", "Arlington Ave", "Van Buren Blvd",
    "Central Ave", "Mission Inn Ave", "Indiana Ave", "Chicago Ave", "Iowa Ave", "Tyler St",
    "La Sierra Ave", "Riverwalk Pkwy", "Lemon St", "Orange St", "Brockton Ave", "Victoria Ave",
    "Canyon Crest Dr", "Alessandro Blvd", "Hole Ave", "Jurupa Ave", "Madison St", "Adams St",
)  # fmt: skip

CITIES = (
    ("Riverside", "92501"),
    ("Riverside", "92503"),
    ("Riverside", "92504"),
    ("Riverside", "92506"),
    ("Riverside", "92507"),
    ("Riverside", "92508"),
    ("Corona", "92879"),
    ("Norco", "92860"),
    ("Jurupa Valley", "92509"),
    ("Moreno Valley", "92553"),
    ("Eastvale", "92880"),
    ("Perris", "92570"),
)

MAIL_PROVIDERS = ("mail.example", "inbox.example", "post.example")

# Reasons the bookkeeper gives, for the audit trail.
LAPSED_REASON = "Membership lapsed - did not renew"
BOUNCED_REASONS = (
    "NSF - check returned unpaid by bank",
    "Stop payment placed by member",
    "Account closed - check returned",
)
CHARGEBACK_REASON = "Card payment disputed - chargeback"
DUPLICATE_INVOICE_REASON = "Duplicate invoice - billed twice in renewal run"
WRONG_TIER_REASON = "Billed at wrong membership tier - rebilled"
