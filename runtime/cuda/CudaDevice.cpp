#include "runtime/cuda/CudaDevice.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "runtime/Tensor.h"
#include "runtime/cuda/Ptxas.h"
#include "support/CacheDir.h"
#include "support/PtxNotes.h"

namespace hel::cuda {

namespace {

// Room for ptxas's error log when a PTX load fails; its messages are a few lines each.
constexpr size_t kErrorLogBytes = 64 * 1024;

int requiredAttribute(const Driver& driver, CUdevice device, CUdevice_attribute attribute) {
  int value = 0;
  driver.call(driver.cuDeviceGetAttribute, &value, attribute, device);
  return value;
}

// For figures that only feed estimates: 0 where the driver does not report them.
int optionalAttribute(const Driver& driver, CUdevice device, CUdevice_attribute attribute) {
  int value = 0;
  return driver.cuDeviceGetAttribute.fn(&value, attribute, device) == CUDA_SUCCESS ? value : 0;
}

DeviceProperties queryProperties(const Driver& driver, int index) {
  CUdevice device = 0;
  driver.call(driver.cuDeviceGet, &device, index);
  DeviceProperties p;
  p.index = index;
  char name[256] = {};
  driver.call(driver.cuDeviceGetName, name, static_cast<int>(sizeof name - 1), device);
  p.name = name;
  p.computeMajor = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  p.computeMinor = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  p.smCount = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  driver.call(driver.cuDeviceTotalMem, &p.totalMemoryBytes, device);
  p.warpSize = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_WARP_SIZE);
  p.maxThreadsPerBlock = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  p.maxSharedPerBlock = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  p.maxSharedPerBlockOptin = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  p.l2CacheBytes = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
  p.managedMemory = requiredAttribute(driver, device, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY) != 0;
  p.clockKHz = optionalAttribute(driver, device, CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
  p.memoryClockKHz = optionalAttribute(driver, device, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
  p.memoryBusWidthBits = optionalAttribute(driver, device, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH);
  return p;
}

// The number of GPUs; 0 with the reason when there is none or no driver.
int deviceCount(const Driver** driver, std::string* whyNot) {
  *driver = Driver::get(whyNot);
  if (!*driver) return 0;
  int count = 0;
  (*driver)->call((*driver)->cuDeviceGetCount, &count);
  if (count == 0 && whyNot) *whyNot = "no CUDA GPU found; use --device cpu";
  return count;
}

void* allocateStorage(size_t bytes, int index) {
  std::string whyNot;
  CudaDevice* device = CudaDevice::get(&whyNot, index);
  if (!device) fail("cannot allocate a tensor on cuda:{}: {}", index, whyNot);
  return device->allocateManaged(bytes);
}

void releaseStorage(void* data, int index) {
  // The device exists: allocateStorage made it, and devices are never destroyed.
  CudaDevice::get(nullptr, index)->free(data);
}

}  // namespace

std::string DeviceProperties::arch() const { return fmt::format("sm_{}{}", computeMajor, computeMinor); }

double DeviceProperties::peakDotFlops(DType input) const {
  // FLOPs per SM and clock: {f16/bf16 tensor cores, f32 FMA} for A100 (sm_80) and
  // H100/H200 (sm_90); 2 FLOPs an FMA.
  struct Rate {
    int major, minor;
    double halves, floats;
  };
  static const Rate kRates[] = {{8, 0, 2048, 128}, {9, 0, 4096, 256}};
  for (const Rate& rate : kRates) {
    if (rate.major != computeMajor || rate.minor != computeMinor) continue;
    double perClock = input == DType::Float16 || input == DType::BFloat16 ? rate.halves
                      : input == DType::Float32                          ? rate.floats
                                                                          : 0;
    return perClock * smCount * clockKHz * 1e3;
  }
  return 0;
}

double DeviceProperties::peakBandwidth() const { return 2.0 * memoryClockKHz * 1e3 * (memoryBusWidthBits / 8.0); }

std::vector<DeviceProperties> listDevices(std::string* whyNot) {
  const Driver* driver = nullptr;
  int count = deviceCount(&driver, whyNot);
  std::vector<DeviceProperties> devices;
  for (int index = 0; index < count; ++index) devices.push_back(queryProperties(*driver, index));
  return devices;
}

CudaDevice* CudaDevice::get(std::string* whyNot, int index) {
  // Each GPU is set up once, and what failed is remembered with its reason, so a script
  // asking again does not retry a broken driver. Never destroyed: see the header.
  static std::mutex mutex;
  static auto* devices = new std::map<int, CudaDevice*>();
  static auto* failures = new std::map<int, std::string>();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto found = devices->find(index); found != devices->end()) return found->second;
  std::string reason;
  if (auto found = failures->find(index); found == failures->end()) {
    try {
      const Driver* driver = nullptr;
      int count = deviceCount(&driver, &reason);
      if (count > 0 && (index < 0 || index >= count)) {
        reason = fmt::format("there is no CUDA GPU cuda:{} ({} found)", index, count);
      } else if (count > 0) {
        DeviceProperties properties = queryProperties(*driver, index);
        if (!properties.managedMemory) {
          reason = fmt::format("the GPU cuda:{} ({}) cannot allocate managed memory, which hel needs", index,
                               properties.name);
        } else {
          CUcontext context = nullptr;
          driver->call(driver->cuDevicePrimaryCtxRetain, &context, index);
          auto* device = new CudaDevice(*driver, std::move(properties), context);
          devices->emplace(index, device);
          return device;
        }
      }
    } catch (const CudaError& error) {
      reason = fmt::format("the GPU cuda:{} could not be set up: {}", index, error.what());
    }
    failures->emplace(index, reason);
  } else {
    reason = found->second;
  }
  if (whyNot) *whyNot = reason;
  return nullptr;
}

void CudaDevice::installStorageAllocator() { setCudaStorageAllocator(allocateStorage, releaseStorage); }

CudaDevice::CudaDevice(const Driver& driver, DeviceProperties properties, CUcontext context)
    : driver_(driver), properties_(std::move(properties)), context_(context) {}

void CudaDevice::makeCurrent() const {
  // cuCtxSetCurrent only on a thread's first use (or a switch between GPUs): it is on the
  // launch path.
  thread_local CUcontext current = nullptr;
  if (current == context_) return;
  driver_.call(driver_.cuCtxSetCurrent, context_);
  current = context_;
}

void CudaDevice::checkUsable() const {
  if (!faultMessage_.empty()) {
    throw CudaError("cuda:" + std::to_string(properties_.index), faultCode_,
                    "the GPU cannot be used after an earlier fault: " + faultMessage_);
  }
}

template <class... Params, class... Args>
void CudaDevice::call(const Entry<CUresult(Params...)>& entry, Args... args) {
  makeCurrent();
  CUresult code = entry.fn(args...);
  if (code == CUDA_SUCCESS) return;
  if (isStickyError(code)) throw fault(entry.name, code);
  throw driver_.error(entry.name, code);
}

CudaError CudaDevice::fault(const std::string& function, CUresult code) {
  std::string culprit =
      launchesSinceSync_ <= 1
          ? fmt::format("the kernel '{}'", lastKernel_)
          : fmt::format("one of the {} kernels launched since the last synchronization (the last: '{}')",
                        launchesSinceSync_, lastKernel_);
  if (lastKernel_.empty()) culprit = "a kernel";
  std::string text = driver_.errorText(code);
  faultCode_ = code;
  faultMessage_ = fmt::format("{} faulted on the GPU: {}{}; the GPU cannot run anything more in this process", culprit,
                              driver_.errorName(code), text.empty() ? "" : " (" + text + ")");
  return CudaError(function, code, faultMessage_);
}

// ---- memory --------------------------------------------------------------------------

void* CudaDevice::allocateManaged(size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  makeCurrent();
  CUdeviceptr address = 0;
  // cuMemAllocManaged refuses 0 bytes; an empty tensor still gets a distinct address.
  CUresult code = driver_.cuMemAllocManaged.fn(&address, std::max<size_t>(bytes, 1), CU_MEM_ATTACH_GLOBAL);
  if (code == CUDA_ERROR_OUT_OF_MEMORY) {
    throw driver_.error(driver_.cuMemAllocManaged.name, code,
                        fmt::format("CUDA out of memory: tried to allocate {} bytes on cuda:{} ({} in all)", bytes,
                                    properties_.index, properties_.totalMemoryBytes));
  }
  if (code != CUDA_SUCCESS) {
    if (isStickyError(code)) throw fault(driver_.cuMemAllocManaged.name, code);
    throw driver_.error(driver_.cuMemAllocManaged.name, code);
  }
  // Filled from the host: no kernel is running (launches are synchronized before host
  // code goes on), and tensors are mostly filled on the host next anyway.
  void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(address));
  std::memset(data, 0, bytes);
  return data;
}

