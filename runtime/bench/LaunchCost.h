// What one launch of a device loop asks of the machine, read off its tile IR: the bytes it
// moves and the floating-point work of its dots. `hel bench` divides them by the time.
//
// Bytes: every tensor the kernel loads from counts its whole size once, and every tensor it
// stores to counts its whole size once more (an atomic update is both). That is the traffic
// of a kernel that touches each element once: what an elementwise kernel, a reduction or a
// softmax must move at the least, and what a memory-bound kernel is judged by. Re-reads
// (of a matmul's operands, say) are not counted, so for those the figure is a floor.
//
// FLOPs: 2 * M * N * K for each dot of an M x K by a K x N tile (times the batch), times the
// trip counts of the loops around it, times the number of programs. Tiles are counted whole,
// so where a dim does not divide by its block size the padding counts too. A loop at the
// kernel's top level whose bounds are index math on the program ids (causal attention's
// keys, split_tail's pieces of K) counts its iterations program by program. Unknown (and
// not reported) where a loop around a dot has other bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "lower/IR.h"

namespace hel::bench {

// How a kernel uses one of its parameters.
struct ParamUse {
  bool reads = false;   // loaded from (or atomically updated)
  bool writes = false;  // stored to (or atomically updated)
  bool atomic = false;
};

std::vector<ParamUse> paramUses(const tir::Kernel& kernel);

// Whether running the kernel again leaves memory as the first run left it, so that it can be
// repeated for timing without saving what it writes: no atomics, and no parameter both read
// and written. (Two parameters that are views of one tensor are the caller's to check.)
bool isRepeatable(const std::vector<ParamUse>& uses);

struct LaunchCost {
  double bytes = 0;
  // 0 where the kernel has no dot; nullopt where it has one whose count is unknown.
  std::optional<double> flops = 0;
  // The operands' dtype of the kernel's (first) dot, for the peak it is judged by.
  std::optional<DType> dotInput;
};

// `paramBytes`: per parameter, the size in bytes of the tensor a pointer parameter points to
// (ignored for scalars); `paramInts`: per parameter, the value of an integer scalar (ignored
// for pointers), for grid extents and loop bounds that are parameters.
LaunchCost launchCost(const tir::Kernel& kernel, const std::vector<int64_t>& paramBytes,
                      const std::vector<int64_t>& paramInts);

// The programs a launch runs: the product over the grid's axes of ceil(extent / block).
int64_t programCount(const tir::Kernel& kernel, const std::vector<int64_t>& paramInts);

}  // namespace hel::bench
