#include "runtime/tune/Search.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace hel::tune {
namespace {

class PatternSearch {
 public:
  PatternSearch(const SearchSpace& space, const Evaluate& evaluate, const SearchSettings& settings)
      : space_(space), evaluate_(evaluate), settings_(settings), rng_(settings.seed) {}

  SearchResult run(const std::vector<LoopConfig>& seeds) {
    std::vector<LoopConfig> start;
    for (const LoopConfig& seed : seeds) start.push_back(space_.clamp(seed));
    // The seeds are measured even past the deadline: a loop reached with no
    // time left still gets the best of them.
    std::optional<LoopConfig> from = bestOf(start, /*seeds=*/true);
    if (from) descend(*from);
    for (int restart = 0; restart < settings_.restarts && !exhausted(); ++restart) {
      from = bestOf({space_.random(rng_)});
      if (from) descend(*from);
    }
    return result_;
  }

 private:
  bool exhausted() const {
    return result_.evaluated >= settings_.maxCandidates ||
           (settings_.deadline && std::chrono::steady_clock::now() >= *settings_.deadline);
  }

  // Evaluates those of `configs` not seen before (as many as the candidate limit allows;
  // past the deadline none, unless they are the `seeds`) and returns the cheapest of all
  // of them that can be used.
  std::optional<LoopConfig> bestOf(const std::vector<LoopConfig>& configs, bool seeds = false) {
    std::vector<LoopConfig> fresh;
    for (const LoopConfig& config : configs)
      if (!costs_.count(config) && std::find(fresh.begin(), fresh.end(), config) == fresh.end()) fresh.push_back(config);
    size_t room = static_cast<size_t>(std::max(0, settings_.maxCandidates - result_.evaluated));
    if (exhausted() && !seeds) room = 0;
    if (fresh.size() > room) {
      // Which neighbours to try when not all fit: a fair draw, not always the first knobs.
      std::shuffle(fresh.begin(), fresh.end(), rng_);
      fresh.resize(room);
    }
    if (!fresh.empty()) {
      std::vector<Evaluation> evaluations = evaluate_(fresh);
      for (size_t i = 0; i < evaluations.size() && i < fresh.size(); ++i) {
        const Cost& cost = evaluations[i].cost;
        costs_[fresh[i]] = cost;
        result_.evaluated += evaluations[i].ran;
        if (cost && (!result_.best || *cost < result_.bestCost)) result_.best = fresh[i], result_.bestCost = *cost;
      }
    }
    std::optional<LoopConfig> best;
    double bestCost = 0;
    for (const LoopConfig& config : configs) {
      auto it = costs_.find(config);
      if (it == costs_.end() || !it->second) continue;
      if (!best || *it->second < bestCost) best = config, bestCost = *it->second;
    }
    return best;
  }

  // Moves to the best neighbour while it is better than where the walk stands.
  void descend(LoopConfig current) {
    while (!exhausted()) {
      // The current config first: a neighbour that only ties does not move the walk (two
      // equal configs would take turns for ever).
      std::vector<LoopConfig> around{current};
      for (const LoopConfig& neighbour : space_.neighbours(current)) around.push_back(neighbour);
      std::optional<LoopConfig> next = bestOf(around);
      if (!next || *next == current) return;
      current = *next;
    }
  }

  const SearchSpace& space_;
  const Evaluate& evaluate_;
  SearchSettings settings_;
  std::mt19937_64 rng_;
  std::map<LoopConfig, Cost> costs_;
  SearchResult result_;
};

}  // namespace

SearchResult patternSearch(const SearchSpace& space, const std::vector<LoopConfig>& seeds, const Evaluate& evaluate,
                           const SearchSettings& settings) {
  return PatternSearch(space, evaluate, settings).run(seeds);
}

double budgetFraction(const std::vector<double>& weights, size_t position) {
  if (position >= weights.size()) return 1;
  double later = std::accumulate(weights.begin() + static_cast<long>(position), weights.end(), 0.0);
  return later > 0 ? weights[position] / later : 1;
}

}  // namespace hel::tune
