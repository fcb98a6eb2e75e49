// Tuning a script's device loops where they first launch, and keeping the results in its
// tune file: what the `hel tune` worker process and `hel run --autotune` share.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "runtime/interp/LoopTuner.h"
#include "runtime/tune/Shard.h"
#include "runtime/tune/TuneFile.h"

namespace hel::cli {

// The tune file a `hel tune` of `script` writes: FILE.hel.tune.toml, or for a share of the
// specializations, FILE.hel.tune.shard-I-of-N.toml (for `hel tune --merge`).
std::string tunePathFor(const std::string& script, tune::Shard shard);

struct TuneOptions {
  std::string effort = "quick";  // quick | full
  double budgetSeconds = 0;      // 0: the effort's own
  uint64_t seed = 0;
  int jobs = 0;  // compile threads; 0: every core
  bool force = false;
  std::string kernel;  // only this kernel's loops; empty: all
  tune::Shard shard;   // only this share of them
};

// The effort's search and timing settings, the seed and the threads; no deadline.
interp::TunerSettings tunerSettings(const TuneOptions& options);
// The wall-clock budget of a whole `hel tune`, or of each loop under --autotune.
std::chrono::milliseconds tuneBudget(const TuneOptions& options);

// "add_one line 45 (x=f32[1024]): 0.0040 ms with block_sizes=[256], num_warps=4; 0.0050 ms
// with default: ... (1.25x)": a tuned loop as `hel tune` and --autotune report it.
std::string describeTuned(const tune::TunedLoop& loop);

class TuneSession {
 public:
  enum class Which {
    Every,             // `hel tune`: every loop (of --kernel), explicit configs too
    WithoutConfig,     // --autotune: loops of calls without a config and not in the tune file
  };
  TuneSession(std::string tunePath, tune::TuneFile file, interp::TunerSettings settings, Which which, TuneOptions options);

  // RunOptions::tuneLoop: the stored config, or a newly tuned one (then added to the tune
  // file, and a Done event reported), or nullopt to leave the loop as compiled (a loop
  // of another kernel, or of another shard, or one reached after the budget was spent).
  // Other workers may be adding to the same tune file: each entry is added to what the
  // file holds when it is written, under a lock.
  std::optional<tune::LoopConfig> tuneLoop(const interp::LoopTuning& loop);
  // The loops this session will be asked to tune (its shard's, of --kernel), in order, as
  // weights, where a dry run could tell: each then gets its weight's share of the time left
  // before search.deadline when it starts (of its own and the later loops' weights), so
  // that the last are tuned too. Empty: unknown.
  void expectLoops(std::vector<double> weights) { loopWeights_ = std::move(weights); }

  const tune::TuneFile& file() const { return file_; }
  // How many device loops of the kernels tuned (--kernel) the script launched, in all shards.
  int loopsSeen() const { return loopsSeen_; }
  const std::string& tunePath() const { return tunePath_; }
  // Set when writing the tune file failed (the loop still runs with what was found).
  const std::string& writeError() const { return writeError_; }
  // Sees each loop tuned (not those found in the tune file), with the seconds it took.
  std::function<void(const tune::TunedLoop&, double seconds)> onTuned;

 private:
  std::string tunePath_;
  tune::TuneFile file_;
  interp::TunerSettings settings_;
  interp::LoopTuner tuner_;
  Which which_;
  TuneOptions options_;
  int loopsSeen_ = 0;
  std::vector<double> loopWeights_;
  size_t coveredSeen_ = 0;  // loops of this shard seen so far
  std::string writeError_;
};

// `hel run|test|bench --autotune quick|full`: a session that tunes, at its first launch,
// each device loop of a call without a config that `file` (the script's tune file) lacks,
// as Helion tunes a kernel without a config at its first call, and stores the result. Each
// loop gets the effort's budget; the tuning runs in this process (a GPU fault ends the run:
// `hel tune` isolates candidates in a worker). Says on stderr what it tunes and finds.
std::unique_ptr<TuneSession> autotuneSession(const std::string& script, tune::TuneFile file, const std::string& effort);

}  // namespace hel::cli
