// What the verifier rejects, and how the parser reports malformed text.
#include <catch2/catch.hpp>

#include "lower/Verifier.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::tir;

namespace {

const char* const kHeader =
    "kernel @k(%p: ptr<f32>, %q: ptr<i32>, %n: i32) grid [128 / 32] "
    "{num_warps = 4, num_stages = 1, pid_type = \"flat\"} {\n";

// The first error of parsing a kernel with `body` (the parser verifies).
std::string errorOf(const std::string& body) {
  testing::Parsed parsed = testing::parseText(std::string(kHeader) + body + "}\n");
  return parsed.errors.empty() ? "(no error)" : parsed.errors[0];
}

}  // namespace

TEST_CASE("the verifier rejects ill-typed ops, naming the op") {
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 32} : <32xi32>\n"
                     "  %b = arange {start = 0, end = 16} : <16xi32>\n"
                     "  %c = add %a, %b : <32xi32>\n  return\n"),
             Catch::StartsWith("test.tir:4:3: error: tile IR: kernel @k: '%c = add %a, %b : <32xi32>': "
                               "operands differ: <32xi32> and <16xi32>"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 32} : <32xi32>\n"
                     "  %b = broadcast %a : <32x4xi32>\n  return\n"),
             Catch::Contains("cannot broadcast <32xi32> to <32x4xi32>"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 32} : <32xi32>\n"
                     "  %b = reshape %a : <4x4xi32>\n  return\n"),
             Catch::Contains("cannot reshape"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 32} : <32xi32>\n"
                     "  %b = reduce %a {op = \"sum\", axis = 0} : <1xi32>\n  return\n"),
             Catch::Contains("result has type <1xi32>, expected i32"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 32} : <32xi32>\n"
                     "  %b = reduce %a {op = \"argmax\", axis = 0} : i32\n  return\n"),
             Catch::Contains("expected i64"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 8} : <8xi32>\n"
                     "  %x = load %p, %a : <8xf32>\n"
                     "  %m = reshape %x : <2x4xf32>\n"
                     "  %acc = const {value = 0.0} : <2x2xf32>\n"
                     "  %d = dot %m, %m, %acc {precision = \"ieee\"} : <2x2xf32>\n  return\n"),
             Catch::Contains("dot shapes do not match: <2x4xf32> @ <2x4xf32> + <2x2xf32>"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 8} : <8xi32>\n"
                     "  %x = load %p, %a : <8xi32>\n  return\n"),
             Catch::Contains("result has type <8xi32>, expected <8xf32>"));
  CHECK_THAT(errorOf("  %a = arange {start = 0, end = 8} : <8xi32>\n"
                     "  %x = load %q, %a : <8xi32>\n"
                     "  %y = exp %x : <8xi32>\n  return\n"),
             Catch::Contains("'exp' is not computed in i32 (cast the operand first)"));
  CHECK_THAT(errorOf("  %c = const {value = 300} : i8\n  return\n"), Catch::Contains("value 300 does not fit i8"));
  CHECK_THAT(errorOf("  %z = const {value = 0} : i32\n"
                     "  %r = for %z, %n, %n, %p : ptr<f32> {\n  ^bb(%i: i32, %ptr: ptr<f32>):\n    yield %ptr\n  }\n"
                     "  return\n"),
             Catch::Contains("operand 3 is a pointer: only load, store and atomic take one, first"));
  CHECK_THAT(errorOf("  %i = program_id {axis = 1} : i32\n  return\n"), Catch::Contains("the grid has 1 axis"));
}

