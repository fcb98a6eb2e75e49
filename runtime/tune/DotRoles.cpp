#include "runtime/tune/DotRoles.h"

#include <algorithm>

namespace hel::tune {

std::vector<int64_t> probeBlockSizes(size_t tileDims) {
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < tileDims; ++i) sizes.push_back(int64_t{2} << i);
  return sizes;
}

void assignDotRoles(const tir::Kernel& probe, const std::vector<int64_t>& probeSizes, std::vector<TileDim>& dims) {
  auto assign = [&](int64_t extent, DotRole role) {
    auto at = std::find(probeSizes.begin(), probeSizes.end(), extent);
    if (at == probeSizes.end()) return;  // a dim of fixed size, not a tile dim
    size_t dim = static_cast<size_t>(at - probeSizes.begin());
    if (dim < dims.size() && dims[dim].dotRole == DotRole::None) dims[dim].dotRole = role;
  };
  tir::walk(probe.body, [&](const tir::Op& op) {
    if (op.kind() != tir::OpKind::Dot) return;
    // <[B..] M x K> @ <[B..] K x N>
    const std::vector<int64_t>& a = op.operand(0)->type().shape;
    const std::vector<int64_t>& b = op.operand(1)->type().shape;
    if (a.size() < 2 || b.size() != a.size()) return;
    size_t rank = a.size();
    for (size_t i = 0; i + 2 < rank; ++i) assign(a[i], DotRole::Batch);
    assign(a[rank - 2], DotRole::M);
    assign(b[rank - 1], DotRole::N);
    assign(a[rank - 1], DotRole::K);
  });
}

}  // namespace hel::tune
