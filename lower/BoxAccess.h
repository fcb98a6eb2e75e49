// box-access: whether a load reads a box of a row-major 2-D tensor, the one
// access a TMA copy (cp.async.bulk.tensor) makes: element (i, j) of a matrix
// tile (leading dims of size 1) at offset origin + i * rowStride + j, and zero
// where the box leaves the tensor (TMA's out-of-bounds fill).
//
// The offsets are split into a linear form of the kernel's scalars (the
// origin) and a constant coefficient per dim; the mask must be a conjunction
// of scalar predicates (a whole box in or out, as a pipelined load past the
// loop's end is) and bounds `index < constant` on the rows or the columns,
// where index is the element's row (column) in the tensor.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "lower/IR.h"

namespace hel::tir {

// constant + sum of coefficient * value, over integer scalars that are not
// themselves sums or constant multiples (program ids, loop ivs, parameters,
// quotients, ...).
struct LinearForm {
  // In the order the analysis met them (so that code computing the form is the
  // same from run to run); no value twice, no zero coefficients.
  std::vector<std::pair<const Value*, int64_t>> terms;
  int64_t constant = 0;

  // The same sum: the same terms in any order.
  bool operator==(const LinearForm& other) const;
  // The coefficient of `value` (0 where it is no term).
  int64_t coefficientOf(const Value* value) const;
  // this + scale * other.
  LinearForm plus(const LinearForm& other, int64_t scale = 1) const;
  LinearForm times(int64_t factor) const;
  bool isConstant() const { return terms.empty(); }
  // this / divisor where every coefficient and the constant are multiples of it; else none.
  std::optional<LinearForm> dividedExactly(int64_t divisor) const;
};

struct BoxAccess {
  int64_t rowStride = 0;        // elements from one row of the tensor to the next
  int64_t columns = 0;          // the tensor's columns: the mask's bound, else rowStride
  std::optional<int64_t> rows;  // its rows, where the mask bounds them
  LinearForm origin;            // the offset of the box's first element
  // That element's row and column in the tensor where the offsets and the
  // mask tell them apart; else none: origin / rowStride and origin % rowStride.
  std::optional<LinearForm> row, column;
  // Scalar i1s: where one is false, the box reads nothing (zeros).
  std::vector<const Value*> predicates;
};

// The box a load (pointer, offsets[, mask], no `other`) of a tile with at
// least two dims, all but the last two of size 1, reads; else none.
std::optional<BoxAccess> boxAccess(const Op& load);

}  // namespace hel::tir
