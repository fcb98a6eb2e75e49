#include "runtime/interp/LoopTuner.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "backend/nvptx/Codegen.h"
#include "runtime/BaselineTolerance.h"
#include "runtime/cuda/SameBytes.h"
#include "runtime/interp/GpuRunner.h"
#include "runtime/interp/Interpreter.h"
#include "runtime/interp/LaunchTiming.h"
#include "runtime/tune/DotRoles.h"

namespace hel::interp {
namespace {

// BaselineTolerance.h's u: the largest relative rounding of a dot's inputs that other
// configs may not repeat. 2^-10 where a dot takes f32 inputs as tf32; 2^-11 or 2^-8 where
// the kernel rounds an f32 value it computed to f16 or bf16 for a dot.
double dotInputRounding(const tir::Kernel& kernel) {
  double rounding = 0;
  tir::walk(kernel.body, [&](const tir::Op& op) {
    if (op.kind() != tir::OpKind::Dot) return;
    if (tir::readsInputsAsTf32(op)) rounding = std::max(rounding, std::ldexp(1.0, -10));
    for (size_t i = 0; i < 2; ++i) {
      const tir::Op* cast = op.operand(i)->definingOp();
      if (!cast || cast->kind() != tir::OpKind::Cast || cast->operand(0)->type().dtype != DType::Float32) continue;
      DType to = op.operand(i)->type().dtype;
      if (to == DType::Float16) rounding = std::max(rounding, std::ldexp(1.0, -11));
      if (to == DType::BFloat16) rounding = std::max(rounding, std::ldexp(1.0, -8));
    }
  });
  return rounding;
}

using tune::Event;
using tune::Outcome;

// A kernel that stores through a null pointer: what HEL_TUNE_INJECT_FAULT launches on the
// GPU, so that the fault and the lost context are real.
void launchFaultingKernel(cuda::CudaDevice& device) {
  static const char* kPtx =
      ".version 7.0\n.target sm_80\n.address_size 64\n"
      ".visible .entry hel_tune_injected_fault()\n{\n  .reg .b64 %rd<2>;\n  mov.u64 %rd1, 0;\n"
      "  st.global.u32 [%rd1], 0;\n  ret;\n}\n";
  cuda::Kernel& kernel = device.kernel(kPtx, "hel_tune_injected_fault");
  device.launch(kernel, {1, 1, 1}, {1, 1, 1}, 0, nullptr);
  device.synchronize();
}

// What an unchecked fault does to a process; without a core file, since it is on purpose.
[[noreturn]] void crashWithoutCore() {
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  std::raise(SIGSEGV);
  std::abort();
}

std::string oneLine(std::string text) {
  for (char& c : text)
    if (c == '\n') c = ' ';
  return text;
}

}  // namespace

class LoopTuner::Session {
 public:
  Session(LoopTuner& tuner, const LoopTuning& loop, std::optional<std::chrono::steady_clock::time_point> deadline)
      : tuner_(tuner), settings_(tuner.settings_), search_(settings_.search), loop_(loop), id_(loopId(loop.key)) {
    if (settings_.loopBudget) deadline = std::min(deadline.value_or(std::chrono::steady_clock::time_point::max()),
                                                  std::chrono::steady_clock::now() + *settings_.loopBudget);
    if (deadline) search_.deadline = search_.deadline ? std::min(*search_.deadline, *deadline) : *deadline;
    std::vector<bench::ParamUse> uses = bench::paramUses(loop.baselineIR);
    bool restore = mustRestore(uses, loop.args);
    size_t tensor = 0;
    double elementsRead = 0, elementsWritten = 0;
    for (size_t i = 0; i < loop.args.size(); ++i) {
      if (loop.args[i].kind != cpu::Argument::Kind::Pointer) continue;
      const Tensor& points = loop.tensors.at(tensor++);
      if (uses[i].writes) {
        written_.push_back(points);
        elementsWritten += static_cast<double>(points.numel());
        if (restore) initial_.push_back(snapshot(points));
      } else if (uses[i].reads) {
        elementsRead += static_cast<double>(points.numel());
      }
    }
    std::optional<double> dotFlops = launchCostOf(loop.baselineIR, loop.args, loop.tensors).flops;
    reductionLength_ = reductionLength(elementsRead, elementsWritten, dotFlops.value_or(0));
    inputRounding_ = dotInputRounding(loop.baselineIR);
  }

