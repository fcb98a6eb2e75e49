// `hel tune FILE`: runs the script in a worker process (`hel tune FILE --worker-journal J`,
// the same command with hidden options) that tunes each device loop specialization at its
// first launch (cli/Tuning.h) and reports every candidate on a pipe. A worker that dies
// (a GPU fault ends its CUDA context) or hangs (the watchdog kills it) is started again
// and replays the journal of outcomes so far, so the candidate that killed it is counted
// as failed and skipped. `--devices 0,1` runs one such worker per GPU at once, each tuning
// a share of the specializations (Shard); `--shard I/N` tunes one share, for another
// machine to tune the rest, and `--merge` combines their tune files (cli/TuneMerge.h).
// At the end: a table of what was tuned, and the configs to paste.
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "cli/Commands.h"
#include "cli/DeviceOptions.h"
#include "cli/Input.h"
#include "cli/Script.h"
#include "cli/TuneMerge.h"
#include "cli/TuneProgress.h"
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
// A worker exits with this when the script launched no loop of --kernel.
constexpr int kExitNoKernel = 76;
// A worker that dies this many times in a row without finishing a candidate is not
// started again.
constexpr int kMaxFruitlessRestarts = 3;

struct TuneCommandOptions {
  DeviceOptions device;
  TuneOptions tune;
  std::string file;
  std::string shard;         // --shard I/N, as given (parsed into tune.shard)
  std::vector<int> devices;  // --devices: one worker per GPU
  std::vector<std::string> merge;
  std::string output;        // --merge's -o
  std::string workerJournal;  // set in a worker: the journal to replay
  int64_t workerDeadlineMs = 0;  // a worker's deadline, in ms since the epoch
  std::string workerTuneFile;    // the tune file a worker reads and adds to
  int workerGpu = -1;            // the GPU a worker runs on (CUDA_VISIBLE_DEVICES); -1: the first
  bool verbose = false;          // a progress line per candidate
};

