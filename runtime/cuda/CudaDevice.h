// One CUDA GPU as hel uses it: its properties, managed memory for the storage of
// device="cuda" tensors, a cache of modules loaded from PTX, kernel launches, CUDA event
// timing and an L2 flush for benchmarks.
//
// All work goes to the legacy default stream of the device's primary context, so that
// launches, memsets and events are ordered without streams to manage. A kernel that faults
// (an illegal address, a trap) leaves the context unusable for the rest of the process:
// synchronize() reports it as a CudaError whose isFault() is true, and every later call on
// the device throws at once with the same message instead of touching the GPU again.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "runtime/cuda/Driver.h"
#include "support/DType.h"

namespace hel::cuda {

struct DeviceProperties {
  int index = 0;  // the CUDA device ordinal: cuda:<index>
  std::string name;
  int computeMajor = 0, computeMinor = 0;
  int smCount = 0;
  size_t totalMemoryBytes = 0;
  int warpSize = 32;
  int maxThreadsPerBlock = 0;
  int maxSharedPerBlock = 0;       // bytes, what every kernel may use (48 KiB)
  int maxSharedPerBlockOptin = 0;  // bytes, what a kernel may use once it opts in
  int l2CacheBytes = 0;
  bool managedMemory = false;
  // 0 where the driver does not report them.
  int clockKHz = 0;
  int memoryClockKHz = 0;
  int memoryBusWidthBits = 0;

  // "sm_90": what PTX for this device targets.
  std::string arch() const;
  // Peak DRAM bandwidth estimate in bytes per second: two transfers per memory clock
  // (DDR, which HBM and GDDR both are as the driver reports their clock) over the bus
  // width. 0 where the clock or width is unknown.
  double peakBandwidth() const;
  // Peak dot throughput estimate in FLOP/s for `input` operands, as hel's dots run them:
  // f16/bf16 on the tensor cores (dense, f32 accumulation), f32 as FMAs: SMs x clock x
  // the architecture's rate per SM and clock. 0 for other dtypes, unknown architectures
  // or an unreported clock.
  double peakDotFlops(DType input) const;
};

// The GPUs the driver sees, in ordinal order; empty with a one-line reason in *whyNot when
// there is no driver or no GPU. Needs no context, so listing does not claim the GPUs.
std::vector<DeviceProperties> listDevices(std::string* whyNot);

struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};

// A 2-D tiled TMA tensor map (cuTensorMapEncodeTiled's arguments; CU_TENSOR_MAP_* values).
struct TensorMapDescription {
  int dataType = 0;
  const void* address = nullptr;
  unsigned long long columns = 0, rows = 0;  // elements
  unsigned long long rowStrideBytes = 0;
  unsigned boxColumns = 0, boxRows = 0;
  int swizzle = 0;

  auto fields() const {
    return std::tie(dataType, address, columns, rows, rowStrideBytes, boxColumns, boxRows, swizzle);
  }
  bool operator<(const TensorMapDescription& other) const { return fields() < other.fields(); }
};

// A kernel of a loaded module, with the attributes that decide whether a launch fits.
struct Kernel {
  CUfunction function = nullptr;
  std::string name;
  int numRegisters = 0;           // per thread
  int localBytes = 0;             // per thread: register spills and local arrays
  int staticSharedBytes = 0;      // per block, declared in the PTX
  int maxThreadsPerBlock = 0;     // what its register use allows
  int maxDynamicSharedBytes = 0;  // the current limit; launch() raises it when needed
};

class CudaDevice {
 public:
  // GPU `index`, set up on the first call (primary context retained and made current);
  // null, with a one-line reason in *whyNot, where there is no driver, no such GPU, or it
  // cannot hold managed memory. Devices live until the process exits, since tensors that
  // outlive everything else may still free memory into them.
  static CudaDevice* get(std::string* whyNot, int index = 0);

  // Makes cuda tensors' Storage (runtime/Tensor.h) come from allocateManaged on the
  // tensor's GPU. Call it before the script makes any cuda tensor: one made earlier is host
  // memory that kernels cannot read.
  static void installStorageAllocator();

  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  const DeviceProperties& properties() const { return properties_; }
  const Driver& driver() const { return driver_; }

  // ---- memory ----------------------------------------------------------------------
  // Managed (unified) memory, zero-filled: host code and kernels both use the pointer;
  // after synchronize() the host sees what kernels wrote. Throws CudaError when out of
  // memory.
  void* allocateManaged(size_t bytes);
  // Device memory that only kernels and copies touch (benchmark buffers), not zeroed;
  // faster to get than managed memory, which is filled on the host. Throws CudaError when
  // out of memory.
  void* allocate(size_t bytes);
  // Frees what allocateManaged or allocate returned; never throws (it runs in destructors).
  // After a fault the driver refuses, and the memory goes with the process.
  void free(void* data) noexcept;
  // Whether `data` is managed memory, i.e. a kernel can use it. False for host memory.
  bool isManaged(const void* data) const;
  // Starts moving managed memory onto this GPU ahead of the kernels that use it, so they
  // do not fault pages in one by one. Ordered before later launches; a no-op on drivers
  // older than CUDA 12.2.
  void prefetch(const void* data, size_t bytes);
  // Copies `bytes` from `from` to `to`, both GPU memory (device or managed), on the GPU:
  // ordered like a launch, and it does not wait.
  void copy(void* to, const void* from, size_t bytes);

