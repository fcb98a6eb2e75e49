// do_bench's arithmetic (runtime/bench/Benchmark.h), with a clock that makes up its times.
#include <catch2/catch.hpp>

#include "runtime/bench/Benchmark.h"

using namespace hel::bench;

namespace {

// Every run "takes" the next of `times` (the last one again once they run out), and the
// clock counts how the runs were asked for.
class ScriptedClock : public Clock {
 public:
  explicit ScriptedClock(std::vector<double> times) : times_(std::move(times)) {}
  double timeTogether(const std::function<void()>& fn, int count) override {
    togetherRuns += count;
    double total = 0;
    for (int i = 0; i < count; ++i) fn(), total += next();
    return total;
  }
  std::vector<double> timeEach(const std::function<void()>& fn, int count) override {
    std::vector<double> times;
    for (int i = 0; i < count; ++i) fn(), times.push_back(next());
    return times;
  }
  void wait() override { ++waits; }
  int togetherRuns = 0;
  int waits = 0;

 private:
  double next() { return times_[std::min(used_++, times_.size() - 1)]; }
  std::vector<double> times_;
  size_t used_ = 0;
};

}  // namespace

TEST_CASE("the median is the middle value, or the mean of the middle two") {
  CHECK(median({}) == 0);
  CHECK(median({3}) == 3);
  CHECK(median({5, 1, 3}) == 3);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(median({1, 1000, 2, 3, 2}) == 2);  // an outlier does not move it
}

TEST_CASE("runs fill the warm-up and repetition budgets, as do_bench rounds them") {
  Settings settings;  // 25 ms of warm-up, 100 ms of timed runs
  Plan plan = planRuns(1.0, settings);
  CHECK(plan.warmups == 25);
  CHECK(plan.reps == 100);
  plan = planRuns(0.3, settings);
  CHECK(plan.warmups == 83);
  CHECK(plan.reps == 333);
  // A run longer than the budget still runs once of each.
  plan = planRuns(500, settings);
  CHECK(plan.warmups == 1);
  CHECK(plan.reps == 1);
  // A run that seems to take no time does not make millions.
  plan = planRuns(0, settings);
  CHECK(plan.warmups == kMaxReps);
  CHECK(plan.reps == kMaxReps);
  plan = planRuns(2.0, Settings{10, 50});
  CHECK(plan.warmups == 5);
  CHECK(plan.reps == 25);
}

TEST_CASE("a benchmark runs once, estimates from five runs, warms up and takes the median of the timed runs") {
  // The estimate's five runs take 2 ms each: 12 warm-ups and 50 timed runs.
  std::vector<double> times(5, 2.0);
  for (int i = 0; i < 50; ++i) times.push_back(i % 2 ? 1.0 : 3.0);
  times[times.size() - 2] = 100.0;  // in place of a 3: 25 ones, 24 threes and one outlier
  ScriptedClock clock(times);
  int runs = 0;
  Timing timing = benchmark(clock, [&] { ++runs; });
  CHECK(clock.togetherRuns == 5);
  CHECK(timing.warmups == 12);
  CHECK(timing.reps == 50);
  CHECK(runs == 1 + 5 + 12 + 50);
  CHECK(clock.waits >= 1);  // after the first run, before anything is timed
  CHECK(timing.medianMs == 2.0);
  CHECK(timing.minMs == 1.0);
  CHECK(timing.maxMs == 100.0);
}

TEST_CASE("the wall clock times each run") {
  WallClock clock;
  int runs = 0;
  std::vector<double> times = clock.timeEach([&] { ++runs; }, 3);
  CHECK(runs == 3);
  REQUIRE(times.size() == 3);
  for (double ms : times) CHECK(ms >= 0);
  CHECK(clock.timeTogether([&] { ++runs; }, 2) >= 0);
  CHECK(runs == 5);
}

TEST_CASE("hel tune's cut-off compares runs without the cache flushes, as the medians it comes from") {
  // A GPU clock: timeTogether counts each run's L2 flush (0.09 ms), timeEach does not.
  class FlushingClock : public Clock {
   public:
    explicit FlushingClock(double runMs) : runMs_(runMs) {}
    double timeTogether(const std::function<void()>& fn, int count) override {
      for (int i = 0; i < count; ++i) fn();
      return count * (runMs_ + 0.09);
    }
    std::vector<double> timeEach(const std::function<void()>& fn, int count) override {
      for (int i = 0; i < count; ++i) fn();
      return std::vector<double>(static_cast<size_t>(count), runMs_);
    }
    void wait() override {}

   private:
    double runMs_;
  };
  Settings settings;
  settings.cutoffMs = 0.05;  // 1.1 times a best median of about 0.045 ms
  // 0.014 ms a run (0.104 with its flush): under the cut-off, so timed in full.
  FlushingClock fast(0.014);
  Timing timing = benchmark(fast, [] {}, settings);
  CHECK(timing.reps > 0);
  CHECK(timing.medianMs == Approx(0.014));
  // 0.2 ms a run: cut off, its runs' median reported, with no timed runs.
  FlushingClock slow(0.2);
  timing = benchmark(slow, [] {}, settings);
  CHECK(timing.reps == 0);
  CHECK(timing.medianMs == Approx(0.2));
}
