#include "runtime/bench/Benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace hel::bench {
namespace {

// Runs that fill `budgetMs` at `estimateMs` each, as do_bench rounds them: down, but at
// least one; capped at kMaxReps.
int runsFor(double budgetMs, double estimateMs) {
  double runs = std::floor(budgetMs / std::max(estimateMs, 1e-6));
  return static_cast<int>(std::clamp(runs, 1.0, static_cast<double>(kMaxReps)));
}

double elapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double WallClock::timeTogether(const std::function<void()>& fn, int count) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) fn();
  return elapsedMs(start);
}

std::vector<double> WallClock::timeEach(const std::function<void()>& fn, int count) {
  std::vector<double> times;
  for (int i = 0; i < count; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(elapsedMs(start));
  }
  return times;
}

Plan planRuns(double estimateMs, const Settings& settings) {
  return {runsFor(settings.warmupMs, estimateMs), runsFor(settings.repMs, estimateMs)};
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  if (values.size() % 2 == 1) return values[middle];
  double upper = values[middle];
  double lower = *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

Timing benchmark(Clock& clock, const std::function<void()>& fn, const Settings& settings) {
  // As do_bench: the first run compiles and moves memory in, and is not counted.
  fn();
  clock.wait();
  constexpr int kEstimateRuns = 5;
  double estimateMs = clock.timeTogether(fn, kEstimateRuns) / kEstimateRuns;
  // The cut-off is a multiple of other candidates' medians, which leave out the cache
  // flushes that the estimate counts: a kernel shorter than a flush (a 256 MB memset,
  // about 0.09 ms on an H100) would be cut off by the flush alone. So the runs are
  // timed one by one for it.
  if (std::isfinite(settings.cutoffMs) && estimateMs > settings.cutoffMs)
    if (double runMs = median(clock.timeEach(fn, kEstimateRuns)); runMs > settings.cutoffMs) {
      Timing cutOff;
      cutOff.medianMs = cutOff.minMs = cutOff.maxMs = runMs;
      return cutOff;
    }
  Plan plan = planRuns(estimateMs, settings);
  for (int i = 0; i < plan.warmups; ++i) fn();
  std::vector<double> times = clock.timeEach(fn, plan.reps);
  Timing timing;
  timing.warmups = plan.warmups;
  timing.reps = static_cast<int>(times.size());
  timing.minMs = *std::min_element(times.begin(), times.end());
  timing.maxMs = *std::max_element(times.begin(), times.end());
  timing.medianMs = median(std::move(times));
  return timing;
}

}  // namespace hel::bench
