// The tokenizer, through `dumpTokens` (hel emit --tokens).
#include <catch2/catch.hpp>

#include "ParserTestUtil.h"

using namespace hel;
using hel::test::tokenKinds;
using Tokens = std::vector<std::string>;

TEST_CASE("tokens: one line") {
  CHECK(tokenKinds("x = 1\n") == Tokens{"NAME \"x\"", "EQUAL \"=\"", "NUMBER \"1\"", "NEWLINE \"\\n\"", "EOF"});
}

TEST_CASE("tokens: a missing final newline is supplied") {
  CHECK(tokenKinds("pass") == Tokens{"PASS \"pass\"", "NEWLINE", "EOF"});
}

TEST_CASE("tokens: INDENT and DEDENT follow the indentation") {
  Tokens got = tokenKinds("if a:\n    b\n    if c:\n        d\ne\n");
  Tokens want = {"IF \"if\"",     "NAME \"a\"", "COLON \":\"",   "NEWLINE \"\\n\"", "INDENT",
                 "NAME \"b\"",    "NEWLINE \"\\n\"", "IF \"if\"", "NAME \"c\"",      "COLON \":\"",
                 "NEWLINE \"\\n\"", "INDENT",     "NAME \"d\"",    "NEWLINE \"\\n\"", "DEDENT",
                 "DEDENT",        "NAME \"e\"", "NEWLINE \"\\n\"", "EOF"};
  CHECK(got == want);
}

TEST_CASE("tokens: blocks still open at the end of the file are closed") {
  Tokens got = tokenKinds("def f():\n    return 1");
  CHECK(got == Tokens{"DEF \"def\"", "NAME \"f\"", "LPAR \"(\"", "RPAR \")\"", "COLON \":\"", "NEWLINE \"\\n\"",
                      "INDENT", "RETURN \"return\"", "NUMBER \"1\"", "NEWLINE", "DEDENT", "EOF"});
}

TEST_CASE("tokens: tabs indent too") {
  Tokens got = tokenKinds("if a:\n\tb\n\tif c:\n\t\td\n");
  CHECK(std::count(got.begin(), got.end(), "INDENT") == 2);
  CHECK(std::count(got.begin(), got.end(), "DEDENT") == 2);
}

TEST_CASE("tokens: blank lines and comment lines make no NEWLINE and do not indent") {
  Tokens got = tokenKinds("a\n\n   # a comment, indented\n\t\nb  # trailing\n");
  CHECK(got == Tokens{"NAME \"a\"", "NEWLINE \"\\n\"", "NAME \"b\"", "NEWLINE \"\\n\"", "EOF"});
}

TEST_CASE("tokens: line breaks inside brackets are ignored") {
  Tokens got = tokenKinds("f(a,\n  b)[\n1\n]\nx = {\n}\n");
  CHECK(std::count(got.begin(), got.end(), "NEWLINE \"\\n\"") == 2);
  CHECK(std::count(got.begin(), got.end(), "INDENT") == 0);
}

TEST_CASE("tokens: a backslash at the end of a line continues it") {
  Tokens got = tokenKinds("x = 1 + \\\n      2\n");
  CHECK(got == Tokens{"NAME \"x\"", "EQUAL \"=\"", "NUMBER \"1\"", "PLUS \"+\"", "NUMBER \"2\"", "NEWLINE \"\\n\"",
                      "EOF"});
}

TEST_CASE("tokens: CRLF line ends") {
  Tokens got = tokenKinds("if a:\r\n    b\r\n");
  CHECK(got == Tokens{"IF \"if\"", "NAME \"a\"", "COLON \":\"", "NEWLINE \"\\r\\n\"", "INDENT", "NAME \"b\"",
                      "NEWLINE \"\\r\\n\"", "DEDENT", "EOF"});
}

TEST_CASE("tokens: numbers") {
  for (const char* n : {"10", "0x1F", "0o7", "0b1", "1_000", "10.", ".5", "1e-5", "1.5E+3", "0", "00", "0x_ff"}) {
    std::vector<std::string> messages;
    Tokens got = tokenKinds(std::string(n) + "\n", &messages);
    INFO(n);
    CHECK(got.at(0) == std::string("NUMBER \"") + n + "\"");
    CHECK(messages.empty());
  }
}

