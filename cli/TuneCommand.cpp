// `hel tune FILE`: runs the script in a worker process (`hel tune FILE --worker-journal J`,
// the same command with a hidden option) that tunes each device loop specialization at its
// first launch (cli/Tuning.h) and reports every candidate on a pipe. A worker that dies
// (a GPU fault ends its CUDA context) or hangs (the watchdog kills it) is started again
// and replays the journal of outcomes so far, so the candidate that killed it is counted
// as failed and skipped. At the end: a table of what was tuned, and the configs to paste.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "cli/Commands.h"
#include "cli/DeviceOptions.h"
#include "cli/Input.h"
#include "cli/Script.h"
#include "cli/Tuning.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/interp/GpuRunner.h"
#include "runtime/tune/WorkerEvents.h"
#include "runtime/tune/WorkerProcess.h"
#include "support/CacheDir.h"

namespace hel::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A worker exits with this after a GPU fault: its CUDA context is gone, start another.
constexpr int kExitDeviceLost = 75;
// A worker that dies this many times in a row without finishing a candidate is not
// started again.
constexpr int kMaxFruitlessRestarts = 3;

struct TuneCommandOptions {
  DeviceOptions device;
  TuneOptions tune;
  std::string file;
  std::string workerJournal;  // set in a worker: the journal to replay
  int64_t workerDeadlineMs = 0;  // a worker's deadline, in ms since the epoch
};

