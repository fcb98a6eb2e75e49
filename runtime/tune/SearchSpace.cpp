#include "runtime/tune/SearchSpace.h"

#include <algorithm>
#include <set>

namespace hel::tune {
namespace {

// Powers of two from `smallest` (or from 1, where `limit` is below it) up to `limit`.
std::vector<int64_t> powersOfTwo(int64_t smallest, int64_t limit) {
  std::vector<int64_t> values;
  for (int64_t value = limit >= smallest ? smallest : 1; value <= limit; value *= 2) values.push_back(value);
  return values;
}

int64_t roundUpToPowerOfTwo(int64_t value) {
  int64_t power = 1;
  while (power < value) power *= 2;
  return power;
}

// The allowed value nearest to `value` (the smaller one on a tie).
int64_t nearest(const std::vector<int64_t>& choices, int64_t value) {
  int64_t best = choices.front();
  for (int64_t choice : choices)
    if (std::llabs(choice - value) < std::llabs(best - value)) best = choice;
  return best;
}

// The value `steps` places from `value` among `choices` (a sorted list), or `value`
// itself when that falls off either end.
template <typename T>
T step(const std::vector<T>& choices, const T& value, int steps) {
  auto at = std::find(choices.begin(), choices.end(), value);
  if (at == choices.end()) return value;
  long index = (at - choices.begin()) + steps;
  if (index < 0 || index >= static_cast<long>(choices.size())) return value;
  return choices[static_cast<size_t>(index)];
}

}  // namespace

bool withinRegisterBudget(int64_t largestTileElements, int64_t numWarps) {
  return largestTileElements <= kMaxElementsPerThread * numWarps * 32;
}

SearchSpace::SearchSpace(LoopShape shape) : shape_(std::move(shape)) {
  int gridDims = 0;
  int64_t gridExtent = 1;
  for (const TileDim& dim : shape_.dims) {
    // A dot's M, N and K tiles take 16 or more, as Triton's tl.dot requires: thinner
    // ones fall back to FMA dots that run for seconds at the sizes worth tuning (H100,
    // causal attention: [2, 4, 1, 128], a random restart, took 5.3 s a run).
    bool dotTile = dim.dotRole == DotRole::M || dim.dotRole == DotRole::N || dim.dotRole == DotRole::K;
    blockSizes_.push_back(powersOfTwo(dotTile ? kMinDotBlockSize : 1,
                                      std::min(roundUpToPowerOfTwo(std::max<int64_t>(dim.extent, 1)), kMaxBlockSize)));
    if (dim.grid) ++gridDims, gridExtent = dim.extent;
  }
  warps_ = {1, 2, 4, 8, 16};
  pidTypes_ = {"flat"};
  // Persistent programs pay only when the grid can be far larger than the GPU.
  if (gridDims == 1 && gridExtent >= 8 * shape_.smCount) pidTypes_.push_back("persistent_blocked");
  // The last wave's tiles split along K, where an inner loop tiles a dot's K.
  if (std::any_of(shape_.dims.begin(), shape_.dims.end(),
                  [](const TileDim& dim) { return !dim.grid && dim.dotRole == DotRole::K; }))
    pidTypes_.push_back("split_tail");
  stages_ = {1};
  if (shape_.loadsInLoops) stages_.push_back(2);
  if (shape_.loadsInLoops && shape_.dotInLoops) stages_.insert(stages_.end(), {3, 4});
  l2Groupings_ = {1};
  if (gridDims >= 2) {
    l2Groupings_ = {1, 2, 4, 8, 16, 32, 64};
    std::vector<int64_t> order(static_cast<size_t>(gridDims));
    for (int i = 0; i < gridDims; ++i) order[static_cast<size_t>(i)] = i;
    do loopOrders_.push_back(order);
    while (std::next_permutation(order.begin(), order.end()));
  }
}

bool SearchSpace::offersPidType(const std::string& pidType) const {
  return std::find(pidTypes_.begin(), pidTypes_.end(), pidType) != pidTypes_.end();
}

std::vector<std::string> SearchSpace::knobNames() const {
  std::vector<std::string> names;
  for (size_t i = 0; i < blockSizes_.size(); ++i) names.push_back("block_sizes[" + std::to_string(i) + "]");
  names.push_back("num_warps");
  if (pidTypes_.size() > 1) names.push_back("pid_type");
  if (l2Groupings_.size() > 1) names.push_back("l2_groupings");
  if (loopOrders_.size() > 1) names.push_back("loop_orders");
  if (stages_.size() > 1) names.push_back("num_stages");
  return names;
}

LoopConfig SearchSpace::clamp(LoopConfig config) const {
  config.blockSizes.resize(blockSizes_.size(), 1);
  for (size_t i = 0; i < blockSizes_.size(); ++i) config.blockSizes[i] = nearest(blockSizes_[i], config.blockSizes[i]);
  config.numWarps = nearest(warps_, config.numWarps);
  if (!offersPidType(config.pidType)) config.pidType = "flat";
  config.l2Grouping = nearest(l2Groupings_, config.l2Grouping);
  config.numStages = nearest(stages_, config.numStages);
  if (loopOrders_.empty()) config.loopOrder.clear();
  else if (std::find(loopOrders_.begin(), loopOrders_.end(), config.loopOrder) == loopOrders_.end())
    config.loopOrder = loopOrders_.front();
  return config;
}

std::vector<LoopConfig> SearchSpace::neighbours(const LoopConfig& config) const {
  std::vector<LoopConfig> out;
  std::set<LoopConfig> seen{config};
  auto add = [&](const LoopConfig& candidate) {
    if (seen.insert(candidate).second) out.push_back(candidate);
  };
  auto withBlock = [&](LoopConfig c, size_t dim, int steps) {
    c.blockSizes[dim] = step(blockSizes_[dim], c.blockSizes[dim], steps);
    return c;
  };
  auto withWarps = [&](LoopConfig c, int steps) {
    c.numWarps = step(warps_, c.numWarps, steps);
    return c;
  };
  for (size_t dim = 0; dim < blockSizes_.size(); ++dim)
    for (int steps : {1, -1}) add(withBlock(config, dim, steps));
  for (int steps : {1, -1}) add(withWarps(config, steps));
  for (const std::string& pid : pidTypes_) {
    LoopConfig c = config;
    c.pidType = pid;
    add(c);
  }
  for (int steps : {1, -1}) {
    LoopConfig c = config;
    c.l2Grouping = step(l2Groupings_, c.l2Grouping, steps);
    add(c);
  }
  for (const std::vector<int64_t>& order : loopOrders_) {
    LoopConfig c = config;
    c.loopOrder = order;
    add(c);
  }
  for (int64_t stages : stages_) {
    LoopConfig c = config;
    c.numStages = stages;
    add(c);
  }
  for (size_t dim = 0; dim < blockSizes_.size(); ++dim)
    for (int steps : {1, -1}) add(withWarps(withBlock(config, dim, steps), steps));
  for (size_t grow = 0; grow < blockSizes_.size(); ++grow)
    for (size_t shrink = 0; shrink < blockSizes_.size(); ++shrink)
      if (grow != shrink) add(withBlock(withBlock(config, grow, 1), shrink, -1));
  return out;
}

std::vector<LoopConfig> SearchSpace::heuristicSeeds(const LoopConfig& defaults) const {
  std::vector<LoopConfig> seeds;
  auto add = [&](const LoopConfig& config) {
    LoopConfig clamped = clamp(config);
    if (std::find(seeds.begin(), seeds.end(), clamped) == seeds.end()) seeds.push_back(clamped);
  };
  LoopConfig base = clamp(defaults);
  add(base);
  for (int64_t stages : stages_) {
    LoopConfig c = base;
    c.numStages = stages;
    add(c);
  }
  for (int64_t warps : {base.numWarps * 2, base.numWarps / 2}) {
    LoopConfig c = base;
    c.numWarps = std::max<int64_t>(warps, 1);
    add(c);
  }
  // Grid tiles of `elements` elements: the fastest (last) grid dim grows first, since
  // that is the contiguous one in row-major tensors.
  for (int64_t elements : {1024, 4096}) {
    for (int64_t warps : {4, 8}) {
      LoopConfig c = base;
      int64_t budget = elements;
      for (size_t i = shape_.dims.size(); i-- > 0;) {
        if (!shape_.dims[i].grid) continue;
        int64_t size = 1;
        while (size * 2 <= budget && size < shape_.dims[i].extent) size *= 2;
        c.blockSizes[i] = size;
        budget = std::max<int64_t>(budget / size, 1);
      }
      c.numWarps = warps;
      add(c);
      if (elements == 4096 && warps == 8 && offersPidType("persistent_blocked")) {
        c.pidType = "persistent_blocked";
        add(c);
      }
    }
  }
  auto hasRole = [&](DotRole role) {
    return std::any_of(shape_.dims.begin(), shape_.dims.end(), [&](const TileDim& dim) { return dim.dotRole == role; });
  };
  if (shape_.dotInLoops && hasRole(DotRole::M) && hasRole(DotRole::N)) {
    // Batch grid dims slowest: the programs running together are then one
    // batch's (attention's head's), which share its b (keys and values) in L2.
    std::vector<int64_t> batchLast;
    for (bool batch : {false, true})
      for (size_t i = 0, grid = 0; i < shape_.dims.size(); ++i)
        if (shape_.dims[i].grid) {
          if ((shape_.dims[i].dotRole == DotRole::Batch) == batch) batchLast.push_back(static_cast<int64_t>(grid));
          ++grid;
        }
    struct DotTile {
      int64_t m, n, k, warps, stages;
    };
    // Tensor-core tiles: one or two warpgroups of 128 or 256 rows (wgmma's
    // best on H100), and smaller ones for small or oddly shaped dots; with
    // K tiles of 32, those of f32 dots (twice the bytes): the blocked FMA
    // dot's 8x8 a thread, and tf32's two warpgroups; and attention's (two
    // dots, the second of N = the head dim): two warpgroups on 128 query rows,
    // two stages. Those of f32 dots also with split_tail: the FMA dot's
    // tiles are small, and the last of their many waves is worth spreading
    // (H100, f32 4096^3 on [64, 128, 32]: 2.72 ms flat, 2.61 split).
    for (const DotTile& tile : {DotTile{128, 128, 64, 4, 3}, DotTile{128, 128, 32, 4, 4}, DotTile{128, 256, 64, 8, 3},
                                DotTile{256, 128, 64, 8, 3}, DotTile{64, 128, 64, 4, 3}, DotTile{128, 64, 64, 4, 3},
                                DotTile{128, 128, 32, 8, 3}, DotTile{256, 128, 32, 8, 3}, DotTile{128, 64, 64, 8, 2},
                                DotTile{128, 128, 64, 8, 2}, DotTile{64, 128, 32, 4, 3}}) {
      LoopConfig c = base;
      // Batch dims and grid dims no dot has take 1 (a program each); inner ones
      // no dot has take k, as K does.
      for (size_t i = 0; i < c.blockSizes.size(); ++i) {
        switch (shape_.dims[i].dotRole) {
          case DotRole::M: c.blockSizes[i] = tile.m; break;
          case DotRole::N: c.blockSizes[i] = tile.n; break;
          case DotRole::K: c.blockSizes[i] = tile.k; break;
          case DotRole::Batch: c.blockSizes[i] = 1; break;
          case DotRole::None: c.blockSizes[i] = shape_.dims[i].grid ? 1 : tile.k; break;
        }
      }
      c.numWarps = tile.warps;
      c.numStages = tile.stages;
      if (!loopOrders_.empty()) c.loopOrder = batchLast;
      // Where N is tiled by more than one loop (causal attention's keys before
      // the diagonal, then on it, masked), also with the later ones half as
      // wide: less of the masked tiles is computed (H100, head dim 128:
      // [1, 128, 128, 64] is the best found).
      // The two-warpgroup tiles also with programs grouped for L2 reuse: on a
      // large dot the stripes of a and b that one wave reads overflow L2 otherwise.
      auto addGrouped = [&](LoopConfig seed) {
        add(seed);
        if (tile.warps != 8) return;
        seed.l2Grouping = 8;
        add(seed);
      };
      addGrouped(c);
      if (tile.k == 32 && offersPidType("split_tail")) {
        LoopConfig split = c;
        split.pidType = "split_tail";
        add(split);
      }
      LoopConfig narrower = c;
      bool firstN = true;
      for (size_t i = 0; i < c.blockSizes.size(); ++i)
        if (shape_.dims[i].dotRole == DotRole::N) {
          if (!firstN) narrower.blockSizes[i] = tile.n / 2;  // clamped into the space by add
          firstN = false;
        }
      if (narrower != c) addGrouped(narrower);
    }
  }
  return seeds;
}

LoopConfig SearchSpace::random(std::mt19937_64& rng) const {
  auto pick = [&](const auto& choices) {
    std::uniform_int_distribution<size_t> index(0, choices.size() - 1);
    return choices[index(rng)];
  };
  // Drawn again while the product of all block sizes (what the largest tile holds at
  // most) is over the register budget, a few times: most such draws would be rejected.
  LoopConfig config;
  for (int attempt = 0; attempt < 64; ++attempt) {
    config = LoopConfig{};
    int64_t elements = 1;
    for (const std::vector<int64_t>& choices : blockSizes_) {
      config.blockSizes.push_back(pick(choices));
      elements *= config.blockSizes.back();
    }
    config.numWarps = pick(warps_);
    config.pidType = pick(pidTypes_);
    config.l2Grouping = pick(l2Groupings_);
    if (!loopOrders_.empty()) config.loopOrder = pick(loopOrders_);
    config.numStages = pick(stages_);
    if (withinRegisterBudget(elements, config.numWarps)) break;
  }
  return config;
}

}  // namespace hel::tune
