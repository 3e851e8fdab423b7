"""Turn names, companies, emails, phones and addresses into comparable keys.

QuickBooks customer lists are typed by hand over years, so the same person shows
up as "Dr. José Álvarez Jr.", "ALVAREZ, JOSE" or "Joe Alvarez". Matching on raw
strings fails on all of these; every comparison in score.py goes through the
keys built here. Accents are folded here because the fuzzy comparison does not
fold them itself.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Letters that NFKD does not split into a base letter plus a combining mark.
_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l"}
    | {"Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "\u0131": "i"}  # dotless i
)
# Removed without a space, so "O'Brien" = "OBrien" and "St." = "St".
_JOINING_PUNCTUATION = re.compile("['`.\u2019\u00b4]")  # plus the typographic apostrophe and acute
_SEPARATORS = re.compile(r"[^0-9a-z&]+")

_HONORIFIC_WORDS = (
    "mr mrs ms miss mx dr prof professor rev reverend fr sir dame hon judge capt col sgt"
)
_SUFFIX_WORDS = "jr sr ii iii iv 2nd 3rd phd md dds dvm cpa esq jd mba rn pe cfa llm ea od do"
HONORIFICS = frozenset(_HONORIFIC_WORDS.split(" "))
SUFFIXES = frozenset(_SUFFIX_WORDS.split(" "))
# Suffixes that tell apart two people of the same name, with one spelling each ("II" = "2nd").
GENERATIONS = {"jr": "jr", "sr": "sr", "ii": "2", "2nd": "2", "iii": "3", "3rd": "3", "iv": "4"}

# Nickname -> the formal first name it stands for. Small on purpose: only
# nicknames common enough in member lists to be worth the risk.
NICKNAMES: dict[str, str] = {
    "bob": "robert", "rob": "robert", "bobby": "robert", "robbie": "robert",
    "bill": "william", "will": "william", "billy": "william",
    "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth",
    "eliza": "elizabeth", "jim": "james", "jimmy": "james", "jamie": "james",
    "kate": "katherine", "katie": "katherine", "kathy": "katherine", "cathy": "katherine",
    "catherine": "katherine", "kathryn": "katherine", "kat": "katherine",
    "mike": "michael", "mikey": "michael", "mick": "michael",
    "tom": "thomas", "tommy": "thomas", "dick": "richard", "rick": "richard",
    "rich": "richard", "ricky": "richard", "dave": "david", "steve": "stephen",
    "steven": "stephen", "chris": "christopher", "joe": "joseph", "joey": "joseph",
    "tony": "anthony", "dan": "daniel", "danny": "daniel", "ed": "edward",
    "eddie": "edward", "ted": "edward", "ned": "edward", "andy": "andrew",
    "drew": "andrew", "matt": "matthew", "patty": "patricia",
    "sam": "samuel", "sue": "susan", "susie": "susan", "peg": "margaret",
    "peggy": "margaret", "maggie": "margaret", "meg": "margaret", "jen": "jennifer",
    "jenny": "jennifer", "chuck": "charles", "charlie": "charles", "hank": "henry",
    "harry": "henry", "jack": "john", "johnny": "john", "jon": "john", "greg": "gregory",
    "larry": "lawrence", "ken": "kenneth", "kenny": "kenneth", "ron": "ronald",
    "don": "donald", "nick": "nicholas", "alex": "alexander", "ben": "benjamin",
    "fred": "frederick", "jeff": "jeffrey", "geoff": "jeffrey", "pete": "peter",
    "phil": "philip", "ray": "raymond", "sandy": "sandra", "deb": "deborah",
    "debbie": "deborah", "abby": "abigail", "becky": "rebecca", "vicky": "victoria",
    "tim": "timothy", "jerry": "gerald", "gerry": "gerald", "walt": "walter",
    "pepe": "jose", "paco": "francisco", "nacho": "ignacio",
}  # fmt: skip

# Company legal forms and their single canonical token, plus how to say it.
_COMPANY_FORMS: dict[str, str] = {
    "inc": "inc", "incorporated": "inc", "llc": "llc", "lc": "llc", "co": "co",
    "company": "co", "corp": "corp", "corporation": "corp", "ltd": "ltd",
    "limited": "ltd", "llp": "llp", "lp": "lp", "plc": "plc", "pc": "pc", "pllc": "pllc",
    "gmbh": "gmbh", "sa": "sa", "assn": "association", "assoc": "association",
    "association": "association", "intl": "international", "international": "international",
    "svcs": "services", "services": "services", "bros": "brothers", "brothers": "brothers",
}  # fmt: skip
# Forms a company name can drop without becoming another company.
_DROPPABLE_FORMS = frozenset({"inc", "llc", "co", "corp", "ltd", "llp", "lp", "plc", "pc", "pllc"})
_COMPANY_STOPWORDS = frozenset({"the", "and", "of", "a"})


def fold(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = _JOINING_PUNCTUATION.sub("", plain)
    return " ".join(_SEPARATORS.sub(" ", plain).replace("&", " & ").split())


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name as keys: `first`/`last` have no spaces, so "Van Der Berg" = "Vanderberg".

    `formal_first` is the first name with a known nickname replaced by its formal
    form. `last_alt` is a second reading of a one-field name of three or more words
    ("Ruth Okafor Bello"): everything after the first word, for a two-word surname.
    `generation` is "jr", "sr", "2", "3"...: Jr. and Sr. of one name are two people.
    """

    first: str
    last: str
    last_alt: str = ""
    generation: str = ""
    formal_first: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "formal_first", NICKNAMES.get(self.first, self.first))

    def same_last(self, other: "PersonName") -> bool:
        """Last names agree under either reading of a one-field name."""
        if self.last == other.last:
            return bool(self.last)
        mine = {self.last, self.last_alt} - {""}
        return bool(mine & {other.last, other.last_alt})

    @property
    def empty(self) -> bool:
        return not self.last


