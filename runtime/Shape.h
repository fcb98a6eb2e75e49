// Shapes, strides and dims: the arithmetic every tensor op shares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hel {

// Sizes, or strides in elements, outermost dim first.
using Shape = std::vector<int64_t>;

int64_t numelOf(const Shape& shape);
// Row-major (C order) strides.
Shape contiguousStrides(const Shape& shape);
// Maps a possibly negative dim into [0, rank); a 0-dim tensor accepts -1 and 0, as in
// PyTorch. Error: "Dimension out of range (expected to be in range of [-2, 1], but got 2)".
int64_t wrapDim(int64_t dim, int64_t rank);
// Broadcasting, as torch.broadcast_shapes. Error: "The size of tensor a (3) must match
// the size of tensor b (4) at non-singleton dimension 0".
Shape broadcastShapes(const Shape& a, const Shape& b);
// Whether `from` broadcasts to exactly `to` (as an expand would).
bool expandsTo(const Shape& from, const Shape& to);
// "[2, 3]", as PyTorch prints sizes in messages.
std::string shapeStr(const Shape& shape);
// "2x3", as matmul messages print matrices.
std::string matrixStr(const Shape& shape);

}  // namespace hel
