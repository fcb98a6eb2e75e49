// The search space of a device loop (runtime/tune/SearchSpace.h).
#include <catch2/catch.hpp>

#include <set>

#include "runtime/tune/SearchSpace.h"

using namespace hel::tune;

namespace {

LoopShape shape(std::vector<TileDim> dims) {
  LoopShape loopShape;
  loopShape.dims = std::move(dims);
  loopShape.smCount = 132;
  return loopShape;
}

// A loop whose inner loop loads and has a dot.
LoopShape dotLoop(std::vector<TileDim> dims) {
  LoopShape loopShape = shape(std::move(dims));
  loopShape.loadsInLoops = true;
  loopShape.dotInLoops = true;
  return loopShape;
}

// The seeds of `space` from a default config of these block sizes, without repeats.
std::set<LoopConfig> seedSet(const SearchSpace& space, std::vector<int64_t> defaultBlockSizes) {
  LoopConfig defaults;
  defaults.blockSizes = std::move(defaultBlockSizes);
  std::vector<LoopConfig> seeds = space.heuristicSeeds(defaults);
  return {seeds.begin(), seeds.end()};
}

}  // namespace

TEST_CASE("block sizes are powers of two up to the dim's size, rounded up") {
  SearchSpace space(shape({{1000, true}}));
  REQUIRE(space.blockSizeChoices().size() == 1);
  CHECK(space.blockSizeChoices()[0].front() == 1);
  CHECK(space.blockSizeChoices()[0].back() == 1024);
  CHECK(space.warpChoices() == std::vector<int64_t>{1, 2, 4, 8, 16});
}

TEST_CASE("pid_type is searched only for a 1-D grid with many programs") {
  CHECK(SearchSpace(shape({{1000, true}})).pidTypeChoices() == std::vector<std::string>{"flat"});
  CHECK(SearchSpace(shape({{1 << 26, true}})).pidTypeChoices() ==
        std::vector<std::string>{"flat", "persistent_blocked"});
  CHECK(SearchSpace(shape({{1 << 14, true}, {1 << 14, true}})).pidTypeChoices() == std::vector<std::string>{"flat"});
}

TEST_CASE("split_tail is searched where an inner loop tiles a dot's K") {
  std::vector<std::string> flatOrSplit{"flat", "split_tail"};
  CHECK(SearchSpace(dotLoop({{4096, true, DotRole::M}, {4096, true, DotRole::N}, {4096, false, DotRole::K}}))
            .pidTypeChoices() == flatOrSplit);
  // The f32 dots' seeds (K tiles of 32) come with it too.
  std::set<LoopConfig> seeds =
      seedSet(SearchSpace(dotLoop({{4096, true, DotRole::M}, {4096, true, DotRole::N}, {4096, false, DotRole::K}})),
              {64, 64, 32});
  CHECK(seeds.count(LoopConfig{{64, 128, 32}, 4, "flat", 1, {0, 1}, 3}) == 1);
  CHECK(seeds.count(LoopConfig{{64, 128, 32}, 4, "split_tail", 1, {0, 1}, 3}) == 1);
  CHECK(seeds.count(LoopConfig{{128, 128, 64}, 4, "split_tail", 1, {0, 1}, 3}) == 0);
  // Attention's inner loop tiles its first dot's N (the keys): nothing to add up.
  CHECK(SearchSpace(dotLoop({{128, true, DotRole::Batch}, {4096, true, DotRole::M}, {4096, false, DotRole::N}}))
            .pidTypeChoices() == std::vector<std::string>{"flat"});
}

TEST_CASE("l2_groupings and loop_orders only with two or more grid dims") {
  SearchSpace oneDim(shape({{512, true}, {4096, false}}));
  CHECK(oneDim.l2GroupingChoices() == std::vector<int64_t>{1});
  CHECK(oneDim.loopOrderChoices().empty());
  CHECK(oneDim.knobNames() == std::vector<std::string>{"block_sizes[0]", "block_sizes[1]", "num_warps"});
  SearchSpace twoDims(shape({{4096, true}, {4096, true}, {512, false}}));
  CHECK(twoDims.l2GroupingChoices().size() > 1);
  CHECK(twoDims.loopOrderChoices() == std::vector<std::vector<int64_t>>{{0, 1}, {1, 0}});
  CHECK(twoDims.knobNames().back() == "loop_orders");
}

