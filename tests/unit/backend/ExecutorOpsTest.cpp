// Single ops and control flow on the CPU backend, written in the text form.
#include <catch2/catch.hpp>
#include <sstream>

#include "tests/unit/backend/ExecutorTestUtil.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::cpu::testing;
using hel::cpu::Argument;

namespace {

// A module parsed from `text`, kept alive with its source.
struct Parsed {
  tir::testing::Parsed parsed;
  explicit Parsed(const std::string& text) : parsed(tir::testing::parseText(text)) {
    INFO((parsed.errors.empty() ? "" : parsed.errors[0]));
    REQUIRE(parsed.module);
  }
  const tir::Kernel& kernel() const { return *parsed.module->kernels[0]; }
};

std::string header(const std::string& params, const std::string& grid = "[1 / 1]") {
  return "kernel @k(" + params + ") grid " + grid + " {num_warps = 4, num_stages = 1, pid_type = \"flat\"} {\n";
}

}  // namespace

TEST_CASE("16-bit floats are computed in float and rounded at every op") {
  Parsed k(header("%x: ptr<f16>, %y: ptr<bf16>, %out: ptr<f32>") +
           "  %i = arange {start = 0, end = 4} : <4xi32>\n"
           "  %h = load %x, %i : <4xf16>\n"
           "  %tiny = const {value = 0.0001} : <4xf16>\n"
           "  %sum = add %h, %tiny : <4xf16>\n"  // 1 + 0.0001 rounds back to 1 in f16
           "  %wide = cast %sum : <4xf32>\n"
           "  store %out, %i, %wide\n"
           "  %b = load %y, %i : <4xbf16>\n"
           "  %third = const {value = 3.0} : <4xbf16>\n"
           "  %q = div %b, %third : <4xbf16>\n"
           "  store %y, %i, %q\n"
           "  return\n}\n");
  std::vector<Half> x(4, Half(1.0f));
  std::vector<BFloat16> y(4, BFloat16(1.0f));
  RunResult result = run(k.kernel(), {Buffer::of(x), Buffer::of(y), Buffer::zeros(DType::Float32, 4)});
  REQUIRE(result.ok);
  CHECK(result.buffer(2).values<float>() == std::vector<float>(4, 1.0f));
  CHECK(result.buffer(1).values<BFloat16>()[0].bits == BFloat16(1.0f / 3.0f).bits);
}

TEST_CASE("reductions, scans, permutes and argmax over tiles") {
  Parsed k(header("%x: ptr<f32>, %sums: ptr<f32>, %scan: ptr<f32>, %t: ptr<f32>, %arg: ptr<i64>") +
           "  %i = arange {start = 0, end = 6} : <6xi32>\n"
           "  %v = load %x, %i : <6xf32>\n"
           "  %m = reshape %v : <2x3xf32>\n"
           "  %colsum = reduce %m {op = \"sum\", axis = 0} : <3xf32>\n"
           "  %c3 = arange {start = 0, end = 3} : <3xi32>\n"
           "  store %sums, %c3, %colsum\n"
           "  %cs = scan %m {op = \"cumsum\", axis = 1} : <2x3xf32>\n"
           "  %flat = reshape %cs : <6xf32>\n"
           "  store %scan, %i, %flat\n"
           "  %p = permute %m {order = [1, 0]} : <3x2xf32>\n"
           "  %pf = reshape %p : <6xf32>\n"
           "  store %t, %i, %pf\n"
           "  %am = reduce %m {op = \"argmax\", axis = 1} : <2xi64>\n"
           "  %c2 = arange {start = 0, end = 2} : <2xi32>\n"
           "  store %arg, %c2, %am\n"
           "  return\n}\n");
  std::vector<float> x = {1, 5, 2, 7, 3, 7};
  RunResult result = run(k.kernel(), {Buffer::of(x), Buffer::zeros(DType::Float32, 3), Buffer::zeros(DType::Float32, 6),
                                      Buffer::zeros(DType::Float32, 6), Buffer::zeros(DType::Int64, 2)});
  REQUIRE(result.ok);
  CHECK(result.buffer(1).values<float>() == std::vector<float>{8, 8, 9});
  CHECK(result.buffer(2).values<float>() == std::vector<float>{1, 6, 8, 7, 10, 17});
  CHECK(result.buffer(3).values<float>() == std::vector<float>{1, 7, 5, 3, 2, 7});
  CHECK(result.buffer(4).values<int64_t>() == std::vector<int64_t>{1, 0});  // ties keep the first
}