  tune::TunedLoop run() {
    report({Event::Kind::Loop, id_, "", Outcome::Ok, 0, "", loop_.title});
    // The baseline's outputs are what every candidate must reproduce.
    loop_.runBaseline();
    for (const Tensor& tensor : written_) tolerances_.emplace_back(snapshot(tensor), reductionLength_, inputRounding_);
    tune::SearchSpace space(shapeWithDotRoles());
    std::vector<tune::LoopConfig> seeds{space.clamp(loop_.baseline)};
    for (const tune::LoopConfig& seed : space.heuristicSeeds(loop_.defaults)) seeds.push_back(seed);
    baselineConfig_ = seeds.front();
    tune::SearchResult found = tune::patternSearch(
        space, seeds, [&](const std::vector<tune::LoopConfig>& configs) { return evaluate(configs); },
        search_);
    if (found.best) confirmFinalists(found);
    restoreInitial();

    tune::TunedLoop tuned;
    tuned.key = loop_.key;
    tuned.blockSizeIndices = loop_.blockSizeIndices;
    tuned.baseline = loop_.baselineText;
    tuned.baselineMs = baselineMs_.value_or(0);
    // Where nothing could be used (not even the baseline's config), the baseline stays.
    tuned.config = found.best ? *found.best : loop_.baseline;
    tuned.ms = found.best ? found.bestCost : tuned.baselineMs;
    tuned.candidates = tried_;
    tuned.failures = failures_;
    tuned.line = loop_.line;
    return tuned;
  }

 private:
  struct Candidate {
    tune::LoopConfig config;
    std::string text;
    std::unique_ptr<tir::Module> module;
    nvptx::Ptx ptx;
    std::string compileError;
    std::unique_ptr<GpuRunner::Compiled> gpu;
    std::unique_ptr<cpu::CompiledKernel> cpu;
    std::optional<Event> result;
    const tir::Kernel& ir() const { return *module->kernels[0]; }
  };

  // The loop's shape with each tile dim's role in its dots, from one lowering under
  // distinct block sizes; without roles where that lowering fails.
  tune::LoopShape shapeWithDotRoles() const {
    tune::LoopShape shape = loop_.shape;
    if (!shape.dotInLoops) return shape;
    tune::LoopConfig probe = loop_.defaults;
    probe.blockSizes = tune::probeBlockSizes(shape.dims.size());
    try {
      tune::assignDotRoles(*loop_.lower(probe)->kernels[0], probe.blockSizes, shape.dims);
    } catch (const ScriptError&) {
    } catch (const std::exception&) {
    }
    return shape;
  }

  void report(const Event& event) {
    if (settings_.report) settings_.report(event);
  }

  void record(Candidate& candidate, Outcome outcome, double ms, std::string detail) {
    candidate.result = Event{Event::Kind::Result, id_, candidate.text, outcome, ms, oneLine(std::move(detail)), ""};
    report(*candidate.result);
  }

  // Counts an outcome (new or replayed) into this loop's figures.
  void count(const Candidate& candidate) {
    const Event& result = *candidate.result;
    if (tune::launched(result.outcome)) ++tried_;
    if (tune::failed(result.outcome)) ++failures_;
    if (result.outcome == Outcome::Ok && (!bestMs_ || result.ms < *bestMs_)) bestMs_ = result.ms;
    if (result.outcome == Outcome::Ok) timed_.push_back({candidate.config, result.ms});
    if (candidate.config == baselineConfig_ && (result.outcome == Outcome::Ok || result.outcome == Outcome::Slow))
      baselineMs_ = result.ms;
  }

