#include "support/ScalarOps.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace hel;
namespace s = hel::scalar;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("integer // and % follow Python's sign rules", "[scalarops]") {
  struct Case {
    int64_t a, b, quotient, remainder;
  };
  // Python: a // b, a % b
  const Case cases[] = {
      {7, 2, 3, 1},   {-7, 2, -4, 1}, {7, -2, -4, -1}, {-7, -2, 3, -1},
      {6, 3, 2, 0},   {-6, 3, -2, 0}, {0, -5, 0, 0},   {1, 7, 0, 1}, {-1, 7, -1, 6},
  };
  for (const Case& c : cases) {
    INFO(c.a << " // " << c.b);
    CHECK(s::floor_divide<int64_t>(c.a, c.b) == c.quotient);
    CHECK(s::remainder<int64_t>(c.a, c.b) == c.remainder);
    CHECK(s::floor_divide<int32_t>(int32_t(c.a), int32_t(c.b)) == c.quotient);
    CHECK(s::remainder<int8_t>(int8_t(c.a), int8_t(c.b)) == c.remainder);
  }
  // The one overflowing quotient wraps; its remainder is 0.
  CHECK(s::floor_divide<int8_t>(-128, -1) == -128);
  CHECK(s::remainder<int8_t>(-128, -1) == 0);
  CHECK(s::floor_divide<int64_t>(std::numeric_limits<int64_t>::min(), -1) == std::numeric_limits<int64_t>::min());
  CHECK(s::floor_divide<uint8_t>(200, 7) == 28);
  CHECK(s::remainder<uint8_t>(200, 7) == 4);
  CHECK_THROWS_AS(s::floor_divide<int32_t>(1, 0), s::ZeroDivisionError);
  CHECK_THROWS_WITH(s::remainder<int64_t>(1, 0), "ZeroDivisionError");
}

TEST_CASE("floating // and % follow Python's sign rules", "[scalarops]") {
  CHECK(s::floor_divide(7.5, 2.0) == 3.0);
  CHECK(s::floor_divide(-7.5, 2.0) == -4.0);
  CHECK(s::floor_divide(7.5, -2.0) == -4.0);
  CHECK(s::remainder(7.5, -2.0) == -0.5);
  CHECK(s::remainder(-7.5, 2.0) == 0.5);
  CHECK(s::remainder(5.0f, 2.5f) == 0.0f);
  CHECK(std::signbit(s::floor_divide(0.0, -3.0)));  // Python: 0.0 // -3 == -0.0
  CHECK(s::floor_divide(1.0, 0.0) == kInf);
  CHECK(std::isnan(s::remainder(1.0, 0.0)));
  CHECK(s::floor_divide(-1e-300, 1e300) == -1.0);
}

TEST_CASE("integer arithmetic wraps at the dtype's width", "[scalarops]") {
  CHECK(s::add<int8_t>(127, 1) == -128);
  CHECK(s::sub<uint8_t>(0, 1) == 255);
  CHECK(s::mul<int16_t>(300, 300) == static_cast<int16_t>(90000 - 65536 * 1));
  CHECK(s::mul<int32_t>(65536, 65536) == 0);
  CHECK(s::add<int64_t>(std::numeric_limits<int64_t>::max(), 1) == std::numeric_limits<int64_t>::min());
  CHECK(s::neg<int32_t>(std::numeric_limits<int32_t>::min()) == std::numeric_limits<int32_t>::min());
  CHECK(s::abs<int8_t>(-128) == -128);
  CHECK(s::abs<int8_t>(-5) == 5);
  CHECK(s::neg<uint8_t>(1) == 255);
  CHECK(s::add<bool>(true, true) == true);
  CHECK(s::mul<bool>(true, false) == false);
}

