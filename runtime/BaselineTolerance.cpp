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

// The root mean square of the finite elements of each run of `rowLength` elements, in
// row-major order (0 for a run with none); all 0 for integer and bool tensors.
std::vector<double> rootMeanSquares(const Tensor& tensor, int64_t rowLength) {
  rowLength = std::max<int64_t>(rowLength, 1);
  std::vector<double> sumOfSquares(static_cast<size_t>(tensor.numel() / rowLength), 0.0);
  if (!isFloating(tensor.dtype()) || tensor.numel() == 0) return sumOfSquares;
  std::vector<int64_t> finite(sumOfSquares.size(), 0);
  detail::LoopPlan plan = detail::planLoop(tensor.shape(), {&tensor}, /*rowMajor=*/true);
  std::byte* bases[] = {tensor.data()};
  int64_t flat = 0;
  visitDType(tensor.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    detail::runLoop(plan, bases, [&](std::byte* const* p, int64_t n, const int64_t* s) {
      for (int64_t i = 0; i < n; ++i, ++flat) {
        T x;
        std::memcpy(&x, p[0] + i * s[0], sizeof(T));
        double value = scalar::convert<double>(x);
        if (!std::isfinite(value)) continue;
        size_t row = static_cast<size_t>(flat / rowLength);
        sumOfSquares[row] += value * value;
        ++finite[row];
      }
    });
  });
  for (size_t row = 0; row < sumOfSquares.size(); ++row)
    sumOfSquares[row] = finite[row] == 0 ? 0 : std::sqrt(sumOfSquares[row] / static_cast<double>(finite[row]));
  return sumOfSquares;
}

}  // namespace

double rootMeanSquare(const Tensor& tensor) {
  std::vector<double> whole = rootMeanSquares(tensor, tensor.numel());
  return whole.empty() ? 0 : whole[0];
}

std::vector<double> rowRootMeanSquares(const Tensor& tensor) {
  return rootMeanSquares(tensor, tensor.dim() == 0 ? 1 : tensor.shape().back());
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
  options.atol = kLooser * atol + rho * std::sqrt(std::max(reductionLength, 1.0)) * rms;
  if (inputRounding > 0) {
    options.rowAtol = rowRootMeanSquares(baseline);
    for (double& rowRms : options.rowAtol) rowRms *= kInputRoundings * inputRounding;
  }
  options.equalNan = true;
  CloseReport report = compareClose(candidate, baseline, options);
  return report.ok ? "" : report.message;
}

}  // namespace hel
