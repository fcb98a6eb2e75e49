#include "runtime/cuda/Driver.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <initializer_list>

namespace hel::cuda {

bool isStickyError(CUresult code) {
  switch (code) {
    case CUDA_ERROR_ILLEGAL_ADDRESS:
    case CUDA_ERROR_LAUNCH_TIMEOUT:
    case CUDA_ERROR_ASSERT:
    case CUDA_ERROR_HARDWARE_STACK_ERROR:
    case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_MISALIGNED_ADDRESS:
    case CUDA_ERROR_INVALID_ADDRESS_SPACE:
    case CUDA_ERROR_INVALID_PC:
    case CUDA_ERROR_LAUNCH_FAILED: return true;
    default: return false;
  }
}

std::string formatCudaError(const std::string& function, const std::string& codeName, const std::string& text,
                            const std::string& detail) {
  std::string message = fmt::format("{} failed: {}", function, codeName);
  if (!text.empty()) message += fmt::format(" ({})", text);
  if (!detail.empty()) message += "\n" + detail;
  return message;
}

namespace {

// Resolves `entry` to the first of `names` that the library exports; false if none.
template <class Signature>
bool resolveEntry(void* library, Entry<Signature>& entry, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* symbol = dlsym(library, name)) {
      entry.fn = reinterpret_cast<decltype(entry.fn)>(symbol);
      entry.name = name;
      return true;
    }
  }
  return false;
}

}  // namespace

const char* Driver::resolve() {
  // Each required entry, under the symbols to try, newest first.
#define HEL_RESOLVE(entry, ...) \
  if (!resolveEntry(library_, entry, {__VA_ARGS__})) return #entry;
  HEL_RESOLVE(cuInit, "cuInit")
  HEL_RESOLVE(cuDriverGetVersion, "cuDriverGetVersion")
  HEL_RESOLVE(cuGetErrorName, "cuGetErrorName")
  HEL_RESOLVE(cuGetErrorString, "cuGetErrorString")
  HEL_RESOLVE(cuDeviceGetCount, "cuDeviceGetCount")
  HEL_RESOLVE(cuDeviceGet, "cuDeviceGet")
  HEL_RESOLVE(cuDeviceGetName, "cuDeviceGetName")
  HEL_RESOLVE(cuDeviceGetAttribute, "cuDeviceGetAttribute")
  HEL_RESOLVE(cuDeviceTotalMem, "cuDeviceTotalMem_v2")
  HEL_RESOLVE(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  HEL_RESOLVE(cuCtxSetCurrent, "cuCtxSetCurrent")
  HEL_RESOLVE(cuCtxSynchronize, "cuCtxSynchronize")
  HEL_RESOLVE(cuMemAllocManaged, "cuMemAllocManaged")
  HEL_RESOLVE(cuMemAlloc, "cuMemAlloc_v2")
  HEL_RESOLVE(cuMemFree, "cuMemFree_v2")
  HEL_RESOLVE(cuMemsetD8, "cuMemsetD8_v2")
  HEL_RESOLVE(cuMemcpyDtoD, "cuMemcpyDtoD_v2")
  HEL_RESOLVE(cuPointerGetAttribute, "cuPointerGetAttribute")
  HEL_RESOLVE(cuModuleLoadDataEx, "cuModuleLoadDataEx")
  HEL_RESOLVE(cuModuleUnload, "cuModuleUnload")
  HEL_RESOLVE(cuModuleGetFunction, "cuModuleGetFunction")
  HEL_RESOLVE(cuFuncGetAttribute, "cuFuncGetAttribute")
  HEL_RESOLVE(cuFuncSetAttribute, "cuFuncSetAttribute")
  HEL_RESOLVE(cuLaunchKernel, "cuLaunchKernel")
  HEL_RESOLVE(cuEventCreate, "cuEventCreate")
  HEL_RESOLVE(cuEventDestroy, "cuEventDestroy_v2")
  HEL_RESOLVE(cuEventRecord, "cuEventRecord")
  HEL_RESOLVE(cuEventSynchronize, "cuEventSynchronize")
  // cuda.h maps cuEventElapsedTime to _v2 since CUDA 12.8; older drivers have only the
  // original, with the same signature and the same meaning for events on one stream.
  HEL_RESOLVE(cuEventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime")
#undef HEL_RESOLVE
  // The v1 symbol of the same name takes a CUdevice instead of a CUmemLocation, so
  // only the _v2 one will do.
  resolveEntry(library_, cuMemPrefetchAsync, {"cuMemPrefetchAsync_v2"});
  resolveEntry(library_, cuTensorMapEncodeTiled, {"cuTensorMapEncodeTiled"});
  resolveEntry(library_, cuMemcpyHtoD, {"cuMemcpyHtoD_v2"});
  return nullptr;
}

std::unique_ptr<Driver> Driver::open(const std::string& path, std::string* whyNot) {
  auto unavailable = [whyNot](std::string reason) {
    if (whyNot) *whyNot = std::move(reason);
    return nullptr;
  };
  dlerror();
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    // A missing library is the common case and says it all; anything else (a library
    // for another architecture, a broken install) needs dlopen's own words.
    const char* error = dlerror();
    std::string why =
        error && std::string(error).find("No such file") == std::string::npos ? ": " + std::string(error) : "";
    return unavailable(fmt::format("no NVIDIA driver found ({} could not be loaded{}); use --device cpu", path, why));
  }
  std::unique_ptr<Driver> driver(new Driver(library));
  if (const char* missing = driver->resolve()) {
    return unavailable(
        fmt::format("the NVIDIA driver is too old ({} has no {}); update it or use --device cpu", path, missing));
  }
  if (driver->cuDriverGetVersion.fn(&driver->version_) != CUDA_SUCCESS) driver->version_ = 0;
  CUresult code = driver->cuInit.fn(0);
  switch (code) {
    case CUDA_SUCCESS: return driver;
    case CUDA_ERROR_NO_DEVICE: return unavailable("no CUDA GPU found; use --device cpu");
    case CUDA_ERROR_STUB_LIBRARY:
      return unavailable(fmt::format(
          "no NVIDIA driver found ({} is the CUDA toolkit's stub library, not a driver); use --device cpu", path));
    case CUDA_ERROR_INSUFFICIENT_DRIVER:
      return unavailable("the NVIDIA driver is too old for this GPU; update it or use --device cpu");
    default:
      return unavailable(fmt::format("the CUDA driver could not be initialized: {}; use --device cpu",
                                     driver->error("cuInit", code).what()));
  }
}

const Driver* Driver::get(std::string* whyNot) {
  // Loaded once (thread-safe static initialization); the reason is kept for every caller.
  static std::string reason;
  static const Driver* driver = open("libcuda.so.1", &reason).release();
  if (!driver && whyNot) *whyNot = reason;
  return driver;
}

std::string Driver::versionText() const { return fmt::format("{}.{}", version_ / 1000, version_ % 1000 / 10); }

std::string Driver::errorName(CUresult code) const {
  const char* name = nullptr;
  if (cuGetErrorName.fn(code, &name) == CUDA_SUCCESS && name) return name;
  return fmt::format("CUDA error {}", code);
}

std::string Driver::errorText(CUresult code) const {
  const char* text = nullptr;
  if (cuGetErrorString.fn(code, &text) == CUDA_SUCCESS && text) return text;
  return {};
}

CudaError Driver::error(const std::string& function, CUresult code, const std::string& detail) const {
  return CudaError(function, code, formatCudaError(function, errorName(code), errorText(code), detail));
}

}  // namespace hel::cuda
