// Tunes one device loop (LoopTuning.h): pattern search over its search space
// (runtime/tune/Search.h), where evaluating a batch of configs lowers each (on this
// thread: lowering reads the interpreter's values), compiles them to PTX on `jobs`
// threads (each nvptx::emitPTX has its own LLVM context), then, one at a time, runs each
// on the loop's arguments, compares what it writes with what the baseline wrote, and times
// it with the bench timer, giving up early on one clearly slower than the best so far.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "runtime/bench/Benchmark.h"
#include "runtime/interp/LoopTuning.h"
#include "runtime/tune/Search.h"
#include "runtime/tune/WorkerEvents.h"

namespace hel::interp {

struct TunerSettings {
  tune::SearchSettings search;
  // `--autotune`: each loop's own budget, counted from the start of its tuning (beside
  // search.deadline, which `hel tune` sets for its whole run).
  std::optional<std::chrono::milliseconds> loopBudget;
  bench::Settings timing;
  // A candidate whose first estimate is this many times the best so far is not timed further.
  double cutoffRatio = 1.5;
  int jobs = 1;  // compile threads
  // Outcomes from an earlier worker of the same `hel tune`: replayed, not run again.
  const tune::Journal* journal = nullptr;
  // Sees every Loop, Try and Result event (the worker writes them to its supervisor).
  std::function<void(const tune::Event&)> report;
  // Called after a GPU fault, before the error is thrown on: the CUDA context is gone, so a
  // worker process exits here and its supervisor starts another.
  std::function<void()> onDeviceLost;
  // Test-only (HEL_TUNE_INJECT_FAULT=N): the Nth candidate launched, counting replayed ones,
  // faults: on the GPU it stores through a null pointer; on the CPU backend, which checks
  // every access, the process gets SIGSEGV as an unchecked fault would give it. 0: never.
  int injectFaultAt = 0;
};

class LoopTuner {
 public:
  explicit LoopTuner(TunerSettings settings) : settings_(std::move(settings)) {}
  // The chosen config with its time (for the tune file; the caller sets hel_version),
  // searched for until `deadline` (beside settings.search's and loopBudget). Leaves memory
  // as the baseline's launch would find it. Throws what the baseline's own launch throws.
  tune::TunedLoop tune(const LoopTuning& loop,
                       std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

 private:
  class Session;
  TunerSettings settings_;
  int launchedCandidates_ = 0;  // over every loop, replayed ones included
};

}  // namespace hel::interp
