"""The grammar: `SELECT * | COUNT(*) FROM Entity [WHERE cond [AND cond]...] [ORDERBY f [ASC|DESC], ...]
[STARTPOSITION n] [MAXRESULTS n]`, parsed once into a `Statement` of raw names and literals.

Parsing only checks the shape (4000 faults); `validate.py` then resolves the entity and
properties against the company (4001 faults), the order in which QBO reports them.
"""

from dataclasses import dataclass, field

from qbemulator.online.query.lexer import Token, parse_error, tokenize, unexpected

OPERATORS = ["=", "<", ">", "<=", ">=", "in", "like"]
_OPERATOR_NAMES = ['"<"', '"<="', '"="', '">"', '">="', '"in"', '"like"']
_VALUE_NAMES = ["<STRING>", "<NUMBER>", '"true"', '"false"']
_PAGING = ['"iterator"', '"maxresults"', '"startposition"']


@dataclass(frozen=True)
class Literal:
    """A value as written: kind "string", "number", "bool" or "today" (`CURRENT_DATE`), and its
    text (unescaped)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Condition:
    name: str
    operator: str
    values: tuple[Literal, ...]


@dataclass
class Statement:
    entity: str = ""
    count: bool = False
    columns: list[str] | None = None  # None = `*`
    conditions: list[Condition] = field(default_factory=list)
    uses_or: bool = False
    order: list[tuple[str, bool]] = field(default_factory=list)  # (name, descending)
    start: int | None = None
    max_results: int | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0
        self.statement = Statement()

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self, expected: list[str], *words: str, kinds: tuple[str, ...] = ()) -> Token:
        """The current token if it is one of `words` (or of `kinds`); else the 4000 fault."""
        token = self.token
        if token.fault is not None:
            raise token.fault
        if token.kind in kinds or (words and token.is_(*words)):
            self.at += 1
            return token
        if token.kind == "eof" and self.at == 0:
            token = Token("eof", "", "", 0, 0)  # JavaCC's position for an empty query
        raise unexpected(token, expected)

    def parse(self) -> Statement:
        self.take(['"select"'], "select")
        self.select_list()
        self.statement.entity = self.take(["<IDENTIFIER>"], kinds=("ident",)).text
        tail = ["<EOF>", '"order"', '"orderby"', *_PAGING, '"where"']
        if self.token.is_("where"):
            self.at += 1
            self.conditions()
            tail = ["<EOF>", "<AND>", "<OR>", '"order"', '"orderby"', *_PAGING]
        if self.token.is_("order", "orderby"):
            self.order_by()
            tail = ["<EOF>", *_PAGING]
        self.paging(tail)
        return self.statement

    def select_list(self) -> None:
        token = self.take(['"*"', '"count"', "<IDENTIFIER>"], "*", "count", kinds=("ident",))
        if token.is_("count"):
            self.take(['"("'], "(")
            self.take(['"*"'], "*")
            self.take(['")"'], ")")
            self.statement.count = True
            self.take(['"from"'], "from")
            return
        columns = None if token.is_("*") else [token.text]
        while self.token.is_(","):
            self.at += 1
            name = self.take(["<IDENTIFIER>"], kinds=("ident",)).text
            if columns is not None:
                columns.append(name)
        self.statement.columns = columns
        self.take(['","', '"from"'], "from")

    def conditions(self) -> None:
        while True:
            self.statement.conditions.append(self.condition())
            if self.token.is_("and"):
                self.at += 1
            elif self.token.is_("or"):
                self.at += 1
                self.statement.uses_or = True
            else:
                return

    def condition(self) -> Condition:
        name = self.take(["<IDENTIFIER>"], kinds=("ident",)).text
        operator = self.take(_OPERATOR_NAMES, *OPERATORS).value
        if operator != "in":
            return Condition(name, operator, (self.value(),))
        self.take(['"("'], "(")
        values = [self.value()]
        while self.token.is_(","):
            self.at += 1
            values.append(self.value())
        self.take(['")"', '","'], ")")
        return Condition(name, operator, tuple(values))

    def value(self) -> Literal:
        if self.token.kind == "ident" and self.token.text.upper() == "CURRENT_DATE":
            self.at += 1
            return Literal("today", "CURRENT_DATE")
        token = self.take(_VALUE_NAMES, "true", "false", kinds=("string", "number"))
        if token.kind == "keyword":
            return Literal("bool", token.value)
        return Literal(token.kind, token.value)

    def order_by(self) -> None:
        if self.take(['"order"', '"orderby"'], "order", "orderby").is_("order"):
            self.take(['"by"'], "by")
        while True:
            name = self.take(["<IDENTIFIER>"], kinds=("ident",)).text
            descending = False
            if self.token.is_("asc", "desc"):
                descending = self.token.value == "desc"
                self.at += 1
            self.statement.order.append((name, descending))
            if not self.token.is_(","):
                return
            self.at += 1

    def paging(self, tail: list[str]) -> None:
        while self.token.kind != "eof":
            word = self.take(tail, "startposition", "maxresults", "iterator").value
            number = self.integer()
            if word == "startposition":
                self.statement.start = number
            elif word == "maxresults":
                self.statement.max_results = number
            tail = ["<EOF>", *_PAGING]

    def integer(self) -> int:
        token = self.take(["<NUMBER>"], kinds=("number",))
        if not token.text.lstrip("-").isdigit():
            raise parse_error(
                f'NumberFormatException: For input string: "{token.text}" at line '
                f"{token.line}, column {token.column}."
            )
        return int(token.text)


def parse(text: str) -> Statement:
    """The statement's shape; raises the 4000 fault for anything the grammar does not take."""
    return _Parser(text).parse()
