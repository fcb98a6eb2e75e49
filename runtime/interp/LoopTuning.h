// Tuning a device loop where it first launches: the interpreter hands each device loop
// specialization, before its first launch, to RunOptions::tuneLoop, with what a tuner
// needs to lower it again under other configs and to run it on the same arguments. The
// config the hook returns is what the loop runs with from then on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/cpu/Executor.h"
#include "lower/IR.h"
#include "runtime/Tensor.h"
#include "runtime/tune/SearchSpace.h"
#include "runtime/tune/TuneFile.h"

namespace hel::interp {

class GpuRunner;

struct LoopTuning {
  tune::LoopKey key;
  std::string title;  // "add_kernel, line 27: x=f32[8192], out=f32[8192]", for people
  int line = 0;       // of the device loop
  bool callHasConfig = false;  // the call gave a Config (explicit configs win over the tune file)
  tune::LoopShape shape;
  std::vector<int64_t> blockSizeIndices;  // each tile dim's place in the kernel's block_sizes
  tune::LoopConfig baseline;              // what the loop was compiled with for this call
  tune::LoopConfig defaults;              // what the default config chooses
  std::string baselineText;               // the call's Config, or what the default chose
  // Lowers the loop under `config`: one tile IR kernel. Throws lower::CompileError.
  std::function<std::unique_ptr<tir::Module>(const tune::LoopConfig&)> lower;
  const tir::Kernel& baselineIR;
  const std::vector<cpu::Argument>& args;  // per parameter (the same for every config)
  std::vector<Tensor> tensors;             // per pointer parameter, in order
  std::function<void()> runBaseline;       // launches the baseline once and waits
  GpuRunner* gpu = nullptr;                // null: the CPU backend
};

// An id for a loop key in the tuning journal.
std::string loopId(const tune::LoopKey& key);

}  // namespace hel::interp