void* CudaDevice::allocate(size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  CUdeviceptr address = 0;
  call(driver_.cuMemAlloc, &address, std::max<size_t>(bytes, 1));
  return reinterpret_cast<void*>(static_cast<uintptr_t>(address));
}

void CudaDevice::free(void* data) noexcept {
  if (!data) return;
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    makeCurrent();
  } catch (const CudaError&) {
    return;
  }
  // Errors are dropped: after a fault every call fails with the fault, which
  // synchronize() has reported, and at exit the driver may be gone before the last tensor.
  driver_.cuMemFree.fn(static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(data)));
}

bool CudaDevice::isManaged(const void* data) const {
  // The driver writes a boolean; a zeroed unsigned int reads it whatever its width.
  unsigned int managed = 0;
  CUresult code = driver_.cuPointerGetAttribute.fn(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
                                                   static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(data)));
  // Memory the driver does not know (host memory) is CUDA_ERROR_INVALID_VALUE.
  return code == CUDA_SUCCESS && managed != 0;
}

void CudaDevice::prefetch(const void* data, size_t bytes) {
  if (!driver_.cuMemPrefetchAsync.fn || bytes == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  call(driver_.cuMemPrefetchAsync, static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(data)), bytes,
       CUmemLocation{CU_MEM_LOCATION_TYPE_DEVICE, properties_.index}, 0u, static_cast<CUstream>(nullptr));
}