TEST_CASE("shifts: >> is arithmetic on signed types, out-of-range amounts as PyTorch", "[scalarops]") {
  CHECK(s::bitwise_right_shift<int8_t>(-128, 1) == -64);
  CHECK(s::bitwise_right_shift<int32_t>(-7, 1) == -4);
  CHECK(s::bitwise_right_shift<int32_t>(-1, 100) == -1);
  CHECK(s::bitwise_right_shift<int32_t>(5, 100) == 0);
  CHECK(s::bitwise_right_shift<int32_t>(-5, -1) == -1);
  CHECK(s::bitwise_right_shift<uint8_t>(200, 1) == 100);
  CHECK(s::bitwise_right_shift<uint8_t>(200, 8) == 0);
  CHECK(s::bitwise_left_shift<int8_t>(1, 7) == -128);
  CHECK(s::bitwise_left_shift<int8_t>(1, 8) == 0);
  CHECK(s::bitwise_left_shift<int32_t>(1, 31) == std::numeric_limits<int32_t>::min());
  CHECK(s::bitwise_left_shift<int32_t>(3, -1) == 0);
  CHECK(s::bitwise_left_shift<int64_t>(1, 63) == std::numeric_limits<int64_t>::min());
  // Puzzle 12's 4-bit extraction: (x >> (4 * i)) & 15.
  CHECK(s::bitwise_and<int32_t>(s::bitwise_right_shift<int32_t>(0x7654321F, 4), 15) == 1);
  CHECK(s::bitwise_and<int64_t>(s::bitwise_right_shift<int64_t>(-1, 28), 15) == 15);
  CHECK(s::bitwise_not<int8_t>(0) == -1);
  CHECK(s::bitwise_not<bool>(true) == false);
  CHECK(s::bitwise_xor<bool>(true, true) == false);
}

TEST_CASE("integer pow", "[scalarops]") {
  CHECK(s::pow<int64_t>(2, 10) == 1024);
  CHECK(s::pow<int64_t>(-3, 3) == -27);
  CHECK(s::pow<int64_t>(7, 0) == 1);
  CHECK(s::pow<int64_t>(2, -1) == 0);
  CHECK(s::pow<int64_t>(1, -5) == 1);
  CHECK(s::pow<int64_t>(-1, -3) == -1);
  CHECK(s::pow<int64_t>(-1, -4) == 1);
  CHECK(s::pow<int8_t>(2, 7) == -128);
  CHECK(s::pow<uint8_t>(3, 5) == 243);
  CHECK(s::pow(2.0f, 0.5f) == std::sqrt(2.0f));
}

TEST_CASE("rounding and activations", "[scalarops]") {
  CHECK(s::round(0.5) == 0.0);
  CHECK(s::round(1.5) == 2.0);
  CHECK(s::round(2.5) == 2.0);
  CHECK(s::round(-2.5f) == -2.0f);
  CHECK(std::signbit(s::round(-0.5)));
  CHECK(s::round<int32_t>(7) == 7);
  CHECK(s::floor(-1.5) == -2.0);
  CHECK(s::ceil(-1.5) == -1.0);
  CHECK(s::trunc(-1.5) == -1.0);

  CHECK(s::relu(-1.0f) == 0.0f);
  CHECK(s::relu(2.0f) == 2.0f);
  CHECK(std::isnan(s::relu(kNaN)));
  CHECK(s::relu<int32_t>(-3) == 0);
  CHECK(s::gelu(1.0) == Approx(0.8413447460685429).epsilon(1e-15));
  CHECK(s::gelu(-1.0) == Approx(-0.15865525393145707).epsilon(1e-15));
  CHECK(s::silu(1.0) == Approx(0.7310585786300049).epsilon(1e-15));
  CHECK(s::sigmoid(0.0f) == 0.5f);
  CHECK(s::rsqrt(4.0) == 0.5);
  CHECK(s::sign(-3.0) == -1.0);
  CHECK(s::sign(0.0) == 0.0);
  CHECK(s::sign(kNaN) == 0.0);
  CHECK(s::sign<int8_t>(-7) == -1);
  CHECK(s::sign<uint8_t>(7) == 1);
  CHECK(s::isnan(kNaN));
  CHECK_FALSE(s::isnan<int32_t>(3));
  CHECK(s::isinf(-kInf));
  CHECK(s::logical_not(kNaN) == false);
  CHECK(s::logical_not(0.0f) == true);
}

TEST_CASE("float32 ops compute in float32", "[scalarops]") {
  STATIC_REQUIRE(std::is_same_v<decltype(s::unary<UnaryOp::Exp>(1.0f)), float>);
  STATIC_REQUIRE(std::is_same_v<s::OpMath<Half>, float>);
  STATIC_REQUIRE(std::is_same_v<s::OpMath<BFloat16>, float>);
  STATIC_REQUIRE(std::is_same_v<decltype(s::binary<BinaryOp::Lt>(1.0f, 2.0f)), bool>);
  // 0.1f + 0.2f rounds in float32; the double sum rounded once differs from it.
  CHECK(s::binary<BinaryOp::Add>(0.1f, 0.2f) == 0.1f + 0.2f);
  CHECK(s::unary<UnaryOp::Exp>(1.0f) == Approx(std::exp(1.0)).epsilon(1e-7));
}

