// The configs `hel tune` may try for one device loop, derived from the loop itself: only
// the knobs that change the code generated for it.
//
// - a block size per tile dim: powers of two up to the dim's size (rounded up), from
//   kMinDotBlockSize for a dot's M, N and K where the dim has that many;
// - num_warps: 1 to 16;
// - pid_type flat or persistent_blocked, for a 1-D grid that can have many more programs
//   than the GPU has SMs; split_tail where an inner loop tiles a dot's K;
// - l2_groupings and loop_orders, only for a grid of two or more dims;
// - num_stages 1 or 2, only for a loop with an inner loop that loads (what the
//   pipeline-loads pass changes); up to 4 where that loop has a dot, whose
//   operands the GPU backend pipelines through shared memory.
// A config must also fit the register budget (withinRegisterBudget), which the
// tuner checks on each candidate's tile IR, and the GPU's shared memory, which it checks
// on its PTX.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/tune/LoopConfig.h"

namespace hel::tune {

// What a tile dim is to the loop's dots (the first dot that has it decides): a
// batch dim, the M, N or K of `<MxK> @ <KxN>`, or none (no dot has it).
enum class DotRole { None, Batch, M, N, K };

struct TileDim {
  int64_t extent = 1;  // the dim's size (iterations of the tile loop, times the block size)
  bool grid = false;   // a dim of the top-level hl.tile: an axis of the launch grid
  DotRole dotRole = DotRole::None;
};

// What the search space is derived from: the loop's tile dims, in the order lowering
// asks for their block sizes (LoopConfig::blockSizes).
struct LoopShape {
  std::vector<TileDim> dims;
  int64_t smCount = 132;  // of the GPU (persistent programs); any number on the CPU
  bool loadsInLoops = false;  // an inner loop loads: num_stages matters
  bool dotInLoops = false;    // an inner loop has a dot: deeper pipelines and dot-sized tiles
};

// At most this many elements of the largest tile per thread (about 128 f32 registers):
// more spills to local memory.
constexpr int64_t kMaxElementsPerThread = 128;
constexpr int64_t kMaxBlockSize = 1 << 16;
constexpr int64_t kMinDotBlockSize = 16;

bool withinRegisterBudget(int64_t largestTileElements, int64_t numWarps);

class SearchSpace {
 public:
  explicit SearchSpace(LoopShape shape);

  // Each knob's values, in increasing order (one entry per tile dim for block sizes).
  const std::vector<std::vector<int64_t>>& blockSizeChoices() const { return blockSizes_; }
  const std::vector<int64_t>& warpChoices() const { return warps_; }
  const std::vector<std::string>& pidTypeChoices() const { return pidTypes_; }
  bool offersPidType(const std::string& pidType) const;
  const std::vector<int64_t>& l2GroupingChoices() const { return l2Groupings_; }
  const std::vector<std::vector<int64_t>>& loopOrderChoices() const { return loopOrders_; }
  const std::vector<int64_t>& stageChoices() const { return stages_; }
  // The names of the knobs searched, for the report ("block_sizes[0]", "num_warps", ...).
  std::vector<std::string> knobNames() const;

  // `config` moved into the space: each knob to its nearest allowed value.
  LoopConfig clamp(LoopConfig config) const;
  // Configs one step from `config`: each knob doubled or halved (or switched), and pairs
  // that move together (a block size and num_warps both doubled or halved, which keeps
  // the work per thread; one block size doubled while another is halved, which keeps the
  // tile's size). In a fixed order, without `config` itself or repeats.
  std::vector<LoopConfig> neighbours(const LoopConfig& config) const;
  // Where the search starts: `defaults` (the default config), the same with num_warps
  // doubled and halved, and, for memory-bound shapes, grid tiles of about 1024 to 4096
  // elements with 4 and 8 warps (a program per SM-sized slice of the data), and the
  // persistent variant of the best guess; for loops with a dot whose M and N are
  // tile dims, the usual tensor-core tiles (128x128 and thereabouts, K of 32 or
  // 64, 3 or 4 stages) on the dims of those roles. Clamped into the space,
  // without repeats.
  std::vector<LoopConfig> heuristicSeeds(const LoopConfig& defaults) const;
  // A config with every knob drawn uniformly, whose block sizes multiply to no more than
  // the register budget allows.
  LoopConfig random(std::mt19937_64& rng) const;

 private:
  LoopShape shape_;
  std::vector<std::vector<int64_t>> blockSizes_;
  std::vector<int64_t> warps_;
  std::vector<std::string> pidTypes_;
  std::vector<int64_t> l2Groupings_;
  std::vector<std::vector<int64_t>> loopOrders_;
  std::vector<int64_t> stages_;
};

}  // namespace hel::tune
