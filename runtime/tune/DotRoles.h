// What each tile dim of a device loop is to its dots (tune::DotRole), for the tensor-core
// seeds of the search. The tile IR knows only concrete shapes, so the loop is lowered
// once with a distinct block size per tile dim (probeBlockSizes), and each dot's dims are
// matched back to tile dims by size. A dim of a fixed size equal to some probe size (a
// whole slice of 16 columns, say) may be taken for that tile dim: the roles only choose
// where the search starts.
#pragma once

#include <cstdint>
#include <vector>

#include "lower/IR.h"
#include "runtime/tune/SearchSpace.h"

namespace hel::tune {

// 2, 4, 8, ...: one power of two per tile dim, none equal.
std::vector<int64_t> probeBlockSizes(size_t tileDims);

// Sets dims[i].dotRole from the dots of `probe`, a kernel lowered with block sizes
// `probeSizes` (one per dim). Dots come in program order; the first that has a dim
// decides its role.
void assignDotRoles(const tir::Kernel& probe, const std::vector<int64_t>& probeSizes, std::vector<TileDim>& dims);

}  // namespace hel::tune