TEST_CASE("neighbours move each knob one step, and pairs together, without repeats") {
  SearchSpace space(shape({{4096, true}, {64, false}}));
  LoopConfig config;
  config.blockSizes = {256, 16};
  config.numWarps = 4;
  std::vector<LoopConfig> around = space.neighbours(config);
  std::set<LoopConfig> unique(around.begin(), around.end());
  CHECK(unique.size() == around.size());
  CHECK(unique.count(config) == 0);
  auto has = [&](std::vector<int64_t> blocks, int64_t warps) {
    LoopConfig c = config;
    c.blockSizes = blocks;
    c.numWarps = warps;
    return unique.count(c) == 1;
  };
  CHECK(has({512, 16}, 4));
  CHECK(has({128, 16}, 4));
  CHECK(has({256, 32}, 4));
  CHECK(has({256, 16}, 8));
  CHECK(has({256, 16}, 2));
  CHECK(has({512, 16}, 8));   // a block size and the warps doubled together
  CHECK(has({512, 8}, 4));    // one block size doubled, the other halved
  CHECK_FALSE(has({1024, 16}, 4));
}

TEST_CASE("neighbours stay inside the space") {
  SearchSpace space(shape({{8, true}}));
  LoopConfig config;
  config.blockSizes = {8};
  config.numWarps = 16;
  for (const LoopConfig& neighbour : space.neighbours(config)) {
    CHECK(neighbour.blockSizes[0] <= 8);
    CHECK(neighbour.numWarps <= 16);
  }
}

TEST_CASE("clamp moves a config to the nearest allowed values") {
  SearchSpace space(shape({{100, true}}));
  LoopConfig config;
  config.blockSizes = {5000};
  config.numWarps = 32;
  config.pidType = "persistent_blocked";
  LoopConfig clamped = space.clamp(config);
  CHECK(clamped.blockSizes == std::vector<int64_t>{128});
  CHECK(clamped.numWarps == 16);
  CHECK(clamped.pidType == "flat");
}

TEST_CASE("random configs are within the register budget and the same for a seed") {
  SearchSpace space(shape({{1 << 20, true}, {1 << 20, false}}));
  std::mt19937_64 a(7), b(7);
  for (int i = 0; i < 50; ++i) {
    LoopConfig config = space.random(a);
    CHECK(config == space.random(b));
    CHECK(withinRegisterBudget(config.blockSizes[0] * config.blockSizes[1], config.numWarps));
  }
}

TEST_CASE("the register budget is about 128 elements a thread") {
  CHECK(withinRegisterBudget(128 * 32 * 4, 4));
  CHECK_FALSE(withinRegisterBudget(128 * 32 * 4 + 1, 4));
}

TEST_CASE("heuristic seeds start with the default and hold memory-bound tiles") {
  SearchSpace space(shape({{1 << 26, true}}));
  LoopConfig defaults;
  defaults.blockSizes = {1024};
  std::vector<LoopConfig> seeds = space.heuristicSeeds(defaults);
  CHECK(seeds.front() == defaults);
  std::set<LoopConfig> unique(seeds.begin(), seeds.end());
  CHECK(unique.size() == seeds.size());
  LoopConfig big = defaults;
  big.blockSizes = {4096};
  big.numWarps = 8;
  CHECK(unique.count(big) == 1);
  big.pidType = "persistent_blocked";
  CHECK(unique.count(big) == 1);
}

TEST_CASE("num_stages only for a loop with an inner loop that loads") {
  CHECK(SearchSpace(shape({{512, true}, {4096, false}})).stageChoices() == std::vector<int64_t>{1});
  LoopShape looped = shape({{512, true}, {4096, false}});
  looped.loadsInLoops = true;
  SearchSpace space(looped);
  CHECK(space.stageChoices() == std::vector<int64_t>{1, 2});
  CHECK(space.knobNames().back() == "num_stages");
  LoopConfig config = space.clamp(LoopConfig{{4, 64}, 4, "flat", 1, {}, 1});
  bool switched = false;
  for (const LoopConfig& neighbour : space.neighbours(config)) switched |= neighbour.numStages == 2;
  CHECK(switched);
  CHECK(configArguments(LoopConfig{{4, 64}, 4, "flat", 1, {}, 2}) == "block_sizes=[4, 64], num_warps=4, num_stages=2");
}

TEST_CASE("a loop with a dot gets up to 4 stages and tensor-core tile seeds") {
  // A matmul: grid dims M and N, then K, whose inner loop loads and has a dot.
  LoopShape matmul = dotLoop({{4096, true, DotRole::M}, {4096, true, DotRole::N}, {4096, false, DotRole::K}});
  SearchSpace space(matmul);
  CHECK(space.stageChoices() == std::vector<int64_t>{1, 2, 3, 4});
  std::set<LoopConfig> unique = seedSet(space, {64, 64, 32});
  // (Clamped into the space: the grid's loop order spelled out.)
  CHECK(unique.count(LoopConfig{{128, 128, 64}, 4, "flat", 1, {0, 1}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{128, 256, 64}, 8, "flat", 1, {0, 1}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{256, 128, 64}, 8, "flat", 1, {0, 1}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{256, 128, 64}, 8, "flat", 8, {0, 1}, 3}) == 1);
  // The f32 dots' best on H100: the blocked FMA dot's, and tf32's.
  CHECK(unique.count(LoopConfig{{128, 128, 32}, 8, "flat", 1, {0, 1}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{256, 128, 32}, 8, "flat", 1, {0, 1}, 3}) == 1);
  // Without a dot, the same loop keeps two stages and no such seeds.
  matmul.dotInLoops = false;
  SearchSpace plain(matmul);
  CHECK(plain.stageChoices() == std::vector<int64_t>{1, 2});
  for (const LoopConfig& seed : seedSet(plain, {64, 64, 32})) CHECK(seed.numStages <= 2);
}

