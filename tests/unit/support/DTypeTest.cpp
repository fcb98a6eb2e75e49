#include "support/DType.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

using namespace hel;

namespace {

constexpr DType kAll[] = {DType::Bool,    DType::UInt8,    DType::Int8,    DType::Int16,   DType::Int32,
                          DType::Int64,   DType::Float16,  DType::BFloat16, DType::Float32, DType::Float64};

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

}  // namespace

TEST_CASE("dtype names, sizes and categories", "[dtype]") {
  CHECK(dtypeName(DType::Float32) == "torch.float32");
  CHECK(dtypeName(DType::BFloat16) == "torch.bfloat16");
  CHECK(dtypeName(DType::Bool) == "torch.bool");
  CHECK(dtypeShortName(DType::Float16) == "f16");
  CHECK(dtypeShortName(DType::BFloat16) == "bf16");
  CHECK(dtypeShortName(DType::Int32) == "i32");
  CHECK(dtypeShortName(DType::UInt8) == "u8");
  CHECK(dtypeScalarTypeName(DType::Int64) == "Long");
  CHECK(dtypeScalarTypeName(DType::Float32) == "Float");

  CHECK(itemSize(DType::Bool) == 1);
  CHECK(itemSize(DType::BFloat16) == 2);
  CHECK(itemSize(DType::Int32) == 4);
  CHECK(itemSize(DType::Float64) == 8);

  CHECK(isFloating(DType::BFloat16));
  CHECK_FALSE(isFloating(DType::Int64));
  CHECK(isIntegral(DType::Bool, true));
  CHECK_FALSE(isIntegral(DType::Bool, false));
  CHECK(isIntegral(DType::UInt8, false));
  CHECK_FALSE(isIntegral(DType::Float16, true));
  CHECK_FALSE(isSigned(DType::UInt8));
  CHECK_FALSE(isSigned(DType::Bool));
  CHECK(isSigned(DType::Int8));
  CHECK(isSigned(DType::Float16));
}

TEST_CASE("parseDType reads every name and alias", "[dtype]") {
  for (DType d : kAll) {
    CHECK(parseDType(dtypeName(d)) == d);
    CHECK(parseDType(dtypeBareName(d)) == d);
    CHECK(parseDType(dtypeShortName(d)) == d);
  }
  CHECK(parseDType("torch.half") == DType::Float16);
  CHECK(parseDType("float") == DType::Float32);
  CHECK(parseDType("double") == DType::Float64);
  CHECK(parseDType("long") == DType::Int64);
  CHECK(parseDType("int") == DType::Int32);
  CHECK(parseDType("short") == DType::Int16);
  CHECK_FALSE(parseDType("float8"));
  CHECK_FALSE(parseDType("torch."));
  CHECK_FALSE(parseDType(""));
}

TEST_CASE("NumPy descrs", "[dtype]") {
  CHECK(npyDescr(DType::Bool) == "|b1");
  CHECK(npyDescr(DType::UInt8) == "|u1");
  CHECK(npyDescr(DType::Int8) == "|i1");
  CHECK(npyDescr(DType::Int64) == "<i8");
  CHECK(npyDescr(DType::Float16) == "<f2");
  CHECK(npyDescr(DType::Float32) == "<f4");
  CHECK(npyDescr(DType::BFloat16) == "bfloat16");
  for (DType d : kAll) {
    auto parsed = parseNpyDescr(npyDescr(d));
    REQUIRE(parsed);
    CHECK(parsed->dtype == d);
    CHECK_FALSE(parsed->bigEndian);
  }
  auto big = parseNpyDescr(">f4");
  REQUIRE(big);
  CHECK(big->dtype == DType::Float32);
  CHECK(big->bigEndian);
  CHECK(parseNpyDescr("=i4")->dtype == DType::Int32);
  CHECK(parseNpyDescr("<u1")->dtype == DType::UInt8);
  CHECK_FALSE(parseNpyDescr(">u1")->bigEndian);  // one byte has no order
  CHECK_FALSE(parseNpyDescr("|f4"));
  CHECK_FALSE(parseNpyDescr("<c8"));
  CHECK_FALSE(parseNpyDescr("<u4"));
  CHECK_FALSE(parseNpyDescr("<V2"));
  CHECK_FALSE(parseNpyDescr("f4"));
}

