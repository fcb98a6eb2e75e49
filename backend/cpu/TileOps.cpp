#include "backend/cpu/TileOps.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "lower/OpDispatch.h"

namespace hel::cpu {
namespace {

template <class Tag>
using StorageOf = typename Tag::type;

[[noreturn]] void undefined(const char* what) {
  // The verifier admits only ops defined on their dtype.
  throw std::logic_error(std::string("CPU backend: ") + what + " is not defined on this dtype");
}

// ---- strided copies (broadcast, permute) ----

constexpr size_t kMaxRank = 8;

// out[i0, ..., ir] = x[sum of i_d * strides[d]], for out of shape `shape`; a
// stride of 0 repeats the input along that dim.
template <class E>
void gather(const std::vector<int64_t>& shape, const std::array<int64_t, kMaxRank>& strides, const E* x, E* out) {
  size_t rank = shape.size();
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  int64_t inner = shape[rank - 1], innerStride = strides[rank - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= shape[d];
  std::array<int64_t, kMaxRank> index{};
  int64_t base = 0;
  for (int64_t row = 0; row < rows; ++row) {
    const E* from = x + base;
    E* to = out + row * inner;
    if (innerStride == 1) {
      std::memcpy(to, from, static_cast<size_t>(inner) * sizeof(E));
    } else {
      for (int64_t i = 0; i < inner; ++i) to[i] = from[i * innerStride];
    }
    for (size_t d = rank - 1; d-- > 0;) {  // the next row: an odometer over the outer dims
      if (++index[d] < shape[d]) {
        base += strides[d];
        break;
      }
      base -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
}

void gatherBytes(size_t elementSize, const std::vector<int64_t>& shape, const std::array<int64_t, kMaxRank>& strides,
                 const void* x, void* out) {
  switch (elementSize) {
    case 1: return gather(shape, strides, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out));
    case 2: return gather(shape, strides, static_cast<const uint16_t*>(x), static_cast<uint16_t*>(out));
    case 4: return gather(shape, strides, static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out));
    default: return gather(shape, strides, static_cast<const uint64_t*>(x), static_cast<uint64_t*>(out));
  }
}

std::array<int64_t, kMaxRank> rowMajorStrides(const std::vector<int64_t>& shape) {
  if (shape.size() > kMaxRank) throw std::logic_error("CPU backend: tiles of rank above 8 are not supported");
  std::array<int64_t, kMaxRank> strides{};
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

// ---- dot ----

// Rounds a float32 to tf32 (10 mantissa bits), to nearest even; inf and NaN stay.
float toTf32(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7f800000u) != 0x7f800000u) {
    bits += 0xfffu + ((bits >> 13) & 1u);
    bits &= ~0x1fffu;
  }
  std::memcpy(&value, &bits, sizeof bits);
  return value;
}

// The inputs of a dot converted to the accumulator's representation, kept
// between calls so that the hot loop allocates nothing.
template <class A>
std::vector<A>& scratch(int which) {
  thread_local std::vector<A> buffers[2];
  return buffers[which];
}

template <class A, class I>
const A* asAccumulator(const void* input, int64_t count, bool tf32, int which) {
  const auto* values = static_cast<const Repr<I>*>(input);
  if constexpr (std::is_same_v<A, Repr<I>>) {
    if (!tf32) return values;
  }
  std::vector<A>& converted = scratch<A>(which);
  converted.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    A value = static_cast<A>(scalar::convert<A>(values[i]));
    if constexpr (std::is_same_v<A, float>) {
      if (tf32) value = toTf32(value);
    }
    converted[static_cast<size_t>(i)] = value;
  }
  return converted.data();
}

}  // namespace

size_t reprSize(DType dtype) {
  return visitDType(dtype, [](auto tag) { return sizeof(Repr<StorageOf<decltype(tag)>>); });
}

void fillConstant(DType dtype, const tir::Attribute& value, void* out, int64_t n) {
  visitDType(dtype, [&](auto tag) {
    using T = StorageOf<decltype(tag)>;
    Repr<T> x = static_cast<Repr<T>>(tir::constantAs<T>(value));
    std::fill_n(static_cast<Repr<T>*>(out), n, x);
  });
}