TEST_CASE("the tensor-core seeds follow the dims' roles in the dots, not their places in the grid") {
  // Attention: grid dims batch*heads and the query rows (the first dot's M), then the
  // key tiles (its N, and the K of the second dot).
  LoopShape attention = dotLoop({{128, true, DotRole::Batch}, {4096, true, DotRole::M}, {4096, false, DotRole::N}});
  std::set<LoopConfig> unique = seedSet(SearchSpace(attention), {16, 16, 16});
  // The query tiles fastest (loop order [1, 0]), the heads slowest: programs
  // that run together share a head's keys and values.
  CHECK(unique.count(LoopConfig{{1, 128, 128}, 4, "flat", 1, {1, 0}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{1, 128, 64}, 4, "flat", 1, {1, 0}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{1, 128, 256}, 8, "flat", 1, {1, 0}, 3}) == 1);
  CHECK(unique.count(LoopConfig{{1, 128, 64}, 8, "flat", 8, {1, 0}, 2}) == 1);
  for (const LoopConfig& seed : unique) CHECK(seed.blockSizes[0] <= 16);  // never 128 heads a program
  // Without roles (no dot's M and N among the tile dims) there are no such seeds: the
  // key tiles keep the default's size.
  attention.dims[1].dotRole = DotRole::None;
  for (const LoopConfig& seed : seedSet(SearchSpace(attention), {16, 16, 16})) CHECK(seed.blockSizes[2] == 16);
}

TEST_CASE("where N is tiled by two loops, tensor-core seeds also give the later one half the tile") {
  // Causal attention: batch*heads, query rows, the keys before the diagonal tile,
  // the keys on it (the first dot's N in both loops).
  LoopShape causal = dotLoop({{128, true, DotRole::Batch},
                              {4096, true, DotRole::M},
                              {4096, false, DotRole::N},
                              {4096, false, DotRole::N}});
  std::set<LoopConfig> unique = seedSet(SearchSpace(causal), {16, 16, 16, 16});
  CHECK(unique.count(LoopConfig{{1, 128, 128, 128}, 8, "flat", 1, {1, 0}, 2}) == 1);
  CHECK(unique.count(LoopConfig{{1, 128, 128, 64}, 8, "flat", 1, {1, 0}, 2}) == 1);
  CHECK(unique.count(LoopConfig{{1, 128, 128, 64}, 8, "flat", 8, {1, 0}, 2}) == 1);
  CHECK(unique.count(LoopConfig{{1, 128, 64, 32}, 4, "flat", 1, {1, 0}, 3}) == 1);
  // One loop over N: no such variants.
  std::set<LoopConfig> matmul =
      seedSet(SearchSpace(dotLoop({{4096, true, DotRole::M}, {4096, true, DotRole::N}, {4096, false, DotRole::K}})),
              {64, 64, 32});
  for (const LoopConfig& seed : matmul) CHECK(seed.blockSizes[1] >= 64);
}

TEST_CASE("a dot's M, N and K tiles are 16 or more, where the dim has 16") {
  LoopShape causal = dotLoop({{128, true, DotRole::Batch},
                              {4096, true, DotRole::M},
                              {4096, false, DotRole::N},
                              {8, false, DotRole::K}});
  SearchSpace space(causal);
  CHECK(space.blockSizeChoices()[0].front() == 1);  // a batch tile of one head
  CHECK(space.blockSizeChoices()[1] == std::vector<int64_t>{16, 32, 64, 128, 256, 512, 1024, 2048, 4096});
  CHECK(space.blockSizeChoices()[2].front() == 16);
  CHECK(space.blockSizeChoices()[3] == std::vector<int64_t>{1, 2, 4, 8});  // a dim of 8: what it has
  // Random restarts and neighbours stay there.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) CHECK(space.random(rng).blockSizes[2] >= 16);
  LoopConfig low{{1, 16, 16, 8}, 4, "flat", 1, {0, 1}, 1};
  for (const LoopConfig& near : space.neighbours(low)) CHECK(near.blockSizes[1] >= 16);
}
