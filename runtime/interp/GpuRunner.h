// Runs tile IR kernels on a CUDA GPU: PTX from backend/nvptx, loaded and
// launched through runtime/cuda. Tensors of `device="cuda"` live in managed
// memory (CudaDevice::installStorageAllocator), so kernels read and write them
// in place and the host sees the results after the launch returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/cpu/Executor.h"
#include "backend/nvptx/Codegen.h"
#include "backend/nvptx/PtxCache.h"
#include "lower/IR.h"
#include "runtime/bench/Benchmark.h"
#include "runtime/Tensor.h"
#include "runtime/cuda/CudaDevice.h"

namespace hel::interp {

class GpuRunner {
 public:
  // The GPU to run on, or null with a one-line reason (no driver, no GPU).
  static std::unique_ptr<GpuRunner> create(std::string* whyNot);

  struct Compiled {
    nvptx::Ptx ptx;
    cuda::Kernel* kernel = nullptr;
  };
  // Throws nvptx::Unsupported for an op the GPU backend lacks, and
  // cuda::CudaError when the driver rejects the PTX.
  std::unique_ptr<Compiled> compile(const tir::Kernel& kernel);
  // compile() in two steps, which the tuner runs on several threads at once: the PTX
  // (from the on-disk cache where it is used; `sharedLimit` as nvptx::emitPTX's),
  // then loaded (the driver's JIT).
  nvptx::Ptx emit(const tir::Kernel& kernel, std::optional<int64_t> sharedLimit = std::nullopt) const;
  std::unique_ptr<Compiled> load(nvptx::Ptx ptx);
  // Launches over the kernel's grid with `args` for its parameters (the same
  // description the CPU backend takes) and waits. Throws RuntimeError naming
  // the parameter when a tensor is not on the GPU, and cuda::CudaError when the
  // kernel faults.
  void run(const Compiled& compiled, const tir::Kernel& kernel, const std::vector<cpu::Argument>& args);
  // Times launches with `args` (bench::benchmark with CUDA events, the L2 flushed
  // before each), leaving memory as one run() would find it.
  bench::Timing benchmark(const Compiled& compiled, const tir::Kernel& kernel, const std::vector<cpu::Argument>& args,
                          const bench::Settings& settings);

  // Compiles for `arch` (sm_80, ..., sm_90a) instead of the GPU's own, where the GPU runs
  // it; else false with why not.
  bool setArch(const std::string& arch, std::string* whyNot);
  // Whether compile() reads and writes the on-disk PTX cache (`--no-cache`).
  void setUseCache(bool useCache) { useCache_ = useCache; }

  cuda::CudaDevice& device() { return device_; }
  const nvptx::Target& target() const { return target_; }

 private:
  explicit GpuRunner(cuda::CudaDevice& device);
  // run() without the wait.
  void launch(const Compiled& compiled, const tir::Kernel& kernel, const std::vector<cpu::Argument>& args);
  cuda::CudaDevice& device_;
  nvptx::Target target_;
  nvptx::PtxCache cache_;
  bool useCache_ = true;
};

}  // namespace hel::interp