def _strip_titles(tokens: list[str]) -> tuple[list[str], str]:
    """Drop honorifics at the start and suffixes at the end, but never the last token left.

    Returns the tokens left and the generation among the suffixes ("jr", "iii"), if any.
    """
    generation = ""
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in SUFFIXES:
        if tokens[-1] in GENERATIONS:
            generation = GENERATIONS[tokens[-1]]
        tokens = tokens[:-1]
    return tokens, generation


def person_name(first: str | None, last: str | None, generation: str = "") -> PersonName:
    """Keys for a name given as separate first and last fields."""
    first_tokens, first_generation = _strip_titles(fold(first).split())
    last_tokens, last_generation = _strip_titles(fold(last).split())
    # Only the first given name counts: "Mary Ann" and "Mary" are the same person more often than not.
    return PersonName(
        first_tokens[0] if first_tokens else "",
        "".join(last_tokens),
        generation=generation or last_generation or first_generation,
    )


def display_person_name(display: str | None) -> PersonName:
    """Keys for a one-field name: "Dr. Jane Q. Smith Jr.", "Smith, Jane" or "Jane Smith, Jr."."""
    if not display:
        return PersonName("", "")
    tokens = fold(display).split()
    if "," in display:
        last_part, _, first_part = display.partition(",")
        after = fold(first_part).split()
        if after and all(t in SUFFIXES for t in after):
            _, generation = _strip_titles(["x", *after])
            tokens, _ = _strip_titles(fold(last_part).split())
            return _from_tokens(tokens, generation)
        if not set(after) & set(_COMPANY_FORMS):
            return person_name(first_part, last_part)
    tokens, generation = _strip_titles(tokens)
    return _from_tokens(tokens, generation)


def _from_tokens(tokens: list[str], generation: str) -> PersonName:
    if len(tokens) == 1:
        return PersonName("", tokens[0], generation=generation)
    alt = "".join(tokens[1:]) if len(tokens) > 2 else ""
    return PersonName(tokens[0], tokens[-1], alt, generation)


def looks_like_company(display: str | None) -> bool:
    """True when a display name carries a legal form ("Inc", "LLC", "& Sons")."""
    tokens = set(fold(display).split())
    return bool(tokens & set(_COMPANY_FORMS)) or "&" in tokens


@dataclass(frozen=True, slots=True)
class CompanyName:
    """A company name as canonical tokens, remembering which legal forms were rewritten.

    `key` is the canonical name; `core` drops the legal form, so "Acme Widgets,
    Inc." and "Acme Widgets LLC" share the core "acme widgets".
    """

    tokens: tuple[str, ...]
    forms: tuple[str, ...]
    key: str = field(init=False)
    core: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", " ".join(self.tokens))
        core = " ".join(t for t in self.tokens if t not in _DROPPABLE_FORMS)
        object.__setattr__(self, "core", core)


def company_name(name: str | None) -> CompanyName:
    """Canonical company tokens: "The Acme Co. & Sons, Inc." -> acme co and sons inc."""
    raw_tokens = fold(name).split()
    tokens: list[str] = []
    forms: list[str] = []
    for position, word in enumerate(raw_tokens):
        if position == 0 and word == "the" and len(raw_tokens) > 1:
            continue
        canonical = _COMPANY_FORMS.get(word, "and" if word == "&" else word)
        if word in _COMPANY_FORMS:
            forms.append(word)
        tokens.append(canonical)
    return CompanyName(tuple(tokens), tuple(forms))


def company_block_tokens(company: CompanyName) -> list[str]:
    """The distinctive words of a company name, used to find candidates quickly."""
    return [
        t
        for t in company.tokens
        if len(t) > 2 and t not in _COMPANY_STOPWORDS and t not in _COMPANY_FORMS.values()
    ]


def phone_digits(phone: str | None) -> str:
    """The last ten digits, so "+1 (555) 010-2030" = "555.010.2030"; short numbers give ""."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[-10:] if len(digits) >= 7 else ""


def email_key(email: str | None) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    value = (email or "").strip().lower()
    return value if "@" in value else ""


def postal_key(postal_code: str | None) -> str:
    """US ZIP+4 counts as its first five digits; other codes compare without spaces."""
    value = "".join(ch for ch in fold(postal_code) if ch.isalnum())
    if value.isdigit() and len(value) in (5, 9):
        return value[:5]
    return value


def street_key(address: str | None) -> str:
    """Street number plus the first word of the street: "12 Main St., Apt 3" -> "12 main"."""
    tokens = fold(address).split()
    if len(tokens) < 2 or not tokens[0][:1].isdigit():
        return ""
    return f"{tokens[0]} {tokens[1]}"
