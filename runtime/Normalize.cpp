// softmax, log_softmax and layer_norm.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "runtime/TensorOps.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

template <class T>
double loadDouble(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return scalar::convert<double>(value);
}

template <class T>
void storeDouble(std::byte* p, double value) {
  T converted = scalar::convert<T>(value);
  std::memcpy(p, &converted, sizeof(T));
}

// PyTorch's algorithm: exponents computed in the op-math type (float for float32 and
// narrower) after subtracting the lane's max; the sum accumulated in double.
Tensor softmaxAlong(const Tensor& x, int64_t dim, std::optional<DType> dtype, bool log) {
  Tensor input = dtype ? x.to(*dtype) : x;
  if (!isFloating(input.dtype())) detail::failUnsupportedDType(log ? "log_softmax" : "softmax", input.dtype());
  dim = wrapDim(dim, input.dim());
  if (input.isMeta()) return Tensor::empty(input.shape(), input.dtype(), input.device());
  Tensor in = detail::movedLast(input.dim() == 0 ? input.reshape({1}) : input, dim).contiguous();
  Tensor result = Tensor::empty(in.shape(), input.dtype(), input.device());
  visitDType(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = scalar::OpMath<T>;
    if constexpr (scalar::kIsFloat<C>) {
      std::vector<C> lane(static_cast<size_t>(in.shape().back()));
      // Lanes are contiguous in `in` and `result`.
      auto normalize = [&](std::byte* const* p, const int64_t*, int64_t n) {
        const T* src = reinterpret_cast<const T*>(p[0]);
        T* dst = reinterpret_cast<T*>(p[1]);
        C max = -std::numeric_limits<C>::infinity();
        for (int64_t j = 0; j < n; ++j) max = scalar::maximum(max, static_cast<C>(src[j]));
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) {
          C shifted = static_cast<C>(src[j]) - max;
          C e = std::exp(shifted);
          sum += e;
          lane[j] = log ? shifted : e;
        }
        if (log) {
          C logSum = static_cast<C>(std::log(sum));
          for (int64_t j = 0; j < n; ++j) dst[j] = scalar::convert<T>(lane[j] - logSum);
        } else {
          for (int64_t j = 0; j < n; ++j) dst[j] = scalar::convert<T>(static_cast<double>(lane[j]) / sum);
        }
      };
      detail::forEachLane(in.shape(), in.dim() - 1, {&in, &result}, normalize);
    }
  });
  return detail::movedBack(result, dim).contiguous().reshape(input.shape());
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmaxAlong(x, dim, dtype, /*log=*/false);
}

Tensor logSoftmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  return softmaxAlong(x, dim, dtype, /*log=*/true);
}

Tensor layerNorm(const Tensor& x, const Shape& normalizedShape, const Tensor& weight, const Tensor& bias, double eps) {
  size_t k = normalizedShape.size();
  bool matches = k >= 1 && k <= x.shape().size() &&
                 std::equal(normalizedShape.begin(), normalizedShape.end(), x.shape().end() - static_cast<int64_t>(k));
  if (!matches) {
    fail("Given normalized_shape={}, expected input with shape [*, {}], but got input of size{}",
         shapeStr(normalizedShape), fmt::join(normalizedShape, ", "), shapeStr(x.shape()));
  }
  if (weight.defined() && weight.shape() != normalizedShape) {
    fail(
        "Expected weight to be of same shape as normalized_shape, but got weight of shape {} and normalized_shape = {}",
        shapeStr(weight.shape()), shapeStr(normalizedShape));
  }
  if (bias.defined() && bias.shape() != normalizedShape) {
    fail("Expected bias to be of same shape as normalized_shape, but got bias of shape {} and normalized_shape = {}",
         shapeStr(bias.shape()), shapeStr(normalizedShape));
  }
  if (!isFloating(x.dtype())) detail::failUnsupportedDType("layer_norm", x.dtype());
  std::vector<const Tensor*> operands{&x};
  if (weight.defined()) operands.push_back(&weight);
  if (bias.defined()) operands.push_back(&bias);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), detail::commonDevice(operands));
  if (out.isMeta()) return out;

  int64_t n = numelOf(normalizedShape);
  int64_t rows = n == 0 ? 0 : x.numel() / n;
  Tensor in = x.contiguous();
  // Weight and bias as contiguous doubles (an absent one as 1 and 0).
  auto asDoubles = [n](const Tensor& t, double absent) {
    std::vector<double> values(static_cast<size_t>(n), absent);
    if (t.defined()) {
      Tensor d = t.to(DType::Float64).contiguous();
      std::memcpy(values.data(), d.data(), values.size() * sizeof(double));
    }
    return values;
  };
  std::vector<double> w = asDoubles(weight, 1.0), b = asDoubles(bias, 0.0);
  visitDType(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int64_t kItem = sizeof(T);
    for (int64_t r = 0; r < rows; ++r) {
      const std::byte* row = in.data() + r * n * kItem;
      std::byte* outRow = out.data() + r * n * kItem;
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += loadDouble<T>(row + j * kItem);
      double mean = sum / static_cast<double>(n);
      double squares = 0;
      for (int64_t j = 0; j < n; ++j) {
        double centered = loadDouble<T>(row + j * kItem) - mean;
        squares += centered * centered;
      }
      double rstd = 1.0 / std::sqrt(squares / static_cast<double>(n) + eps);
      for (int64_t j = 0; j < n; ++j) {
        storeDouble<T>(outRow + j * kItem, (loadDouble<T>(row + j * kItem) - mean) * rstd * w[j] + b[j]);
      }
    }
  });
  return out;
}

}  // namespace hel
