// The builder, the printer and the parser: kernels built as lowering builds them
// print, parse back and print identically, and verify.
#include <catch2/catch.hpp>

#include "lower/Verifier.h"
#include "tests/unit/lower/SampleKernels.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::tir;

namespace {

// An if on a scalar condition: the even programs double their tile.
std::unique_ptr<Kernel> evenDoubler() {
  auto kernel = samples::newKernel("even_doubler", {{256, -1, 64}});
  Value* x = addParam(*kernel, Type::pointer(DType::Float32), "x");
  IRBuilder b(kernel->body);
  Value* index = samples::tileIndices(b, 0, 64);
  Value* tile = b.load(x, index);
  Value* odd = b.binary(BinaryOp::Mod, b.programId(0), b.index(2));
  Value* even = b.binary(BinaryOp::Eq, odd, b.index(0));
  Value* result = b.ifThenElse(
      even, [&](IRBuilder& then) { return Values{then.binary(BinaryOp::Add, tile, tile)}; },
      [&](IRBuilder&) { return Values{tile}; })[0];
  b.store(x, index, result);
  b.ret();
  return kernel;
}

void checkRoundTrip(const Kernel& kernel) {
  INFO(print(kernel));
  REQUIRE(verify(kernel) == "");
  std::string text = print(kernel);
  testing::Parsed parsed = testing::parseText(text);
  INFO((parsed.errors.empty() ? "" : parsed.errors[0]));
  REQUIRE(parsed.module);
  CHECK(print(*parsed.module) == text);
}

}  // namespace

TEST_CASE("built kernels print, parse back and print the same") {
  checkRoundTrip(*samples::vectorAdd(1000, 32));
  checkRoundTrip(*samples::outerAdd(100, 70, 16, 32));
  checkRoundTrip(*samples::rowReduce(ReduceOp::Max, 64, 1000, 8, 128));
  checkRoundTrip(*samples::matmul(128, 96, 80, 32, 32, 16));
  checkRoundTrip(*evenDoubler());
}

TEST_CASE("the text form of an elementwise kernel with masks") {
  CHECK(print(*samples::vectorAdd(1000, 32)) ==
        "kernel @vector_add(%x: ptr<f32>, %y: ptr<f32>, %out: ptr<f32>) grid [1000 / 32] "
        "{num_warps = 4, num_stages = 1, pid_type = \"flat\"} {\n"
        "  %0 = program_id {axis = 0} : i32\n"
        "  %1 = const {value = 32} : i32\n"
        "  %2 = mul %0, %1 : i32\n"
        "  %3 = splat %2 : <32xi32>\n"
        "  %4 = arange {start = 0, end = 32} : <32xi32>\n"
        "  %index = add %3, %4 : <32xi32>\n"
        "  %5 = const {value = 1000} : <32xi32>\n"
        "  %6 = lt %index, %5 : <32xi1>\n"
        "  %7 = load %x, %index, %6 : <32xf32>\n"
        "  %8 = load %y, %index, %6 : <32xf32>\n"
        "  %9 = add %7, %8 : <32xf32>\n"
        "  store %out, %index, %9, %6\n"
        "  return\n"
        "}\n");
}

TEST_CASE("regions print their block arguments and yields") {
  std::string text = print(*samples::rowReduce(ReduceOp::Sum, 64, 1000, 8, 128));
  CHECK(text.find("%acc = for %9, %10, %11, %8 : <8xf32> {\n  ^bb(%12: i32, %13: <8xf32>):\n") != std::string::npos);
  CHECK(text.find("    yield %") != std::string::npos);
  CHECK(text.find("= reduce %") != std::string::npos);
  std::string ifText = print(*evenDoubler());
  CHECK(ifText.find("= if %") != std::string::npos);
  CHECK(ifText.find("} else {\n    yield %") != std::string::npos);
}

TEST_CASE("name hints are kept, made unique, and never look like numbers") {
  auto kernel = samples::newKernel("names", {{32, -1, 32}});
  Value* x = addParam(*kernel, Type::pointer(DType::Float32), "x");
  IRBuilder b(kernel->body);
  Value* i = b.arange(0, 32);
  Value* first = b.load(x, i);
  Value* second = b.load(x, i);
  Value* third = b.binary(BinaryOp::Add, first, second);
  first->setNameHint("v");
  second->setNameHint("v");
  third->setNameHint("1st value");
  b.store(x, i, third);
  b.ret();
  std::string text = print(*kernel);
  CHECK(text.find("%v = load") != std::string::npos);
  CHECK(text.find("%v_1 = load") != std::string::npos);
  CHECK(text.find("%_1st_value = add %v, %v_1") != std::string::npos);
  checkRoundTrip(*kernel);
}

