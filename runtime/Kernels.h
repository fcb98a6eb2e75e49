// Internal to runtime/: the strided loops every host kernel runs on, and helpers shared
// by the op files. Not for use outside runtime/.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <tuple>
#include <utility>

#include "runtime/Tensor.h"
#include "support/OpDispatch.h"
#include "support/Ops.h"

namespace hel::detail {

inline constexpr int kMaxLoopDims = 64;
inline constexpr int kMaxLoopOperands = 4;
// The side of the square blocks in which a loop visits its two innermost dims when
// operands disagree about which of them is contiguous (x.t() + y, x.t().contiguous()).
inline constexpr int64_t kLoopTile = 64;

// A loop over the elements of several tensors of one shape, in the memory order of
// the first: size-1 dims are dropped, dims are ordered by decreasing stride, and
// adjacent dims that are contiguous in every operand are merged, so that contiguous
// tensors become one run. Strides are in bytes.
struct LoopPlan {
  int ndim = 0;
  int operands = 0;
  bool empty = false;
  bool tiled = false;  // visit the two innermost dims in kLoopTile blocks
  int64_t sizes[kMaxLoopDims];
  int64_t strides[kMaxLoopOperands][kMaxLoopDims];
};

// The operands must all have `shape` (expand them first). With rowMajor, dims keep
// their logical order and elements are visited in row-major order.
LoopPlan planLoop(const Shape& shape, const std::vector<const Tensor*>& operands, bool rowMajor = false);

// Calls body(ptrs, n, strides) for each innermost run of n elements: ptrs[k] points at
// operand k's first element of the run, strides[k] is its stride in bytes.
template <class Body>
void runLoop(const LoopPlan& plan, std::byte* const* bases, Body&& body) {
  if (plan.empty) return;
  std::byte* ptrs[kMaxLoopOperands] = {};
  int64_t innerStrides[kMaxLoopOperands] = {};
  for (int k = 0; k < plan.operands; ++k) ptrs[k] = bases[k];
  if (plan.ndim <= 1) {
    for (int k = 0; plan.ndim == 1 && k < plan.operands; ++k) innerStrides[k] = plan.strides[k][0];
    body(static_cast<std::byte* const*>(ptrs), plan.ndim == 1 ? plan.sizes[0] : int64_t{1},
         static_cast<const int64_t*>(innerStrides));
    return;
  }
  // The two innermost dims, rows and columns, form a block; the dims outside it are
  // counted below.
  int rowDim = plan.ndim - 2, colDim = plan.ndim - 1;
  int64_t rows = plan.sizes[rowDim], cols = plan.sizes[colDim];
  for (int k = 0; k < plan.operands; ++k) innerStrides[k] = plan.strides[k][colDim];
  std::byte* run[kMaxLoopOperands] = {};
  auto visitBlock = [&](int64_t row0, int64_t rowEnd, int64_t col0, int64_t colEnd) {
    for (int64_t r = row0; r < rowEnd; ++r) {
      for (int k = 0; k < plan.operands; ++k) run[k] = ptrs[k] + r * plan.strides[k][rowDim] + col0 * innerStrides[k];
      body(static_cast<std::byte* const*>(run), colEnd - col0, static_cast<const int64_t*>(innerStrides));
    }
  };
  int64_t counter[kMaxLoopDims] = {};
  while (true) {
    if (!plan.tiled) {
      visitBlock(0, rows, 0, cols);
    } else {
      for (int64_t row0 = 0; row0 < rows; row0 += kLoopTile) {
        for (int64_t col0 = 0; col0 < cols; col0 += kLoopTile) {
          visitBlock(row0, std::min(row0 + kLoopTile, rows), col0, std::min(col0 + kLoopTile, cols));
        }
      }
    }
    int d = rowDim - 1;
    for (; d >= 0; --d) {
      for (int k = 0; k < plan.operands; ++k) ptrs[k] += plan.strides[k][d];
      if (++counter[d] < plan.sizes[d]) break;
      for (int k = 0; k < plan.operands; ++k) ptrs[k] -= plan.strides[k][d] * plan.sizes[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

template <class R, class... Ins, class F, size_t... I>
void mapRun(std::byte* const* p, int64_t n, const int64_t* s, F& f, std::index_sequence<I...>) {
  if (s[0] == sizeof(R) && ((s[I + 1] == sizeof(Ins)) && ...)) {
    // Typed pointers over contiguous runs let the compiler vectorize.
    R* out = reinterpret_cast<R*>(p[0]);
    std::tuple<const Ins*...> in{reinterpret_cast<const Ins*>(p[I + 1])...};
    for (int64_t i = 0; i < n; ++i) out[i] = f(std::get<I>(in)[i]...);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      *reinterpret_cast<R*>(p[0] + i * s[0]) = f(*reinterpret_cast<const Ins*>(p[I + 1] + i * s[I + 1])...);
    }
  }
}

// out[i] = f(inputs[0][i], ...) for every element of out; R and Ins... are the storage
// types of out and of the inputs, which must already have out's shape.
template <class R, class... Ins, class F>
void mapLoop(const Tensor& out, const std::array<const Tensor*, sizeof...(Ins)>& inputs, F f) {
  static_assert(sizeof...(Ins) < kMaxLoopOperands);
  LoopPlan plan = std::apply(
      [&](auto*... in) { return planLoop(out.shape(), {&out, in...}); }, inputs);
  std::byte* bases[kMaxLoopOperands] = {out.data()};
  for (size_t k = 0; k < inputs.size(); ++k) bases[k + 1] = inputs[k]->data();
  runLoop(plan, bases, [&](std::byte* const* p, int64_t n, const int64_t* s) {
    mapRun<R, Ins...>(p, n, s, f, std::index_sequence_for<Ins...>{});
  });
}

// Calls lane(ptrs, strides, n) once for every lane along `dim`, that is for every index
// of the other dims: ptrs[k] points at operand k's element 0 of the lane, strides[k]
// is operand k's byte stride along dim, n the lane's length. The operands have `shape`
// (an operand expanded along dim has stride 0 there).
template <class Lane>
void forEachLane(const Shape& shape, int64_t dim, std::initializer_list<const Tensor*> operands, Lane&& lane) {
  int64_t n = shape[dim];
  if (n == 0) return;
  std::vector<Tensor> firsts;
  std::vector<const Tensor*> firstPtrs;
  std::byte* bases[kMaxLoopOperands] = {};
  int64_t laneStrides[kMaxLoopOperands] = {};
  int k = 0;
  for (const Tensor* t : operands) {
    firsts.push_back(t->narrow(dim, 0, 1));
    bases[k] = t->data();
    laneStrides[k] = t->strides()[dim] * static_cast<int64_t>(itemSize(t->dtype()));
    ++k;
  }
  for (const Tensor& t : firsts) firstPtrs.push_back(&t);
  Shape outer = shape;
  outer[dim] = 1;
  LoopPlan plan = planLoop(outer, firstPtrs);
  runLoop(plan, bases, [&](std::byte* const* p, int64_t count, const int64_t* s) {
    std::byte* ptrs[kMaxLoopOperands] = {};
    for (int64_t i = 0; i < count; ++i) {
      for (int j = 0; j < k; ++j) ptrs[j] = p[j] + i * s[j];
      lane(static_cast<std::byte* const*>(ptrs), static_cast<const int64_t*>(laneStrides), n);
    }
  });
}

// The view of x with `dim` moved last. Lane ops make it contiguous, so that lanes along
// dim lie in contiguous memory whatever dim is (the copy is a tiled transpose).
Tensor movedLast(const Tensor& x, int64_t dim);
// The inverse: t's last dim moved back to `dim`.
Tensor movedBack(const Tensor& t, int64_t dim);

// One element, read or written through its dtype.
Scalar readElement(DType dtype, const std::byte* p);
// Converts as a cast does (wrapping, truncating).
void writeElement(DType dtype, std::byte* p, Scalar value);
// Error if the value is out of the dtype's range, as PyTorch's fill_ and full check:
// "value cannot be converted to type int8_t without overflow".
void checkFits(Scalar value, DType dtype);

// The device of an op's result. Operands must share one device, except that 0-dim cpu
// tensors go with any device, as in PyTorch: "Expected all tensors to be on the same
// device, but found at least two devices, cuda:0 and cpu!".
Device commonDevice(const std::vector<const Tensor*>& tensors);

// "\"exp\" not implemented for 'Long'", or PyTorch's own words where it has them.
[[noreturn]] void failUnsupportedDType(std::string_view op, DType dtype);

// The dtype promotion of operands, as torch.result_type.
DType resultTypeOf(std::initializer_list<const Operand*> operands);

// An operand as a tensor of `dtype` (a Python scalar becomes a 0-dim cpu tensor).
Tensor operandAs(const Operand& operand, DType dtype);

}  // namespace hel::detail