void unaryTile(UnaryOp op, DType dtype, const void* x, void* out, int64_t n) {
  withUnaryOp(op, [&](auto kind) {
    visitDType(dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      using R = Repr<T>;
      constexpr UnaryOp kOp = decltype(kind)::value;
      if constexpr (!scalar::kUnaryDefined<kOp, T>) {
        undefined(opInfo(kOp).name.data());
      } else {
        const R* in = static_cast<const R*>(x);
        if constexpr (std::is_same_v<decltype(scalar::unary<kOp>(R{})), bool>) {
          bool* result = static_cast<bool*>(out);
          for (int64_t i = 0; i < n; ++i) result[i] = scalar::unary<kOp>(in[i]);
        } else {
          R* result = static_cast<R*>(out);
          for (int64_t i = 0; i < n; ++i) result[i] = rounded<T>(scalar::unary<kOp>(in[i]));
        }
      }
    });
  });
}

void binaryTile(BinaryOp op, DType dtype, const void* a, const void* b, void* out, int64_t n) {
  withBinaryOp(op, [&](auto kind) {
    visitDType(dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      using R = Repr<T>;
      constexpr BinaryOp kOp = decltype(kind)::value;
      if constexpr (!scalar::kBinaryDefined<kOp, T>) {
        undefined(opInfo(kOp).name.data());
      } else {
        const R* left = static_cast<const R*>(a);
        const R* right = static_cast<const R*>(b);
        if constexpr (std::is_same_v<decltype(scalar::binary<kOp>(R{}, R{})), bool>) {
          bool* result = static_cast<bool*>(out);
          for (int64_t i = 0; i < n; ++i) result[i] = scalar::binary<kOp>(left[i], right[i]);
        } else {
          R* result = static_cast<R*>(out);
          for (int64_t i = 0; i < n; ++i) result[i] = rounded<T>(scalar::binary<kOp>(left[i], right[i]));
        }
      }
    });
  });
}

void castTile(DType from, DType to, const void* x, void* out, int64_t n) {
  visitDType(from, [&](auto fromTag) {
    visitDType(to, [&](auto toTag) {
      using To = StorageOf<decltype(toTag)>;
      const auto* in = static_cast<const Repr<StorageOf<decltype(fromTag)>>*>(x);
      auto* result = static_cast<Repr<To>*>(out);
      for (int64_t i = 0; i < n; ++i) result[i] = static_cast<Repr<To>>(scalar::convert<To>(in[i]));
    });
  });
}

void selectTile(size_t elementSize, const bool* condition, bool scalarCondition, const void* a, const void* b,
                void* out, int64_t n) {
  const auto* left = static_cast<const unsigned char*>(a);
  const auto* right = static_cast<const unsigned char*>(b);
  auto* result = static_cast<unsigned char*>(out);
  if (scalarCondition) {
    std::memcpy(result, condition[0] ? left : right, elementSize * static_cast<size_t>(n));
    return;
  }
  auto pick = [&](auto element) {
    using E = decltype(element);
    const E* l = reinterpret_cast<const E*>(left);
    const E* r = reinterpret_cast<const E*>(right);
    E* o = reinterpret_cast<E*>(result);
    for (int64_t i = 0; i < n; ++i) o[i] = condition[i] ? l[i] : r[i];
  };
  switch (elementSize) {
    case 1: return pick(uint8_t{});
    case 2: return pick(uint16_t{});
    case 4: return pick(uint32_t{});
    default: return pick(uint64_t{});
  }
}

void broadcastTile(size_t elementSize, const std::vector<int64_t>& inShape, const std::vector<int64_t>& outShape,
                   const void* x, void* out) {
  std::array<int64_t, kMaxRank> strides = rowMajorStrides(inShape);
  for (size_t d = 0; d < inShape.size(); ++d)
    if (inShape[d] == 1) strides[d] = 0;
  gatherBytes(elementSize, outShape, strides, x, out);
}

void permuteTile(size_t elementSize, const std::vector<int64_t>& inShape, const std::vector<int64_t>& order,
                 const void* x, void* out) {
  std::array<int64_t, kMaxRank> inStrides = rowMajorStrides(inShape), strides{};
  std::vector<int64_t> outShape(order.size());
  for (size_t d = 0; d < order.size(); ++d) {
    outShape[d] = inShape[static_cast<size_t>(order[d])];
    strides[d] = inStrides[static_cast<size_t>(order[d])];
  }
  gatherBytes(elementSize, outShape, strides, x, out);
}

