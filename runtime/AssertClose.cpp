#include "runtime/AssertClose.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

// torch.Size([3, 4]), as the attribute messages print shapes.
std::string torchSize(const Shape& shape) { return fmt::format("torch.Size({})", shapeStr(shape)); }

// A Python tuple: (3, 7), (5,), ().
std::string pythonTuple(const Shape& index) {
  if (index.size() == 1) return fmt::format("({},)", index[0]);
  return fmt::format("({})", fmt::join(index, ", "));
}

Shape unravel(int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// torch.isclose on float64 values.
bool isClose(double a, double e, double rtol, double atol, bool equalNan) {
  if (a == e) return true;
  if (equalNan && std::isnan(a) && std::isnan(e)) return true;
  double error = std::abs(a - e);
  return std::isfinite(error) && error <= atol + std::abs(rtol * e);
}

// torch.max's choice: a larger value, or the first NaN.
bool exceeds(double candidate, double best) { return !std::isnan(best) && (std::isnan(candidate) || candidate > best); }

// The statistics of the elements that are not close, in row-major order.
struct Mismatches {
  int64_t count = 0;
  Scalar maxAbs;
  double maxAbsValue = 0, maxRel = 0;
  int64_t maxAbsAt = 0, maxRelAt = 0;
  Scalar actualAtMax, expectedAtMax;

  void add(int64_t at, Scalar actual, Scalar expected, Scalar absDiff, double relDiff) {
    double absValue = absDiff.toDouble();
    if (count == 0 || exceeds(absValue, maxAbsValue)) {
      maxAbs = absDiff;
      maxAbsValue = absValue;
      maxAbsAt = at;
      actualAtMax = actual;
      expectedAtMax = expected;
    }
    if (count == 0 || exceeds(relDiff, maxRel)) {
      maxRel = relDiff;
      maxRelAt = at;
    }
    ++count;
  }
};

// The absolute tolerance of element `flat`: atol, plus its row's entry of
// CloseOptions::rowAtol (rows of `rowLength` elements), where there is one.
double atolOf(int64_t flat, double atol, const std::vector<double>& rowAtol, int64_t rowLength) {
  return rowAtol.empty() ? atol : atol + rowAtol[static_cast<size_t>(flat / rowLength)];
}

// Compares a and e (same shape and dtype) as assert_close does after promoting them to
// float64 or int64.
// `rowAtol`: CloseOptions::rowAtol, for rows of `rowLength` elements.
Mismatches findMismatches(const Tensor& a, const Tensor& e, double rtol, double atol,
                          const std::vector<double>& rowAtol, int64_t rowLength, bool equalNan) {
  Mismatches found;
  detail::LoopPlan plan = detail::planLoop(a.shape(), {&a, &e}, /*rowMajor=*/true);
  std::byte* bases[] = {a.data(), e.data()};
  int64_t flat = 0;
  visitDType(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    detail::runLoop(plan, bases, [&](std::byte* const* p, int64_t n, const int64_t* s) {
      for (int64_t i = 0; i < n; ++i, ++flat) {
        T x, y;
        std::memcpy(&x, p[0] + i * s[0], sizeof(T));
        std::memcpy(&y, p[1] + i * s[1], sizeof(T));
        if constexpr (scalar::kIsFloat<scalar::OpMath<T>>) {
          double actual = scalar::convert<double>(x), expected = scalar::convert<double>(y);
          if (isClose(actual, expected, rtol, atolOf(flat, atol, rowAtol, rowLength), equalNan)) continue;
          double diff = std::abs(actual - expected);
          found.add(flat, actual, expected, diff, diff / std::abs(expected));
        } else {
          int64_t actual = scalar::convert<int64_t>(x), expected = scalar::convert<int64_t>(y);
          int64_t diff = scalar::abs(scalar::sub(actual, expected));
          if (actual == expected ||
              static_cast<double>(diff) <= atol + std::abs(rtol * static_cast<double>(expected))) {
            continue;
          }
          // PyTorch divides the int64 tensors, which computes in float32.
          float rel = static_cast<float>(diff) / static_cast<float>(scalar::abs(expected));
          found.add(flat, actual, expected, diff, rel);
        }
      }
    });
  });
  return found;
}

// PyTorch's _make_mismatch_msg; an empty index prints the scalar form.
std::string mismatchMessage(const std::string& identifier, const std::string& extra, const std::string& absDiff,
                            const std::string& absIndex, const std::string& relDiff, const std::string& relIndex,
                            double rtol, double atol) {
  bool equality = rtol == 0 && atol == 0;
  auto line = [&](const char* type, const std::string& diff, const std::string& index, double tolerance) {
    std::string text = index.empty() ? fmt::format("{}{} difference: {}", char(std::toupper(type[0])), type + 1, diff)
                                     : fmt::format("Greatest {} difference: {} at index {}", type, diff, index);
    if (!equality) text += fmt::format(" (up to {} allowed)", formatPythonFloat(tolerance));
    return text;
  };
  return fmt::format("{} are not {}!\n\n{}\n{}\n{}", identifier, equality ? "equal" : "close", extra,
                     line("absolute", absDiff, absIndex, atol), line("relative", relDiff, relIndex, rtol));
}

}  // namespace

