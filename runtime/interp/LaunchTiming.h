// Timing a device loop's launch for `hel bench`: the interpreter hands each device loop
// specialization, at its first launch, to RunOptions::onFirstLaunch, which can launch it
// again and again on the same arguments before the script goes on.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backend/cpu/Executor.h"
#include "lower/IR.h"
#include "runtime/Tensor.h"
#include "runtime/bench/BenchReport.h"
#include "runtime/bench/LaunchCost.h"

namespace hel::interp {

struct FirstLaunch {
  std::string kernel;  // the @helion.kernel function
  std::string config;  // the call's Config, or what the default chose
  int line = 0;        // of the device loop
  const tir::Kernel& ir;
  const std::vector<cpu::Argument>& args;  // per parameter of `ir`
  std::vector<Tensor> tensors;             // per pointer parameter, in order
  // Times launches with these arguments (bench::benchmark), on the GPU or the CPU backend
  // as the script runs; memory is left as it was.
  std::function<bench::Timing(const bench::Settings&)> time;
};

// The row of `hel bench` for a launch: times it, and counts its bytes and FLOPs.
bench::Row benchRow(const FirstLaunch& launch, const bench::Settings& settings);

// The bytes and FLOPs of a launch of `ir` on `args` (`tensors`: per pointer parameter).
bench::LaunchCost launchCostOf(const tir::Kernel& ir, const std::vector<cpu::Argument>& args,
                               const std::vector<Tensor>& tensors);

// Whether a launch reads memory that it (or a repeat of it) also writes, so that running it
// again computes something else unless what it writes is put back first.
bool mustRestore(const std::vector<bench::ParamUse>& uses, const std::vector<cpu::Argument>& args);

// bench::benchmark of `launch` on `clock`. Where running the kernel again would change
// what it computed (bench::isRepeatable, or a tensor written through one parameter and
// read through another), the memory it writes is saved first and put back after, so that
// the script sees what one launch does.
bench::Timing timeRepeatedLaunch(const tir::Kernel& kernel, const std::vector<cpu::Argument>& args,
                                 bench::Clock& clock, const std::function<void()>& launch,
                                 const bench::Settings& settings);

}  // namespace hel::interp
