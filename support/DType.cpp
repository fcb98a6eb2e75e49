#include "support/DType.h"

#include <cstring>

namespace hel {
namespace {

struct DTypeNames {
  std::string_view bare, shortName, scalarType, cpp, npy;
};

// Indexed by DType.
constexpr DTypeNames kNames[kNumDTypes] = {
    {"bool", "bool", "Bool", "bool", "|b1"},
    {"uint8", "u8", "Byte", "unsigned char", "|u1"},
    {"int8", "i8", "Char", "signed char", "|i1"},
    {"int16", "i16", "Short", "short int", "<i2"},
    {"int32", "i32", "Int", "int", "<i4"},
    {"int64", "i64", "Long", "long int", "<i8"},
    {"float16", "f16", "Half", "c10::Half", "<f2"},
    {"bfloat16", "bf16", "BFloat16", "c10::BFloat16", "bfloat16"},
    {"float32", "f32", "Float", "float", "<f4"},
    {"float64", "f64", "Double", "double", "<f8"},
};

// Names for the same dtypes that PyTorch also accepts (torch.half is torch.float16).
struct Alias {
  std::string_view name;
  DType dtype;
};
constexpr Alias kAliases[] = {
    {"half", DType::Float16}, {"float", DType::Float32}, {"double", DType::Float64},
    {"short", DType::Int16},  {"int", DType::Int32},     {"long", DType::Int64},
};

const DTypeNames& names(DType dtype) { return kNames[static_cast<int>(dtype)]; }

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace

std::string_view dtypeName(DType dtype) {
  static constexpr std::string_view kTorchNames[kNumDTypes] = {
      "torch.bool",    "torch.uint8",    "torch.int8",     "torch.int16",   "torch.int32",
      "torch.int64",   "torch.float16",  "torch.bfloat16", "torch.float32", "torch.float64",
  };
  return kTorchNames[static_cast<int>(dtype)];
}
std::string_view dtypeBareName(DType dtype) { return names(dtype).bare; }
std::string_view dtypeShortName(DType dtype) { return names(dtype).shortName; }
std::string_view dtypeScalarTypeName(DType dtype) { return names(dtype).scalarType; }
std::string_view dtypeCppName(DType dtype) { return names(dtype).cpp; }
std::string_view npyDescr(DType dtype) { return names(dtype).npy; }

std::optional<DType> parseDType(std::string_view name) {
  constexpr std::string_view kTorch = "torch.";
  if (name.substr(0, kTorch.size()) == kTorch) name.remove_prefix(kTorch.size());
  for (int i = 0; i < kNumDTypes; ++i) {
    const DTypeNames& n = kNames[i];
    if (name == n.bare || name == n.shortName) return static_cast<DType>(i);
  }
  for (const Alias& alias : kAliases) {
    if (name == alias.name) return alias.dtype;
  }
  return std::nullopt;
}

std::optional<NpyType> parseNpyDescr(std::string_view descr) {
  if (descr == "bfloat16") return NpyType{DType::BFloat16, false};
  if (descr.size() != 3) return std::nullopt;
  char order = descr[0];
  if (order != '<' && order != '>' && order != '=' && order != '|') return std::nullopt;
  std::string_view kindAndSize = descr.substr(1);
  for (int i = 0; i < kNumDTypes; ++i) {
    auto dtype = static_cast<DType>(i);
    std::string_view npy = kNames[i].npy;
    if (npy.size() == 3 && npy.substr(1) == kindAndSize) {
      // '|' (not applicable) only makes sense for one-byte types.
      if (order == '|' && itemSize(dtype) != 1) return std::nullopt;
      return NpyType{dtype, order == '>' && itemSize(dtype) > 1};
    }
  }
  return std::nullopt;
}

DType promoteTypes(DType a, DType b) {
  if (a == b) return a;
  if (a > b) std::swap(a, b);  // now a < b in category-then-width order
  if (a == DType::Bool) return b;
  if (isFloating(a)) {
    // Both floating: float16 and bfloat16 have no common 16-bit type.
    return a == DType::Float16 && b == DType::BFloat16 ? DType::Float32 : b;
  }
  if (isFloating(b)) return b;
  // Both integers, a narrower than b unless a is uint8: uint8 needs a signed type
  // wider than 8 bits to meet int8.
  return a == DType::UInt8 && b == DType::Int8 ? DType::Int16 : b;
}

bool canCast(DType from, DType to) {
  if (isFloating(from) && isIntegral(to, /*includeBool=*/false)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

ResultType& ResultType::tensor(DType dtype, int64_t rank) {
  std::optional<DType>& slot = rank == 0 ? zeroDim_ : dims_;
  slot = slot ? promoteTypes(*slot, dtype) : dtype;
  return *this;
}

ResultType& ResultType::scalar(ScalarKind kind) {
  DType dtype = kind == ScalarKind::Bool ? DType::Bool : kind == ScalarKind::Int ? DType::Int64 : kDefaultFloat;
  scalars_ = scalars_ ? promoteTypes(*scalars_, dtype) : dtype;
  return *this;
}

namespace {
// PyTorch's combine_categories: `higher` comes from the operands of higher priority.
std::optional<DType> combineCategories(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower || isFloating(*higher)) return higher;
  if (*higher == DType::Bool || isFloating(*lower)) return promoteTypes(*higher, *lower);
  return higher;
}
}  // namespace

DType ResultType::get() const { return *combineCategories(dims_, combineCategories(zeroDim_, scalars_)); }

// ---- 16-bit floats -------------------------------------------------------------------

uint16_t floatToHalfBits(float value) {
  uint32_t bits = bitsOf(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) {  // NaN: keep it quiet and keep the top payload bits
    return sign | 0x7E00 | static_cast<uint16_t>((magnitude >> 13) & 0x3FF);
  }
  if (magnitude >= 0x477FF000) return sign | 0x7C00;  // >= 65520 rounds to infinity
  if (magnitude < 0x38800000) {                      // below 2^-14: a subnormal half or zero
    uint32_t exponent = magnitude >> 23;
    if (exponent < 102) return sign;  // below 2^-25: rounds to zero
    uint32_t mantissa = (magnitude & 0x7FFFFF) | 0x800000;
    // The value is mantissa * 2^(exponent - 150); in units of 2^-24 that is
    // mantissa >> (126 - exponent).
    uint32_t shift = 126 - exponent;
    uint32_t quotient = mantissa >> shift;
    uint32_t remainder = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (quotient & 1))) ++quotient;
    return sign | static_cast<uint16_t>(quotient);
  }
  // Normal: rebias the exponent (127 -> 15) and round away the low 13 mantissa bits;
  // a carry out of the mantissa correctly bumps the exponent.
  uint32_t rebiased = magnitude - (112u << 23);
  return sign | static_cast<uint16_t>((rebiased + 0xFFF + ((rebiased >> 13) & 1)) >> 13);
}

float halfBitsToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) return floatOf(sign | 0x7F800000 | (mantissa << 13));
  if (exponent == 0) {
    float magnitude = static_cast<float>(mantissa) * 0x1p-24f;  // exact
    return sign ? -magnitude : magnitude;
  }
  return floatOf(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t floatToBFloat16Bits(float value) {
  uint32_t bits = bitsOf(value);
  if ((bits & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

float bfloat16BitsToFloat(uint16_t bits) { return floatOf(static_cast<uint32_t>(bits) << 16); }

}  // namespace hel
