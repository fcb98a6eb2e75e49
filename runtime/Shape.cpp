#include "runtime/Shape.h"

#include <fmt/format.h>

#include "runtime/Errors.h"

namespace hel {

int64_t numelOf(const Shape& shape) {
  int64_t n = 1;
  for (int64_t size : shape) n *= size;
  return n;
}

Shape contiguousStrides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

int64_t wrapDim(int64_t dim, int64_t rank) {
  int64_t bound = std::max<int64_t>(rank, 1);
  check(dim >= -bound && dim < bound, "Dimension out of range (expected to be in range of [{}, {}], but got {})",
        -bound, bound - 1, dim);
  return dim < 0 ? dim + bound : dim;
}

Shape broadcastShapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Aligned from the last dim.
    size_t fromEnd = rank - 1 - i;
    int64_t sizeA = fromEnd < a.size() ? a[a.size() - 1 - fromEnd] : 1;
    int64_t sizeB = fromEnd < b.size() ? b[b.size() - 1 - fromEnd] : 1;
    check(sizeA == sizeB || sizeA == 1 || sizeB == 1,
          "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}", sizeA,
          sizeB, i);
    out[i] = sizeA == 1 ? sizeB : sizeA;
  }
  return out;
}

bool expandsTo(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  }
  return true;
}

std::string shapeStr(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

std::string matrixStr(const Shape& shape) { return fmt::format("{}", fmt::join(shape, "x")); }

}  // namespace hel