TEST_CASE("maximum, minimum and max/min reductions propagate NaN", "[scalarops]") {
  CHECK(std::isnan(s::maximum(kNaN, 1.0)));
  CHECK(std::isnan(s::maximum(1.0, kNaN)));
  CHECK(std::isnan(s::minimum(1.0f, std::numeric_limits<float>::quiet_NaN())));
  CHECK(s::maximum(1.0, 2.0) == 2.0);
  CHECK(s::minimum<int32_t>(-1, 2) == -1);
  CHECK(s::maximum<bool>(false, true) == true);

  double acc = s::reduceIdentity<ReduceOp::Max, double>();
  CHECK(acc == -kInf);
  for (double x : {1.0, kNaN, 3.0}) acc = s::reduceCombine<ReduceOp::Max>(acc, x);
  CHECK(std::isnan(acc));
  CHECK(s::reduceIdentity<ReduceOp::Min, int8_t>() == 127);
  CHECK(s::reduceIdentity<ReduceOp::AMax, uint8_t>() == 0);
  CHECK(s::reduceIdentity<ReduceOp::Prod, int64_t>() == 1);
  STATIC_REQUIRE(std::is_same_v<s::ReduceAcc<ReduceOp::Sum, float>, double>);
  STATIC_REQUIRE(std::is_same_v<s::ReduceAcc<ReduceOp::Sum, int8_t>, int64_t>);
  STATIC_REQUIRE(std::is_same_v<s::ReduceAcc<ReduceOp::Sum, bool>, int64_t>);
  STATIC_REQUIRE(std::is_same_v<s::ReduceAcc<ReduceOp::Max, float>, float>);
}

TEST_CASE("argmax keeps the first maximum, and the first NaN", "[scalarops]") {
  auto argmax = [](std::initializer_list<double> values) {
    int64_t best = 0, i = 0;
    double bestValue = 0;
    for (double v : values) {
      if (i == 0 || s::argReplaces<ReduceOp::ArgMax>(v, bestValue)) {
        best = i;
        bestValue = v;
      }
      ++i;
    }
    return best;
  };
  CHECK(argmax({1, 3, 3, 2}) == 1);
  CHECK(argmax({1, kNaN, 5, kNaN}) == 1);
  CHECK(argmax({-kInf, -kInf}) == 0);
  CHECK(s::argReplaces<ReduceOp::ArgMin>(1.0, 2.0));
  CHECK_FALSE(s::argReplaces<ReduceOp::ArgMin>(2.0, 2.0));
}

TEST_CASE("conversions between dtypes", "[scalarops]") {
  CHECK(s::convert<int32_t>(3.7) == 3);
  CHECK(s::convert<int32_t>(-3.7f) == -3);
  CHECK(s::convert<int8_t>(300.0f) == 44);
  CHECK(s::convert<uint8_t>(int64_t(-1)) == 255);
  CHECK(s::convert<uint8_t>(256) == 0);
  CHECK(s::convert<int64_t>(1e20) == std::numeric_limits<int64_t>::min());
  CHECK(s::convert<int64_t>(kNaN) == std::numeric_limits<int64_t>::min());
  CHECK(s::convert<bool>(kNaN) == true);
  CHECK(s::convert<bool>(-0.0) == false);
  CHECK(s::convert<bool>(int8_t(2)) == true);
  CHECK(s::convert<double>(true) == 1.0);
  CHECK(s::convert<float>(Half(1.5f)) == 1.5f);
  CHECK(s::convert<int32_t>(BFloat16(-2.75f)) == -2);
  CHECK(s::convert<Half>(65536.0).bits == 0x7C00);
  CHECK(s::convert<BFloat16>(int64_t(257)).bits == BFloat16(256.0f).bits);  // 257 ties to even 256
  CHECK(s::convert<Half>(true).bits == 0x3C00);
  CHECK(s::convert<bool>(Half(0.0f)) == false);
}
