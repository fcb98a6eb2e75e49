#include "runtime/BaselineTolerance.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

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

BaselineTolerance::BaselineTolerance(Tensor baseline, double reductionLength, double inputRounding)
    : baseline_(std::move(baseline)) {
  auto [rtol, atol] = defaultTolerances(baseline_.dtype());
  // rms is 0 for integers and bool, which must be equal.
  double rho = defaultTolerances(baseline_.dtype() == DType::Float64 ? DType::Float64 : DType::Float32).first;
  double rms = rootMeanSquare(baseline_);
  options_.rtol = kLooser * rtol;
  options_.atol = kLooser * atol + rho * std::sqrt(std::max(reductionLength, 1.0)) * rms;
  if (inputRounding > 0) {
    options_.rowAtol = rowRootMeanSquares(baseline_);
    for (double& rowRms : options_.rowAtol) rowRms *= kInputRoundings * inputRounding;
  }
  options_.equalNan = true;
}

std::string BaselineTolerance::difference(const Tensor& candidate) const {
  // Blocks of the first dim on up to a thread a core, of a million elements or more
  // each; their rows along the last dim are whole, so each takes its share of rowAtol.
  int64_t blocks = 1;
  if (candidate.dim() >= 2 && candidate.shape() == baseline_.shape())
    blocks = std::min({static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())), candidate.shape()[0],
                       candidate.numel() >> 20});
  if (blocks > 1) {
    int64_t first = candidate.shape()[0], rowsPerIndex = candidate.numel() / first / candidate.shape().back();
    std::vector<char> close(static_cast<size_t>(blocks), 0);
    std::vector<std::thread> threads;
    for (int64_t block = 0; block < blocks; ++block)
      threads.emplace_back([&, block] {
        int64_t begin = first * block / blocks, end = first * (block + 1) / blocks;
        CloseOptions options = options_;
        if (!options.rowAtol.empty())
          options.rowAtol.assign(options_.rowAtol.begin() + begin * rowsPerIndex, options_.rowAtol.begin() + end * rowsPerIndex);
        close[static_cast<size_t>(block)] =
            compareClose(candidate.narrow(0, begin, end - begin), baseline_.narrow(0, begin, end - begin), options).ok;
      });
    for (std::thread& thread : threads) thread.join();
    if (std::all_of(close.begin(), close.end(), [](char ok) { return ok != 0; })) return "";
  }
  CloseReport report = compareClose(candidate, baseline_, options_);
  return report.ok ? "" : report.message;
}

std::string differenceFromBaseline(const Tensor& candidate, const Tensor& baseline, double reductionLength,
                                   double inputRounding) {
  return BaselineTolerance(baseline, reductionLength, inputRounding).difference(candidate);
}

}  // namespace hel
