// The CUDA Driver API, loaded at run time with dlopen("libcuda.so.1") rather than linked,
// so that `hel` starts, emits PTX and runs `--device cpu` on machines without an NVIDIA
// driver. The few types, constants and entry points hel uses are declared here with
// cuda.h's values (CUDA 13.0), so building hel needs no CUDA toolkit either.
//
// Every entry point is called through Driver::call, which turns a failure into a
// CudaError naming the function, the CUresult's name and the driver's text for it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "runtime/Errors.h"

namespace hel::cuda {

// ---- cuda.h's types. Enums are int-sized in the C ABI, so they are ints here. ----------
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUdevice_attribute = int;
using CUfunction_attribute = int;
using CUpointer_attribute = int;
using CUjit_option = int;
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUevent = struct CUevent_st*;
using CUstream = struct CUstream_st*;
// The opaque TMA descriptor cuTensorMapEncodeTiled writes.
struct alignas(64) CUtensorMap {
  unsigned long long opaque[16];
};
struct CUmemLocation {
  int type;  // CUmemLocationType
  int id;
};

// ---- CUresult values hel tells apart -----------------------------------------------
constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_STUB_LIBRARY = 34;
constexpr CUresult CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;
constexpr CUresult CUDA_ERROR_ILLEGAL_ADDRESS = 700;
constexpr CUresult CUDA_ERROR_LAUNCH_TIMEOUT = 702;
constexpr CUresult CUDA_ERROR_ASSERT = 710;
constexpr CUresult CUDA_ERROR_HARDWARE_STACK_ERROR = 714;
constexpr CUresult CUDA_ERROR_ILLEGAL_INSTRUCTION = 715;
constexpr CUresult CUDA_ERROR_MISALIGNED_ADDRESS = 716;
constexpr CUresult CUDA_ERROR_INVALID_ADDRESS_SPACE = 717;
constexpr CUresult CUDA_ERROR_INVALID_PC = 718;
constexpr CUresult CUDA_ERROR_LAUNCH_FAILED = 719;

// ---- other constants ---------------------------------------------------------------
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY = 83;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

constexpr CUfunction_attribute CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr CUfunction_attribute CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
constexpr CUfunction_attribute CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3;
constexpr CUfunction_attribute CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
constexpr CUfunction_attribute CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

constexpr CUpointer_attribute CU_POINTER_ATTRIBUTE_IS_MANAGED = 8;

constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr CUjit_option CU_JIT_OPTIMIZATION_LEVEL = 7;

constexpr unsigned CU_MEM_ATTACH_GLOBAL = 0x1;
constexpr unsigned CU_EVENT_DEFAULT = 0x0;
constexpr int CU_MEM_LOCATION_TYPE_DEVICE = 0x1;

// ---- errors ------------------------------------------------------------------------

// The errors after which the CUDA context is unusable: a kernel faulted (illegal or
// misaligned address, trap, assert, ...), and every later call returns the same error.
bool isStickyError(CUresult code);

// "cuMemFree_v2 failed: CUDA_ERROR_INVALID_VALUE (invalid argument)"; `detail`, when not
// empty, follows on the next lines (a PTX load's error log, an allocation's size).
std::string formatCudaError(const std::string& function, const std::string& codeName, const std::string& text,
                            const std::string& detail = {});

// A failed driver call. A RuntimeError, so the interpreter reports it at the script's
// line, with exit status 70, like any other run-time error.
class CudaError : public RuntimeError {
 public:
  CudaError(std::string function, CUresult code, const std::string& message)
      : RuntimeError(message), function_(std::move(function)), code_(code) {}
  const std::string& function() const { return function_; }
  CUresult code() const { return code_; }
  // A kernel faulted; the process can run nothing more on this GPU.
  bool isFault() const { return isStickyError(code_); }

 private:
  std::string function_;
  CUresult code_;
};

// ---- the driver --------------------------------------------------------------------

// One resolved entry point and the symbol it came from (e.g. "cuMemFree_v2"), which
// error messages name.
template <class Signature>
struct Entry;
template <class... Params>
struct Entry<CUresult(Params...)> {
  CUresult (*fn)(Params...) = nullptr;
  const char* name = "";
};

class Driver {
 public:
  // The process's libcuda.so.1, loaded and initialized (cuInit) on the first call; null
  // where that failed, with a one-line reason in *whyNot, e.g. "no NVIDIA driver found
  // (libcuda.so.1 could not be loaded); use --device cpu".
  static const Driver* get(std::string* whyNot);
  // Loads the driver library at `path` (a name dlopen searches for, or a file) and
  // initializes it; get() is this for "libcuda.so.1", once. Tests use it on other files.
  static std::unique_ptr<Driver> open(const std::string& path, std::string* whyNot);

  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Calls `entry`; throws CudaError unless it returns CUDA_SUCCESS.
  template <class... Params, class... Args>
  void call(const Entry<CUresult(Params...)>& entry, Args... args) const {
    CUresult code = entry.fn(args...);
    if (code != CUDA_SUCCESS) throw error(entry.name, code);
  }
  // The exception for `code` returned by `function`, with the driver's name and text.
  CudaError error(const std::string& function, CUresult code, const std::string& detail = {}) const;
  // "CUDA_ERROR_ILLEGAL_ADDRESS", or "CUDA error 700" where the driver does not know it.
  std::string errorName(CUresult code) const;
  // "an illegal memory access was encountered", or "" where the driver does not know it.
  std::string errorText(CUresult code) const;
  // The CUDA version the driver supports, as cuDriverGetVersion reports it: 13000 is 13.0.
  int version() const { return version_; }
  // The same as people write it: "13.0".
  std::string versionText() const;