int64_t epochMs(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

// ---- the worker --------------------------------------------------------------------

constexpr std::chrono::milliseconds kReplayGrace{3000};

void writeEvent(const tune::Event& event) {
  std::string line = tune::encode(event);
  // One write per line: a line under PIPE_BUF bytes reaches the supervisor whole, even if
  // the process dies right after.
  if (::write(tune::kEventsFd, line.data(), line.size()) < 0) std::_Exit(kExitDeviceLost);
}

// The device loop specializations of --kernel (every kernel's without it) in this worker's
// shard that the script launches, in order, from a dry run on meta tensors (no kernel
// runs), each weighed by the square root of the elements its programs cover under the
// default config: the time to tune them goes mostly where the work is, as the script's
// small checks come first. Empty where that run fails (a script that needs values, say).
std::vector<double> loopWeightsToTune(const TuneCommandOptions& options) {
  ScriptOptions dryRun;
  dryRun.device = Device::meta();
  dryRun.quiet = dryRun.silent = true;
  std::vector<double> weights;
  int seen = 0;
  dryRun.onCompiled = [&](const tir::Module& module) {
    const tir::Kernel& kernel = *module.kernels[0];
    if (!options.tune.kernel.empty() && kernel.name != options.tune.kernel) return;
    if (!options.tune.shard.covers(seen++)) return;
    double elements = static_cast<double>(tir::largestTile(kernel));
    for (const tir::GridAxis& axis : kernel.launch.grid)
      if (axis.extentParam < 0) elements *= static_cast<double>(axis.programsFor(axis.extent));
    weights.push_back(std::sqrt(std::max(elements, 1.0)));
  };
  if (runScript(options.file, dryRun).status != kExitOk) return {};
  return weights;
}

int runWorker(const TuneCommandOptions& options) {
  // Before anything touches CUDA: this worker sees only its GPU, as device 0.
  if (options.workerGpu >= 0) setenv("CUDA_VISIBLE_DEVICES", std::to_string(options.workerGpu).c_str(), 1);
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  std::optional<tune::TuneFile> file = loadTuneFile(options.workerTuneFile, sources, diags);
  if (!file) return kExitUsage;
  tune::Journal journal = tune::Journal::parse(readFile(options.workerJournal).value_or(""));
  auto left = std::chrono::milliseconds(options.workerDeadlineMs - epochMs(std::chrono::system_clock::now()));
  // A worker that takes over from one that died replays its predecessors' outcomes before
  // it can choose anything; past the deadline it still gets a moment for that (replays
  // launch nothing) and for timing the finalists, or all their results would be lost.
  if (!journal.events().empty()) left = std::max(left, kReplayGrace);
  interp::TunerSettings settings = tunerSettings(options.tune);
  settings.search.deadline = Clock::now() + left;
  settings.journal = &journal;
  settings.report = writeEvent;
  settings.onDeviceLost = [] { std::_Exit(kExitDeviceLost); };
  TuneSession session(options.workerTuneFile, *file, settings, TuneSession::Which::Every, options.tune);
  session.expectLoops(loopWeightsToTune(options));
  std::optional<ScriptOptions> script = scriptOptions(options.device);
  if (!script) return kExitRuntimeError;
  script->quiet = true;
  script->tuneFile = &session.file();
  script->tuneLoop = [&](const interp::LoopTuning& loop) { return session.tuneLoop(loop); };
  int status = runScript(options.file, *script).status;
  if (!session.writeError().empty()) {
    diags.report(diag::CannotWriteFile, {}, options.workerTuneFile, session.writeError());
    return kExitUsage;
  }
  if (status != kExitOk && status != kExitCheckFailed) return status;
  return !options.tune.kernel.empty() && session.loopsSeen() == 0 ? kExitNoKernel : kExitOk;
}

// ---- the supervisor ----------------------------------------------------------------

// One worker of a `hel tune` (started again after each death): its share of the
// specializations, and its GPU.
struct Slot {
  std::string name;  // "gpu 1", for the progress lines
  tune::Shard shard;
  int gpu = -1;  // -1: the first
};

// What one slot's workers did.
struct SlotResult {
  int status = kExitOk;
  std::optional<Diagnostic> error;  // why it stopped, where that was not the script's doing
  tune::Journal journal;
  std::vector<std::string> doneIds;
};

// The worker's command line: this hel, with the options of this command, its slot, and the journal.
std::vector<std::string> workerArguments(const TuneCommandOptions& options, const Slot& slot, const std::string& tunePath,
                                         const std::string& journal, int64_t deadlineMs) {
  std::vector<std::string> argv = {std::filesystem::read_symlink("/proc/self/exe").string(), "tune", options.file,
                                   "--effort", options.tune.effort, "--seed", std::to_string(options.tune.seed),
                                   "--shard", slot.shard.text(),
                                   "--worker-tune-file", tunePath, "--worker-journal", journal,
                                   "--worker-deadline-ms", std::to_string(deadlineMs)};
  if (slot.gpu >= 0) argv.insert(argv.end(), {"--worker-gpu", std::to_string(slot.gpu)});
  if (options.tune.jobs > 0) argv.insert(argv.end(), {"--jobs", std::to_string(options.tune.jobs)});
  if (options.tune.force) argv.push_back("--force");
  if (!options.tune.kernel.empty()) argv.insert(argv.end(), {"--kernel", options.tune.kernel});
  if (!options.device.device.empty()) argv.insert(argv.end(), {"--device", options.device.device});
  if (options.device.noCache) argv.push_back("--no-cache");
  return argv;
}

// Runs the slot's worker until it finishes, starting a new one after each death.
SlotResult superviseSlot(const TuneCommandOptions& options, const Slot& slot, const std::string& tunePath,
                         int64_t deadlineMs, TuneProgress& progress) {
  SlotResult result;
  const char* watchdogEnv = std::getenv("HEL_TUNE_WATCHDOG_S");
  auto watchdog = std::chrono::milliseconds(static_cast<int64_t>((watchdogEnv ? std::atof(watchdogEnv) : 30) * 1000));
  std::string journalPath = fmt::format("{}/hel-tune-{}-{}-of-{}.journal", std::filesystem::temp_directory_path().string(),
                                        getpid(), slot.shard.index + 1, slot.shard.count);
  tune::Journal& journal = result.journal;
  int fruitlessRestarts = 0;
  while (true) {
    if (!writeFileAtomically(journalPath, journal.text())) {
      result.error = DiagnosticEngine::make(diag::CannotWriteFile, {}, journalPath, std::strerror(errno));
      result.status = kExitUsage;
      break;
    }
    std::string error;
    std::unique_ptr<tune::WorkerProcess> worker =
        tune::WorkerProcess::start(workerArguments(options, slot, tunePath, journalPath, deadlineMs), &error);
    if (!worker) {
      result.error = DiagnosticEngine::make(diag::TuneWorkerFailed, {}, error);
      result.status = kExitRuntimeError;
      break;
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
        case tune::Event::Kind::Loop: progress.loop(slot.name, *event); break;
        case tune::Event::Kind::Try: inFlight = event; break;
        case tune::Event::Kind::Result:
          inFlight.reset();
          progressed = true;
          journal.add(*event);
          progress.result(slot.name, *event);
          break;
        case tune::Event::Kind::Done:
          journal.add(*event);
          result.doneIds.push_back(event->loopId);
          break;
      }
    }
    tune::WorkerProcess::Exit exit = worker->wait();
    bool died = hung || exit.signal != 0 || exit.status == kExitDeviceLost;
    if (!died) {
      result.status = exit.status;
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
      progress.result(slot.name, failure);
      progressed = true;
    }
    fruitlessRestarts = progressed ? 0 : fruitlessRestarts + 1;
    if (fruitlessRestarts >= kMaxFruitlessRestarts) {
      result.error = DiagnosticEngine::make(diag::TuneWorkerKeepsDying, {}, fruitlessRestarts, what);
      result.status = kExitRuntimeError;
      break;
    }
    progress.restarted(slot.name, what + (inFlight ? " on " + inFlight->config : ""));
  }
  std::error_code ignored;
  std::filesystem::remove(journalPath, ignored);
  return result;
}