  // ---- tensor maps -----------------------------------------------------------------
  // Whether kernels may take TMA tensor maps: a GPU of compute capability 9.0 or more,
  // and a driver that encodes them.
  bool hasTensorMaps() const;
  // The address, in device memory, of the tensor map `description` encodes; each
  // distinct one is encoded and copied once, and kept for the device's life, so launches
  // with the same tensors reuse it. Throws CudaError where the driver rejects it.
  CUdeviceptr tensorMap(const TensorMapDescription& description);

  // ---- kernels ---------------------------------------------------------------------
  // The kernel `name` of the module built from `ptx`. Each PTX text is loaded once, the
  // module cache being keyed by the text itself (hashed, so a lookup costs one hash of
  // it); callers on a hot path keep the returned reference, which stays valid for the
  // device's life. A PTX the driver rejects throws CudaError with ptxas's error log.
  // Safe to call from several threads at once.
  Kernel& kernel(const std::string& ptx, const std::string& name);
  // Enqueues one launch; `params` points to each kernel parameter's value, in order, as
  // cuLaunchKernel takes them. Raises the kernel's dynamic shared memory limit when
  // `sharedBytes` needs it (above 48 KiB). An empty grid launches nothing. Errors that a
  // launch can report at once throw here; faults show at synchronize().
  void launch(Kernel& kernel, Dim3 grid, Dim3 block, unsigned sharedBytes, void** params);
  // Waits for every launch; throws a CudaError (isFault(): the kernel faulted) naming the
  // kernel when one failed.
  void synchronize();

  // ---- benchmarks ------------------------------------------------------------------
  // Overwrites the L2 cache (a memset of a device buffer twice its size), so that the next
  // kernel starts cold. Ordered like a launch; it does not wait.
  void flushL2();

 private:
  friend class Timer;
  CudaDevice(const Driver& driver, DeviceProperties properties, CUcontext context);

  // Makes this device's context current on the calling thread.
  void makeCurrent() const;
  // Loads `ptx` as a module: ptxas's cubin, or the driver's JIT; throws CudaError with
  // ptxas's log. Without the lock.
  CUmodule loadModule(const std::string& ptx);
  // Throws the recorded fault, if any.
  void checkUsable() const;
  // Calls `entry` with this device's context current; a sticky error becomes the recorded
  // fault.
  template <class... Params, class... Args>
  void call(const Entry<CUresult(Params...)>& entry, Args... args);
  // Records and returns the fault `code` that `function` reported.
  CudaError fault(const std::string& function, CUresult code);

  const Driver& driver_;
  DeviceProperties properties_;
  // False once the driver could not load a cubin from ptxas (Ptxas.h).
  std::atomic<bool> cubinsLoad_{true};
  CUcontext context_;
  // Guards everything below: kernels may be loaded from compile threads.
  std::mutex mutex_;
  struct Module {
    CUmodule handle = nullptr;
    std::map<std::string, std::unique_ptr<Kernel>> kernels;
  };
  std::unordered_map<std::string, Module> modules_;  // by PTX text
  std::string lastKernel_;                           // the last one launched
  size_t launchesSinceSync_ = 0;
  std::string faultMessage_;  // non-empty once a kernel faulted
  CUresult faultCode_ = CUDA_SUCCESS;
  CUdeviceptr l2Buffer_ = 0;
  size_t l2BufferBytes_ = 0;
  std::map<TensorMapDescription, CUdeviceptr> tensorMaps_;
  CUdeviceptr tensorMapBlock_ = 0;  // where the next map goes, in blocks of device memory
  size_t tensorMapsLeft_ = 0;       // in the current block
};

// Times GPU work between start() and stop() with CUDA events on the device's stream, for
// `intervals` intervals at once: a benchmark records every repetition's events before it
// waits for any, so that the GPU runs the repetitions back to back and the host's launch
// latency stays out of the times.
class Timer {
 public:
  explicit Timer(CudaDevice& device, size_t intervals = 1);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void start(size_t interval = 0);
  void stop(size_t interval = 0);
  // Milliseconds between start() and stop() of `interval`; waits for its stop() to be
  // reached.
  float elapsedMs(size_t interval = 0);

 private:
  void record(CUevent event);

  CudaDevice& device_;
  std::vector<CUevent> starts_;
  std::vector<CUevent> stops_;
};

}  // namespace hel::cuda