TEST_CASE("attributes of every kind and float constants round-trip exactly") {
  std::string text =
      "kernel @k(%p: ptr<f16>, %n: i64) grid [%n / 128, 3 / 1] {num_warps = 8, num_stages = 3, "
      "pid_type = \"persistent_blocked\"} {\n"
      "  %0 = const {value = 0.1} : f64\n"
      "  %1 = const {value = -inf} : <4x2xf32>\n"
      "  %2 = const {value = 1e-30} : f32\n"
      "  %3 = const {value = -9223372036854775808} : i64\n"
      "  %4 = permute %1 {order = [1, 0]} : <2x4xf32>\n"
      "  print %0, %4 {format = \"a \\\"quoted\\\"\\n\\ttab\"}\n"
      "  return\n"
      "}\n";
  testing::Parsed parsed = testing::parseText(text);
  INFO((parsed.errors.empty() ? "" : parsed.errors[0]));
  REQUIRE(parsed.module);
  CHECK(print(*parsed.module) == text);
  const Kernel& kernel = *parsed.module->kernels[0];
  CHECK(kernel.launch.grid[0].extentParam == 1);
  CHECK(kernel.launch.numStages == 3);
  CHECK(kernel.body.ops()[0]->floatAttr("value") == 0.1);
  CHECK(kernel.body.ops()[3]->intAttr("value") == std::numeric_limits<int64_t>::min());
  CHECK(kernel.body.ops()[5]->stringAttr("format") == "a \"quoted\"\n\ttab");
}

TEST_CASE("parsed ops carry their location in the .tir file, printed on request") {
  testing::Parsed parsed = testing::parseText(
      "kernel @k(%p: ptr<i32>) grid [] {num_warps = 4, num_stages = 1, pid_type = \"flat\"} {\n"
      "  %i = const {value = 7} : i32\n"
      "    store %p, %i, %i\n"
      "  return\n"
      "}\n");
  REQUIRE(parsed.module);
  const Op& store = *parsed.module->kernels[0]->body.ops()[1];
  CHECK(store.location.line() == 3);
  CHECK(store.location.column() == 5);
  PrintOptions options;
  options.locations = true;
  CHECK(print(*parsed.module, options).find("store %p, %i, %i loc(3:5)\n") != std::string::npos);
}

TEST_CASE("the builder sets result types by the ops' rules") {
  auto kernel = samples::newKernel("types", {{16, -1, 16}});
  Value* p = addParam(*kernel, Type::pointer(DType::BFloat16), "p");
  IRBuilder b(kernel->body);
  Value* tile = b.load(p, b.arange(0, 16));
  CHECK(tile->type() == Type::tile(DType::BFloat16, {16}));
  CHECK(b.unary(UnaryOp::IsNan, tile)->type() == Type::tile(DType::Bool, {16}));
  Value* wide = b.cast(tile, DType::Float32);
  CHECK(b.cast(wide, DType::Float32) == wide);
  Value* square = b.reshape(wide, {4, 4});
  CHECK(b.reduce(ReduceOp::Sum, square, 0)->type() == Type::tile(DType::Float32, {4}));
  CHECK(b.reduce(ReduceOp::ArgMax, b.reduce(ReduceOp::Max, square, 1), 0)->type() == Type::scalar(DType::Int64));
  CHECK(b.expandDims(square, 1)->type() == Type::tile(DType::Float32, {4, 1, 4}));
  CHECK(b.broadcastTo(b.constant(Type::scalar(DType::Float32), 2.0), {4, 4})->type() ==
        Type::tile(DType::Float32, {4, 4}));
  CHECK(b.broadcastTo(b.reduce(ReduceOp::Sum, square, 0), {3, 4})->type() == Type::tile(DType::Float32, {3, 4}));
  CHECK(b.binary(BinaryOp::Lt, b.index(1), b.index(2))->type() == Type::scalar(DType::Bool));
  CHECK(b.atomic("add", p, b.index(3), b.load(p, b.index(0)))->type() == Type::scalar(DType::BFloat16));
}

TEST_CASE("the builder rejects misuse with the rule that is broken") {
  auto kernel = samples::newKernel("misuse", {{16, -1, 16}});
  Value* p = addParam(*kernel, Type::pointer(DType::Float32), "p");
  IRBuilder b(kernel->body);
  Value* ints = b.arange(0, 16);
  Value* floats = b.load(p, ints);
  CHECK_THROWS_WITH(b.binary(BinaryOp::Add, ints, floats), Catch::Contains("operands differ"));
  CHECK_THROWS_WITH(b.binary(BinaryOp::Div, ints, ints), Catch::Contains("cast the operands first"));
  CHECK_THROWS_WITH(b.broadcast(ints, {4, 4}), Catch::Contains("cannot broadcast"));
  CHECK_THROWS_WITH(b.reduce(ReduceOp::Sum, ints, 1), Catch::Contains("axis 1"));
  CHECK_THROWS_WITH(b.load(p, floats), Catch::Contains("offsets must be i32 or i64"));
  CHECK_THROWS_WITH(b.load(p, ints, ints), Catch::Contains("mask has type <16xi32>"));
  CHECK_THROWS_WITH(b.dot(b.reshape(floats, {4, 4}), b.reshape(floats, {2, 8}), b.reshape(floats, {4, 4})),
                    Catch::Contains("dot shapes do not match"));
  CHECK_THROWS_WITH(b.forLoop(b.index(0), b.index(4, DType::Int64), b.index(1), {},
                              [](IRBuilder&, Value*, const Values&) { return Values{}; }),
                    Catch::Contains("integer scalars of one type"));
  CHECK_THROWS_WITH(b.forLoop(b.index(0), b.index(4), b.index(1), {floats},
                              [&](IRBuilder&, Value*, const Values&) { return Values{ints}; }),
                    Catch::Contains("yielded value has type <16xi32>"));
}