// What `hel tune` prints at the end: a row per device loop specialization, the failed
// candidates, and per kernel the line to paste (its slowest specialization's config, with
// the block sizes of its other device loops filled in).
void printSummary(const TuneCommandOptions& options, const std::string& tunePath, const tune::TuneFile& file,
                  const std::vector<std::string>& doneIds, const tune::Journal& journal, double seconds,
                  const std::string& device) {
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
  std::string share = options.tune.shard.count > 1 ? " (shard " + options.tune.shard.text() + ")" : "";
  std::cout << fmt::format("hel tune {}{}: {} device loop specialization{} on {}, {} candidates run, {} failed, {:.1f} s\n",
                           options.file, share, loops.size(), loops.size() == 1 ? "" : "s", device, tried, failures,
                           seconds);
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
  std::cout << "tune file: " << tunePath << "\n";
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

// Which device the workers will tune on, as the summary names it; nullopt, with the exit
// status in `*error`, after an error.
std::optional<std::string> tuneDevice(const TuneCommandOptions& options, DiagnosticEngine& diags, int* error) {
  *error = kExitUsage;
  const std::vector<int>& ids = options.devices;
  for (size_t i = 0; i < ids.size(); ++i)
    if (std::find(ids.begin(), ids.begin() + i, ids[i]) != ids.begin() + i) {
      diags.report(diag::DuplicateDevice, {}, ids[i]);
      return std::nullopt;
    }
  std::string several = ids.size() > 1 ? fmt::format(" x{} (--devices {})", ids.size(), fmt::join(ids, ",")) : "";
  if (options.device.device == "meta") {
    diags.report(diag::TuneOnMeta, {});
    return std::nullopt;
  }
  if (options.device.device == "cpu") return "cpu" + several;
  std::string whyNot;
  std::vector<cuda::DeviceProperties> devices = cuda::listDevices(&whyNot);
  if (devices.empty()) {
    diags.report(diag::TuneNeedsGpu, {}, whyNot);
    *error = kExitRuntimeError;
    return std::nullopt;
  }
  for (int id : ids)
    if (id >= static_cast<int>(devices.size())) {
      diags.report(diag::NoSuchGpu, {}, id, devices.size(), devices.size() == 1 ? "" : "s");
      return std::nullopt;
    }
  return devices[ids.empty() ? 0 : ids.front()].name + several;
}

int runSupervisor(const TuneCommandOptions& options) {
  DiagnosticEngine diags(std::cerr);
  int deviceError = kExitOk;
  std::optional<std::string> device = tuneDevice(options, diags, &deviceError);
  if (!device) return deviceError;
  SourceManager sources;
  if (!loadSource(sources, diags, options.file)) return kExitUsage;
  std::string tunePath = tunePathFor(options.file, options.tune.shard);
  if (!loadTuneFile(tunePath, sources, diags)) return kExitUsage;
  if (!checkWritable(tunePath, diags)) return kExitUsage;

  // A slot per GPU, each with its share of this run's share of the specializations.
  std::vector<Slot> slots;
  for (size_t i = 0; i < options.devices.size(); ++i)
    slots.push_back({fmt::format("{} {}", options.device.device == "cpu" ? "cpu" : "gpu", options.devices[i]),
                     options.tune.shard.split(static_cast<int>(i), static_cast<int>(options.devices.size())),
                     options.devices[i]});
  if (slots.empty()) slots.push_back({"", options.tune.shard, -1});

  Clock::time_point start = Clock::now();
  int64_t deadlineMs = epochMs(std::chrono::system_clock::now()) + tuneBudget(options.tune).count();
  TuneProgress progress(start, slots.size() > 1, options.verbose);
  std::vector<SlotResult> results(slots.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < slots.size(); ++i)
    threads.emplace_back([&, i] { results[i] = superviseSlot(options, slots[i], tunePath, deadlineMs, progress); });
  results[0] = superviseSlot(options, slots[0], tunePath, deadlineMs, progress);
  for (std::thread& thread : threads) thread.join();
  progress.finish();

  tune::Journal journal;
  std::vector<std::string> doneIds;
  int status = kExitOk;
  bool noKernel = true;
  for (SlotResult& result : results) {
    if (result.error) DiagnosticBuilder(&diags, *result.error);  // reported as it goes out of scope
    noKernel = noKernel && result.status == kExitNoKernel;
    if (status == kExitOk && result.status != kExitNoKernel) status = result.status;
    for (const tune::Event& event : result.journal.events()) journal.add(event);
    doneIds.insert(doneIds.end(), result.doneIds.begin(), result.doneIds.end());
  }
  if (noKernel) {
    diags.report(diag::TuneNoKernel, {}, options.tune.kernel);
    return kExitUsage;
  }
  if (status != kExitOk) return status;
  SourceManager again;
  std::optional<tune::TuneFile> file = loadTuneFile(tunePath, again, diags);
  if (!file) return kExitUsage;
  printSummary(options, tunePath, *file, doneIds, journal, std::chrono::duration<double>(Clock::now() - start).count(),
               *device);
  return kExitOk;
}

}  // namespace