int64_t epochMs(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

// ---- the worker --------------------------------------------------------------------

void writeEvent(const tune::Event& event) {
  std::string line = tune::encode(event);
  // One write per line: a line under PIPE_BUF bytes reaches the supervisor whole, even if
  // the process dies right after.
  if (::write(tune::kEventsFd, line.data(), line.size()) < 0) std::_Exit(kExitDeviceLost);
}

int runWorker(const TuneCommandOptions& options) {
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  std::optional<tune::TuneFile> file = loadTuneFile(options.file, sources, diags);
  if (!file) return kExitUsage;
  tune::Journal journal = tune::Journal::parse(readFile(options.workerJournal).value_or(""));
  auto left = std::chrono::milliseconds(options.workerDeadlineMs - epochMs(std::chrono::system_clock::now()));
  interp::TunerSettings settings = tunerSettings(options.tune);
  settings.search.deadline = Clock::now() + left;
  settings.journal = &journal;
  settings.report = writeEvent;
  settings.onDeviceLost = [] { std::_Exit(kExitDeviceLost); };
  TuneSession session(tune::TuneFile::pathFor(options.file), *file, settings, TuneSession::Which::Every, options.tune);
  std::optional<ScriptOptions> script = scriptOptions(options.device);
  if (!script) return kExitRuntimeError;
  script->quiet = true;
  script->tuneFile = &session.file();
  script->tuneLoop = [&](const interp::LoopTuning& loop) { return session.tuneLoop(loop); };
  int status = runScript(options.file, *script).status;
  if (!session.writeError().empty()) {
    diags.report(diag::CannotWriteFile, {}, tune::TuneFile::pathFor(options.file), session.writeError());
    return kExitUsage;
  }
  return status == kExitCheckFailed ? kExitOk : status;
}

// ---- the supervisor ----------------------------------------------------------------

// The progress of the whole tuning: on a terminal one line redrawn in place, else a line
// per device loop and per new best time.
class Progress {
 public:
  explicit Progress(Clock::time_point start) : start_(start), terminal_(isatty(STDERR_FILENO)) {}

  void loop(const tune::Event& event) {
    title_ = event.title;
    bestMs_.reset();
    if (!terminal_) std::cerr << "tuning " << title_ << "\n";
    draw();
  }

  void result(const tune::Event& event) {
    if (tune::launched(event.outcome)) ++tried_;
    if (tune::failed(event.outcome)) ++failures_;
    if (event.outcome == tune::Outcome::Ok && (!bestMs_ || event.ms < *bestMs_)) {
      bestMs_ = event.ms;
      if (!terminal_) std::cerr << fmt::format("  best so far {:.4f} ms: {}\n", event.ms, event.config);
    }
    if (tune::failed(event.outcome) && !terminal_)
      std::cerr << fmt::format("  failed ({}): {}\n", tune::outcomeName(event.outcome), event.config);
    draw();
  }

  void restarted(const std::string& why) {
    clear();
    std::cerr << "hel tune: " << why << "; starting a new worker\n";
    draw();
  }

  void finish() { clear(); }

 private:
  void draw() {
    if (!terminal_) return;
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    std::string line = fmt::format("{} | {} tried, {} failed, best {} | {:.1f} s", title_, tried_, failures_,
                                   bestMs_ ? fmt::format("{:.4f} ms", *bestMs_) : "-", elapsed);
    if (line.size() > 118) line = line.substr(0, 115) + "...";
    std::cerr << "\r\033[K" << line << std::flush;
  }
  void clear() {
    if (terminal_) std::cerr << "\r\033[K" << std::flush;
  }

  Clock::time_point start_;
  bool terminal_;
  std::string title_;
  std::optional<double> bestMs_;
  int tried_ = 0, failures_ = 0;
};

// The worker's command line: this hel, with the options of this command and the journal.
std::vector<std::string> workerArguments(const TuneCommandOptions& options, const std::string& journal,
                                         int64_t deadlineMs) {
  std::vector<std::string> argv = {std::filesystem::read_symlink("/proc/self/exe").string(), "tune", options.file,
                                   "--effort", options.tune.effort, "--seed", std::to_string(options.tune.seed),
                                   "--worker-journal", journal, "--worker-deadline-ms", std::to_string(deadlineMs)};
  if (options.tune.jobs > 0) argv.insert(argv.end(), {"--jobs", std::to_string(options.tune.jobs)});
  if (options.tune.force) argv.push_back("--force");
  if (!options.tune.kernel.empty()) argv.insert(argv.end(), {"--kernel", options.tune.kernel});
  if (!options.device.device.empty()) argv.insert(argv.end(), {"--device", options.device.device});
  if (options.device.noCache) argv.push_back("--no-cache");
  return argv;
}

// What `hel tune` prints at the end: a row per device loop specialization, the failed
// candidates, and per kernel the line to paste (its slowest specialization's config, with
// the block sizes of its other device loops filled in).
void printSummary(const TuneCommandOptions& options, const tune::TuneFile& file, const std::vector<std::string>& doneIds,
                  const tune::Journal& journal, double seconds, const std::string& device) {
  std::vector<const tune::TunedLoop*> loops;
  for (const std::string& id : doneIds)
    for (const tune::TunedLoop& loop : file.loops)
      if (interp::loopId(loop.key) == id && std::find(loops.begin(), loops.end(), &loop) == loops.end())
        loops.push_back(&loop);
  int tried = 0, failures = 0;
  for (const tune::Event& event : journal.events()) {
    if (event.kind != tune::Event::Kind::Result) continue;
    tried += tune::launched(event.outcome);
    failures += tune::failed(event.outcome);
  }
  std::cout << fmt::format("hel tune {}: {} device loop specialization{} on {}, {} candidates run, {} failed, {:.1f} s\n",
                           options.file, loops.size(), loops.size() == 1 ? "" : "s", device, tried, failures, seconds);
  for (const tune::TunedLoop* loop : loops) {
    std::string id = interp::loopId(loop->key);
    bool tunedNow = std::any_of(journal.events().begin(), journal.events().end(), [&](const tune::Event& event) {
      return event.kind == tune::Event::Kind::Result && event.loopId == id;
    });
    std::cout << describeTuned(*loop) << (tunedNow ? "" : " (stored)") << "\n";
  }
  bool anyFailed = false;
  for (const tune::Event& event : journal.events()) {
    if (event.kind != tune::Event::Kind::Result || !tune::failed(event.outcome)) continue;
    if (!anyFailed) std::cout << "failed candidates:\n";
    anyFailed = true;
    std::cout << fmt::format("  {}: {}{}{}\n", event.config, tune::outcomeName(event.outcome),
                             event.detail.empty() ? "" : ": ", event.detail.substr(0, 200));
  }
  std::cout << "tune file: " << tune::TuneFile::pathFor(options.file) << "\n";
  std::vector<std::string> kernels;
  for (const tune::TunedLoop* loop : loops)
    if (std::find(kernels.begin(), kernels.end(), loop->key.kernel) == kernels.end()) kernels.push_back(loop->key.kernel);
  for (const std::string& kernel : kernels) {
    const tune::TunedLoop* slowest = nullptr;
    std::map<int64_t, int64_t> blockSizes;
    for (const tune::TunedLoop* loop : loops) {
      if (loop->key.kernel != kernel) continue;
      if (!slowest || loop->ms > slowest->ms) slowest = loop;
      for (size_t i = 0; i < loop->blockSizeIndices.size(); ++i)
        blockSizes.emplace(loop->blockSizeIndices[i], loop->config.blockSizes[i]);
    }
    for (size_t i = 0; i < slowest->blockSizeIndices.size(); ++i)
      blockSizes[slowest->blockSizeIndices[i]] = slowest->config.blockSizes[i];
    std::vector<int64_t> merged;
    for (const auto& [index, size] : blockSizes) merged.push_back(size);
    std::cout << fmt::format("@helion.kernel(config=helion.Config({}))  # {}\n",
                             tune::configArguments(slowest->config, merged), kernel);
  }
}

// Which device the worker will tune on, as the tune file names it; nullopt after an error.
std::optional<std::string> tuneDevice(const DeviceOptions& options, DiagnosticEngine& diags) {
  if (options.device == "meta") {
    diags.report(diag::TuneOnMeta, {});
    return std::nullopt;
  }
  if (options.device == "cpu") return std::string("cpu");
  std::string whyNot;
  std::vector<cuda::DeviceProperties> devices = cuda::listDevices(&whyNot);
  if (devices.empty()) {
    diags.report(diag::TuneNeedsGpu, {}, whyNot);
    return std::nullopt;
  }
  return devices.front().name;
}

int runSupervisor(const TuneCommandOptions& options) {
  DiagnosticEngine diags(std::cerr);
  std::optional<std::string> device = tuneDevice(options.device, diags);
  if (!device) return options.device.device == "meta" ? kExitUsage : kExitRuntimeError;
  SourceManager sources;
  if (!loadSource(sources, diags, options.file)) return kExitUsage;
  if (!loadTuneFile(options.file, sources, diags)) return kExitUsage;
  std::string tunePath = tune::TuneFile::pathFor(options.file);
  if (!checkWritable(tunePath, diags)) return kExitUsage;

  Clock::time_point start = Clock::now();
  int64_t deadlineMs = epochMs(std::chrono::system_clock::now()) + tuneBudget(options.tune).count();
  const char* watchdogEnv = std::getenv("HEL_TUNE_WATCHDOG_S");
  auto watchdog = std::chrono::milliseconds(static_cast<int64_t>((watchdogEnv ? std::atof(watchdogEnv) : 30) * 1000));
  std::string journalPath = fmt::format("{}/hel-tune-{}.journal", std::filesystem::temp_directory_path().string(), getpid());
  tune::Journal journal;
  std::vector<std::string> doneIds;
  Progress progress(start);
  int fruitlessRestarts = 0, status = kExitOk;
  while (true) {
    if (!writeFileAtomically(journalPath, journal.text())) {
      diags.report(diag::CannotWriteFile, {}, journalPath, std::strerror(errno));
      return kExitUsage;
    }
    std::string error;
    std::unique_ptr<tune::WorkerProcess> worker =
        tune::WorkerProcess::start(workerArguments(options, journalPath, deadlineMs), &error);
    if (!worker) {
      diags.report(diag::TuneWorkerFailed, {}, error);
      return kExitRuntimeError;
    }
    std::optional<tune::Event> inFlight;  // the candidate launched and not yet reported
    bool progressed = false, hung = false;
    std::string line;
    while (true) {
      tune::WorkerProcess::Read read = worker->readLine(&line, inFlight ? watchdog : std::chrono::hours(24));
      if (read == tune::WorkerProcess::Read::Closed) break;
      if (read == tune::WorkerProcess::Read::Timeout) {
        worker->kill();
        hung = true;
        break;
      }
      std::optional<tune::Event> event = tune::decode(line);
      if (!event) continue;
      switch (event->kind) {
        case tune::Event::Kind::Loop: progress.loop(*event); break;
        case tune::Event::Kind::Try: inFlight = event; break;
        case tune::Event::Kind::Result:
          inFlight.reset();
          progressed = true;
          journal.add(*event);
          progress.result(*event);
          break;
        case tune::Event::Kind::Done:
          journal.add(*event);
          doneIds.push_back(event->loopId);
          break;
      }
    }
    tune::WorkerProcess::Exit exit = worker->wait();
    bool died = hung || exit.signal != 0 || exit.status == kExitDeviceLost;
    if (!died) {
      status = exit.status;
      break;
    }
    std::string what = hung ? fmt::format("the worker hung for {} s", watchdog.count() / 1000.0)
                            : exit.signal ? fmt::format("the worker died of signal {}", exit.signal)
                                          : std::string("the GPU faulted");
    if (inFlight) {
      tune::Event failure = *inFlight;
      failure.kind = tune::Event::Kind::Result;
      failure.outcome = hung ? tune::Outcome::Hung : tune::Outcome::Faulted;
      failure.detail = what;
      journal.add(failure);
      progress.result(failure);
      progressed = true;
    }
    fruitlessRestarts = progressed ? 0 : fruitlessRestarts + 1;
    if (fruitlessRestarts >= kMaxFruitlessRestarts) {
      progress.finish();
      diags.report(diag::TuneWorkerKeepsDying, {}, fruitlessRestarts, what);
      status = kExitRuntimeError;
      break;
    }
    progress.restarted(what + (inFlight ? " on " + inFlight->config : ""));
  }
  progress.finish();
  std::error_code ignored;
  std::filesystem::remove(journalPath, ignored);
  if (status != kExitOk) return status;
  if (!options.tune.kernel.empty() && doneIds.empty()) {
    diags.report(diag::TuneNoKernel, {}, options.tune.kernel);
    return kExitUsage;
  }
  SourceManager again;
  std::optional<tune::TuneFile> file = loadTuneFile(options.file, again, diags);
  if (!file) return kExitUsage;
  printSummary(options, *file, doneIds, journal, std::chrono::duration<double>(Clock::now() - start).count(), *device);
  return kExitOk;
}

}  // namespace

