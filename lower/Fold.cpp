#include "lower/Fold.h"

#include "lower/OpDispatch.h"

namespace hel::tir {
namespace {

template <class T>
Attribute toAttribute(T value) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return static_cast<double>(float(value));
  else if constexpr (std::is_floating_point_v<T>) return static_cast<double>(value);
  else return static_cast<int64_t>(value);
}

// A result of an op on OpMath<T> values, stored as T (booleans stay booleans).
template <class T, class R>
Attribute stored(R result) {
  if constexpr (std::is_same_v<R, bool>) return toAttribute(result);
  else return toAttribute(scalar::convert<T>(result));
}

}  // namespace

std::optional<Attribute> foldUnary(UnaryOp op, DType dtype, const Attribute& x) {
  return withUnaryOp(op, [&](auto kind) {
    return visitDType(dtype, [&](auto tag) -> std::optional<Attribute> {
      using T = typename decltype(tag)::type;
      constexpr UnaryOp kOp = decltype(kind)::value;
      if constexpr (!scalar::kUnaryDefined<kOp, T>) {
        return std::nullopt;
      } else {
        return stored<T>(scalar::unary<kOp>(static_cast<scalar::OpMath<T>>(constantAs<T>(x))));
      }
    });
  });
}

std::optional<Attribute> foldBinary(BinaryOp op, DType dtype, const Attribute& a, const Attribute& b) {
  return withBinaryOp(op, [&](auto kind) {
    return visitDType(dtype, [&](auto tag) -> std::optional<Attribute> {
      using T = typename decltype(tag)::type;
      using M = scalar::OpMath<T>;
      constexpr BinaryOp kOp = decltype(kind)::value;
      if constexpr (!scalar::kBinaryDefined<kOp, T>) {
        return std::nullopt;
      } else {
        try {
          return stored<T>(scalar::binary<kOp>(static_cast<M>(constantAs<T>(a)), static_cast<M>(constantAs<T>(b))));
        } catch (const scalar::ZeroDivisionError&) {
          return std::nullopt;
        }
      }
    });
  });
}

Attribute foldCast(DType from, DType to, const Attribute& x) {
  return visitDType(from, [&](auto fromTag) {
    return visitDType(to, [&](auto toTag) {
      using To = typename decltype(toTag)::type;
      return toAttribute(scalar::convert<To>(constantAs<typename decltype(fromTag)::type>(x)));
    });
  });
}

}  // namespace hel::tir