TEST_CASE("the verifier checks regions, terminators and dominance") {
  CHECK_THAT(errorOf("  %z = const {value = 0} : i32\n"
                     "  %x = const {value = 0.0} : f32\n"
                     "  %r = for %z, %n, %n, %x : f32 {\n"
                     "  ^bb(%i: i32, %acc: f32):\n"
                     "    yield %i\n  }\n  return\n"),
             Catch::Contains("yielded value has type i32, expected f32"));
  CHECK_THAT(errorOf("  %z = const {value = 0} : i32\n"
                     "  for %z, %n, %n {\n"
                     "  ^bb(%i: i32):\n"
                     "    %j = add %i, %i : i32\n    yield\n  }\n"
                     "  %k = add %j, %j : i32\n  return\n"),
             Catch::Contains("error: tile IR: use of undefined value '%j'"));
  CHECK_THAT(errorOf("  %z = const {value = 0} : i32\n"), Catch::Contains("the body must end in 'return'"));
  CHECK_THAT(errorOf("  return\n  %z = const {value = 0} : i32\n  return\n"), Catch::Contains("must end its block"));
  CHECK_THAT(errorOf("  %c = const {value = 1} : <4xi1>\n"
                     "  if %c {\n    yield\n  } else {\n    yield\n  }\n  return\n"),
             Catch::Contains("condition has type <4xi1>, expected i1"));

  // Built in memory: a use before the definition.
  Module module;
  module.kernels.push_back(std::make_unique<Kernel>());
  Kernel& kernel = *module.kernels[0];
  kernel.name = "order";
  auto constant =
      std::make_unique<Op>(OpKind::Constant, std::vector<Value*>{}, std::vector<Type>{Type::scalar(DType::Int32)});
  constant->setAttribute("value", int64_t{1});
  auto sum = std::make_unique<Op>(OpKind::Binary, std::vector<Value*>{constant->result(), constant->result()},
                                  std::vector<Type>{Type::scalar(DType::Int32)});
  sum->setAttribute("op", std::string("add"));
  kernel.body.append(std::move(sum));
  kernel.body.append(std::move(constant));
  kernel.body.append(std::make_unique<Op>(OpKind::Return, std::vector<Value*>{}, std::vector<Type>{}));
  CHECK_THAT(verify(module), Catch::Contains("'%0 = add %1, %1 : i32': uses a value that is not defined before it"));
}

TEST_CASE("parse errors point at line and column") {
  CHECK(errorOf("  %a = frobnicate %n : i32\n  return\n")
            .rfind("test.tir:2:8: error: tile IR: unknown op 'frobnicate' with 1 operand(s)", 0) == 0);
  CHECK(errorOf("  %a = add %n, %m : i32\n  return\n")
            .rfind("test.tir:2:16: error: tile IR: use of undefined value '%m'", 0) == 0);
  CHECK(errorOf("  %a = add %n, %n : q32\n  return\n")
            .rfind("test.tir:2:21: error: tile IR: unknown element type 'q32'", 0) == 0);
  CHECK(errorOf("  %a = add %n, %n : <4xf32\n  return\n").rfind("test.tir:3:3: error: tile IR: expected '>'", 0) == 0);
  CHECK(errorOf("  %a, %b = add %n, %n : i32\n  return\n")
            .rfind("test.tir:2:3: error: tile IR: 2 result name(s) but 1 result type(s)", 0) == 0);
  std::string twice = errorOf("  %a = add %n, %n : i32\n  %a = add %n, %n : i32\n  return\n");
  CHECK(twice.rfind("test.tir:3:3: error: tile IR: value '%a' is defined twice", 0) == 0);
  CHECK_THAT(twice, Catch::Contains("test.tir:2:3: note: '%a' was first defined here"));
  CHECK_THAT(errorOf("  %c = const {value = 1x} : i32\n  return\n"), Catch::Contains("invalid number '1x'"));
  testing::Parsed badKernel = testing::parseText("kernel @k() grid [] {warps = 4} {\n  return\n}\n");
  REQUIRE(!badKernel.errors.empty());
  CHECK_THAT(badKernel.errors[0], Catch::Contains("unknown kernel attribute 'warps'"));
}

TEST_CASE("a kernel's indexing prints and parses back, and only Config's values verify") {
  const std::string text =
      "kernel @k(%p: ptr<f32>) grid [128 / 32] {num_warps = 4, num_stages = 1, pid_type = \"flat\", "
      "indexing = \"pointer\"} {\n  return\n}\n";
  testing::Parsed parsed = testing::parseText(text);
  REQUIRE(parsed.errors.empty());
  CHECK(parsed.module->kernels[0]->launch.indexing == "pointer");
  CHECK(print(*parsed.module) == text);
  testing::Parsed unknown = testing::parseText(
      "kernel @k(%p: ptr<f32>) grid [128 / 32] {num_warps = 4, num_stages = 1, pid_type = \"flat\", "
      "indexing = \"tma\"} {\n  return\n}\n");
  REQUIRE(!unknown.errors.empty());
  CHECK_THAT(unknown.errors[0], Catch::Contains("unknown indexing 'tma'"));
}