void addTuneCommand(CLI::App& app, int* status) {
  auto options = std::make_shared<TuneCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "tune", "Autotune every kernel call a script makes and write FILE.hel.tune.toml");
  command->add_option("FILE", options->file, "The script")->required();
  command->add_option("--kernel", options->tune.kernel, "Tune only this kernel's calls");
  command->add_option("--effort", options->tune.effort, "quick (about 40 candidates per call) or full (about 400)")
      ->check(CLI::IsMember({"quick", "full"}));
  command->add_option("--budget", options->tune.budgetSeconds, "Stop searching after this many seconds in all (default: 60 quick, 600 full)")
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", options->tune.seed, "Seed of the random restarts (the same seed tries the same configs)");
  command->add_option("--jobs", options->tune.jobs, "Threads compiling candidates to PTX (default: every core)")
      ->check(CLI::PositiveNumber);
  command->add_flag("--force", options->tune.force, "Tune again calls that the tune file already holds");
  command->add_option("--device", options->device.device, "Tune for the GPU (cuda, the default) or the CPU backend (cpu)")
      ->check(CLI::IsMember({"cuda", "cpu", "meta"}));
  command->add_flag("--no-cache", options->device.noCache, "Compile kernels again instead of reading $HEL_CACHE_DIR");
  // The worker's side of the protocol; not for people.
  command->add_option("--worker-journal", options->workerJournal)->group("");
  command->add_option("--worker-deadline-ms", options->workerDeadlineMs)->group("");
  command->callback([options, status] {
    *status = options->workerJournal.empty() ? runSupervisor(*options) : runWorker(*options);
  });
}

}  // namespace hel::cli
