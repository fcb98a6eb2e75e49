// The value of every operation of support/Ops.def on one element, and conversions
// between dtypes: the one definition of hel's arithmetic, shared by host tensors and the
// CPU backend's tiles. It follows PyTorch's CPU kernels:
//   - ops compute in OpMath<T>: float16 and bfloat16 in float, rounded when stored;
//     floating math uses the C library in the compute type (float32 stays float32);
//   - integer arithmetic wraps around at the dtype's width; `//` and `%` follow Python's
//     sign rules and raise ZeroDivisionError for a zero divisor; `>>` is arithmetic on
//     signed types; shifts by a negative or too large amount are defined as in PyTorch;
//   - maximum, minimum and the max/min reductions propagate NaN.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "support/DType.h"
#include "support/Ops.h"

namespace hel::scalar {

template <class T>
struct OpMathOf {
  using type = T;
};
template <>
struct OpMathOf<Half> {
  using type = float;
};
template <>
struct OpMathOf<BFloat16> {
  using type = float;
};
// The type an element of storage type T is computed in.
template <class T>
using OpMath = typename OpMathOf<T>::type;

template <class T>
inline constexpr bool kIsBool = std::is_same_v<T, bool>;
template <class T>
inline constexpr bool kIsInt = std::is_integral_v<T> && !kIsBool<T>;
template <class T>
inline constexpr bool kIsFloat = std::is_floating_point_v<T>;

// Integer `//` or `%` by zero. The caller reports it (PyTorch's CPU message is just this).
struct ZeroDivisionError : std::domain_error {
  ZeroDivisionError() : std::domain_error("ZeroDivisionError") {}
};

// Integer results are computed in uint64_t, where overflow is defined, and truncated.
template <class T>
constexpr T wrap(uint64_t value) {
  return static_cast<T>(value);
}

// ---- conversions ---------------------------------------------------------------------
// PyTorch's casts: to bool is `!= 0` (NaN is true); floating to integer truncates toward
// zero; into float16/bfloat16 goes through float. Floating values outside int64 (and NaN)
// are undefined in C++ and PyTorch; here they give INT64_MIN, as x86's cvttsd2si does,
// before wrapping to a narrower type.
template <class To, class From>
To convert(From value) {
  constexpr bool kFrom16 = std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>;
  constexpr bool kTo16 = std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>;
  if constexpr (std::is_same_v<To, From>) {
    return value;
  } else if constexpr (kFrom16) {
    return convert<To>(static_cast<float>(value));
  } else if constexpr (kTo16) {
    return To(convert<float>(value));
  } else if constexpr (kIsBool<To>) {
    return value != From(0);
  } else if constexpr (kIsInt<To> && kIsFloat<From>) {
    bool inRange = value >= From(-0x1p63) && value < From(0x1p63);
    return static_cast<To>(inRange ? static_cast<int64_t>(value) : std::numeric_limits<int64_t>::min());
  } else {
    return static_cast<To>(value);
  }
}

// ---- unary ---------------------------------------------------------------------------
// Each is defined for the compute types its rule in Ops.def admits.

template <class T>
T abs(T x) {
  if constexpr (kIsFloat<T>) return std::abs(x);
  else if constexpr (std::is_signed_v<T>) return x < 0 ? wrap<T>(0 - static_cast<uint64_t>(x)) : x;
  else return x;
}
template <class T>
T neg(T x) {
  if constexpr (kIsFloat<T>) return -x;
  else return wrap<T>(0 - static_cast<uint64_t>(x));
}
template <class T>
T exp(T x) {
  return std::exp(x);
}
template <class T>
T exp2(T x) {
  return std::exp2(x);
}
template <class T>
T log(T x) {
  return std::log(x);
}
template <class T>
T log2(T x) {
  return std::log2(x);
}
template <class T>
T log1p(T x) {
  return std::log1p(x);
}
template <class T>
T sqrt(T x) {
  return std::sqrt(x);
}
template <class T>
T rsqrt(T x) {
  return T(1) / std::sqrt(x);
}
template <class T>
T sin(T x) {
  return std::sin(x);
}
template <class T>
T cos(T x) {
  return std::cos(x);
}
template <class T>
T tanh(T x) {
  return std::tanh(x);
}
template <class T>
T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}
template <class T>
T erf(T x) {
  return std::erf(x);
}
// Rounding ops leave integers as they are.
template <class T>
T floor(T x) {
  if constexpr (kIsFloat<T>) return std::floor(x);
  else return x;
}
template <class T>
T ceil(T x) {
  if constexpr (kIsFloat<T>) return std::ceil(x);
  else return x;
}
// Half to even, in the default rounding mode.
template <class T>
T round(T x) {
  if constexpr (kIsFloat<T>) return std::nearbyint(x);
  else return x;
}
template <class T>
T trunc(T x) {
  if constexpr (kIsFloat<T>) return std::trunc(x);
  else return x;
}
// NaN stays NaN (NaN < 0 is false).
template <class T>
T relu(T x) {
  return x < T(0) ? T(0) : x;
}
// The exact (erf) form, F.gelu's default.
template <class T>
T gelu(T x) {
  constexpr T kSqrtHalf = T(0.70710678118654752440);
  return x * T(0.5) * (T(1) + std::erf(x * kSqrtHalf));
}
template <class T>
T silu(T x) {
  return x / (T(1) + std::exp(-x));
}
// -1, 0 or 1; 0 for NaN, as PyTorch's (0 < x) - (x < 0).
template <class T>
T sign(T x) {
  if constexpr (kIsBool<T>) return x;
  else return static_cast<T>((T(0) < x) - (x < T(0)));
}
template <class T>
bool isnan(T x) {
  if constexpr (kIsFloat<T>) return std::isnan(x);
  else return false;
}
template <class T>
bool isinf(T x) {
  if constexpr (kIsFloat<T>) return std::isinf(x);
  else return false;
}
template <class T>
T bitwise_not(T x) {
  if constexpr (kIsBool<T>) return !x;
  else return wrap<T>(~static_cast<uint64_t>(x));
}
template <class T>
bool logical_not(T x) {
  return !static_cast<bool>(x);
}

