// Expressions: precedence, associativity and every expression node kind.
#include <catch2/catch.hpp>

#include "ParserTestUtil.h"

using namespace hel;
using hel::test::exprOf;
using hel::test::parse;

TEST_CASE("precedence: arithmetic, bitwise, shifts") {
  CHECK(exprOf("a + b * c") == "(+ a (* b c))");
  CHECK(exprOf("a - b - c") == "(- (- a b) c)");
  CHECK(exprOf("a * b // c % d @ e / f") == "(/ (@ (% (// (* a b) c) d) e) f)");
  CHECK(exprOf("a | b ^ c & d << e + f") == "(| a (^ b (& c (<< d (+ e f)))))");
  CHECK(exprOf("a >> b << c") == "(<< (>> a b) c)");
  CHECK(exprOf("(a + b) * c") == "(* (+ a b) c)");
}

TEST_CASE("precedence: ** binds tighter than unary minus on its left, and is right-associative") {
  CHECK(exprOf("-2**2") == "(- (** 2 2))");
  CHECK(exprOf("2**-1") == "(** 2 (- 1))");
  CHECK(exprOf("2**3**2") == "(** 2 (** 3 2))");
  CHECK(exprOf("-x.y**2") == "(- (** (. x y) 2))");
  CHECK(exprOf("~a + -b") == "(+ (~ a) (- b))");
  CHECK(exprOf("2**4 - 1") == "(- (** 2 4) 1)");
}

TEST_CASE("precedence: not, and, or, comparisons, conditional, lambda") {
  CHECK(exprOf("not a == b") == "(not (cmp a == b))");
  CHECK(exprOf("a or b and not c") == "(or a (and b (not c)))");
  CHECK(exprOf("a or b or c") == "(or a b c)");
  CHECK(exprOf("a and b and c") == "(and a b c)");
  CHECK(exprOf("x if a or b else y") == "(if (or a b) x y)");
  CHECK(exprOf("x if a else y if b else z") == "(if a x (if b y z))");
  CHECK(exprOf("lambda: x if a else y") == "(lambda [] (if a x y))");
  CHECK(exprOf("a + 1 < b * 2") == "(cmp (+ a 1) < (* b 2))");
  CHECK(exprOf("a | b == c") == "(cmp (| a b) == c)");
}

TEST_CASE("comparisons chain") {
  CHECK(exprOf("a < b < c") == "(cmp a < b < c)");
  CHECK(exprOf("a is not None") == "(cmp a is not None)");
  CHECK(exprOf("a is b") == "(cmp a is b)");
  CHECK(exprOf("a not in b") == "(cmp a not in b)");
  CHECK(exprOf("a in b != c >= d <= e > f == g") == "(cmp a in b != c >= d <= e > f == g)");
}

TEST_CASE("literals keep their value and spelling") {
  test::Parsed p = parse("x = [10, 0x1F, 0o7, 0b1, 1_000, 10., .5, 1e-5, True, False, None, ...]\n");
  REQUIRE(p.ok());
  auto* list = ast::cast<ast::List>(test::onlyExpr(p));
  REQUIRE(list->elts.size() == 12);
  auto constant = [&](size_t i) { return ast::cast<ast::Constant>(list->elts[i].get()); };
  CHECK(constant(0)->intValue == 10);
  CHECK(constant(1)->intValue == 31);
  CHECK(constant(1)->spelling == "0x1F");
  CHECK(constant(2)->intValue == 7);
  CHECK(constant(3)->intValue == 1);
  CHECK(constant(4)->intValue == 1000);
  CHECK(constant(4)->spelling == "1_000");
  CHECK(constant(5)->valueKind == ast::ConstantKind::Float);
  CHECK(constant(5)->floatValue == 10.0);
  CHECK(constant(5)->spelling == "10.");
  CHECK(constant(6)->floatValue == 0.5);
  CHECK(constant(7)->floatValue == 1e-5);
  CHECK(constant(8)->valueKind == ast::ConstantKind::Bool);
  CHECK(constant(8)->boolValue);
  CHECK_FALSE(constant(9)->boolValue);
  CHECK(constant(10)->valueKind == ast::ConstantKind::None);
  CHECK(constant(11)->valueKind == ast::ConstantKind::Ellipsis);
}

