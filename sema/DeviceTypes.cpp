#include "sema/DeviceTypes.h"

#include <algorithm>

namespace hel::sema {

int64_t paddedSize(int64_t size) {
  int64_t padded = 1;
  while (padded < size) padded *= 2;
  return padded;
}

std::vector<int64_t> paddedShape(const DimList& dims) {
  std::vector<int64_t> shape;
  for (const Dim& dim : dims) shape.push_back(paddedSize(dim.size));
  return shape;
}

std::string dimsToString(const DimList& dims, const std::vector<std::string>& tileNames) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ", ";
    const Dim& dim = dims[i];
    if (dim.kind == Dim::Kind::Tile)
      out += dim.tile < static_cast<int>(tileNames.size()) ? tileNames[dim.tile] : "tile";
    else
      out += std::to_string(dim.size);
  }
  return out + "]";
}

std::optional<DimList> broadcastDims(const DimList& a, const DimList& b, size_t* conflictFromRight) {
  size_t rank = std::max(a.size(), b.size());
  DimList out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const Dim* x = i < a.size() ? &a[a.size() - 1 - i] : nullptr;
    const Dim* y = i < b.size() ? &b[b.size() - 1 - i] : nullptr;
    Dim result;
    if (!x) result = *y;
    else if (!y) result = *x;
    else if (*x == *y) result = *x;
    else if (x->isOne()) result = *y;
    else if (y->isOne()) result = *x;
    else {
      if (conflictFromRight) *conflictFromRight = i;
      return std::nullopt;
    }
    out[rank - 1 - i] = result;
  }
  return out;
}

DimList reducedDims(const DimList& dims, const std::vector<int64_t>& axes, bool keepdim) {
  DimList out;
  for (size_t i = 0; i < dims.size(); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end();
    if (!reduced) out.push_back(dims[i]);
    else if (keepdim) out.push_back(Dim::constant(1));
  }
  return out;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  return axis;
}

}  // namespace hel::sema