// ---- binary --------------------------------------------------------------------------

template <class T>
T add(T a, T b) {
  if constexpr (kIsBool<T>) return a || b;
  else if constexpr (kIsInt<T>) return wrap<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else return a + b;
}
template <class T>
T sub(T a, T b) {
  if constexpr (kIsInt<T>) return wrap<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  else return a - b;
}
template <class T>
T mul(T a, T b) {
  if constexpr (kIsBool<T>) return a && b;
  else if constexpr (kIsInt<T>) return wrap<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else return a * b;
}
// True division; integers are converted to float32 before they get here.
template <class T>
T div(T a, T b) {
  return a / b;
}
// Python's a // b: the floor of the quotient.
template <class T>
T floor_divide(T a, T b) {
  if constexpr (kIsInt<T>) {
    if (b == 0) throw ZeroDivisionError();
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return neg(a);  // INT_MIN / -1 overflows in C++
    }
    T quotient = static_cast<T>(a / b);
    if (a % b != 0 && ((a < 0) != (b < 0))) --quotient;
    return quotient;
  } else {
    // PyTorch's div_floor_floating (CPython's float floordiv).
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T quotient = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) quotient -= T(1);
    if (quotient == 0) return std::copysign(T(0), a / b);
    T floored = std::floor(quotient);
    if (quotient - floored > T(0.5)) floored += T(1);
    return floored;
  }
}
// Python's a % b: the sign of the divisor.
template <class T>
T remainder(T a, T b) {
  if constexpr (kIsInt<T>) {
    if (b == 0) throw ZeroDivisionError();
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return 0;
    }
    T mod = static_cast<T>(a % b);
    if (mod != 0 && ((mod < 0) != (b < 0))) mod = static_cast<T>(mod + b);
    return mod;
  } else {
    T mod = std::fmod(a, b);
    if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
    return mod;
  }
}
// Integers: exact with wrap-around; a negative exponent gives 0 unless the base is 1
// or -1, as PyTorch's powi.
template <class T>
T pow(T base, T exponent) {
  if constexpr (kIsFloat<T>) {
    return std::pow(base, exponent);
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (exponent < 0) {
        if (base == 1) return 1;
        if (base == -1) return exponent % 2 == 0 ? 1 : -1;
        return 0;
      }
    }
    T result = 1;
    while (exponent != 0) {
      if (exponent & 1) result = mul(result, base);
      exponent = static_cast<T>(exponent / 2);
      base = mul(base, base);
    }
    return result;
  }
}
template <class T>
T maximum(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  }
  return a < b ? b : a;
}
template <class T>
T minimum(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  }
  return b < a ? b : a;
}
template <class T>
T atan2(T a, T b) {
  return std::atan2(a, b);
}
template <class T>
T bitwise_and(T a, T b) {
  return static_cast<T>(a & b);
}
template <class T>
T bitwise_or(T a, T b) {
  return static_cast<T>(a | b);
}
template <class T>
T bitwise_xor(T a, T b) {
  return static_cast<T>(a ^ b);
}
// A shift by a negative amount or by the width or more gives 0.
template <class T>
T bitwise_left_shift(T a, T b) {
  constexpr T kMaxShift = sizeof(T) * 8;
  if (static_cast<std::make_signed_t<T>>(b) < 0 || b >= kMaxShift) return 0;
  return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) << b);
}
// Arithmetic on signed types; a shift by a negative amount or by the width or more
// fills with the sign bit.
template <class T>
T bitwise_right_shift(T a, T b) {
  constexpr T kMaxShift = sizeof(T) * 8 - std::is_signed_v<T>;
  if (static_cast<std::make_signed_t<T>>(b) < 0 || b >= kMaxShift) return static_cast<T>(a >> kMaxShift);
  return static_cast<T>(a >> b);
}
template <class T>
bool eq(T a, T b) {
  return a == b;
}
template <class T>
bool ne(T a, T b) {
  return a != b;
}
template <class T>
bool lt(T a, T b) {
  return a < b;
}
template <class T>
bool le(T a, T b) {
  return a <= b;
}
template <class T>
bool gt(T a, T b) {
  return a > b;
}
template <class T>
bool ge(T a, T b) {
  return a >= b;
}
template <class T>
bool logical_and(T a, T b) {
  return static_cast<bool>(a) && static_cast<bool>(b);
}
template <class T>
bool logical_or(T a, T b) {
  return static_cast<bool>(a) || static_cast<bool>(b);
}
template <class T>
bool logical_xor(T a, T b) {
  return static_cast<bool>(a) != static_cast<bool>(b);
}