TEST_CASE("dots: batched, 16-bit inputs into a float accumulator, and tf32") {
  Parsed k(header("%a: ptr<f16>, %b: ptr<f16>, %out: ptr<f32>, %x: ptr<f32>, %tf: ptr<f32>") +
           "  %i8 = arange {start = 0, end = 8} : <8xi32>\n"
           "  %av = load %a, %i8 : <8xf16>\n"
           "  %bv = load %b, %i8 : <8xf16>\n"
           "  %a3 = reshape %av : <2x2x2xf16>\n"
           "  %b3 = reshape %bv : <2x2x2xf16>\n"
           "  %zero = const {value = 0.0} : <2x2x2xf32>\n"
           "  %c = dot %a3, %b3, %zero {precision = \"ieee\"} : <2x2x2xf32>\n"
           "  %cf = reshape %c : <8xf32>\n"
           "  store %out, %i8, %cf\n"
           "  %i1 = arange {start = 0, end = 1} : <1xi32>\n"
           "  %xv = load %x, %i1 : <1xf32>\n"
           "  %x2 = reshape %xv : <1x1xf32>\n"
           "  %z2 = const {value = 0.0} : <1x1xf32>\n"
           "  %ieee = dot %x2, %x2, %z2 {precision = \"ieee\"} : <1x1xf32>\n"
           "  %tf32 = dot %x2, %x2, %z2 {precision = \"tf32\"} : <1x1xf32>\n"
           "  %i2 = arange {start = 0, end = 2} : <2xi32>\n"
           "  %both = reshape %ieee : <1xf32>\n"
           "  %both2 = reshape %tf32 : <1xf32>\n"
           "  %zero1 = const {value = 0} : <1xi32>\n"
           "  %one1 = const {value = 1} : <1xi32>\n"
           "  store %tf, %zero1, %both\n"
           "  store %tf, %one1, %both2\n"
           "  return\n}\n");
  std::vector<Half> a, b;
  for (float v : {1, 2, 3, 4, 5, 6, 7, 8}) a.push_back(Half(v));
  for (float v : {1, 0, 0, 1, 2, 1, 1, 2}) b.push_back(Half(v));
  float x = 1.0f + 0x1p-20f;  // below tf32's precision
  RunResult result = run(k.kernel(), {Buffer::of(a), Buffer::of(b), Buffer::zeros(DType::Float32, 8),
                                      Buffer::of(std::vector<float>{x}), Buffer::zeros(DType::Float32, 2)});
  REQUIRE(result.ok);
  // Batch 0: [[1,2],[3,4]] @ I; batch 1: [[5,6],[7,8]] @ [[2,1],[1,2]].
  CHECK(result.buffer(2).values<float>() == std::vector<float>{1, 2, 3, 4, 16, 17, 22, 23});
  CHECK(result.buffer(4).values<float>() == std::vector<float>{x * x, 1.0f});
}

TEST_CASE("loops carry values through swaps and outer values; if picks a branch") {
  // a, b = b, a + b (Fibonacci) with a swap of iter arguments; c stays an outer value.
  Parsed k(header("%out: ptr<i64>, %n: i32") +
           "  %zero = const {value = 0} : i32\n"
           "  %one = const {value = 1} : i32\n"
           "  %a0 = const {value = 0} : i64\n"
           "  %b0 = const {value = 1} : i64\n"
           "  %c0 = const {value = 42} : i64\n"
           "  %a, %b, %c = for %zero, %n, %one, %a0, %b0, %c0 : i64, i64, i64 {\n"
           "  ^bb(%i: i32, %x: i64, %y: i64, %z: i64):\n"
           "    %s = add %x, %y : i64\n"
           "    yield %y, %s, %c0\n"
           "  }\n"
           "  %big = gt %a, %c : i1\n"
           "  %r = if %big : i64 {\n"
           "    yield %a\n"
           "  } else {\n"
           "    %neg = neg %a : i64\n"
           "    yield %neg\n"
           "  }\n"
           "  %o0 = const {value = 0} : i32\n"
           "  %o1 = const {value = 1} : i32\n"
           "  store %out, %o0, %a\n"
           "  store %out, %o1, %r\n"
           "  return\n}\n");
  auto fib = [&](int32_t n) {
    RunResult result = run(k.kernel(), {Buffer::zeros(DType::Int64, 2), Argument::integer(n, DType::Int32)});
    REQUIRE(result.ok);
    return result.buffer(0).values<int64_t>();
  };
  CHECK(fib(0) == std::vector<int64_t>{0, 0});
  CHECK(fib(10) == std::vector<int64_t>{55, 55});
  CHECK(fib(9) == std::vector<int64_t>{34, -34});
}

TEST_CASE("a grid extent from a scalar parameter, i64 offsets and program ids") {
  Parsed k(header("%out: ptr<i32>, %n: i64", "[%n / 4, 3 / 1]") +
           "  %p0 = program_id {axis = 0} : i32\n"
           "  %p1 = program_id {axis = 1} : i32\n"
           "  %np = num_programs {axis = 0} : i32\n"
           "  %row = mul %p1, %np : i32\n"
           "  %at = add %row, %p0 : i32\n"
           "  %wide = cast %at : i64\n"
           "  %ten = const {value = 10} : i32\n"
           "  %v = mul %p1, %ten : i32\n"
           "  store %out, %wide, %v\n"
           "  return\n}\n");
  RunResult result = run(k.kernel(), {Buffer::zeros(DType::Int32, 9), Argument::integer(10)});  // 3 x 3 programs
  REQUIRE(result.ok);
  CHECK(result.buffer(0).values<int32_t>() == std::vector<int32_t>{0, 0, 0, 10, 10, 10, 20, 20, 20});
}

