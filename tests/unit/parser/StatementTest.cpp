// Statements: every statement node kind, and whole files.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <fstream>
#include <sstream>

#include "ParserTestUtil.h"

using namespace hel;
using hel::test::parse;
using hel::test::sexpr;

namespace {

template <typename T>
const T& stmt(const test::Parsed& p, size_t i) {
  REQUIRE(p.module);
  REQUIRE(i < p.module->body.size());
  const ast::Stmt* s = p.module->body[i].get();
  REQUIRE(ast::isa<T>(s));
  return ast::cast<T>(*s);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("assignments: chains, tuple targets, starred targets") {
  test::Parsed p = parse("a = b = 1\nm, n = x.size()\nfirst, *rest = xs\n(a, b), c = t\nx[i], y.z = 1, 2\n");
  REQUIRE(p.ok());
  const auto& chain = stmt<ast::Assign>(p, 0);
  REQUIRE(chain.targets.size() == 2);
  CHECK(sexpr(chain.targets[0].get()) == "a");
  CHECK(sexpr(chain.targets[1].get()) == "b");
  CHECK(sexpr(chain.value.get()) == "1");
  CHECK(sexpr(stmt<ast::Assign>(p, 1).targets[0].get()) == "(tuple m n)");
  CHECK(sexpr(stmt<ast::Assign>(p, 2).targets[0].get()) == "(tuple first (* rest))");
  CHECK(sexpr(stmt<ast::Assign>(p, 3).targets[0].get()) == "(tuple (tuple a b) c)");
  CHECK(sexpr(stmt<ast::Assign>(p, 4).targets[0].get()) == "(tuple ([] x i) (. y z))");
}

TEST_CASE("augmented assignments: every operator") {
  const char* ops[] = {"+=", "-=", "*=", "/=", "//=", "%=", "&=", "|=", "^=", "<<=", ">>=", "**=", "@="};
  for (const char* op : ops) {
    test::Parsed p = parse(std::string("acc ") + op + " x\n");
    INFO(op);
    REQUIRE(p.ok());
    const auto& aug = stmt<ast::AugAssign>(p, 0);
    CHECK(std::string(ast::spelling(aug.op)) + "=" == op);
    CHECK(sexpr(aug.target.get()) == "acc");
  }
}

TEST_CASE("annotated assignments") {
  test::Parsed p = parse("acc: Tensor = 0\nx: int\n(y): int = 1\nself.z: float = 2.0\n");
  REQUIRE(p.ok());
  const auto& a = stmt<ast::AnnAssign>(p, 0);
  CHECK(sexpr(a.annotation.get()) == "Tensor");
  CHECK(a.simple);
  CHECK(a.value != nullptr);
  CHECK(stmt<ast::AnnAssign>(p, 1).value == nullptr);
  CHECK_FALSE(stmt<ast::AnnAssign>(p, 2).simple);
  CHECK_FALSE(stmt<ast::AnnAssign>(p, 3).simple);
}

TEST_CASE("if / elif / else") {
  test::Parsed p = parse("if a:\n    x\nelif b:\n    y\nelif c: z\nelse:\n    w\n");
  REQUIRE(p.ok());
  const auto& top = stmt<ast::If>(p, 0);
  CHECK_FALSE(top.isElif);
  CHECK(sexpr(top.test.get()) == "a");
  REQUIRE(top.orelse.size() == 1);
  const auto& elif = ast::cast<ast::If>(*top.orelse[0]);
  CHECK(elif.isElif);
  CHECK(sexpr(elif.test.get()) == "b");
  const auto& elif2 = ast::cast<ast::If>(*elif.orelse[0]);
  CHECK(elif2.body.size() == 1);
  REQUIRE(elif2.orelse.size() == 1);
  CHECK(ast::isa<ast::ExprStmt>(elif2.orelse[0]));
  CHECK(top.range.text().substr(0, 5) == "if a:");
}

TEST_CASE("for and while, with else, break, continue, pass") {
  test::Parsed p =
      parse("for tile_m, tile_n in hl.tile([m, n]):\n    continue\nelse:\n    pass\nwhile x < 3:\n    break\n");
  REQUIRE(p.ok());
  const auto& loop = stmt<ast::For>(p, 0);
  CHECK(sexpr(loop.target.get()) == "(tuple tile_m tile_n)");
  CHECK(sexpr(loop.iter.get()) == "(call (. hl tile) (list m n))");
  CHECK(ast::isa<ast::Continue>(loop.body[0]));
  CHECK(ast::isa<ast::Pass>(loop.orelse[0]));
  const auto& w = stmt<ast::While>(p, 1);
  CHECK(sexpr(w.test.get()) == "(cmp x < 3)");
  CHECK(ast::isa<ast::Break>(w.body[0]));
}

TEST_CASE("functions: decorators with calls, parameters, annotations, nested defs, return") {
  test::Parsed p = parse(
      "@helion.kernel(config=helion.Config(block_sizes=[32]))\n"
      "@other\n"
      "def k(x: torch.Tensor, y=2, *args, z: int = 3, **kw) -> torch.Tensor:\n"
      "    '''Docstring.'''\n"
      "    def helper(a, b):\n"
      "        return a + b\n"
      "    return\n"
      "def q(a, *, b): pass\n");
  REQUIRE(p.ok());
  const auto& k = stmt<ast::FunctionDef>(p, 0);
  CHECK(k.name == "k");
  CHECK(k.nameRange.text() == "k");
  REQUIRE(k.decorators.size() == 2);
  CHECK(sexpr(k.decorators[0].get()) ==
        "(call (. helion kernel) config=(call (. helion Config) block_sizes=(list 32)))");
  REQUIRE(k.params.size() == 5);
  CHECK(k.params[0].name == "x");
  CHECK(sexpr(k.params[0].annotation.get()) == "(. torch Tensor)");
  CHECK(sexpr(k.params[1].defaultValue.get()) == "2");
  CHECK(k.params[2].kind == ast::Param::Kind::VarPositional);
  CHECK(k.params[3].kind == ast::Param::Kind::KeywordOnly);
  CHECK(sexpr(k.params[3].annotation.get()) == "int");
  CHECK(sexpr(k.params[3].defaultValue.get()) == "3");
  CHECK(k.params[4].kind == ast::Param::Kind::VarKeyword);
  CHECK(sexpr(k.returns.get()) == "(. torch Tensor)");
  REQUIRE(k.body.size() == 3);
  CHECK(sexpr(ast::cast<ast::ExprStmt>(*k.body[0]).value.get()) == "'Docstring.'");
  const auto& helper = ast::cast<ast::FunctionDef>(*k.body[1]);
  CHECK(sexpr(ast::cast<ast::Return>(*helper.body[0]).value.get()) == "(+ a b)");
  CHECK(ast::cast<ast::Return>(*k.body[2]).value == nullptr);
  const auto& q = stmt<ast::FunctionDef>(p, 1);
  REQUIRE(q.params.size() == 2);
  CHECK(q.params[1].kind == ast::Param::Kind::KeywordOnly);
  CHECK(ast::isa<ast::Pass>(q.body[0]));
}

TEST_CASE("assert, imports, semicolons") {
  test::Parsed p = parse(
      "assert x > 0, 'x must be positive'\nassert y\n"
      "import torch\nimport helion.language as hl, math\n"
      "from torch import Tensor\nfrom a.b import c as d, e\nfrom x import (y,\n  z,)\nfrom m import *\n"
      "a = 1; b = 2;\n");
  REQUIRE(p.ok());
  CHECK(sexpr(stmt<ast::Assert>(p, 0).msg.get()) == "'x must be positive'");
  CHECK(stmt<ast::Assert>(p, 1).msg == nullptr);
  CHECK(stmt<ast::Import>(p, 2).names[0].name == "torch");
  const auto& hl = stmt<ast::Import>(p, 3);
  REQUIRE(hl.names.size() == 2);
  CHECK(hl.names[0].name == "helion.language");
  CHECK(hl.names[0].asname == "hl");
  CHECK(hl.names[1].name == "math");
  CHECK(stmt<ast::ImportFrom>(p, 4).module == "torch");
  const auto& from = stmt<ast::ImportFrom>(p, 5);
  CHECK(from.module == "a.b");
  CHECK(from.names[0].asname == "d");
  CHECK(stmt<ast::ImportFrom>(p, 6).names.size() == 2);
  CHECK(stmt<ast::ImportFrom>(p, 7).names[0].name == "*");
  CHECK(p.module->body.size() == 10);
}

TEST_CASE("a block holding only comments parses as empty, with a warning") {
  test::Parsed p = parse(
      "def add_kernel(x):\n"
      "    for tile_n in hl.tile(TILE_RANGE):\n"
      "         # ---- ✨ Your Code Here ✨----\n"
      "\n"
      "    return out\n");
  REQUIRE(p.ok());
  const auto& def = stmt<ast::FunctionDef>(p, 0);
  REQUIRE(def.body.size() == 2);
  CHECK(ast::cast<ast::For>(*def.body[0]).body.empty());
  CHECK(p.messages() == std::vector<std::string>{"3:10: warning: the block after 'for' statement on line 2 holds "
                                                 "only comments; write 'pass' if that is intended"});
}

TEST_CASE("dumpAst: one node per line with ranges") {
  test::Parsed p = parse("x = -a[1:]\n");
  REQUIRE(p.ok());
  CHECK(dumpAst(*p.module) ==
        "Module 1:1-1:12\n"
        "  Assign 1:1-1:11\n"
        "    Name 1:1-1:2 x\n"
        "    UnaryOp 1:5-1:11 -\n"
        "      Subscript 1:6-1:11\n"
        "        Name 1:6-1:7 a\n"
        "        Slice 1:8-1:10\n"
        "          lower:\n"
        "            Constant 1:8-1:9 int 1\n");
}

TEST_CASE("forEachChild reaches every name, in source order") {
  test::Parsed p = parse(
      "@d1(a1)\ndef f(p1: a2 = a3, *p2, k=a4, **p3) -> a5:\n    return [b1, {b2: b3, **b4}, b5[b6:b7:b8]]\n"
      "x = c1 if c2 else c3 < c4 and not c5\nprint(f'{e1!r:{e2}}', *e3, k=e4, **e5)\n"
      "g = lambda q=h1: h2\nfor t1 in t2:\n    t3 += -t4 ** t5\nwhile w1: w2: w3 = w4\nassert z1, z2\n");
  REQUIRE(p.ok());
  std::vector<std::string> names;
  std::function<void(const ast::Node&)> walk = [&](const ast::Node& n) {
    if (auto* name = ast::dynCast<ast::Name>(&n)) names.push_back(name->id);
    ast::forEachChild(n, walk);
  };
  walk(*p.module);
  CHECK(names == std::vector<std::string>{"d1", "a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3", "b4", "b5", "b6",
                                          "b7", "b8", "x", "c1", "c2", "c3", "c4", "c5", "print", "e1", "e2", "e3",
                                          "e4", "e5", "g", "h1", "h2", "t1", "t2", "t3", "t4", "t5", "w1", "w2", "w3",
                                          "w4", "z1", "z2"});
}

TEST_CASE("the seed notebook and every puzzle parse") {
  std::string root = HEL_SOURCE_DIR;
  for (const char* path :
       {"/tests/golden/seed/seed_notebook.hel", "/puzzles/01_constant_add.hel", "/puzzles/08_softmax.hel",
        "/puzzles/10_conv2d.hel", "/puzzles/12_quant_matmul.hel", "/puzzles/14_hardcoded_config.hel"}) {
    std::string text = readFile(root + path);
    INFO(path);
    REQUIRE(!text.empty());
    test::Parsed p = parse(text);
    CHECK(p.ok());
    for (const Diagnostic& d : p.diags) CHECK(d.severity != Severity::Error);
  }
}

TEST_CASE("a 10,000-line file parses quickly") {
  std::string kernel =
      "@helion.kernel(config=helion.Config(block_sizes=[32, 32]))\n"
      "def kernel_{0}(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:\n"
      "    m, n = x.size()\n"
      "    out = torch.empty([m, n], dtype=x.dtype, device=x.device)\n"
      "    for tile_m, tile_n in hl.tile([m, n]):\n"
      "        acc = hl.zeros([tile_m, tile_n], dtype=torch.float32)\n"
      "        for tile_k in hl.tile(k):\n"
      "            acc = acc + torch.matmul(x[tile_m, tile_k], y[tile_k, tile_n])\n"
      "        max_vals = torch.maximum(acc, acc[:, None] * 2.0 - 1e-5)\n"
      "        out[tile_m, tile_n] = (acc / max_vals).to(out.dtype) if m > 0 else acc\n"
      "    print(f\"kernel {0}: {{m}} x {{n}} in {{t:.3f}} ms\")\n"
      "    return out\n"
      "\n";
  std::string text;
  int lines = 0;
  for (int i = 0; lines < 10000; ++i, lines += 13) text += fmt::format(fmt::runtime(kernel), i);
  auto start = std::chrono::steady_clock::now();
  test::Parsed p = parse(text);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(p.ok());
  CHECK(p.module->body.size() == 770);
  // About 0.25 s in Release on the development machine; the bound only catches
  // a pathological slowdown (and leaves room for Debug builds and loaded CI).
  CHECK(seconds < 3.0);
}