// ---- dispatch by op ------------------------------------------------------------------

// Whether the op is defined on elements stored as T (by its rule in Ops.def). The
// functions above are called only then, with OpMath<T> values.
template <UnaryOp Op, class T>
inline constexpr bool kUnaryDefined = [] {
  auto dtypes = unaryDTypes(Op, dtypeOf<T>());
  return dtypes && dtypes->compute == dtypeOf<T>();
}();
template <BinaryOp Op, class T>
inline constexpr bool kBinaryDefined = [] {
  auto dtypes = binaryDTypes(Op, dtypeOf<T>());
  return dtypes && dtypes->compute == dtypeOf<T>();
}();

template <UnaryOp Op, class T>
auto unary(T x) {
#define HEL_UNARY_OP(Enum, torch_name, python, Rule) \
  if constexpr (Op == UnaryOp::Enum) return scalar::torch_name(x);   \
  else
#include "support/Ops.def"
  {
    static_assert(sizeof(T) == 0, "unknown unary op");
  }
}

template <BinaryOp Op, class T>
auto binary(T a, T b) {
#define HEL_BINARY_OP(Enum, torch_name, python, Rule) \
  if constexpr (Op == BinaryOp::Enum) return scalar::torch_name(a, b); \
  else
#include "support/Ops.def"
  {
    static_assert(sizeof(T) == 0, "unknown binary op");
  }
}

// ---- reductions and scans ------------------------------------------------------------

// The accumulator of a reduction over compute type T: sums and products of floating
// values accumulate in double, of bool and integers in int64 (wrapping); max and min in
// T itself.
template <ReduceOp Op, class T>
using ReduceAcc = std::conditional_t<Op == ReduceOp::Sum || Op == ReduceOp::Prod || Op == ReduceOp::Mean,
                                     std::conditional_t<kIsFloat<T>, double, int64_t>, T>;

template <ReduceOp Op, class A>
constexpr A reduceIdentity() {
  if constexpr (Op == ReduceOp::Sum || Op == ReduceOp::Mean) {
    return A(0);
  } else if constexpr (Op == ReduceOp::Prod) {
    return A(1);
  } else if constexpr (Op == ReduceOp::Max || Op == ReduceOp::AMax) {
    if constexpr (kIsFloat<A>) return -std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::lowest();
  } else {
    static_assert(Op == ReduceOp::Min || Op == ReduceOp::AMin, "no identity: an index reduction");
    if constexpr (kIsFloat<A>) return std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::max();
  }
}

template <ReduceOp Op, class A>
A reduceCombine(A acc, A x) {
  if constexpr (Op == ReduceOp::Sum || Op == ReduceOp::Mean) return add(acc, x);
  else if constexpr (Op == ReduceOp::Prod) return mul(acc, x);
  else if constexpr (Op == ReduceOp::Max || Op == ReduceOp::AMax) return maximum(acc, x);
  else {
    static_assert(Op == ReduceOp::Min || Op == ReduceOp::AMin, "not combinable: an index reduction");
    return minimum(acc, x);
  }
}

// argmax/argmin scan in index order: whether the element at a later index replaces the
// best so far. Ties keep the first index; the first NaN wins and stays.
template <ReduceOp Op, class T>
bool argReplaces(T candidate, T best) {
  static_assert(Op == ReduceOp::ArgMax || Op == ReduceOp::ArgMin);
  if constexpr (kIsFloat<T>) {
    if (std::isnan(best)) return false;
    if (std::isnan(candidate)) return true;
  }
  return Op == ReduceOp::ArgMax ? best < candidate : candidate < best;
}

}  // namespace hel::scalar
