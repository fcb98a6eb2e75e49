#include "runtime/BaselineTolerance.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/AssertClose.h"
#include "runtime/Kernels.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

// How much looser than assert_close a candidate may be, element by element.
constexpr double kLooser = 10;
constexpr double kInputRoundings = 8;  // deviations of a dot with rounded inputs (the header)

}  // namespace

double rootMeanSquare(const Tensor& tensor) {
  if (!isFloating(tensor.dtype()) || tensor.numel() == 0) return 0;
  double sumOfSquares = 0;
  int64_t finite = 0;
  detail::LoopPlan plan = detail::planLoop(tensor.shape(), {&tensor});
  std::byte* bases[] = {tensor.data()};
  visitDType(tensor.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    detail::runLoop(plan, bases, [&](std::byte* const* p, int64_t n, const int64_t* s) {
      for (int64_t i = 0; i < n; ++i) {
        T x;
        std::memcpy(&x, p[0] + i * s[0], sizeof(T));
        double value = scalar::convert<double>(x);
        if (!std::isfinite(value)) continue;
        sumOfSquares += value * value;
        ++finite;
      }
    });
  });
  return finite == 0 ? 0 : std::sqrt(sumOfSquares / static_cast<double>(finite));
}

double reductionLength(double elementsRead, double elementsWritten, double dotFlops) {
  if (elementsWritten <= 0) return 1;
  return std::max({1.0, elementsRead / elementsWritten, dotFlops / 2 / elementsWritten});
}

std::string differenceFromBaseline(const Tensor& candidate, const Tensor& baseline, double reductionLength,
                                   double inputRounding) {
  auto [rtol, atol] = defaultTolerances(baseline.dtype());
  // rms is 0 for integers and bool, which must be equal.
  double rho = defaultTolerances(baseline.dtype() == DType::Float64 ? DType::Float64 : DType::Float32).first;
  double rms = rootMeanSquare(baseline);
  CloseOptions options;
  options.rtol = kLooser * rtol;
  options.atol = kLooser * atol + rho * std::sqrt(std::max(reductionLength, 1.0)) * rms + kInputRoundings * inputRounding * rms;
  options.equalNan = true;
  CloseReport report = compareClose(candidate, baseline, options);
  return report.ok ? "" : report.message;
}

}  // namespace hel