void CudaDevice::copy(void* to, const void* from, size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  call(driver_.cuMemcpyDtoD, static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(to)),
       static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(from)), bytes);
}

// ---- tensor maps -------------------------------------------------------------------

bool CudaDevice::hasTensorMaps() const {
  return properties_.computeMajor >= 9 && driver_.cuTensorMapEncodeTiled.fn && driver_.cuMemcpyHtoD.fn;
}

CUdeviceptr CudaDevice::tensorMap(const TensorMapDescription& description) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = tensorMaps_.find(description);
  if (found != tensorMaps_.end()) return found->second;
  checkUsable();
  CUtensorMap map{};
  unsigned long long dims[2] = {description.columns, description.rows};
  unsigned long long strides[1] = {description.rowStrideBytes};
  unsigned box[2] = {description.boxColumns, description.boxRows};
  unsigned elementStrides[2] = {1, 1};
  constexpr int kInterleaveNone = 0, kL2Promotion256B = 3, kOutOfBoundsZero = 0;
  call(driver_.cuTensorMapEncodeTiled, &map, description.dataType, 2u, const_cast<void*>(description.address), dims,
       strides, box, elementStrides, kInterleaveNone, description.swizzle, kL2Promotion256B, kOutOfBoundsZero);
  // Maps are never freed or rewritten: a kernel still running may read any of them.
  constexpr size_t kMapsPerBlock = 512;
  if (tensorMapsLeft_ == 0) {
    call(driver_.cuMemAlloc, &tensorMapBlock_, kMapsPerBlock * sizeof(CUtensorMap));
    tensorMapsLeft_ = kMapsPerBlock;
  }
  CUdeviceptr address = tensorMapBlock_;
  call(driver_.cuMemcpyHtoD, address, static_cast<const void*>(&map), sizeof(CUtensorMap));
  tensorMapBlock_ += sizeof(CUtensorMap);
  --tensorMapsLeft_;
  tensorMaps_.emplace(description, address);
  return address;
}

// ---- kernels ---------------------------------------------------------------------------