TEST_CASE("strings: escapes, raw strings, concatenation, triple quotes, UTF-8") {
  CHECK(exprOf(R"("a\tb\n\\\'\"\x41\u00e9\U0001F600\101")") == "'a\tb\n\\'\"Aé😀A'");
  CHECK(exprOf(R"(r"\d\n")") == "'\\d\\n'");
  CHECK(exprOf("'a' \"b\"  'c'") == "'abc'");
  CHECK(exprOf("'''x\n'y'\n'''") == "'x\n'y'\n'");
  CHECK(exprOf("\"✅ Results Match ✅\"") == "'✅ Results Match ✅'");
  test::Parsed p = parse("x = 'a' 'b'\n");
  CHECK(ast::cast<ast::Constant>(test::onlyExpr(p))->spelling == "'a' 'b'");
}

TEST_CASE("strings: an unknown escape is kept, with a warning") {
  test::Parsed p = parse("x = '\\d'\n");
  REQUIRE(p.ok());
  CHECK(test::sexpr(test::onlyExpr(p)) == "'\\d'");
  CHECK(p.messages() == std::vector<std::string>{"1:6: warning: invalid escape sequence '\\d'"});
}

TEST_CASE("f-strings: fields, conversions, format specs, nesting") {
  CHECK(exprOf("f\"{t:.3f} ms\"") == "(f {t:(f '.3f')} ' ms')");
  CHECK(exprOf("f\"{a/b:.3f}x\"") == "(f {(/ a b):(f '.3f')} 'x')");
  CHECK(exprOf("f'{x!r}'") == "(f {x!r})");
  CHECK(exprOf("f'{x!s:>{w}}'") == "(f {x!s:(f '>' {w})})");
  CHECK(exprOf("f'{{literal}} {x}'") == "(f '{literal} ' {x})");
  CHECK(exprOf("f'{d[\"k\"]}'") == "(f {([] d 'k')})");
  CHECK(exprOf("f'{a if b else c}'") == "(f {(if b a c)})");
  CHECK(exprOf("f'{x=}'") == "(f 'x=' {x!r})");
  CHECK(exprOf("f'{a != b}'") == "(f {(cmp a != b)})");
  CHECK(exprOf("'pre ' f'{x}' ' post'") == "(f 'pre ' {x} ' post')");
  CHECK(exprOf("f'{f\"{x}\"}'") == "(f {(f {x})})");
  CHECK(exprOf("f'tab\\t{x}'") == "(f 'tab\t' {x})");
  CHECK(exprOf("f'{ x + 1 }'") == "(f {(+ x 1)})");
  CHECK(exprOf("f'{a, b}'") == "(f {(tuple a b)})");
}

TEST_CASE("f-strings: field positions point into the file") {
  test::Parsed p = parse("x = f'ab{cd + 1}'\n");
  REQUIRE(p.ok());
  auto* f = ast::cast<ast::FString>(test::onlyExpr(p));
  REQUIRE(f->parts.size() == 2);
  CHECK(f->parts[0].literal == "ab");
  CHECK(f->parts[1].range.column() == 9);
  auto* sum = ast::cast<ast::BinOp>(f->parts[1].value.get());
  CHECK(sum->range.text() == "cd + 1");
  CHECK(sum->left->range.column() == 10);
}

TEST_CASE("calls: positional, keyword, *args, **kwargs") {
  CHECK(exprOf("f()") == "(call f)");
  CHECK(exprOf("f(a, b=1, *c, **d)") == "(call f a (* c) b=1 **=d)");
  CHECK(exprOf("f(a,)") == "(call f a)");
  CHECK(exprOf("f(*args, **kwargs)") == "(call f (* args) **=kwargs)");
  CHECK(exprOf("x.size(0)[1].y") == "(. ([] (call (. x size) 0) 1) y)");
}

TEST_CASE("subscripts: slices with steps, None and ... and tuples of them") {
  CHECK(exprOf("x[1]") == "([] x 1)");
  CHECK(exprOf("x[a:b]") == "([] x (: a b _))");
  CHECK(exprOf("x[::2]") == "([] x (: _ _ 2))");
  CHECK(exprOf("x[:]") == "([] x (: _ _ _))");
  CHECK(exprOf("x[1:2:3]") == "([] x (: 1 2 3))");
  CHECK(exprOf("x[a:]") == "([] x (: a _ _))");
  CHECK(exprOf("x[None, :]") == "([] x (tuple None (: _ _ _)))");
  CHECK(exprOf("x[..., None]") == "([] x (tuple ... None))");
  CHECK(exprOf("x[tile_b, i:i+kh, j:j+kw]") == "([] x (tuple tile_b (: i (+ i kh) _) (: j (+ j kw) _)))");
  CHECK(exprOf("x[i,]") == "([] x (tuple i))");
  CHECK(exprOf("Float32[Tensor, \"4 200\"]") == "([] Float32 (tuple Tensor '4 200'))");
}

TEST_CASE("tuples, lists, dicts, starred") {
  CHECK(exprOf("()") == "(tuple)");
  CHECK(exprOf("(a)") == "a");
  CHECK(exprOf("(a,)") == "(tuple a)");
  CHECK(exprOf("a, b") == "(tuple a b)");
  CHECK(exprOf("[]") == "(list)");
  CHECK(exprOf("[a, *b, c,]") == "(list a (* b) c)");
  CHECK(exprOf("[[64, 128], [16]]") == "(list (list 64 128) (list 16))");
  CHECK(exprOf("{}") == "(dict)");
  CHECK(exprOf("{'a': 1, **d}") == "(dict 'a':1 **:d)");
  CHECK(exprOf("*a, b") == "(tuple (* a) b)");
}

TEST_CASE("lambda with defaults, *args and **kwargs") {
  test::Parsed p = parse("f = lambda x, y=1, *a, k, **kw: x\n");
  REQUIRE(p.ok());
  auto* lambda = ast::cast<ast::Lambda>(test::onlyExpr(p));
  REQUIRE(lambda->params.size() == 5);
  CHECK(lambda->params[0].kind == ast::Param::Kind::Positional);
  CHECK(lambda->params[1].defaultValue != nullptr);
  CHECK(lambda->params[2].kind == ast::Param::Kind::VarPositional);
  CHECK(lambda->params[3].kind == ast::Param::Kind::KeywordOnly);
  CHECK(lambda->params[4].kind == ast::Param::Kind::VarKeyword);
  CHECK(exprOf("lambda: kernel_fn(*args, **kwargs)") == "(lambda [] (call kernel_fn (* args) **=kwargs))");
}

TEST_CASE("ranges: exclude parentheses of an expression, include a tuple's") {
  test::Parsed p = parse("y = (a + b) * (c, d)\n");
  REQUIRE(p.ok());
  auto* product = ast::cast<ast::BinOp>(test::onlyExpr(p));
  CHECK(product->range.text() == "(a + b) * (c, d)");
  CHECK(product->left->range.text() == "a + b");
  CHECK(product->right->range.text() == "(c, d)");
}

TEST_CASE("downcasting helpers") {
  test::Parsed p = parse("x.y(1)\n");
  REQUIRE(p.ok());
  const ast::Stmt* stmt = p.module->body[0].get();
  CHECK(ast::isa<ast::Stmt>(stmt));
  CHECK_FALSE(ast::isa<ast::Expr>(stmt));
  CHECK(ast::isa<ast::ExprStmt>(stmt));
  CHECK(ast::dynCast<ast::Assign>(stmt) == nullptr);
  const ast::Expr* value = ast::cast<ast::ExprStmt>(stmt)->value.get();
  CHECK(value->kind == ast::NodeKind::Call);
  const auto& call = ast::cast<ast::Call>(*value);
  CHECK(ast::isa<ast::Attribute>(call.func));
  CHECK(ast::dynCast<ast::Attribute>(call.func)->attr == "y");
  CHECK(std::string(ast::kindName(call.args[0]->kind)) == "Constant");
}