  std::vector<tune::Evaluation> evaluate(const std::vector<tune::LoopConfig>& configs) {
    std::vector<Candidate> candidates(configs.size());
    std::vector<Candidate*> toCompile;
    for (size_t i = 0; i < configs.size(); ++i) {
      Candidate& candidate = candidates[i];
      candidate.config = configs[i];
      candidate.text = tune::configArguments(candidate.config);
      if (const Event* known = settings_.journal ? settings_.journal->outcome(id_, candidate.text) : nullptr) {
        candidate.result = *known;
        if (tune::launched(known->outcome)) ++tuner_.launchedCandidates_;
        continue;
      }
      lower(candidate);
      if (!candidate.result) toCompile.push_back(&candidate);
    }
    compile(toCompile);
    std::vector<tune::Evaluation> evaluations;
    // The seeds (the first batch) are all measured, past the deadline too: a loop given
    // little time still reports what its own config and the others take.
    bool seeds = firstBatch_;
    firstBatch_ = false;
    for (Candidate& candidate : candidates) {
      if (!candidate.result) {
        if (!seeds && search_.deadline && std::chrono::steady_clock::now() >= *search_.deadline) break;
        measure(candidate);
      }
      count(candidate);
      const Event& result = *candidate.result;
      bool usable = result.outcome == Outcome::Ok || result.outcome == Outcome::Slow;
      evaluations.push_back({usable ? tune::Cost(result.ms) : std::nullopt, tune::launched(result.outcome)});
    }
    return evaluations;
  }

  void lower(Candidate& candidate) {
    try {
      candidate.module = loop_.lower(candidate.config);
    } catch (const ScriptError& error) {
      return record(candidate, Outcome::CompileFailed, 0, error.diagnostic.message);
    } catch (const std::exception& error) {
      return record(candidate, Outcome::CompileFailed, 0, error.what());
    }
    const tir::Kernel& ir = candidate.ir();
    if (ir.numParams() != loop_.baselineIR.numParams())
      return record(candidate, Outcome::CompileFailed, 0, "its kernel's parameters differ from the baseline's");
    int64_t tile = tir::largestTile(ir);
    if (!tune::withinRegisterBudget(tile, ir.launch.numWarps))
      record(candidate, Outcome::OverBudget, 0,
             fmt::format("a tile of {} elements is over {} a thread with {} warps", tile, tune::kMaxElementsPerThread,
                         ir.launch.numWarps));
  }

