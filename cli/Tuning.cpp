#include "cli/Tuning.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "support/CacheDir.h"

namespace hel::cli {

std::chrono::milliseconds tuneBudget(const TuneOptions& options) {
  double seconds = options.budgetSeconds > 0 ? options.budgetSeconds : options.effort == "full" ? 600 : 60;
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

interp::TunerSettings tunerSettings(const TuneOptions& options, std::chrono::steady_clock::time_point deadline) {
  interp::TunerSettings settings;
  bool full = options.effort == "full";
  // quick: a short walk from the seeds and one restart, each candidate timed briefly;
  // full: many restarts, and do_bench's usual timing.
  settings.search.maxCandidates = full ? 400 : 40;
  settings.search.restarts = full ? 12 : 1;
  settings.search.seed = options.seed;
  settings.search.deadline = deadline;
  settings.timing.warmupMs = full ? 25 : 5;
  settings.timing.repMs = full ? 100 : 20;
  // Every core unless asked (nvptx::emitPTX keeps one TargetMachine per thread).
  settings.jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const char* inject = std::getenv("HEL_TUNE_INJECT_FAULT")) settings.injectFaultAt = std::atoi(inject);
  return settings;
}

TuneSession::TuneSession(std::string tunePath, tune::TuneFile file, interp::TunerSettings settings, Which which,
                         TuneOptions options)
    : tunePath_(std::move(tunePath)),
      file_(std::move(file)),
      settings_(settings),
      tuner_(std::move(settings)),
      which_(which),
      options_(std::move(options)) {}

std::optional<tune::LoopConfig> TuneSession::tuneLoop(const interp::LoopTuning& loop) {
  if (!options_.kernel.empty() && loop.key.kernel != options_.kernel) return std::nullopt;
  if (which_ == Which::WithoutConfig && loop.callHasConfig) return std::nullopt;
  std::string id = interp::loopId(loop.key);
  auto done = [&] {
    if (settings_.report) settings_.report({tune::Event::Kind::Done, id, "", tune::Outcome::Ok, 0, "", ""});
  };
  // A loop tuned by an earlier worker of this `hel tune` is in the file, --force or not.
  bool tunedBefore = settings_.journal && settings_.journal->done(id);
  if (const tune::TunedLoop* stored = file_.find(loop.key); stored && (!options_.force || tunedBefore)) {
    done();
    return stored->config;
  }
  tune::TunedLoop tuned = tuner_.tune(loop);
  tuned.helVersion = HEL_VERSION;
  tune::LoopConfig chosen = tuned.config;
  file_.put(std::move(tuned));
  if (!writeFileAtomically(tunePath_, file_.format())) writeError_ = std::strerror(errno);
  done();
  return chosen;
}

}  // namespace hel::cli