  // Entry points, under cuda.h's names; where cuda.h maps a name to a versioned symbol
  // (cuMemFree -> cuMemFree_v2), the versioned one is resolved.
  Entry<CUresult(unsigned)> cuInit;
  Entry<CUresult(int*)> cuDriverGetVersion;
  Entry<CUresult(CUresult, const char**)> cuGetErrorName;
  Entry<CUresult(CUresult, const char**)> cuGetErrorString;
  Entry<CUresult(int*)> cuDeviceGetCount;
  Entry<CUresult(CUdevice*, int)> cuDeviceGet;
  Entry<CUresult(char*, int, CUdevice)> cuDeviceGetName;
  Entry<CUresult(int*, CUdevice_attribute, CUdevice)> cuDeviceGetAttribute;
  Entry<CUresult(size_t*, CUdevice)> cuDeviceTotalMem;
  Entry<CUresult(CUcontext*, CUdevice)> cuDevicePrimaryCtxRetain;
  Entry<CUresult(CUcontext)> cuCtxSetCurrent;
  Entry<CUresult()> cuCtxSynchronize;
  Entry<CUresult(CUdeviceptr*, size_t, unsigned)> cuMemAllocManaged;
  Entry<CUresult(CUdeviceptr*, size_t)> cuMemAlloc;
  Entry<CUresult(CUdeviceptr)> cuMemFree;
  Entry<CUresult(CUdeviceptr, unsigned char, size_t)> cuMemsetD8;
  Entry<CUresult(CUdeviceptr, CUdeviceptr, size_t)> cuMemcpyDtoD;
  Entry<CUresult(void*, CUpointer_attribute, CUdeviceptr)> cuPointerGetAttribute;
  Entry<CUresult(CUmodule*, const void*, unsigned, CUjit_option*, void**)> cuModuleLoadDataEx;
  Entry<CUresult(CUmodule)> cuModuleUnload;
  Entry<CUresult(CUfunction*, CUmodule, const char*)> cuModuleGetFunction;
  Entry<CUresult(int*, CUfunction_attribute, CUfunction)> cuFuncGetAttribute;
  Entry<CUresult(CUfunction, CUfunction_attribute, int)> cuFuncSetAttribute;
  Entry<CUresult(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void**,
                 void**)>
      cuLaunchKernel;
  Entry<CUresult(CUevent*, unsigned)> cuEventCreate;
  Entry<CUresult(CUevent)> cuEventDestroy;
  Entry<CUresult(CUevent, CUstream)> cuEventRecord;
  Entry<CUresult(CUevent)> cuEventSynchronize;
  Entry<CUresult(float*, CUevent, CUevent)> cuEventElapsedTime;
  // Optional (CUDA 12.2 drivers and later): fn is null where absent. Prefetching is only
  // a hint, so hel does without it.
  Entry<CUresult(CUdeviceptr, size_t, CUmemLocation, unsigned, CUstream)> cuMemPrefetchAsync;
  // Optional (CUDA 12.0 drivers and later): without them kernels copy without TMA.
  // cuTensorMapEncodeTiled(map, data type, rank, address, dims, byte strides, box
  // dims, element strides, interleave, swizzle, L2 promotion, out-of-bounds fill).
  Entry<CUresult(CUtensorMap*, int, unsigned, void*, const unsigned long long*, const unsigned long long*,
                 const unsigned*, const unsigned*, int, int, int, int)>
      cuTensorMapEncodeTiled;
  Entry<CUresult(CUdeviceptr, const void*, size_t)> cuMemcpyHtoD;

 private:
  explicit Driver(void* library) : library_(library) {}
  // Resolves every entry point; the name of the first required one missing, or null.
  const char* resolve();

  // Never dlclose'd: once cuInit has run, libcuda has threads and exit handlers of its
  // own, and unloading it under them is not supported.
  void* library_;
  int version_ = 0;
};

}  // namespace hel::cuda