  // PTX for every candidate on `jobs` threads (through the on-disk cache, so that
  // tuning again compiles only new configs), each also loaded (the driver's JIT) on
  // the thread that made it, so that loads run side by side too; or the CPU backend's
  // form.
  void compile(const std::vector<Candidate*>& candidates) {
    GpuRunner* gpu = loop_.gpu;
    if (!gpu) {
      for (Candidate* candidate : candidates) {
        try {
          candidate->cpu = std::make_unique<cpu::CompiledKernel>(candidate->ir());
        } catch (const std::exception& error) {
          record(*candidate, Outcome::CompileFailed, 0, error.what());
        }
      }
      return;
    }
    int sharedLimit = gpu->device().properties().maxSharedPerBlockOptin;
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next++) < candidates.size();) {
        Candidate& candidate = *candidates[i];
        try {
          candidate.ptx = gpu->emit(candidate.ir(), sharedLimit);
          if (candidate.ptx.sharedBytes <= sharedLimit) candidate.gpu = gpu->load(candidate.ptx);
        } catch (const nvptx::Unsupported& unsupported) {
          candidate.compileError = unsupported.message;
        } catch (const std::exception& error) {
          candidate.compileError = error.what();
        }
      }
    };
    std::vector<std::thread> threads;
    size_t helpers = std::min(candidates.size(), static_cast<size_t>(std::max(settings_.jobs, 1))) - (candidates.empty() ? 0 : 1);
    for (size_t i = 0; i < helpers; ++i) threads.emplace_back(work);
    work();
    for (std::thread& thread : threads) thread.join();
    for (Candidate* candidate : candidates) {
      if (!candidate->compileError.empty()) {
        record(*candidate, Outcome::CompileFailed, 0, candidate->compileError);
      } else if (candidate->ptx.sharedBytes > sharedLimit) {
        record(*candidate, Outcome::OverBudget, 0,
               fmt::format("{} bytes of shared memory, over the GPU's {}", candidate->ptx.sharedBytes, sharedLimit));
      }
    }
  }

  // Whether the GPU can copy and compare `tensor` as one stretch of bytes, where it lies:
  // contiguous managed memory, word-aligned. Outputs of a gigabyte are then never moved
  // to the host and back for each candidate.
  bool wholeOnGpu(const Tensor& tensor) const {
    return loop_.gpu && tensor.isContiguous() && loop_.gpu->device().isManaged(tensor.data()) &&
           reinterpret_cast<uintptr_t>(tensor.data()) % 4 == 0;
  }
  static size_t bytesOf(const Tensor& tensor) { return static_cast<size_t>(tensor.numel()) * itemSize(tensor.dtype()); }

  Tensor snapshot(const Tensor& tensor) {
    if (!wholeOnGpu(tensor)) return tensor.clone();
    cuda::CudaDevice& device = loop_.gpu->device();
    Tensor copy = Tensor::empty(tensor.shape(), tensor.dtype(), tensor.device());
    device.prefetch(copy.data(), bytesOf(copy));
    device.copy(copy.data(), tensor.data(), bytesOf(copy));
    device.synchronize();
    return copy;
  }

  void restoreInitial() {
    for (size_t i = 0; i < initial_.size(); ++i) {
      if (wholeOnGpu(written_[i])) {
        loop_.gpu->device().copy(written_[i].data(), initial_[i].data(), bytesOf(written_[i]));
        loop_.gpu->device().synchronize();
      } else {
        written_[i].copyFrom(initial_[i]);
      }
    }
  }

  // Empty when every tensor the candidate wrote is close to what the baseline wrote
  // (runtime/BaselineTolerance.h says how close). Bit-identical outputs, the common case,
  // are recognized on the GPU; the rest are compared element by element on the host.
  std::string mismatch() {
    for (size_t i = 0; i < written_.size(); ++i) {
      if (wholeOnGpu(written_[i]) &&
          cuda::sameBytes(loop_.gpu->device(), written_[i].data(), tolerances_[i].baseline().data(), bytesOf(written_[i])))
        continue;
      if (std::string wrong = tolerances_[i].difference(written_[i]); !wrong.empty()) return wrong;
    }
    return "";
  }

  // Runs a compiled candidate once, on the GPU or the CPU backend; throws RuntimeError
  // (or cuda::CudaError) where it faults.
  void launch(Candidate& candidate) {
    if (loop_.gpu) return loop_.gpu->run(*candidate.gpu, candidate.ir(), loop_.args);
    std::vector<Diagnostic> faults;
    DiagnosticEngine capture([&](const Diagnostic& d) { faults.push_back(d); });
    if (!candidate.cpu->run(loop_.args, capture))
      throw RuntimeError(faults.empty() ? "the kernel faulted" : faults.front().message);
  }

  bench::Timing benchmark(Candidate& candidate, const bench::Settings& timing) {
    if (loop_.gpu) return loop_.gpu->benchmark(*candidate.gpu, candidate.ir(), loop_.args, timing);
    bench::WallClock clock;
    return timeRepeatedLaunch(candidate.ir(), loop_.args, clock, [&] { launch(candidate); }, timing);
  }

  // One brief timing per candidate picks the winner from noise as often as not where the
  // best few are within a few per cent (a compute-bound kernel's clock drifts as the GPU
  // warms). So the finalists, those within kFinalistRatio of the best, are timed again,
  // in turn, kFinalistRounds times with at least `hel bench`'s timing (quick's
  // brief one included), and the best of each one's medians decides.
  static constexpr size_t kFinalists = 4;
  static constexpr double kFinalistRatio = 1.10;
  static constexpr int kFinalistRounds = 3;

  void confirmFinalists(tune::SearchResult& found) {
    std::sort(timed_.begin(), timed_.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    std::vector<std::unique_ptr<Candidate>> finalists;
    std::vector<Candidate*> toCompile;
    for (const auto& [config, ms] : timed_) {
      if (finalists.size() == kFinalists || ms > timed_.front().second * kFinalistRatio) break;
      if (std::any_of(finalists.begin(), finalists.end(), [&](const auto& f) { return f->config == config; })) continue;
      auto finalist = std::make_unique<Candidate>();
      finalist->config = config;
      finalist->text = tune::configArguments(config);
      lower(*finalist);
      if (finalist->result) continue;
      toCompile.push_back(finalist.get());
      finalists.push_back(std::move(finalist));
    }
    if (finalists.size() < 2) return;
    compile(toCompile);
    bench::Settings timing = settings_.timing;
    bench::Settings full;
    timing.warmupMs = std::max(timing.warmupMs, full.warmupMs);
    timing.repMs = std::max(timing.repMs, full.repMs);
    std::vector<double> bestMs(finalists.size(), 0);
    try {
      for (int round = 0; round < kFinalistRounds; ++round) {
        for (size_t i = 0; i < finalists.size(); ++i) {
          if (finalists[i]->result) continue;  // it failed to load this time
          double ms = benchmark(*finalists[i], timing).medianMs;
          if (round == 0 || ms < bestMs[i]) bestMs[i] = ms;
        }
      }
    } catch (const RuntimeError&) {
      return;  // each ran correctly before; keep the search's choice rather than guess
    }
    std::optional<size_t> winner;
    for (size_t i = 0; i < finalists.size(); ++i)
      if (!finalists[i]->result && bestMs[i] > 0 && (!winner || bestMs[i] < bestMs[*winner])) winner = i;
    if (winner) found.best = finalists[*winner]->config, found.bestCost = bestMs[*winner];
  }

  void measure(Candidate& candidate) {
    int ordinal = ++tuner_.launchedCandidates_;
    report({Event::Kind::Try, id_, candidate.text, Outcome::Ok, 0, "", ""});
    GpuRunner* gpu = loop_.gpu;
    try {
      if (ordinal == settings_.injectFaultAt) {
        if (gpu) launchFaultingKernel(gpu->device());
        else crashWithoutCore();
      }
      restoreInitial();
      auto began = std::chrono::steady_clock::now();
      launch(candidate);
      double checkMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
      if (std::string wrong = mismatch(); !wrong.empty()) return record(candidate, Outcome::Wrong, 0, wrong);
      // A check run far over the cut-off is not timed again: a tile of a few
      // elements on 4096^3 takes seconds a run (H100: 5.6 s), and the
      // benchmark's five estimate runs would outlast a worker's hang limit.
      if (bestMs_ && checkMs > std::max(10 * *bestMs_ * settings_.cutoffRatio, 10.0))
        return record(candidate, Outcome::Slow, checkMs, "");
      bench::Settings timing = settings_.timing;
      if (bestMs_) timing.cutoffMs = *bestMs_ * settings_.cutoffRatio;
      bench::Timing time = benchmark(candidate, timing);
      record(candidate, time.reps == 0 ? Outcome::Slow : Outcome::Ok, time.medianMs, "");
    } catch (const cuda::CudaError& error) {
      record(candidate, Outcome::Faulted, 0, error.what());
      // Only a fault leaves the GPU unusable, not a launch the driver refused.
      if (!error.isFault()) return;
      if (settings_.onDeviceLost) settings_.onDeviceLost();
      throw;
    } catch (const RuntimeError& error) {
      record(candidate, Outcome::Faulted, 0, error.what());
    }
  }

  LoopTuner& tuner_;
  const TunerSettings& settings_;
  tune::SearchSettings search_;  // with this loop's deadline
  const LoopTuning& loop_;
  std::string id_;
  std::vector<Tensor> written_, initial_;
  std::vector<BaselineTolerance> tolerances_;  // of each of written_, around the baseline's outputs
  bool firstBatch_ = true;       // evaluate() has not run yet
  double reductionLength_ = 1;  // how many terms each element written sums (BaselineTolerance.h)
  double inputRounding_ = 0;    // of its dots' inputs (tf32; BaselineTolerance.h)
  tune::LoopConfig baselineConfig_;
  std::optional<double> bestMs_, baselineMs_;
  std::vector<std::pair<tune::LoopConfig, double>> timed_;  // every config timed Ok, with its ms
  int tried_ = 0, failures_ = 0;
};

tune::TunedLoop LoopTuner::tune(const LoopTuning& loop, std::optional<std::chrono::steady_clock::time_point> deadline) {
  return Session(*this, loop, deadline).run();
}

}  // namespace hel::interp
