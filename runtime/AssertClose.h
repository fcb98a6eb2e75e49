// torch.testing.assert_close and torch.allclose.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/Tensor.h"

namespace hel {

struct CloseOptions {
  // Both or neither; without them, the defaults for the dtype (defaultTolerances).
  std::optional<double> rtol, atol;
  // Added to atol for the elements of each row along the last dim (row r: flat indices
  // r * size(-1) up to the next row's); empty for none. hel tune's, not assert_close's.
  std::vector<double> rowAtol;
  bool equalNan = false;
  bool checkDtype = true;
  bool checkDevice = true;
};

// The outcome of assert_close. When !ok, `message` is the text of PyTorch's
// AssertionError, e.g.
//   Tensor-likes are not close!
//
//   Mismatched elements: 3 / 8192 (0.0%)
//   Greatest absolute difference: 0.5 at index (3, 7) (up to 1e-05 allowed)
//   Greatest relative difference: 0.25 at index (3, 7) (up to 1.3e-06 allowed)
struct CloseReport {
  bool ok = true;
  std::string message;
  // The rest is set when values were compared (shape, device and dtype matched).
  double rtol = 0, atol = 0;
  int64_t mismatched = 0, total = 0;
  Scalar maxAbsDiff;  // an int for integer and bool tensors
  Shape maxAbsIndex;
  double maxRelDiff = 0;
  Shape maxRelIndex;
  Scalar actualAtMaxAbs, expectedAtMaxAbs;  // the two values at maxAbsIndex
};

// assert_close's (rtol, atol) for a dtype: float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5),
// float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7); exact (0, 0) for integers and bool.
std::pair<double, double> defaultTolerances(DType dtype);

// Compares as torch.testing.assert_close: shape, device and dtype must match (unless
// unchecked), then every |actual - expected| <= atol + rtol * |expected|. Meta tensors
// compare by attributes only. Error (not a report) for only one of rtol and atol.
CloseReport compareClose(const Tensor& actual, const Tensor& expected, const CloseOptions& options = {});

// torch.allclose: broadcasts; the dtypes must be equal ("Float did not match Double").
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false);

}  // namespace hel
