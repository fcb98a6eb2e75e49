// Timing a piece of work the way triton.testing.do_bench does: run it once (compilation,
// first touch of memory), estimate one run's time from five, warm up for about `warmupMs`,
// then time about `repMs` worth of runs one by one and take the median. The clock decides
// what a run's time is: CUDA events with the L2 cache flushed before each run on a GPU
// (runtime/cuda/EventClock.h), the host's wall clock on the CPU backend (WallClock).
#pragma once

#include <functional>
#include <limits>
#include <vector>

namespace hel::bench {

// do_bench's `warmup` and `rep`, in milliseconds.
struct Settings {
  double warmupMs = 25;
  double repMs = 100;
  // `hel tune`'s early cut-off: when the estimate of one run is above this, stop there
  // (no warm-up, no timed runs) and report the estimate as the median.
  double cutoffMs = std::numeric_limits<double>::infinity();
};

// The most timed runs one benchmark makes, whatever the estimate: a run that seems to take
// no time at all must not make millions.
constexpr int kMaxReps = 10000;

struct Timing {
  double medianMs = 0;
  double minMs = 0;
  double maxMs = 0;
  int warmups = 0;
  int reps = 0;  // the timed runs the median is taken over; 0 when cut off
};

// Where runs are timed. A run is `fn` preceded by the clock's cache flush, if it has one;
// the flush is outside each timed interval of timeEach.
class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds that `count` runs take together, flushes included (do_bench's estimate).
  virtual double timeTogether(const std::function<void()>& fn, int count) = 0;
  // Milliseconds of each of `count` runs, timed one by one.
  virtual std::vector<double> timeEach(const std::function<void()>& fn, int count) = 0;
  // Waits until all work given to the clock's device so far has finished.
  virtual void wait() = 0;
};

// The host's steady clock, for work that is done when `fn` returns (the CPU backend, or
// GPU launches that synchronize). No cache flush.
class WallClock : public Clock {
 public:
  double timeTogether(const std::function<void()>& fn, int count) override;
  std::vector<double> timeEach(const std::function<void()>& fn, int count) override;
  void wait() override {}
};

struct Plan {
  int warmups = 1;
  int reps = 1;
};

// do_bench's choice: as many warm-up runs as fill warmupMs and timed runs as fill repMs at
// `estimateMs` a run; at least one of each, and at most kMaxReps timed runs.
Plan planRuns(double estimateMs, const Settings& settings);

// The middle value; the mean of the two middle ones for an even count. 0 for none.
double median(std::vector<double> values);

// Runs and times `fn` as described at the top of this file.
Timing benchmark(Clock& clock, const std::function<void()>& fn, const Settings& settings = {});

}  // namespace hel::bench
