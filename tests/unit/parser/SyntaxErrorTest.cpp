// Syntax errors: Python's words, the right place, several per file, no cascades.
#include <catch2/catch.hpp>

#include <chrono>

#include "ParserTestUtil.h"

using namespace hel;
using hel::test::parse;
using Messages = std::vector<std::string>;

namespace {

// The diagnostics of `source`, which must not parse.
Messages errors(const std::string& source) {
  test::Parsed p = parse(source);
  CHECK_FALSE(p.ok());
  return p.messages();
}

}  // namespace

TEST_CASE("errors: missing pieces") {
  CHECK(errors("for i in range(3)\n    pass\n") == Messages{"1:18: error: expected ':'"});
  CHECK(errors("def f(x)  # comment\n    pass\n") == Messages{"1:9: error: expected ':'"});
  CHECK(errors("x = \n") == Messages{"1:4: error: expected an expression"});
  CHECK(errors("x = 1 +\n") == Messages{"1:8: error: expected an expression"});
  CHECK(errors("y = f(a, (b + ))\n") == Messages{"1:15: error: expected an expression"});
  CHECK(errors("x = a if b\n") == Messages{"1:11: error: expected 'else' after 'if' expression"});
  CHECK(errors("g = lambda x\n") == Messages{"1:13: error: expected ':'"});
  CHECK(errors("for in x:\n    pass\n") == Messages{"1:5: error: expected a loop variable"});
  CHECK(errors("x.\n") == Messages{"1:3: error: expected a name"});
  CHECK(errors("@dec\nx = 1\n") == Messages{"2:1: error: expected 'def' after a decorator"});
  CHECK(errors("def pass():\n  x\n") ==
        Messages{"1:5: error: invalid syntax: 'pass' is a keyword and cannot be used as a name"});
}

TEST_CASE("errors: blocks and indentation") {
  CHECK(errors("def f(x):\n    for i in x:\n    return x\n") ==
        Messages{"3:5: error: expected an indented block after 'for' statement on line 2"});
  CHECK(errors("def f(x):\nreturn x\n") ==
        Messages{"2:1: error: expected an indented block after function definition on line 1"});
  CHECK(errors("if x:\n    pass\nelif y:\nz\n") ==
        Messages{"4:1: error: expected an indented block after 'elif' statement on line 3"});
  CHECK(errors("while x:\n") ==
        Messages{"1:9: error: expected an indented block after 'while' statement on line 1"});
  CHECK(errors("for t in x:\n# not indented, so not a block\ny = 1\n") ==
        Messages{"3:1: error: expected an indented block after 'for' statement on line 1"});
  CHECK(errors("x = 1\n    y = 2\nz = 3\n") == Messages{"2:5: error: unexpected indent"});
  CHECK(errors("def f():\n    x = 1\n  y = 2\n") ==
        Messages{"3:1: error: unindent does not match any outer indentation level"});
  CHECK(errors("if x:\n\ty = 1\n        z = 2\n") ==
        Messages{"3:1: error: inconsistent use of tabs and spaces in indentation"});
  CHECK(errors("else:\n    pass\n") == Messages{"1:1: error: 'else' without a matching 'if'"});
  CHECK(errors("x = 1\nelif y:\n    pass\n") == Messages{"2:1: error: 'elif' without a matching 'if'"});
}

TEST_CASE("errors: brackets") {
  CHECK(errors("x = foo(1, 2\ny = 3\n") == Messages{"1:8: error: '(' was never closed"});
  CHECK(errors("x = [f(1), (2,\n") == Messages{"1:12: error: '(' was never closed"});
  CHECK(errors("x = foo(1, 2))\ny = 3 +\n") ==
        Messages{"1:14: error: unmatched ')'", "2:8: error: expected an expression"});
  Messages mismatched = errors("x = foo(1, 2]\n");
  CHECK(mismatched == Messages{"1:13: error: closing ']' does not match opening '('", "1:8: note: '(' opened here"});
}

TEST_CASE("errors: invalid syntax, with Python's hints") {
  CHECK(errors("x = 1 2\n") == Messages{"1:7: error: invalid syntax"});
  CHECK(errors("f(a b)\n") == Messages{"1:5: error: invalid syntax. Perhaps you forgot a comma?"});
  CHECK(errors("x = [1, 2 3]\n") == Messages{"1:11: error: invalid syntax. Perhaps you forgot a comma?"});
  CHECK(errors("if x = 1:\n    pass\n") == Messages{"1:6: error: invalid syntax. Maybe you meant '==' instead of '='?"});
  CHECK(errors("x = [1, 2,, 3]\n") == Messages{"1:11: error: invalid syntax"});
  CHECK(errors("= 5\n") == Messages{"1:1: error: invalid syntax"});
}