void reduceTile(ReduceOp op, DType dtype, int64_t outer, int64_t length, int64_t inner, const void* x, void* out) {
  withReduceOp(op, [&](auto kind) {
    visitDType(dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      using R = Repr<T>;
      constexpr ReduceOp kOp = decltype(kind)::value;
      const R* in = static_cast<const R*>(x);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < inner; ++j) {
          const R* lane = in + o * length * inner + j;
          if constexpr (kOp == ReduceOp::ArgMax || kOp == ReduceOp::ArgMin) {
            R best = lane[0];
            int64_t at = 0;
            for (int64_t k = 1; k < length; ++k) {
              if (scalar::argReplaces<kOp>(lane[k * inner], best)) {
                best = lane[k * inner];
                at = k;
              }
            }
            static_cast<int64_t*>(out)[o * inner + j] = at;
          } else if constexpr (kOp == ReduceOp::Mean) {
            undefined("mean (lowered to a sum and a division)");
          } else {
            using A = scalar::ReduceAcc<kOp, R>;
            A acc = scalar::reduceIdentity<kOp, A>();
            for (int64_t k = 0; k < length; ++k)
              acc = scalar::reduceCombine<kOp, A>(acc, static_cast<A>(lane[k * inner]));
            static_cast<R*>(out)[o * inner + j] = static_cast<R>(scalar::convert<T>(acc));
          }
        }
      }
    });
  });
}

void scanTile(ScanOp op, DType dtype, int64_t outer, int64_t length, int64_t inner, const void* x, void* out) {
  withReduceOp(opInfo(op).combine, [&](auto kind) {
    visitDType(dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      using R = Repr<T>;
      constexpr ReduceOp kOp = decltype(kind)::value;
      if constexpr (kOp != ReduceOp::Sum && kOp != ReduceOp::Prod) {
        undefined("a scan that is not a sum or a product");
      } else {
        using A = scalar::ReduceAcc<kOp, R>;
        const R* in = static_cast<const R*>(x);
        R* result = static_cast<R*>(out);
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t j = 0; j < inner; ++j) {
            int64_t first = o * length * inner + j;
            A acc = scalar::reduceIdentity<kOp, A>();
            for (int64_t k = 0; k < length; ++k) {
              acc = scalar::reduceCombine<kOp, A>(acc, static_cast<A>(in[first + k * inner]));
              result[first + k * inner] = static_cast<R>(scalar::convert<T>(acc));
            }
          }
        }
      }
    });
  });
}

void dotTile(DType inputs, DType accumulator, DotPrecision precision, int64_t batch, int64_t m, int64_t n, int64_t k,
             const void* a, const void* b, const void* acc, void* out) {
  bool tf32 = precision == DotPrecision::TF32 && inputs == DType::Float32;
  visitDType(accumulator, [&](auto accTag) {
    using T = StorageOf<decltype(accTag)>;
    using A = Repr<T>;
    visitDType(inputs, [&](auto inTag) {
      using I = StorageOf<decltype(inTag)>;
      if constexpr (std::is_same_v<A, bool> || std::is_same_v<I, bool>) {
        undefined("dot");
      } else {
        const A* left = asAccumulator<A, I>(a, batch * m * k, tf32, 0);
        const A* right = asAccumulator<A, I>(b, batch * k * n, tf32, 1);
        A* result = static_cast<A*>(out);
        std::memcpy(result, acc, sizeof(A) * static_cast<size_t>(batch * m * n));
        for (int64_t p = 0; p < batch; ++p) {
          for (int64_t row = 0; row < m; ++row) {
            A* __restrict to = result + (p * m + row) * n;
            for (int64_t i = 0; i < k; ++i) {
              A factor = left[(p * m + row) * k + i];
              const A* __restrict from = right + (p * k + i) * n;
              for (int64_t col = 0; col < n; ++col) to[col] = scalar::add(to[col], scalar::mul(factor, from[col]));
            }
          }
        }
        if constexpr (!std::is_same_v<A, T>) {
          for (int64_t i = 0; i < batch * m * n; ++i) result[i] = rounded<T>(result[i]);
        }
      }
    });
  });
}

}  // namespace hel::cpu