TEST_CASE("promoteTypes matches PyTorch's table", "[dtype][promotion]") {
  // torch.promote_types, rows and columns in this order (c10's _promoteTypesLookup).
  using D = DType;
  constexpr D u1 = D::UInt8, i1 = D::Int8, i2 = D::Int16, i4 = D::Int32, i8 = D::Int64, f2 = D::Float16,
              f4 = D::Float32, f8 = D::Float64, b1 = D::Bool, bf = D::BFloat16;
  constexpr D order[] = {u1, i1, i2, i4, i8, f2, f4, f8, b1, bf};
  constexpr D table[10][10] = {
      /* u1 */ {u1, i2, i2, i4, i8, f2, f4, f8, u1, bf},
      /* i1 */ {i2, i1, i2, i4, i8, f2, f4, f8, i1, bf},
      /* i2 */ {i2, i2, i2, i4, i8, f2, f4, f8, i2, bf},
      /* i4 */ {i4, i4, i4, i4, i8, f2, f4, f8, i4, bf},
      /* i8 */ {i8, i8, i8, i8, i8, f2, f4, f8, i8, bf},
      /* f2 */ {f2, f2, f2, f2, f2, f2, f4, f8, f2, f4},
      /* f4 */ {f4, f4, f4, f4, f4, f4, f4, f8, f4, f4},
      /* f8 */ {f8, f8, f8, f8, f8, f8, f8, f8, f8, f8},
      /* b1 */ {u1, i1, i2, i4, i8, f2, f4, f8, b1, bf},
      /* bf */ {bf, bf, bf, bf, bf, f4, f4, f8, bf, bf},
  };
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 10; ++j) {
      INFO(dtypeName(order[i]) << " with " << dtypeName(order[j]));
      CHECK(promoteTypes(order[i], order[j]) == table[i][j]);
    }
  }
}

TEST_CASE("canCast follows PyTorch's can_cast", "[dtype][promotion]") {
  CHECK(canCast(DType::Int64, DType::Float16));
  CHECK(canCast(DType::Float64, DType::Float16));
  CHECK(canCast(DType::Bool, DType::Int8));
  CHECK(canCast(DType::Int64, DType::Int8));
  CHECK_FALSE(canCast(DType::Float32, DType::Int64));
  CHECK_FALSE(canCast(DType::Int32, DType::Bool));
  CHECK_FALSE(canCast(DType::Float32, DType::Bool));
  CHECK(canCast(DType::Bool, DType::Bool));
}

TEST_CASE("result types with Python scalars and 0-dim tensors", "[dtype][promotion]") {
  auto withScalar = [](DType tensor, ScalarKind kind) { return ResultType().tensor(tensor, 1).scalar(kind).get(); };
  // A Python scalar never widens a tensor of the same category.
  CHECK(withScalar(DType::Int8, ScalarKind::Int) == DType::Int8);
  CHECK(withScalar(DType::UInt8, ScalarKind::Int) == DType::UInt8);
  CHECK(withScalar(DType::Float16, ScalarKind::Float) == DType::Float16);
  CHECK(withScalar(DType::BFloat16, ScalarKind::Float) == DType::BFloat16);
  CHECK(withScalar(DType::Int64, ScalarKind::Bool) == DType::Int64);
  CHECK(withScalar(DType::Float32, ScalarKind::Int) == DType::Float32);
  // A higher category takes the default dtype.
  CHECK(withScalar(DType::Int32, ScalarKind::Float) == DType::Float32);
  CHECK(withScalar(DType::Int64, ScalarKind::Float) == DType::Float32);
  CHECK(withScalar(DType::Bool, ScalarKind::Int) == DType::Int64);
  CHECK(withScalar(DType::Bool, ScalarKind::Float) == DType::Float32);
  CHECK(withScalar(DType::Bool, ScalarKind::Bool) == DType::Bool);

  // 0-dim tensors rank below tensors with dims, above Python scalars.
  CHECK(ResultType().tensor(DType::Int32, 2).tensor(DType::Int64, 0).get() == DType::Int32);
  CHECK(ResultType().tensor(DType::Float16, 1).tensor(DType::Float64, 0).get() == DType::Float16);
  CHECK(ResultType().tensor(DType::Int32, 1).tensor(DType::Float64, 0).get() == DType::Float64);
  CHECK(ResultType().tensor(DType::Bool, 1).tensor(DType::Int32, 0).get() == DType::Int32);
  CHECK(ResultType().tensor(DType::UInt8, 1).tensor(DType::Int8, 0).get() == DType::UInt8);
  CHECK(ResultType().tensor(DType::Int64, 0).scalar(ScalarKind::Float).get() == DType::Float32);
  CHECK(ResultType().tensor(DType::Float64, 0).scalar(ScalarKind::Float).get() == DType::Float64);
  CHECK(ResultType().tensor(DType::Int32, 0).tensor(DType::Float16, 0).get() == DType::Float16);
  // Tensors with dims promote among themselves.
  CHECK(ResultType().tensor(DType::Float32, 1).tensor(DType::Float64, 3).get() == DType::Float64);
  CHECK(ResultType().tensor(DType::UInt8, 1).tensor(DType::Int8, 1).get() == DType::Int16);
  // Scalars alone.
  CHECK(ResultType().scalar(ScalarKind::Int).scalar(ScalarKind::Float).get() == DType::Float32);
  CHECK(ResultType().scalar(ScalarKind::Int).get() == DType::Int64);
}

