// Pattern search on synthetic cost functions (runtime/tune/Search.h).
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "runtime/tune/Search.h"

using namespace hel::tune;

namespace {

SearchSpace twoDimSpace() {
  LoopShape shape;
  shape.dims = {{1 << 16, true}, {1 << 12, false}};
  return SearchSpace(shape);
}

// A bowl with its minimum at block sizes (512, 64) and 8 warps.
double bowl(const LoopConfig& config) {
  auto distance = [](int64_t value, int64_t best) { return std::abs(std::log2(double(value)) - std::log2(double(best))); };
  return 1 + distance(config.blockSizes[0], 512) + distance(config.blockSizes[1], 64) + distance(config.numWarps, 8);
}

struct Counting {
  int calls = 0;
  int configs = 0;
  std::function<std::optional<double>(const LoopConfig&)> cost;
  std::vector<Evaluation> operator()(const std::vector<LoopConfig>& batch) {
    ++calls;
    configs += static_cast<int>(batch.size());
    std::vector<Evaluation> evaluations;
    for (const LoopConfig& config : batch) evaluations.push_back({cost(config)});
    return evaluations;
  }
};

LoopConfig start() {
  LoopConfig config;
  config.blockSizes = {16, 16};
  config.numWarps = 1;
  return config;
}

}  // namespace

TEST_CASE("pattern search walks downhill to the minimum of a bowl") {
  SearchSpace space = twoDimSpace();
  Counting evaluate{0, 0, bowl};
  SearchSettings settings;
  settings.maxCandidates = 200;
  settings.restarts = 0;
  SearchResult result = patternSearch(space, {start()}, std::ref(evaluate), settings);
  REQUIRE(result.best);
  CHECK(result.best->blockSizes == std::vector<int64_t>{512, 64});
  CHECK(result.best->numWarps == 8);
  CHECK(result.bestCost == Approx(1));
  CHECK(result.evaluated == evaluate.configs);
  CHECK(evaluate.calls > 1);  // one batch per step
}

TEST_CASE("the candidate limit is kept, and nothing is evaluated twice") {
  SearchSpace space = twoDimSpace();
  std::set<LoopConfig> seen;
  bool repeated = false;
  Counting evaluate{0, 0, [&](const LoopConfig& config) -> std::optional<double> {
                      repeated |= !seen.insert(config).second;
                      return bowl(config);
                    }};
  SearchSettings settings;
  settings.maxCandidates = 25;
  settings.restarts = 5;
  SearchResult result = patternSearch(space, {start()}, std::ref(evaluate), settings);
  CHECK(result.evaluated == 25);
  CHECK(evaluate.configs == 25);
  CHECK_FALSE(repeated);
}

TEST_CASE("the same seed gives the same search; restarts explore elsewhere") {
  SearchSpace space = twoDimSpace();
  auto run = [&](uint64_t seed) {
    std::vector<LoopConfig> order;
    Counting evaluate{0, 0, [&](const LoopConfig& config) -> std::optional<double> {
                        order.push_back(config);
                        return bowl(config);
                      }};
    SearchSettings settings;
    settings.maxCandidates = 120;
    settings.restarts = 3;
    settings.seed = seed;
    patternSearch(space, {start()}, std::ref(evaluate), settings);
    return order;
  };
  CHECK(run(1) == run(1));
  CHECK(run(1) != run(2));
}

TEST_CASE("configs that cannot be used are stepped around") {
  SearchSpace space = twoDimSpace();
  // Everything with 8 or more warps fails (as a candidate that faults or runs wrong would).
  Counting evaluate{0, 0, [](const LoopConfig& config) -> std::optional<double> {
                      if (config.numWarps >= 8) return std::nullopt;
                      return bowl(config);
                    }};
  SearchSettings settings;
  settings.maxCandidates = 200;
  settings.restarts = 0;
  SearchResult result = patternSearch(space, {start()}, std::ref(evaluate), settings);
  REQUIRE(result.best);
  CHECK(result.best->numWarps == 4);
  CHECK(result.best->blockSizes == std::vector<int64_t>{512, 64});
}

TEST_CASE("no usable config gives no result") {
  SearchSpace space = twoDimSpace();
  Counting evaluate{0, 0, [](const LoopConfig&) -> std::optional<double> { return std::nullopt; }};
  SearchSettings settings;
  settings.maxCandidates = 10;
  SearchResult result = patternSearch(space, {start()}, std::ref(evaluate), settings);
  CHECK_FALSE(result.best);
}

TEST_CASE("configs rejected before they run do not count toward the candidate limit") {
  SearchSpace space = twoDimSpace();
  int offered = 0;
  // Everything with 2 or more warps is over a budget: rejected, not run.
  Evaluate evaluate = [&](const std::vector<LoopConfig>& batch) {
    std::vector<Evaluation> evaluations;
    for (const LoopConfig& config : batch) {
      ++offered;
      if (config.numWarps >= 2) evaluations.push_back({std::nullopt, /*ran=*/false});
      else evaluations.push_back({bowl(config)});
    }
    return evaluations;
  };
  SearchSettings settings;
  settings.maxCandidates = 10;
  settings.restarts = 3;
  SearchResult result = patternSearch(space, {start()}, evaluate, settings);
  CHECK(result.evaluated == 10);
  CHECK(offered > 10);
  REQUIRE(result.best);
  CHECK(result.best->numWarps == 1);
}

TEST_CASE("each loop's share of the time left goes by its weight among the loops left") {
  // Two small checks, then two large calls (weights: square roots of their elements).
  std::vector<double> weights{1, 1, 6, 2};
  CHECK(budgetFraction(weights, 0) == Approx(0.1));
  CHECK(budgetFraction(weights, 1) == Approx(1.0 / 9));
  CHECK(budgetFraction(weights, 2) == Approx(0.75));
  CHECK(budgetFraction(weights, 3) == Approx(1));
  // Past the loops the dry run saw, or without weights: all that is left.
  CHECK(budgetFraction(weights, 4) == 1);
  CHECK(budgetFraction({}, 0) == 1);
  CHECK(budgetFraction({0, 0}, 1) == 1);
}

TEST_CASE("past the deadline the seeds are measured, and nothing after them") {
  SearchSpace space = twoDimSpace();
  Counting evaluate{0, 0, bowl};
  SearchSettings settings;
  settings.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  LoopConfig other = start();
  other.blockSizes = {256, 64};
  SearchResult result = patternSearch(space, {start(), other}, std::ref(evaluate), settings);
  CHECK(evaluate.calls == 1);
  CHECK(evaluate.configs == 2);
  REQUIRE(result.best);
  CHECK(result.best->blockSizes == std::vector<int64_t>{256, 64});
}
