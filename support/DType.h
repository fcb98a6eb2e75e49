// Element types of tensors: PyTorch's names, sizes, categories and type promotion,
// the 16-bit float formats, and the C++ type that stores each dtype.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace hel {

// Declared in PyTorch's category order: bool < integers < floating types.
enum class DType : uint8_t { Bool, UInt8, Int8, Int16, Int32, Int64, Float16, BFloat16, Float32, Float64 };
inline constexpr int kNumDTypes = 10;

// The dtype a Python float becomes in a tensor (torch.get_default_dtype()).
inline constexpr DType kDefaultFloat = DType::Float32;

std::string_view dtypeName(DType dtype);       // "torch.float32", as PyTorch prints it
std::string_view dtypeBareName(DType dtype);   // "float32", as case.toml writes it
std::string_view dtypeShortName(DType dtype);  // "f32", "bf16", "i64", "u8", "bool"
// PyTorch's ScalarType name ("Float", "Long"), as its "not implemented for" errors print it.
std::string_view dtypeScalarTypeName(DType dtype);
// The C++ type name PyTorch prints in some errors ("float", "long int", "c10::Half").
std::string_view dtypeCppName(DType dtype);
// Accepts the bare and short names, with or without "torch.", and PyTorch's aliases:
// half, float, double, short, int, long.
std::optional<DType> parseDType(std::string_view name);

constexpr size_t itemSize(DType dtype) {
  switch (dtype) {
    case DType::Bool:
    case DType::UInt8:
    case DType::Int8: return 1;
    case DType::Int16:
    case DType::Float16:
    case DType::BFloat16: return 2;
    case DType::Int32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
  }
  return 0;
}
constexpr bool isFloating(DType dtype) { return dtype >= DType::Float16; }
// Bool counts as integral only when asked to, as in c10::isIntegralType.
constexpr bool isIntegral(DType dtype, bool includeBool) {
  return dtype == DType::Bool ? includeBool : !isFloating(dtype);
}
constexpr bool isSigned(DType dtype) { return dtype != DType::Bool && dtype != DType::UInt8; }

// NumPy's array-protocol descr: "|b1", "|u1", "|i1", "<i2", "<i4", "<i8", "<f2", "<f4",
// "<f8". NumPy has no bfloat16; we write "bfloat16", the name ml_dtypes registers, so
// that `import ml_dtypes; np.load(path)` reads it back (NumPy alone rejects it, which
// beats its own choice, '<V2', of silently losing the type).
std::string_view npyDescr(DType dtype);
struct NpyType {
  DType dtype;
  bool bigEndian;
};
// Reads any byte order ('<', '>', '=', '|') of the descrs above; nullopt for others.
std::optional<NpyType> parseNpyDescr(std::string_view descr);

// PyTorch's torch.promote_types: within a category the wider type; across categories
// the higher category; uint8 with int8 gives int16, float16 with bfloat16 float32.
DType promoteTypes(DType a, DType b);

// PyTorch's can_cast: whether an op's result may be written into a tensor of dtype `to`
// (in-place ops, out=): floating to integral and anything but bool to bool are not.
bool canCast(DType from, DType to);

// The kinds of Python number.
enum class ScalarKind { Bool, Int, Float };

// torch.result_type over several operands. Tensors with dimensions take precedence over
// 0-dim tensors, which take precedence over Python scalars; a lower class changes the
// result only when it is of a higher category (bool < integer < floating). So a Python
// float turns an int tensor into float32 but never widens a float16 tensor, and a Python
// int turns a bool tensor into int64.
class ResultType {
 public:
  ResultType& tensor(DType dtype, int64_t rank);
  ResultType& scalar(ScalarKind kind);
  // The promoted dtype; at least one operand must have been added.
  DType get() const;

 private:
  std::optional<DType> dims_, zeroDim_, scalars_;
};

// ---- 16-bit floats -------------------------------------------------------------------
// Conversions from float round to nearest, ties to even; NaN stays NaN.
uint16_t floatToHalfBits(float value);
float halfBitsToFloat(uint16_t bits);
uint16_t floatToBFloat16Bits(float value);
float bfloat16BitsToFloat(uint16_t bits);

// Storage types of float16 and bfloat16. Arithmetic on them is done in float.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  explicit Half(float value) : bits(floatToHalfBits(value)) {}
  operator float() const { return halfBitsToFloat(bits); }
};
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float value) : bits(floatToBFloat16Bits(value)) {}
  operator float() const { return bfloat16BitsToFloat(bits); }
};

// ---- dtype <-> C++ type --------------------------------------------------------------
template <class T>
struct TypeTag {
  using type = T;
};

template <class T>
constexpr DType dtypeOf() {
  if constexpr (std::is_same_v<T, bool>) return DType::Bool;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::UInt8;
  else if constexpr (std::is_same_v<T, int8_t>) return DType::Int8;
  else if constexpr (std::is_same_v<T, int16_t>) return DType::Int16;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::Int32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::Int64;
  else if constexpr (std::is_same_v<T, Half>) return DType::Float16;
  else if constexpr (std::is_same_v<T, BFloat16>) return DType::BFloat16;
  else if constexpr (std::is_same_v<T, float>) return DType::Float32;
  else {
    static_assert(std::is_same_v<T, double>, "not a storage type of a dtype");
    return DType::Float64;
  }
}

// Calls f(TypeTag<T>{}) with T the storage type of `dtype`.
template <class F>
decltype(auto) visitDType(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Bool: return f(TypeTag<bool>{});
    case DType::UInt8: return f(TypeTag<uint8_t>{});
    case DType::Int8: return f(TypeTag<int8_t>{});
    case DType::Int16: return f(TypeTag<int16_t>{});
    case DType::Int32: return f(TypeTag<int32_t>{});
    case DType::Int64: return f(TypeTag<int64_t>{});
    case DType::Float16: return f(TypeTag<Half>{});
    case DType::BFloat16: return f(TypeTag<BFloat16>{});
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: break;
  }
  return f(TypeTag<double>{});
}

}  // namespace hel