TEST_CASE("errors: what .hel leaves out of Python") {
  CHECK(errors("class A:\n    pass\n") == Messages{"1:1: error: 'class' is not supported in .hel programs"});
  CHECK(errors("def f():\n    x = yield 3\n") == Messages{"2:9: error: 'yield' is not supported in .hel programs"});
  CHECK(errors("if (a := 3):\n    pass\n") == Messages{"1:7: error: ':=' is not supported in .hel programs"});
  CHECK(errors("x = [a for a in b]\n") == Messages{"1:8: error: comprehensions are not supported in .hel programs"});
  CHECK(errors("x = b'abc'\n") == Messages{"1:5: error: bytes literals are not supported in .hel programs"});
  CHECK(errors("x = {1, 2}\n") == Messages{"1:7: error: set displays are not supported in .hel programs"});
  CHECK(errors("x = 2j\n") == Messages{"1:5: error: complex numbers are not supported in .hel programs"});
}

TEST_CASE("errors: assignment targets") {
  CHECK(errors("f() = 3\n") == Messages{"1:1: error: cannot assign to function call"});
  CHECK(errors("a, f() = 1, 2\n") == Messages{"1:4: error: cannot assign to function call"});
  CHECK(errors("1 = x\n") == Messages{"1:1: error: cannot assign to literal"});
  CHECK(errors("None = x\n") == Messages{"1:1: error: cannot assign to None"});
  CHECK(errors("a + b = c\n") == Messages{"1:1: error: cannot assign to expression"});
  CHECK(errors("a < b = c\n") == Messages{"1:1: error: cannot assign to comparison"});
  CHECK(errors("x = f() = 3\n") == Messages{"1:5: error: cannot assign to function call"});
  CHECK(errors("for f() in x:\n    pass\n") == Messages{"1:5: error: cannot assign to function call"});
  CHECK(errors("a, *b, *c = x\n") == Messages{"1:8: error: multiple starred expressions in assignment"});
  CHECK(errors("*a = b\n") == Messages{"1:1: error: starred assignment target must be in a list or tuple"});
  CHECK(errors("x = *a\n") == Messages{"1:5: error: can't use starred expression here"});
  CHECK(errors("f() += 1\n") == Messages{"1:1: error: 'function call' is an illegal expression for augmented assignment"});
  CHECK(errors("a, b += 1\n") == Messages{"1:1: error: 'tuple' is an illegal expression for augmented assignment"});
  CHECK(errors("a, b: int = 1, 2\n") == Messages{"1:1: error: only single target (not tuple) can be annotated"});
  CHECK(errors("f(): int\n") == Messages{"1:1: error: illegal target for annotation"});
}

TEST_CASE("errors: arguments and parameters") {
  CHECK(errors("f(a=1, 2)\n") == Messages{"1:8: error: positional argument follows keyword argument"});
  CHECK(errors("f(**k, 2)\n") == Messages{"1:8: error: positional argument follows keyword argument unpacking"});
  CHECK(errors("f(**k, *a)\n") == Messages{"1:8: error: iterable argument unpacking follows keyword argument unpacking"});
  CHECK(errors("f(x=1, x=2)\n") == Messages{"1:8: error: keyword argument repeated: 'x'"});
  CHECK(errors("f(a+1=2)\n") == Messages{"1:3: error: expression cannot contain assignment, perhaps you meant \"==\"?"});
  CHECK(errors("def f(a=1, b):\n    pass\n") ==
        Messages{"1:12: error: parameter without a default follows parameter with a default"});
  CHECK(errors("def f(a, a):\n    pass\n") == Messages{"1:10: error: duplicate parameter 'a' in function definition"});
  CHECK(errors("def f(*):\n    pass\n") == Messages{"1:7: error: named parameters must follow bare *"});
  CHECK(errors("def f(*a, *b):\n    pass\n") == Messages{"1:11: error: * parameter may appear only once"});
  CHECK(errors("def f(**k, a):\n    pass\n") == Messages{"1:12: error: parameters cannot follow var-keyword parameter"});
}

TEST_CASE("errors: return and break outside their place") {
  CHECK(errors("return 1\n") == Messages{"1:1: error: 'return' outside function"});
  CHECK(errors("break\n") == Messages{"1:1: error: 'break' outside loop"});
  CHECK(errors("for x in y:\n    def f():\n        continue\n") == Messages{"3:9: error: 'continue' outside loop"});
  CHECK(errors("while x:\n    pass\nelse:\n    break\n") == Messages{"4:5: error: 'break' outside loop"});
}

