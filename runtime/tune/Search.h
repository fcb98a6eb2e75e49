// Pattern search over a SearchSpace: evaluate the seeds (the default config and a few
// hand heuristics), then repeatedly the neighbours of the best config so far, moving to
// the best of them while that improves; at a local optimum, restart from a random config
// and search its neighbourhood the same way. Deterministic for a seed and an evaluation
// function that is; stops after `maxCandidates` configs have run, at the deadline, or when
// every restart is spent.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "runtime/tune/SearchSpace.h"

namespace hel::tune {

struct SearchSettings {
  int maxCandidates = 40;
  int restarts = 1;
  uint64_t seed = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// A config's cost (lower is better), or nullopt where it cannot be used (it failed to
// compile, ran wrong, faulted, or is over a budget).
using Cost = std::optional<double>;
// What evaluating a config gave: its cost, and whether it ran. One rejected before it ran
// (over the register or shared-memory budget, or refused by ptxas) does not count toward
// maxCandidates: in a small search, seeds that do not fit would use it up.
struct Evaluation {
  Cost cost;
  bool ran = true;
};
// Evaluates a batch of configs at once (so that they can compile in parallel); one
// evaluation per config, in order. It may return fewer than asked when time runs out.
using Evaluate = std::function<std::vector<Evaluation>(const std::vector<LoopConfig>&)>;

struct SearchResult {
  std::optional<LoopConfig> best;  // nullopt when no config could be used
  double bestCost = 0;
  int evaluated = 0;  // configs that ran
};

SearchResult patternSearch(const SearchSpace& space, const std::vector<LoopConfig>& seeds, const Evaluate& evaluate,
                           const SearchSettings& settings);

// The fraction of the time left that the loop at `position` gets, of loops to tune
// weighed by `weights` in order: its weight over its own and the later loops'. 1 past
// the loops known, or where the weights left are 0.
double budgetFraction(const std::vector<double>& weights, size_t position);

}  // namespace hel::tune