TEST_CASE("print writes the format and each value") {
  Parsed k(header("%n: i32") +
           "  %i = arange {start = 0, end = 4} : <4xi32>\n"
           "  %m = reshape %i : <2x2xi32>\n"
           "  %h = const {value = 0.5} : f32\n"
           "  %t = const {value = 1} : <2xi1>\n"
           "  print %n, %m, %h, %t {format = \"values: \"}\n"
           "  return\n}\n");
  std::ostringstream out;
  DiagnosticEngine diags([](const Diagnostic& d) { FAIL(DiagnosticEngine::render(d)); });
  cpu::ExecOptions options;
  options.printTo = &out;
  REQUIRE(cpu::execute(k.kernel(), {Argument::integer(7, DType::Int32)}, diags, options));
  CHECK(out.str() == "values: 7 [[0, 1], [2, 3]] 0.5 [True, True]\n");
}

TEST_CASE("run-time faults: division by zero, out-of-bounds stores and atomics, loop steps") {
  auto errorOf = [](const std::string& body, std::vector<Arg> args) {
    Parsed k(header("%p: ptr<i32>, %n: i32") + body + "  return\n}\n");
    RunResult result = runOnce(k.kernel(), std::move(args));
    REQUIRE(!result.ok);
    REQUIRE(result.errors.size() == 1);
    return result.errors[0];
  };
  std::vector<Arg> args = {Buffer::zeros(DType::Int32, 4), Argument::integer(0, DType::Int32)};
  CHECK_THAT(errorOf("  %one = const {value = 1} : i32\n  %q = floor_divide %one, %n : i32\n", args),
             Catch::StartsWith("test.tir:3:3: error: integer division or modulo by zero"));
  CHECK_THAT(errorOf("  %i = arange {start = 2, end = 6} : <4xi32>\n  store %p, %i, %i\n", args),
             Catch::StartsWith("test.tir:3:3: error: out-of-bounds store to 'p': element 4 of 4"));
  CHECK_THAT(errorOf("  %i = const {value = -1} : i32\n  %o = atomic %p, %i, %i {op = \"max\"} : i32\n", args),
             Catch::StartsWith("test.tir:3:3: error: out-of-bounds atomic update of 'p': element -1 of 4"));
  CHECK_THAT(errorOf("  %z = const {value = 0} : i32\n  for %z, %z, %n {\n  ^bb(%i: i32):\n    yield\n  }\n", args),
             Catch::StartsWith("test.tir:3:3: error: loop step must be positive, got 0"));
}

TEST_CASE("masked-off lanes touch no memory and read `other`") {
  Parsed k(header("%x: ptr<f32>, %out: ptr<f32>") +
           "  %i = arange {start = 0, end = 8} : <8xi32>\n"
           "  %far = const {value = 1000000} : <8xi32>\n"
           "  %four = const {value = 4} : <8xi32>\n"
           "  %real = lt %i, %four : <8xi1>\n"
           "  %o = select %real, %i, %far : <8xi32>\n"
           "  %other = const {value = -1.0} : <8xf32>\n"
           "  %v = load %x, %o, %real, %other : <8xf32>\n"
           "  store %out, %i, %v\n"
           "  store %x, %o, %v, %real\n"
           "  return\n}\n");
  RunResult result = run(k.kernel(), {Buffer::of(std::vector<float>{1, 2, 3, 4}), Buffer::zeros(DType::Float32, 8)});
  REQUIRE(result.ok);
  CHECK(result.buffer(1).values<float>() == std::vector<float>{1, 2, 3, 4, -1, -1, -1, -1});
}

TEST_CASE("arguments that do not match the parameters are rejected") {
  Parsed k(header("%x: ptr<f32>, %n: i32") + "  return\n}\n");
  DiagnosticEngine diags([](const Diagnostic&) {});
  std::vector<float> x(4);
  CHECK_THROWS_AS(cpu::execute(k.kernel(), {Argument::pointer(x.data(), 4, DType::Float32)}, diags),
                  std::invalid_argument);
  CHECK_THROWS_AS(cpu::execute(k.kernel(), {Argument::pointer(x.data(), 4, DType::Int32), Argument::integer(1)}, diags),
                  std::invalid_argument);
  CHECK(cpu::execute(k.kernel(), {Argument::pointer(x.data(), 4, DType::Float32), Argument::integer(1)}, diags));
}