std::pair<double, double> defaultTolerances(DType dtype) {
  switch (dtype) {
    case DType::Float16: return {1e-3, 1e-5};
    case DType::BFloat16: return {1.6e-2, 1e-5};
    case DType::Float32: return {1.3e-6, 1e-5};
    case DType::Float64: return {1e-7, 1e-7};
    default: return {0, 0};
  }
}

CloseReport compareClose(const Tensor& actual, const Tensor& expected, const CloseOptions& options) {
  check(options.rtol.has_value() == options.atol.has_value(),
        "Both 'rtol' and 'atol' must be either specified or omitted, but got no {}.", options.rtol ? "atol" : "rtol");
  CloseReport report;
  auto attributeMismatch = [&](const char* attribute, const std::string& a, const std::string& e) {
    report.ok = false;
    report.message = fmt::format("The values for attribute '{}' do not match: {} != {}.", attribute, a, e);
    return report;
  };
  if (actual.shape() != expected.shape()) {
    return attributeMismatch("shape", torchSize(actual.shape()), torchSize(expected.shape()));
  }
  if (options.checkDevice && actual.device() != expected.device()) {
    return attributeMismatch("device", actual.device().str(), expected.device().str());
  }
  if (options.checkDtype && actual.dtype() != expected.dtype()) {
    return attributeMismatch("dtype", std::string(dtypeName(actual.dtype())), std::string(dtypeName(expected.dtype())));
  }
  if (actual.isMeta() || expected.isMeta()) return report;

  auto [actualRtol, actualAtol] = defaultTolerances(actual.dtype());
  auto [expectedRtol, expectedAtol] = defaultTolerances(expected.dtype());
  report.rtol = options.rtol.value_or(std::max(actualRtol, expectedRtol));
  report.atol = options.atol.value_or(std::max(actualAtol, expectedAtol));
  report.total = actual.numel();
  DType common = promoteTypes(actual.dtype(), expected.dtype());
  int64_t rowLength = actual.dim() == 0 ? 1 : actual.shape().back();
  check(options.rowAtol.empty() || static_cast<int64_t>(options.rowAtol.size()) * rowLength == report.total,
        "rowAtol must have one entry per row along the last dim");
  Mismatches found = findMismatches(actual.to(common), expected.to(common), report.rtol, report.atol, options.rowAtol,
                                    rowLength, options.equalNan);
  if (found.count == 0) return report;
  // What the element of the greatest difference was allowed, as the message says.
  double allowedAtMaxAbs = atolOf(found.maxAbsAt, report.atol, options.rowAtol, rowLength);

  report.ok = false;
  report.mismatched = found.count;
  report.maxAbsDiff = found.maxAbs;
  report.maxAbsIndex = unravel(found.maxAbsAt, actual.shape());
  report.maxRelDiff = found.maxRel;
  report.maxRelIndex = unravel(found.maxRelAt, actual.shape());
  report.actualAtMaxAbs = found.actualAtMax;
  report.expectedAtMaxAbs = found.expectedAtMax;
  if (actual.dim() == 0) {
    // PyTorch's make_scalar_mismatch_msg, on Python numbers (so int / int is float64).
    double expectedValue = found.expectedAtMax.toDouble();
    double rel = expectedValue == 0 ? INFINITY : found.maxAbs.toDouble() / std::abs(expectedValue);
    report.message = mismatchMessage(
        "Scalars",
        fmt::format("Expected {} but got {}.", found.expectedAtMax.repr(), found.actualAtMax.repr()),
        found.maxAbs.repr(), "", formatPythonFloat(rel), "", report.rtol, allowedAtMaxAbs);
  } else {
    double fraction = static_cast<double>(found.count) / static_cast<double>(report.total);
    report.message = mismatchMessage(
        "Tensor-likes",
        fmt::format("Mismatched elements: {} / {} ({:.1f}%)", found.count, report.total, fraction * 100),
        found.maxAbs.repr(), pythonTuple(report.maxAbsIndex), formatPythonFloat(found.maxRel),
        pythonTuple(report.maxRelIndex), report.rtol, allowedAtMaxAbs);
  }
  return report;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equalNan) {
  check(a.dtype() == b.dtype(), "{} did not match {}", dtypeScalarTypeName(a.dtype()), dtypeScalarTypeName(b.dtype()));
  detail::commonDevice({&a, &b});
  Shape shape = broadcastShapes(a.shape(), b.shape());
  check(!a.isMeta() && !b.isMeta(), "allclose() needs the values of its tensors; meta tensors have none");
  Tensor x = a.expand(shape), y = b.expand(shape);
  detail::LoopPlan plan = detail::planLoop(shape, {&x, &y});
  std::byte* bases[] = {x.data(), y.data()};
  bool close = true;
  visitDType(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    detail::runLoop(plan, bases, [&](std::byte* const* p, int64_t n, const int64_t* s) {
      for (int64_t i = 0; i < n && close; ++i) {
        T u, v;
        std::memcpy(&u, p[0] + i * s[0], sizeof(T));
        std::memcpy(&v, p[1] + i * s[1], sizeof(T));
        close = isClose(scalar::convert<double>(u), scalar::convert<double>(v), rtol, atol, equalNan);
      }
    });
  });
  return close;
}

}  // namespace hel
