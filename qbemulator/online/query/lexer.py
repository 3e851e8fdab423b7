"""Tokens of the QBO query language, and the parser's error text in QBO's own form.

QuickBooks parses queries with a JavaCC grammar, so its 4000 faults read like
JavaCC's: `QueryParserError: Encountered " <IDENTIFIER> "R "" at line 1, column 52.`
followed by `Was expecting one of:` and the tokens it would have taken, or, for a
character no token starts with, `Invalid content. Lexical error at line 1, column
44.  Encountered: "%" (37), after : ""`. The emulator writes the same shapes so
clients that log or match on them see what they would see from Intuit.
"""

from dataclasses import dataclass, field

from qbemulator.online.faults import Fault

KEYWORDS = frozenset(
    {
        "select", "from", "where", "and", "or", "in", "like", "order", "orderby", "by",
        "asc", "desc", "startposition", "maxresults", "count", "true", "false", "iterator",
    }
)  # fmt: skip
# Keywords JavaCC shows by token name rather than by image (as in Intuit's messages).
NAMED = {"and": "<AND>", "or": "<OR>"}
OPERATORS = ("<=", ">=", "=", "<", ">")
PUNCTUATION = "*(),"


@dataclass(frozen=True)
class Token:
    """`kind` is "keyword", "ident", "string", "number", "op", "punct", "eof" or "error"; `value` is the
    keyword in lower case, the unescaped string, or the text as written."""

    kind: str
    value: str
    text: str
    line: int
    column: int
    fault: Fault | None = field(default=None, compare=False)  # kind "error": raised when reached

    def is_(self, *words: str) -> bool:
        return self.kind in ("keyword", "op", "punct") and self.value in words

    def image(self) -> str:
        """How JavaCC names this token's kind in a message."""
        if self.kind == "eof":
            return "<EOF>"
        if self.kind == "keyword":
            return NAMED.get(self.value, f'"{self.value}"')
        if self.kind in ("op", "punct"):
            return f'"{self.value}"'
        return {"ident": "<IDENTIFIER>", "string": "<STRING>", "number": "<NUMBER>"}[self.kind]


def parse_error(detail: str) -> Fault:
    return Fault("4000", "Error parsing query", f"QueryParserError: {detail}")


def unexpected(token: Token, expected: list[str]) -> Fault:
    """JavaCC's ParseException text for `token` where one of `expected` should have been."""
    found = '"<EOF>"' if token.kind == "eof" else f'" {token.image()} "{token.text} ""'
    ordered = sorted(expected, key=lambda name: (name != "<EOF>", name[1:-1].lower()))
    lines = "".join(f"    {name} {'' if name == '<EOF>' else '...'}\n" for name in ordered)
    head = "Was expecting:" if len(ordered) == 1 else "Was expecting one of:"
    return parse_error(
        f"Encountered {found} at line {token.line}, column {token.column}.\n{head}\n{lines}    "
    )


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line, self.line_start = text, 0, 1, 0
        self.tokens: list[Token] = []

    def column(self, at: int) -> int:
        return at - self.line_start + 1

    def lexical_error(self, at: int, after: str) -> Fault:
        char = self.text[at] if at < len(self.text) else None
        found = "<EOF>" if char is None else f'"{char}" ({ord(char)}),'
        return parse_error(
            f"Invalid content. Lexical error at line {self.line}, column {self.column(at)}.  "
            f'Encountered: {found} after : "{after}"'
        )

    def add(self, kind: str, value: str, start: int) -> None:
        text = self.text[start : self.pos]
        self.tokens.append(Token(kind, value, text, self.line, self.column(start)))

    def run(self) -> list[Token]:
        """Tokens up to the end, or up to a lexical error, which becomes an "error" token: like
        JavaCC's lexer, which runs only as far as the parser asks, a grammar error earlier in
        the text is the one reported."""
        try:
            self.scan()
        except Fault as fault:
            self.tokens.append(Token("error", "", "", self.line, 0, fault))
            return self.tokens
        # JavaCC places <EOF> at the last character of the text.
        self.tokens.append(Token("eof", "", "", self.line, max(1, self.column(self.pos) - 1)))
        return self.tokens

    def scan(self) -> None:
        text = self.text
        while self.pos < len(text):
            char, start = text[self.pos], self.pos
            if char == "\n":
                self.pos += 1
                self.line, self.line_start = self.line + 1, self.pos
            elif char.isspace():
                self.pos += 1
            elif char == "'":
                self.add("string", self.string(), start)
            elif char.isdigit() or (char in "-." and text[start + 1 : start + 2].isdigit()):
                self.pos += 1
                while self.pos < len(text) and (text[self.pos].isdigit() or text[self.pos] == "."):
                    self.pos += 1
                self.add("number", text[start : self.pos], start)
            elif char.isalpha() or char == "_":
                while self.pos < len(text) and (text[self.pos].isalnum() or text[self.pos] in "_."):
                    self.pos += 1
                word = text[start : self.pos]
                kind = "keyword" if word.lower() in KEYWORDS else "ident"
                self.add(kind, word.lower() if kind == "keyword" else word, start)
            elif op := next((o for o in OPERATORS if text.startswith(o, start)), None):
                self.pos += len(op)
                self.add("op", op, start)
            elif char in PUNCTUATION:
                self.pos += 1
                self.add("punct", char, start)
            else:
                raise self.lexical_error(start, "")

    def string(self) -> str:
        """A quoted value; a backslash takes the next character literally (`'Amy\\'s'`)."""
        text, start = self.text, self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\" and self.pos + 1 < len(text):
                chars.append(text[self.pos + 1])
                self.pos += 2
            elif char == "'":
                self.pos += 1
                return "".join(chars)
            else:
                chars.append(char)
                self.pos += 1
        raise self.lexical_error(self.pos, text[start:])


def tokenize(text: str) -> list[Token]:
    """The query's tokens, ending with an "eof" token; lexical errors raise the 4000 fault."""
    return _Scanner(text).run()
