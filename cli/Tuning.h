// Tuning a script's device loops where they first launch, and keeping the results in its
// tune file: what the `hel tune` worker process and `hel run --autotune` share.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "runtime/interp/LoopTuner.h"
#include "runtime/tune/TuneFile.h"

namespace hel::cli {

struct TuneOptions {
  std::string effort = "quick";  // quick | full
  double budgetSeconds = 0;      // 0: the effort's own
  uint64_t seed = 0;
  int jobs = 0;  // compile threads; 0: every core
  bool force = false;
  std::string kernel;  // only this kernel's loops; empty: all
};

// The effort's search and timing settings, the budget, the seed and the threads.
interp::TunerSettings tunerSettings(const TuneOptions& options, std::chrono::steady_clock::time_point deadline);
// The wall-clock budget of a whole `hel tune`.
std::chrono::milliseconds tuneBudget(const TuneOptions& options);

class TuneSession {
 public:
  enum class Which {
    Every,             // `hel tune`: every loop (of --kernel), explicit configs too
    WithoutConfig,     // --autotune: loops of calls without a config and not in the tune file
  };
  TuneSession(std::string tunePath, tune::TuneFile file, interp::TunerSettings settings, Which which, TuneOptions options);

  // RunOptions::tuneLoop: the stored config, or a newly tuned one (then written to the
  // tune file, and a Done event reported), or nullopt to leave the loop as compiled.
  std::optional<tune::LoopConfig> tuneLoop(const interp::LoopTuning& loop);

  const tune::TuneFile& file() const { return file_; }
  // Set when writing the tune file failed (the loop still runs with what was found).
  const std::string& writeError() const { return writeError_; }

 private:
  std::string tunePath_;
  tune::TuneFile file_;
  interp::TunerSettings settings_;
  interp::LoopTuner tuner_;
  Which which_;
  TuneOptions options_;
  std::string writeError_;
};

}  // namespace hel::cli
