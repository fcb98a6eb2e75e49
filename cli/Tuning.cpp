#include "cli/Tuning.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "support/CacheDir.h"

namespace hel::cli {
namespace {

// An exclusive lock on a folder, held while it lives. A tune file is replaced by a rename,
// so the lock is on its folder, not on the file.
class FolderLock {
 public:
  explicit FolderLock(const std::string& folder) : fd_(open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ >= 0 && flock(fd_, LOCK_EX) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~FolderLock() {
    if (fd_ >= 0) close(fd_);
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

// Adds `loop` to the tune file at `path` as it is now (another worker may have added to it
// since this one read it), and writes it back; false, with why, where that failed.
bool storeTunedLoop(const std::string& path, const tune::TunedLoop& loop, std::string* error) {
  FolderLock lock(std::filesystem::absolute(path).parent_path().string());
  if (!lock.held()) {
    *error = std::string("cannot lock its folder: ") + std::strerror(errno);
    return false;
  }
  tune::TuneFile file;
  if (std::optional<std::string> text = readFile(path)) {
    tune::TuneFileError parseError;
    std::optional<tune::TuneFile> now = tune::TuneFile::parse(*text, &parseError);
    if (!now) {
      *error = "it is no longer a tune file: " + parseError.message;
      return false;
    }
    file = std::move(*now);
  }
  file.put(loop);
  if (!writeFileAtomically(path, file.format())) {
    *error = std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

std::string tunePathFor(const std::string& script, tune::Shard shard) {
  if (shard.count == 1) return tune::TuneFile::pathFor(script);
  return fmt::format("{}.tune.shard-{}-of-{}.toml", script, shard.index + 1, shard.count);
}

std::chrono::milliseconds tuneBudget(const TuneOptions& options) {
  double seconds = options.budgetSeconds > 0 ? options.budgetSeconds : options.effort == "full" ? 600 : 60;
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

interp::TunerSettings tunerSettings(const TuneOptions& options) {
  interp::TunerSettings settings;
  bool full = options.effort == "full";
  // quick: a short walk from the seeds and one restart, each candidate timed briefly;
  // full: many restarts, and do_bench's usual timing.
  settings.search.maxCandidates = full ? 400 : 40;
  settings.search.restarts = full ? 12 : 1;
  settings.search.seed = options.seed;
  settings.timing.warmupMs = full ? 25 : 5;
  settings.timing.repMs = full ? 100 : 20;
  // Every core unless asked (nvptx::emitPTX keeps one TargetMachine per thread).
  settings.jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const char* inject = std::getenv("HEL_TUNE_INJECT_FAULT")) settings.injectFaultAt = std::atoi(inject);
  return settings;
}

std::string describeTuned(const tune::TunedLoop& loop) {
  double speedup = loop.ms > 0 ? loop.baselineMs / loop.ms : 0;
  return fmt::format("{} line {} ({}): {:.4f} ms with {}; {:.4f} ms with {} ({:.2f}x)", loop.key.kernel, loop.line,
                     loop.key.arguments, loop.ms, tune::configArguments(loop.config), loop.baselineMs, loop.baseline,
                     speedup);
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
  if (!options_.shard.covers(loopsSeen_++)) return std::nullopt;
  size_t position = coveredSeen_++;
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
  auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> share;
  if (settings_.search.deadline && start >= *settings_.search.deadline) {
    // Past `hel tune`'s budget a loop still has its seeds measured (the tuner
    // always measures them): a tensor-core tile among them beats the default
    // by far (causal attention's head dim 128: 1.3 ms against 66), where the
    // loop would otherwise run its default until a later hel tune.
    std::cerr << fmt::format("hel tune: {} was tuned on its seeds only: the time budget was spent before it "
                             "(run hel tune again with --force, or give a larger --budget, to search further)\n",
                             loop.title);
    share = start;
  } else if (settings_.search.deadline) {
    share = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        (*settings_.search.deadline - start) * tune::budgetFraction(loopWeights_, position));
  }
  tune::TunedLoop tuned = tuner_.tune(loop, share);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tuned.helVersion = HEL_VERSION;
  file_.put(tuned);
  storeTunedLoop(tunePath_, tuned, &writeError_);
  if (onTuned) onTuned(tuned, seconds);
  done();
  return tuned.config;
}

std::unique_ptr<TuneSession> autotuneSession(const std::string& script, tune::TuneFile file, const std::string& effort) {
  TuneOptions options;
  options.effort = effort;
  interp::TunerSettings settings = tunerSettings(options);
  settings.loopBudget = tuneBudget(options);
  settings.report = [effort](const tune::Event& event) {
    if (event.kind == tune::Event::Kind::Loop)
      std::cerr << fmt::format("hel: autotuning {} (--autotune {})\n", event.title, effort);
  };
  std::string tunePath = tune::TuneFile::pathFor(script);
  auto session = std::make_unique<TuneSession>(tunePath, std::move(file), std::move(settings),
                                               TuneSession::Which::WithoutConfig, options);
  session->onTuned = [self = session.get()](const tune::TunedLoop& loop, double seconds) {
    std::cerr << fmt::format("hel: autotuned {} in {:.1f} s, {} candidates run, {} failed; {} {}\n", describeTuned(loop),
                             seconds, loop.candidates, loop.failures,
                             self->writeError().empty() ? "stored in" : "could not be stored in", self->tunePath());
  };
  return session;
}

}  // namespace hel::cli