void addTuneCommand(CLI::App& app, int* status) {
  auto options = std::make_shared<TuneCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "tune", "Autotune every kernel call a script makes and write FILE.hel.tune.toml");
  CLI::Option* file = command->add_option("FILE", options->file, "The script");
  CLI::Option* kernel = command->add_option("--kernel", options->tune.kernel, "Tune only this kernel's calls");
  command->add_option("--effort", options->tune.effort, "quick (about 40 candidates per call) or full (about 400)")
      ->check(CLI::IsMember({"quick", "full"}));
  command->add_option("--budget", options->tune.budgetSeconds, "Stop searching after this many seconds in all (default: 60 quick, 600 full)")
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", options->tune.seed, "Seed of the random restarts (the same seed tries the same configs)");
  command->add_option("--jobs", options->tune.jobs, "Threads compiling candidates to PTX and, where ptxas is installed, to cubins (default: every core)")
      ->check(CLI::PositiveNumber);
  CLI::Option* force = command->add_flag("--force", options->tune.force, "Tune again calls that the tune file already holds");
  command->add_option("--device", options->device.device, "Tune for the GPU (cuda, the default) or the CPU backend (cpu)")
      ->check(CLI::IsMember({"cuda", "cpu", "meta"}));
  command->add_flag("--no-cache", options->device.noCache, "Compile kernels again instead of reading $HEL_CACHE_DIR");
  command->add_flag("-v,--verbose", options->verbose, "A progress line per candidate: its outcome, time and seconds since the start");
  CLI::Option* shard = command->add_option(
      "--shard", options->shard,
      "Tune only share I of N of the specializations (every N-th in launch order), into FILE.hel.tune.shard-I-of-N.toml");
  CLI::Option* devices = command->add_option("--devices", options->devices,
                                             "Tune on these GPUs at once (e.g. 0,1), one worker process per GPU")
                             ->delimiter(',')
                             ->check(CLI::NonNegativeNumber);
  CLI::Option* merge =
      command->add_option("--merge", options->merge, "Combine these tune files (where they differ, the faster entry wins)")
          ->excludes(file)
          ->excludes(kernel)
          ->excludes(force)
          ->excludes(shard)
          ->excludes(devices);
  command->add_option("-o,--output", options->output, "With --merge: the tune file to write (default: stdout)")->needs(merge);
  // The worker's side of the protocol; not for people.
  command->add_option("--worker-journal", options->workerJournal)->group("");
  command->add_option("--worker-deadline-ms", options->workerDeadlineMs)->group("");
  command->add_option("--worker-tune-file", options->workerTuneFile)->group("");
  command->add_option("--worker-gpu", options->workerGpu)->group("");
  command->callback([options, status] {
    DiagnosticEngine diags(std::cerr);
    if (!options->merge.empty()) {
      *status = mergeTuneFiles(options->merge, options->output);
      return;
    }
    if (options->file.empty()) {
      diags.report(diag::TuneNeedsInput, {});
      *status = kExitUsage;
      return;
    }
    if (!options->shard.empty()) {
      std::optional<tune::Shard> shard = tune::parseShard(options->shard);
      if (!shard) {
        diags.report(diag::BadShard, {}, options->shard);
        *status = kExitUsage;
        return;
      }
      options->tune.shard = *shard;
    }
    *status = options->workerJournal.empty() ? runSupervisor(*options) : runWorker(*options);
  });
}

}  // namespace hel::cli