TEST_CASE("errors: strings and f-strings") {
  CHECK(errors("x = 'abc\ny = 1 +\n") ==
        Messages{"1:5: error: unterminated string literal", "2:8: error: expected an expression"});
  CHECK(errors("x = '''abc\n") == Messages{"1:5: error: unterminated triple-quoted string literal"});
  CHECK(errors("x = '\\x4'\n") == Messages{"1:6: error: truncated '\\x' escape"});
  CHECK(errors("x = f'{}'\n") == Messages{"1:8: error: f-string: valid expression required before '}'"});
  CHECK(errors("x = f'{a!z}'\n") ==
        Messages{"1:9: error: f-string: invalid conversion character: expected 's', 'r', or 'a'"});
  CHECK(errors("x = f'{a'\n") == Messages{"1:7: error: f-string: expecting '}'"});
  CHECK(errors("x = f'a}b'\n") == Messages{"1:8: error: f-string: single '}' is not allowed"});
  CHECK(errors("x = f'{a +}'\n") == Messages{"1:11: error: f-string: expected an expression"});
  CHECK(errors("x = f'{a $ b}'\n") == Messages{"1:10: error: f-string: invalid character '$' (U+0024)"});
}

TEST_CASE("errors: one per independent statement, none that follow from another") {
  // Two top-level statements, two errors.
  CHECK(errors("def f(x):\n    return x +\n\ndef g(x)\n    return x\n") ==
        Messages{"2:15: error: expected an expression", "4:9: error: expected ':'"});
  // Errors in sibling statements of one block, and in the body of a broken header.
  CHECK(errors("def f(x):\n    if x:\n        y = 1 +\n    elif x\n        z = 2 *\n    else:\n        return (\n") ==
        Messages{"3:16: error: expected an expression", "4:11: error: expected ':'",
                 "5:16: error: expected an expression", "7:16: error: '(' was never closed"});
  // A builder error before a syntax error in the same function is reported too.
  CHECK(errors("def f(x):\n    f() = 1\n    y = (\n") ==
        Messages{"2:5: error: cannot assign to function call", "3:9: error: '(' was never closed"});
  // After an unclosed bracket nothing else is reported: it all belongs to it.
  CHECK(errors("x = (1,\ny = 2 +\nz = = 3\n") == Messages{"1:5: error: '(' was never closed"});
  // An unexpected indent does not make the dedent after it an error.
  CHECK(errors("x = 1\n    y = 2\n    z = 3\nw = 4 +\n") ==
        Messages{"2:5: error: unexpected indent", "4:8: error: expected an expression"});
  // Context is kept across a restart: `break` at top level is still an error.
  CHECK(errors("for x in y:\n    a = 1 +\n    break\nbreak\n") ==
        Messages{"2:12: error: expected an expression", "4:1: error: 'break' outside loop"});
}

TEST_CASE("errors: after an error, each top-level statement is read once, decorators and else with theirs") {
  CHECK(errors("a = 1 +\n@dec\ndef f(x):\n    return x\nb = 2 +\nif x:\n    c = (1 +)\nelse:\n    d = 2 *\n"
               "e = 3\ndef g(x):\nh = 1 +\n") ==
        Messages{"1:8: error: expected an expression", "5:8: error: expected an expression",
                 "7:13: error: expected an expression", "9:12: error: expected an expression",
                 "12:1: error: expected an indented block after function definition on line 11"});
}

TEST_CASE("errors: a file full of errors is still quick") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += fmt::format("def f{}(x):\n    y = x +\n    return y\n", i);
  auto start = std::chrono::steady_clock::now();
  test::Parsed p = parse(text);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK_FALSE(p.ok());
  CHECK(p.diags.size() == 21);  // the engine's limit of 20, then "too many errors"
  CHECK(seconds < 2.0);
}

TEST_CASE("errors: the caret covers the offending token") {
  test::Parsed p = parse("x = foo(a b)\n");
  REQUIRE(p.diags.size() == 1);
  CHECK(DiagnosticEngine::render(p.diags[0]) ==
        "test.hel:1:11: error: invalid syntax. Perhaps you forgot a comma?\n"
        "x = foo(a b)\n"
        "          ^\n");
  p = parse("return value\n");
  REQUIRE(p.diags.size() == 1);
  CHECK(DiagnosticEngine::render(p.diags[0]) ==
        "test.hel:1:1: error: 'return' outside function\n"
        "return value\n"
        "^~~~~~~~~~~~\n");
}
