// One device loop's share of a helion.Config: the knobs `hel tune` searches over. A
// kernel's Config numbers block sizes across all its device loops; a LoopConfig holds only
// this loop's, in the order lowering asks for them (the loop's own tile dims, depth
// first), so a tuned loop can be lowered without knowing its neighbours.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace hel::tune {

struct LoopConfig {
  std::vector<int64_t> blockSizes;
  int64_t numWarps = 4;
  std::string pidType = "flat";
  int64_t l2Grouping = 1;          // 1: off
  std::vector<int64_t> loopOrder;  // empty: source order
  int64_t numStages = 1;           // S >= 2: loops load S - 1 iterations ahead (pipeline-loads)

  auto fields() const { return std::tie(blockSizes, numWarps, pidType, l2Grouping, loopOrder, numStages); }
  bool operator==(const LoopConfig& other) const { return fields() == other.fields(); }
  bool operator!=(const LoopConfig& other) const { return !(*this == other); }
  bool operator<(const LoopConfig& other) const { return fields() < other.fields(); }
};

// helion.Config's arguments for `config`, e.g. `block_sizes=[64, 32], num_warps=8`: knobs
// at their defaults (flat pids, no L2 grouping, source loop order) are left out.
// `blockSizes` replaces config.blockSizes (a whole kernel's, for several loops).
std::string configArguments(const LoopConfig& config, const std::vector<int64_t>& blockSizes);
std::string configArguments(const LoopConfig& config);

}  // namespace hel::tune
