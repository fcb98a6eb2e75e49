// What runs anywhere: loading the driver where there is none (or only the toolkit's stub),
// error formatting, and the figures derived from device properties.
#include <catch2/catch.hpp>
#include <filesystem>

#include "runtime/cuda/CudaDevice.h"
#include "runtime/cuda/Driver.h"

using namespace hel::cuda;

TEST_CASE("a missing driver library is a one-line reason, not an error") {
  std::string whyNot;
  CHECK(Driver::open("libhel-no-such-driver.so.1", &whyNot) == nullptr);
  CHECK(whyNot == "no NVIDIA driver found (libhel-no-such-driver.so.1 could not be loaded); use --device cpu");
}

TEST_CASE("a library without the driver's entry points is reported as too old") {
  std::string whyNot;
  CHECK(Driver::open("libm.so.6", &whyNot) == nullptr);
  CHECK(whyNot == "the NVIDIA driver is too old (libm.so.6 has no cuInit); update it or use --device cpu");
}

TEST_CASE("the CUDA toolkit's stub library is not taken for a driver") {
  // The stub's soname is libcuda.so.1: loaded first, it would answer the process's later
  // dlopen("libcuda.so.1"). So it is tried only once that is settled, and only where
  // there is no driver to get in the way of.
  if (Driver::get(nullptr)) {
    WARN("skipped: this machine has a CUDA driver");
    return;
  }
  const char* stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  if (!std::filesystem::exists(stub)) {
    WARN("skipped: no CUDA toolkit stub at " << stub);
    return;
  }
  std::string whyNot;
  CHECK(Driver::open(stub, &whyNot) == nullptr);
  CHECK(whyNot == std::string("no NVIDIA driver found (") + stub +
                      " is the CUDA toolkit's stub library, not a driver); use --device cpu");
}

TEST_CASE("without a usable driver, every way in gives the same reason") {
  std::string driverWhy;
  if (Driver::get(&driverWhy)) {
    WARN("skipped: this machine has a CUDA driver");
    return;
  }
  CHECK(!driverWhy.empty());
  CHECK(driverWhy.find('\n') == std::string::npos);
  CHECK_THAT(driverWhy, Catch::EndsWith("; use --device cpu"));

  std::string deviceWhy;
  CHECK(CudaDevice::get(&deviceWhy) == nullptr);
  CHECK(deviceWhy == driverWhy);
  // Asked again, the answer is remembered, not retried.
  deviceWhy.clear();
  CHECK(CudaDevice::get(&deviceWhy, 0) == nullptr);
  CHECK(deviceWhy == driverWhy);
  CHECK(CudaDevice::get(nullptr) == nullptr);

  std::string listWhy;
  CHECK(listDevices(&listWhy).empty());
  CHECK(listWhy == driverWhy);
}

TEST_CASE("CUDA errors name the function, the result and the driver's text") {
  CHECK(formatCudaError("cuMemFree_v2", "CUDA_ERROR_INVALID_VALUE", "invalid argument") ==
        "cuMemFree_v2 failed: CUDA_ERROR_INVALID_VALUE (invalid argument)");
  CHECK(formatCudaError("cuInit", "CUDA error 12345", "") == "cuInit failed: CUDA error 12345");
  CHECK(formatCudaError("cuModuleLoadDataEx", "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed",
                        "ptxas application ptx input, line 31; error   : Unknown symbol '%f9'") ==
        "cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed)\n"
        "ptxas application ptx input, line 31; error   : Unknown symbol '%f9'");

  CudaError error("cuCtxSynchronize", CUDA_ERROR_ILLEGAL_ADDRESS, "the kernel 'k' faulted");
  CHECK(error.isFault());
  CHECK(error.function() == "cuCtxSynchronize");
  CHECK(std::string(error.what()) == "the kernel 'k' faulted");
  // The interpreter reports it like any run-time error of the tensor library.
  CHECK(dynamic_cast<const hel::RuntimeError*>(&error) != nullptr);
  CHECK_FALSE(CudaError("cuMemAllocManaged", CUDA_ERROR_OUT_OF_MEMORY, "").isFault());
}

TEST_CASE("only the errors of a faulted kernel are sticky") {
  for (CUresult code : {CUDA_ERROR_ILLEGAL_ADDRESS, CUDA_ERROR_LAUNCH_TIMEOUT, CUDA_ERROR_ASSERT,
                        CUDA_ERROR_HARDWARE_STACK_ERROR, CUDA_ERROR_ILLEGAL_INSTRUCTION, CUDA_ERROR_MISALIGNED_ADDRESS,
                        CUDA_ERROR_INVALID_ADDRESS_SPACE, CUDA_ERROR_INVALID_PC, CUDA_ERROR_LAUNCH_FAILED}) {
    CHECK(isStickyError(code));
  }
  for (CUresult code :
       {CUDA_SUCCESS, CUDA_ERROR_INVALID_VALUE, CUDA_ERROR_OUT_OF_MEMORY, CUDA_ERROR_NO_DEVICE, CUDA_ERROR_NOT_FOUND}) {
    CHECK_FALSE(isStickyError(code));
  }
}

TEST_CASE("device properties give the target and a peak bandwidth estimate") {
  DeviceProperties h100;
  h100.computeMajor = 9;
  h100.computeMinor = 0;
  // As the driver reports an H100 SXM's HBM3: 2619 MHz over 5120 bits, 3.35 TB/s.
  h100.memoryClockKHz = 2619000;
  h100.memoryBusWidthBits = 5120;
  CHECK(h100.arch() == "sm_90");
  CHECK(h100.peakBandwidth() == Approx(3.352e12).epsilon(1e-3));

  DeviceProperties unknown;
  unknown.memoryBusWidthBits = 5120;
  CHECK(unknown.peakBandwidth() == 0);
}