TEST_CASE("tokens: bad numbers are reported in Python's words") {
  struct Case {
    const char* text;
    const char* message;
  };
  for (Case c : {Case{"1abc", "invalid decimal literal"}, Case{"1_", "invalid decimal literal"},
                 Case{"1__0", "invalid decimal literal"}, Case{"0x", "invalid hexadecimal literal"},
                 Case{"0o8", "invalid octal literal"}, Case{"0b2", "invalid binary literal"},
                 Case{"012",
                      "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"},
                 Case{"1e", "invalid decimal literal"}, Case{"2j", "complex numbers are not supported in .hel programs"},
                 Case{"9223372036854775808", "integer literal is too large: the largest is 9223372036854775807"}}) {
    std::vector<std::string> messages;
    tokenKinds(std::string("x = ") + c.text + "\n", &messages);
    INFO(c.text);
    CHECK(messages == std::vector<std::string>{std::string("1:5: error: ") + c.message});
  }
}

TEST_CASE("tokens: keywords, names and operators") {
  Tokens got = tokenKinds("not_a_keyword is not None ** -> ... //= @ :\n");
  CHECK(got == Tokens{"NAME \"not_a_keyword\"", "IS \"is\"", "NOT \"not\"", "NONE \"None\"", "DOUBLESTAR \"**\"",
                      "RARROW \"->\"", "ELLIPSIS \"...\"", "DOUBLESLASHEQUAL \"//=\"", "AT \"@\"", "COLON \":\"",
                      "NEWLINE \"\\n\"", "EOF"});
}

TEST_CASE("tokens: strings of every form") {
  Tokens got = tokenKinds("'a' \"b\" r'\\d' f\"{x:.3f} ms\" '''doc\nstring''' \"é ✅\" 'it\\'s'\n");
  CHECK(got == Tokens{"STRING \"'a'\"", "STRING \"\\\"b\\\"\"", "STRING \"r'\\\\d'\"",
                      "STRING \"f\\\"{x:.3f} ms\\\"\"", "STRING \"'''doc\\nstring'''\"", "STRING \"\\\"é ✅\\\"\"",
                      "STRING \"'it\\\\'s'\"", "NEWLINE \"\\n\"", "EOF"});
}

TEST_CASE("tokens: UTF-8 in comments and strings; identifiers may be Unicode") {
  std::vector<std::string> messages;
  Tokens got = tokenKinds("# ✨ Your Code Here ✨\nλ = 'ü'  # ok\n", &messages);
  CHECK(messages.empty());
  CHECK(got.at(0) == "NAME \"λ\"");
}

TEST_CASE("tokens: lexical errors") {
  struct Case {
    const char* text;
    const char* message;
    uint32_t column;
  };
  for (Case c : {Case{"x = 'abc\n", "unterminated string literal", 5},
                 Case{"x = '''abc\n\n", "unterminated triple-quoted string literal", 5},
                 Case{"x = $\n", "invalid character '$' (U+0024)", 5},
                 Case{"x = ✨\n", "invalid character '✨' (U+2728)", 5},
                 Case{"x = 1 \\ 2\n", "unexpected character after line continuation character", 7},
                 Case{"x = (1\n", "'(' was never closed", 5}, Case{"x = 1)\n", "unmatched ')'", 6},
                 Case{"x = (1]\n", "closing ']' does not match opening '('", 7}}) {
    std::vector<std::string> messages;
    tokenKinds(c.text, &messages);
    INFO(c.text);
    REQUIRE(!messages.empty());
    CHECK(messages[0] == fmt::format("1:{}: error: {}", c.column, c.message));
  }
}

TEST_CASE("tokens: indentation errors") {
  std::vector<std::string> messages;
  tokenKinds("if a:\n    b\n  c\n", &messages);
  CHECK(messages == std::vector<std::string>{"3:1: error: unindent does not match any outer indentation level"});
  messages.clear();
  tokenKinds("if a:\n\tb\n        c\n", &messages);
  CHECK(messages == std::vector<std::string>{"3:1: error: inconsistent use of tabs and spaces in indentation"});
}

TEST_CASE("tokens: comment-only block after a ':' line is an empty INDENT DEDENT") {
  Tokens got = tokenKinds("for t in x:\n     # nothing yet\n\nreturn out\n");
  CHECK(got == Tokens{"FOR \"for\"", "NAME \"t\"", "IN \"in\"", "NAME \"x\"", "COLON \":\"", "NEWLINE \"\\n\"",
                      "INDENT", "DEDENT", "RETURN \"return\"", "NAME \"out\"", "NEWLINE \"\\n\"", "EOF"});
  // Not after a ':' line: comments stay invisible.
  got = tokenKinds("x = 1\n    # deeper\ny = 2\n");
  CHECK(std::count(got.begin(), got.end(), "INDENT") == 0);
}

TEST_CASE("tokens: invalid UTF-8 is reported, not crashed on") {
  std::vector<std::string> messages;
  tokenKinds("x = 1\n\xff\n", &messages);
  CHECK(messages == std::vector<std::string>{"2:1: error: source is not valid UTF-8: unexpected byte 0xFF"});
}