CUmodule CudaDevice::loadModule(const std::string& ptx) {
  // A cubin from ptxas where there is one (Ptxas.h says why), else the driver's JIT.
  if (const Ptxas* ptxas = cubinsLoad_ ? Ptxas::find() : nullptr)
    if (std::optional<std::string> cubin = ptxas->assemble(ptx, properties_.arch(), cacheDirectory())) {
      makeCurrent();
      CUmodule handle = nullptr;
      CUresult code = driver_.cuModuleLoadDataEx.fn(&handle, cubin->data(), 0, nullptr, nullptr);
      if (code == CUDA_SUCCESS) return handle;
      if (isStickyError(code)) {
        std::lock_guard<std::mutex> lock(mutex_);
        throw fault(driver_.cuModuleLoadDataEx.name, code);
      }
      // A cubin this driver cannot load (from a newer ptxas): its JIT from now on.
      cubinsLoad_ = false;
    }
  std::vector<char> log(kErrorLogBytes, '\0');
  std::vector<CUjit_option> options = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  std::vector<void*> values = {log.data(), reinterpret_cast<void*>(static_cast<uintptr_t>(log.size()))};
  // The -O level the PTX asks for, where it asks (the JIT's own default is its highest).
  if (int level = ptxasOptimization(ptx); level != kDefaultPtxasOptimization) {
    options.push_back(CU_JIT_OPTIMIZATION_LEVEL);
    values.push_back(reinterpret_cast<void*>(static_cast<uintptr_t>(level)));
  }
  makeCurrent();
  CUmodule handle = nullptr;
  CUresult code = driver_.cuModuleLoadDataEx.fn(&handle, ptx.c_str(), static_cast<unsigned>(options.size()),
                                                options.data(), values.data());
  if (code == CUDA_SUCCESS) return handle;
  if (isStickyError(code)) {
    std::lock_guard<std::mutex> lock(mutex_);
    throw fault(driver_.cuModuleLoadDataEx.name, code);
  }
  // The log is NUL-terminated unless it filled the buffer.
  std::string text(log.data(), strnlen(log.data(), log.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  throw driver_.error(driver_.cuModuleLoadDataEx.name, code, text);
}

Kernel& CudaDevice::kernel(const std::string& ptx, const std::string& name) {
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    checkUsable();
    known = modules_.count(ptx) > 0;
  }
  // The driver's JIT (ptxas) runs outside the lock, so that threads load modules at once
  // (hel tune loads each batch of candidates on several).
  CUmodule loaded = known ? nullptr : loadModule(ptx);
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  auto [entry, inserted] = modules_.try_emplace(ptx);
  Module& module = entry->second;
  if (inserted) module.handle = loaded;
  else if (loaded) call(driver_.cuModuleUnload, loaded);  // another thread loaded the same PTX first
  std::unique_ptr<Kernel>& kernel = module.kernels[name];
  if (!kernel) {
    auto loaded = std::make_unique<Kernel>();
    loaded->name = name;
    makeCurrent();
    CUresult code = driver_.cuModuleGetFunction.fn(&loaded->function, module.handle, name.c_str());
    if (code == CUDA_ERROR_NOT_FOUND) {
      module.kernels.erase(name);
      throw CudaError(driver_.cuModuleGetFunction.name, code, fmt::format("the PTX has no kernel named '{}'", name));
    }
    if (code != CUDA_SUCCESS) {
      module.kernels.erase(name);
      throw driver_.error(driver_.cuModuleGetFunction.name, code);
    }
    auto attribute = [&](CUfunction_attribute which) {
      int value = 0;
      call(driver_.cuFuncGetAttribute, &value, which, loaded->function);
      return value;
    };
    try {
      loaded->numRegisters = attribute(CU_FUNC_ATTRIBUTE_NUM_REGS);
      loaded->localBytes = attribute(CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES);
      loaded->staticSharedBytes = attribute(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
      loaded->maxThreadsPerBlock = attribute(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
      loaded->maxDynamicSharedBytes = attribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
    } catch (...) {
      module.kernels.erase(name);
      throw;
    }
    kernel = std::move(loaded);
  }
  return *kernel;
}

void CudaDevice::launch(Kernel& kernel, Dim3 grid, Dim3 block, unsigned sharedBytes, void** params) {
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  // A kernel over an empty tensor has no programs to run; the driver would call the
  // empty grid invalid.
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;
  uint64_t threads = uint64_t{block.x} * block.y * block.z;
  if (threads == 0 || threads > static_cast<uint64_t>(kernel.maxThreadsPerBlock)) {
    fail(
        "cannot launch kernel '{}' with {} threads per block ({}x{}x{}): it can run 1 to {} (it uses {} registers "
        "per thread)",
        kernel.name, threads, block.x, block.y, block.z, kernel.maxThreadsPerBlock, kernel.numRegisters);
  }
  if (sharedBytes > static_cast<unsigned>(kernel.maxDynamicSharedBytes)) {
    uint64_t total = uint64_t{sharedBytes} + static_cast<uint64_t>(kernel.staticSharedBytes);
    if (total > static_cast<uint64_t>(properties_.maxSharedPerBlockOptin)) {
      fail(
          "cannot launch kernel '{}': it needs {} bytes of shared memory per block ({} dynamic, {} static), and {} "
          "allows at most {}",
          kernel.name, total, sharedBytes, kernel.staticSharedBytes, properties_.name,
          properties_.maxSharedPerBlockOptin);
    }
    // The limit starts at 48 KiB less the static shared memory; past it, a kernel must
    // opt in.
    call(driver_.cuFuncSetAttribute, kernel.function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
         static_cast<int>(sharedBytes));
    kernel.maxDynamicSharedBytes = static_cast<int>(sharedBytes);
  }
  // Named before the call, so that a fault it reports (from an earlier kernel, or
  // this one) names the kernels in flight.
  lastKernel_ = kernel.name;
  ++launchesSinceSync_;
  call(driver_.cuLaunchKernel, kernel.function, grid.x, grid.y, grid.z, block.x, block.y, block.z, sharedBytes,
       static_cast<CUstream>(nullptr), params, static_cast<void**>(nullptr));
}

void CudaDevice::synchronize() {
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  call(driver_.cuCtxSynchronize);
  launchesSinceSync_ = 0;
}

// ---- benchmarks ------------------------------------------------------------------------

void CudaDevice::flushL2() {
  std::lock_guard<std::mutex> lock(mutex_);
  checkUsable();
  if (!l2Buffer_) {
    // 256 MB, as triton.testing.do_bench zeroes (the bench scripts time PyTorch and
    // Triton with it): how long the GPU rests between runs moves the clock that a
    // compute-bound kernel runs at, so both sides rest alike. At least twice the L2:
    // its replacement is not strict LRU, and H100's is two partitions, so writing just
    // its size may leave some of the kernel's lines in place.
    size_t twiceL2 = 2 * static_cast<size_t>(std::max(properties_.l2CacheBytes, 1 << 20));
    size_t bytes = std::max(size_t{256} << 20, twiceL2);
    call(driver_.cuMemAlloc, &l2Buffer_, bytes);
    l2BufferBytes_ = bytes;
  }
  call(driver_.cuMemsetD8, l2Buffer_, static_cast<unsigned char>(0), l2BufferBytes_);
}

Timer::Timer(CudaDevice& device, size_t intervals) : device_(device) {
  std::lock_guard<std::mutex> lock(device_.mutex_);
  device_.checkUsable();
  try {
    for (size_t i = 0; i < intervals; ++i) {
      for (std::vector<CUevent>* events : {&starts_, &stops_}) {
        CUevent event = nullptr;
        device_.call(device_.driver_.cuEventCreate, &event, CU_EVENT_DEFAULT);
        events->push_back(event);
      }
    }
  } catch (...) {
    for (CUevent event : starts_) device_.driver_.cuEventDestroy.fn(event);
    for (CUevent event : stops_) device_.driver_.cuEventDestroy.fn(event);
    throw;
  }
}

Timer::~Timer() {
  // Errors are dropped, as in CudaDevice::free.
  for (CUevent event : starts_) device_.driver_.cuEventDestroy.fn(event);
  for (CUevent event : stops_) device_.driver_.cuEventDestroy.fn(event);
}

void Timer::record(CUevent event) {
  std::lock_guard<std::mutex> lock(device_.mutex_);
  device_.checkUsable();
  device_.call(device_.driver_.cuEventRecord, event, static_cast<CUstream>(nullptr));
}

void Timer::start(size_t interval) { record(starts_.at(interval)); }

void Timer::stop(size_t interval) { record(stops_.at(interval)); }

float Timer::elapsedMs(size_t interval) {
  std::lock_guard<std::mutex> lock(device_.mutex_);
  device_.checkUsable();
  device_.call(device_.driver_.cuEventSynchronize, stops_.at(interval));
  float ms = 0;
  device_.call(device_.driver_.cuEventElapsedTime, &ms, starts_.at(interval), stops_.at(interval));
  return ms;
}

}  // namespace hel::cuda