TEST_CASE("float16 conversion rounds to nearest even", "[dtype][half]") {
  CHECK(floatToHalfBits(1.0f) == 0x3C00);
  CHECK(floatToHalfBits(-2.0f) == 0xC000);
  CHECK(floatToHalfBits(65504.0f) == 0x7BFF);
  CHECK(floatToHalfBits(65519.996f) == 0x7BFF);
  CHECK(floatToHalfBits(65520.0f) == 0x7C00);  // the tie rounds up to infinity
  CHECK(floatToHalfBits(1e10f) == 0x7C00);
  CHECK(floatToHalfBits(-std::numeric_limits<float>::infinity()) == 0xFC00);
  CHECK(floatToHalfBits(-0.0f) == 0x8000);
  CHECK(floatToHalfBits(1.0f + 0x1p-11f) == 0x3C00);         // tie to even (down)
  CHECK(floatToHalfBits(1.0f + 3 * 0x1p-11f) == 0x3C02);     // tie to even (up)
  CHECK(floatToHalfBits(0x1p-24f) == 0x0001);                // smallest subnormal
  CHECK(floatToHalfBits(0x1p-25f) == 0x0000);                // tie to even zero
  CHECK(floatToHalfBits(0x1.8p-25f) == 0x0001);
  CHECK(floatToHalfBits(3 * 0x1p-25f) == 0x0002);            // tie to even (up)
  CHECK(floatToHalfBits(0x1p-14f - 0x1p-26f) == 0x0400);     // rounds up into the normals
  uint16_t nan = floatToHalfBits(std::numeric_limits<float>::quiet_NaN());
  CHECK((nan & 0x7C00) == 0x7C00);
  CHECK((nan & 0x3FF) != 0);
  CHECK(std::isnan(halfBitsToFloat(nan)));
  CHECK(halfBitsToFloat(0x0001) == 0x1p-24f);
  CHECK(halfBitsToFloat(0x8001) == -0x1p-24f);
  CHECK(halfBitsToFloat(0x3555) == 0.333251953125f);
}

TEST_CASE("float16: every value round-trips and every midpoint ties to even", "[dtype][half]") {
  for (uint32_t bits = 0; bits < 0x7C00; ++bits) {
    float value = halfBitsToFloat(static_cast<uint16_t>(bits));
    REQUIRE(floatToHalfBits(value) == bits);
    REQUIRE(floatToHalfBits(-value) == (bits | 0x8000));
    if (bits + 1 < 0x7C00) {
      float next = halfBitsToFloat(static_cast<uint16_t>(bits + 1));
      float mid = (value + next) / 2;  // exact in float
      uint32_t even = (bits & 1) ? bits + 1 : bits;
      REQUIRE(floatToHalfBits(mid) == even);
      REQUIRE(floatToHalfBits(std::nextafter(mid, 0.0f)) == bits);
      REQUIRE(floatToHalfBits(std::nextafter(mid, 1e9f)) == bits + 1);
    }
  }
}

TEST_CASE("bfloat16: every value round-trips and every midpoint ties to even", "[dtype][half]") {
  CHECK(floatToBFloat16Bits(1.0f) == 0x3F80);
  CHECK(floatToBFloat16Bits(1.0f + 0x1p-8f) == 0x3F80);
  CHECK(floatToBFloat16Bits(1.0f + 3 * 0x1p-8f) == 0x3F82);
  CHECK(floatToBFloat16Bits(std::numeric_limits<float>::max()) == 0x7F80);
  CHECK(std::isnan(bfloat16BitsToFloat(floatToBFloat16Bits(std::numeric_limits<float>::quiet_NaN()))));
  // A signalling-looking NaN whose payload lies in the low bits must not become infinity.
  float lowNan;
  uint32_t lowNanBits = 0x7F800001;
  std::memcpy(&lowNan, &lowNanBits, 4);
  CHECK(std::isnan(bfloat16BitsToFloat(floatToBFloat16Bits(lowNan))));
  for (uint32_t bits = 0; bits < 0x7F80; ++bits) {
    float value = bfloat16BitsToFloat(static_cast<uint16_t>(bits));
    REQUIRE(floatToBFloat16Bits(value) == bits);
    if (bits + 1 < 0x7F80) {
      float next = bfloat16BitsToFloat(static_cast<uint16_t>(bits + 1));
      float mid = value + (next - value) / 2;  // exact, and no overflow near the top
      REQUIRE(bitsOf(mid) == (bits << 16 | 0x8000));
      uint32_t even = (bits & 1) ? bits + 1 : bits;
      REQUIRE(floatToBFloat16Bits(mid) == even);
    }
  }
  Half h(0.1f);
  CHECK(static_cast<float>(h) == 0.0999755859375f);
  BFloat16 b(0.1f);
  CHECK(static_cast<float>(b) == 0.10009765625f);
}
