// Tests that need a GPU; each one is skipped (with a warning saying why) where there is
// none. The kernels are hand-written PTX, so these test the device layer alone.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "runtime/Tensor.h"
#include "runtime/cuda/CopyBandwidth.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/cuda/EventClock.h"
#include "runtime/cuda/SameBytes.h"

extern char** environ;

using namespace hel::cuda;
using hel::Device;
using hel::DType;
using hel::Tensor;

namespace {

// The GPU, or null after a warning that the test is skipped.
CudaDevice* gpuOrSkip() {
  std::string whyNot;
  CudaDevice* device = CudaDevice::get(&whyNot);
  if (!device) WARN("skipped, no GPU: " << whyNot);
  return device;
}

// out[i] = a[i] + b[i] for i < n, one element per thread.
const char* kVectorAdd = R"(.version 8.0
.target sm_80
.address_size 64

.visible .entry vector_add(.param .u64 a, .param .u64 b, .param .u64 out, .param .u32 n)
{
  .reg .pred %p<2>;
  .reg .b32 %r<6>;
  .reg .f32 %f<4>;
  .reg .b64 %rd<11>;

  ld.param.u64 %rd1, [a];
  ld.param.u64 %rd2, [b];
  ld.param.u64 %rd3, [out];
  ld.param.u32 %r1, [n];
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mov.u32 %r4, %tid.x;
  mad.lo.s32 %r5, %r2, %r3, %r4;
  setp.ge.u32 %p1, %r5, %r1;
  @%p1 bra DONE;
  cvta.to.global.u64 %rd4, %rd1;
  cvta.to.global.u64 %rd5, %rd2;
  cvta.to.global.u64 %rd6, %rd3;
  mul.wide.u32 %rd7, %r5, 4;
  add.s64 %rd8, %rd4, %rd7;
  add.s64 %rd9, %rd5, %rd7;
  add.s64 %rd10, %rd6, %rd7;
  ld.global.f32 %f1, [%rd8];
  ld.global.f32 %f2, [%rd9];
  add.f32 %f3, %f1, %f2;
  st.global.f32 [%rd10], %f3;
DONE:
  ret;
}
)";

// Thread 0 writes 42 to the last word of `bytes` of dynamic shared memory, reads it back
// and stores it to *out.
const char* kSharedLastWord = R"(.version 8.0
.target sm_80
.address_size 64

.extern .shared .align 16 .b8 dynamic_shared[];

.visible .entry shared_last_word(.param .u64 out, .param .u32 bytes)
{
  .reg .pred %p<2>;
  .reg .b32 %r<6>;
  .reg .b64 %rd<3>;

  mov.u32 %r1, %tid.x;
  setp.ne.u32 %p1, %r1, 0;
  @%p1 bra DONE;
  ld.param.u64 %rd1, [out];
  ld.param.u32 %r2, [bytes];
  mov.u32 %r3, dynamic_shared;
  add.u32 %r3, %r3, %r2;
  sub.u32 %r3, %r3, 4;
  mov.u32 %r4, 42;
  st.shared.u32 [%r3], %r4;
  ld.shared.u32 %r5, [%r3];
  cvta.to.global.u64 %rd2, %rd1;
  st.global.u32 [%rd2], %r5;
DONE:
  ret;
}
)";

// Stores to `address`, which the test makes one no memory is mapped at.
const char* kStoreTo = R"(.version 8.0
.target sm_80
.address_size 64

.visible .entry store_to(.param .u64 address)
{
  .reg .b32 %r<2>;
  .reg .b64 %rd<2>;

  ld.param.u64 %rd1, [address];
  mov.u32 %r1, 1;
  st.global.u32 [%rd1], %r1;
  ret;
}
)";

// Launches vector_add on n elements at a, b and out.
void vectorAdd(CudaDevice& device, const float* a, const float* b, float* out, unsigned n) {
  Kernel& kernel = device.kernel(kVectorAdd, "vector_add");
  void* params[] = {&a, &b, &out, &n};
  unsigned block = 256;
  device.launch(kernel, {(n + block - 1) / block, 1, 1}, {block, 1, 1}, 0, params);
  device.synchronize();
}

// Restores host storage for cuda tensors when a test ends.
struct AllocatorGuard {
  AllocatorGuard() { CudaDevice::installStorageAllocator(); }
  ~AllocatorGuard() { hel::setCudaStorageAllocator(nullptr, nullptr); }
};

}  // namespace

TEST_CASE("the GPU's properties") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  const DeviceProperties& p = device->properties();
  INFO(p.name << " " << p.arch() << ", " << p.smCount << " SMs");
  CHECK(!p.name.empty());
  CHECK(p.computeMajor >= 7);
  CHECK(p.smCount > 0);
  CHECK(p.totalMemoryBytes > (size_t{1} << 30));
  CHECK(p.warpSize == 32);
  CHECK(p.maxThreadsPerBlock == 1024);
  CHECK(p.maxSharedPerBlock == 48 * 1024);
  CHECK(p.maxSharedPerBlockOptin >= p.maxSharedPerBlock);
  CHECK(p.l2CacheBytes > 0);
  CHECK(p.managedMemory);
  if (p.peakBandwidth() == 0) WARN("the driver reports no memory clock or bus width");
  CHECK(device->driver().version() >= 12000);

  std::vector<DeviceProperties> listed = listDevices(nullptr);
  REQUIRE(!listed.empty());
  CHECK(listed[0].name == p.name);
  CHECK(CudaDevice::get(nullptr, 0) == device);
  std::string whyNot;
  CHECK(CudaDevice::get(&whyNot, static_cast<int>(listed.size())) == nullptr);
  CHECK(whyNot == "there is no CUDA GPU cuda:" + std::to_string(listed.size()) + " (" + std::to_string(listed.size()) +
                      " found)");
}

TEST_CASE("managed memory is zero-filled and reachable from host and kernels") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  size_t bytes = 3 * 1024 * 1024 + 5;
  auto* data = static_cast<unsigned char*>(device->allocateManaged(bytes));
  REQUIRE(data != nullptr);
  CHECK(device->isManaged(data));
  std::vector<unsigned char> zeros(bytes, 0);
  CHECK(std::memcmp(data, zeros.data(), bytes) == 0);
  device->prefetch(data, bytes);
  device->synchronize();
  device->free(data);

  std::vector<int> host(4);
  CHECK_FALSE(device->isManaged(host.data()));
  // An empty tensor still gets memory of its own.
  void* empty = device->allocateManaged(0);
  CHECK(empty != nullptr);
  device->free(empty);
}

TEST_CASE("a hand-written PTX kernel adds vectors in managed memory") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  // Not a multiple of the block, so the last block's bounds check matters.
  unsigned n = 1000003;
  auto* a = static_cast<float*>(device->allocateManaged(n * sizeof(float)));
  auto* b = static_cast<float*>(device->allocateManaged(n * sizeof(float)));
  auto* out = static_cast<float*>(device->allocateManaged((n + 1) * sizeof(float)));
  for (unsigned i = 0; i < n; ++i) {
    a[i] = static_cast<float>(i);
    b[i] = 0.5f * static_cast<float>(i % 1000);
  }
  out[n] = -1;  // past the end: must stay as it is
  vectorAdd(*device, a, b, out, n);
  unsigned wrong = 0;
  for (unsigned i = 0; i < n; ++i) wrong += out[i] != static_cast<float>(i) + 0.5f * static_cast<float>(i % 1000);
  CHECK(wrong == 0);
  CHECK(out[n] == -1);

  Kernel& kernel = device->kernel(kVectorAdd, "vector_add");
  CHECK(&kernel == &device->kernel(std::string(kVectorAdd), "vector_add"));  // loaded once
  CHECK(kernel.numRegisters > 0);
  CHECK(kernel.maxThreadsPerBlock >= 256);
  CHECK(kernel.staticSharedBytes == 0);

  // An empty grid runs nothing.
  unsigned zero = 0;
  void* params[] = {&a, &b, &out, &zero};
  device->launch(kernel, {0, 1, 1}, {256, 1, 1}, 0, params);
  device->synchronize();

  device->free(a);
  device->free(b);
  device->free(out);
}

TEST_CASE("cuda tensors live in managed memory once the allocator is installed") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  AllocatorGuard guard;
  int64_t n = 4097;
  Tensor a = Tensor::empty({n}, DType::Float32, Device::cuda());
  Tensor b = Tensor::empty({n}, DType::Float32, Device::cuda());
  Tensor out = Tensor::empty({n}, DType::Float32, Device::cuda());
  Tensor host = Tensor::empty({n}, DType::Float32, Device::cpu());
  CHECK(device->isManaged(a.data()));
  CHECK(device->isManaged(out.data()));
  CHECK_FALSE(device->isManaged(host.data()));
  CHECK(out.data<float>()[n - 1] == 0);  // zero-filled
  for (int64_t i = 0; i < n; ++i) {
    a.data<float>()[i] = 1.0f;
    b.data<float>()[i] = static_cast<float>(i);
  }
  vectorAdd(*device, a.data<float>(), b.data<float>(), out.data<float>(), static_cast<unsigned>(n));
  CHECK(out.data<float>()[0] == 1.0f);
  CHECK(out.data<float>()[n - 1] == static_cast<float>(n));
}

TEST_CASE("PTX the driver rejects reports ptxas's error log") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  std::string bad = kVectorAdd;
  std::string good = "add.f32 %f3, %f1, %f2;";
  bad.replace(bad.find(good), good.size(), "add.f32 %f3, %f1, %f9;");
  try {
    device->kernel(bad, "vector_add");
    FAIL("the PTX was accepted");
  } catch (const CudaError& error) {
    std::string message = error.what();
    INFO(message);
    CHECK(error.function() == "cuModuleLoadDataEx");
    CHECK(message.find("CUDA_ERROR_INVALID_PTX") != std::string::npos);
    CHECK(message.find("%f9") != std::string::npos);
    CHECK_FALSE(error.isFault());
  }
  // Not cached: asked again, it fails again, and the device is still usable.
  CHECK_THROWS_AS(device->kernel(bad, "vector_add"), CudaError);
  CHECK_THROWS_WITH(device->kernel(kVectorAdd, "vector_sub"), "the PTX has no kernel named 'vector_sub'");
  device->synchronize();
}

TEST_CASE("launches that cannot fit are refused with the reason") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  Kernel& kernel = device->kernel(kVectorAdd, "vector_add");
  void* params[4] = {};
  CHECK_THROWS_WITH(device->launch(kernel, {1, 1, 1}, {2048, 1, 1}, 0, params),
                    Catch::Contains("cannot launch kernel 'vector_add' with 2048 threads per block"));
  unsigned tooMuch = static_cast<unsigned>(device->properties().maxSharedPerBlockOptin) + 4;
  CHECK_THROWS_WITH(device->launch(kernel, {1, 1, 1}, {32, 1, 1}, tooMuch, params),
                    Catch::Contains("bytes of shared memory per block"));
  device->synchronize();
}

TEST_CASE("a kernel can use more than 48 KiB of dynamic shared memory") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  Kernel& kernel = device->kernel(kSharedLastWord, "shared_last_word");
  auto* out = static_cast<unsigned*>(device->allocateManaged(sizeof(unsigned)));
  for (unsigned bytes : {16u * 1024, static_cast<unsigned>(device->properties().maxSharedPerBlockOptin)}) {
    INFO(bytes << " bytes");
    *out = 0;
    void* params[] = {&out, &bytes};
    device->launch(kernel, {1, 1, 1}, {32, 1, 1}, bytes, params);
    device->synchronize();
    CHECK(*out == 42);
  }
  CHECK(kernel.maxDynamicSharedBytes == device->properties().maxSharedPerBlockOptin);
  device->free(out);
}

TEST_CASE("tensor maps are encoded once per description, and bad ones are refused") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  if (!device->hasTensorMaps()) {
    WARN("skipped: the GPU or driver has no TMA");
    return;
  }
  void* data = device->allocateManaged(4096 * 4096 * 2);
  hel::cuda::TensorMapDescription description;
  description.dataType = 6;  // f16
  description.address = data;
  description.columns = description.rows = 4096;
  description.rowStrideBytes = 8192;
  description.boxColumns = 64;
  description.boxRows = 128;
  description.swizzle = 3;  // 128 bytes
  hel::cuda::CUdeviceptr first = device->tensorMap(description);
  CHECK(first % 64 == 0);
  CHECK(device->tensorMap(description) == first);
  description.boxRows = 256;
  hel::cuda::CUdeviceptr second = device->tensorMap(description);
  CHECK(second != first);
  description.boxRows = 512;  // over TMA's 256
  CHECK_THROWS_AS(device->tensorMap(description), hel::cuda::CudaError);
  device->free(data);
}

TEST_CASE("CUDA events time a kernel, with the L2 flushed before it") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  unsigned n = 1 << 24;
  auto* a = static_cast<float*>(device->allocateManaged(n * sizeof(float)));
  auto* out = static_cast<float*>(device->allocateManaged(n * sizeof(float)));
  device->prefetch(a, n * sizeof(float));
  device->prefetch(out, n * sizeof(float));
  vectorAdd(*device, a, a, out, n);  // warm-up

  Kernel& kernel = device->kernel(kVectorAdd, "vector_add");
  void* params[] = {&a, &a, &out, &n};
  Timer timer(*device);
  device->flushL2();
  timer.start();
  device->launch(kernel, {n / 256, 1, 1}, {256, 1, 1}, 0, params);
  timer.stop();
  float ms = timer.elapsedMs();
  device->synchronize();
  double gbps = 2.0 * n * sizeof(float) / (ms * 1e-3) / 1e9;
  WARN("vector_add of " << n << " floats: " << ms << " ms, " << gbps << " GB/s; peak "
                        << device->properties().peakBandwidth() / 1e9 << " GB/s");
  CHECK(ms > 0);
  CHECK(ms < 1000);
  device->free(a);
  device->free(out);
}

TEST_CASE("the event clock times each run alone, and copies measure the copy bandwidth once") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  size_t bytes = size_t{64} << 20;
  void* from = device->allocate(bytes);
  void* to = device->allocate(bytes);
  EventClock clock(*device);
  std::vector<double> times = clock.timeEach([&] { device->copy(to, from, bytes); }, 20);
  REQUIRE(times.size() == 20);
  for (double ms : times) CHECK(ms > 0);
  double together = clock.timeTogether([&] { device->copy(to, from, bytes); }, 5);
  WARN("copy of 64 MiB: " << times[10] << " ms each, 5 with flushes in " << together << " ms");
  CHECK(together > times[10]);
  device->free(from);
  device->free(to);

  char dir[] = "/tmp/hel-bandwidth-test-XXXXXX";
  REQUIRE(mkdtemp(dir));
  setenv("HEL_CACHE_DIR", dir, 1);
  CopyBandwidth measured = copyBandwidth(*device);
  CopyBandwidth cached = copyBandwidth(*device);
  unsetenv("HEL_CACHE_DIR");
  WARN("copy bandwidth " << measured.bytesPerSecond / 1e9 << " GB/s, cached in " << measured.cacheFile);
  CHECK(!measured.fromCache);
  CHECK(cached.fromCache);
  CHECK(cached.bytesPerSecond == Approx(measured.bytesPerSecond).epsilon(1e-6));
  CHECK(measured.bytesPerSecond > 1e10);
  std::filesystem::remove_all(dir);
}

TEST_CASE("sameBytes compares GPU memory on the GPU, the trailing bytes included") {
  CudaDevice* device = gpuOrSkip();
  if (!device) return;
  size_t bytes = (size_t{3} << 20) + 3;  // a tail after the last whole word
  auto* a = static_cast<unsigned char*>(device->allocateManaged(bytes));
  auto* b = static_cast<unsigned char*>(device->allocateManaged(bytes));
  for (size_t i = 0; i < bytes; ++i) a[i] = b[i] = static_cast<unsigned char>(i * 7);
  CHECK(sameBytes(*device, a, b, bytes));
  b[bytes / 2] ^= 0x10;  // a word in the middle
  CHECK_FALSE(sameBytes(*device, a, b, bytes));
  CHECK(sameBytes(*device, a, b, bytes / 2 & ~size_t{3}));  // only what comes before it
  b[bytes / 2] ^= 0x10;
  b[bytes - 1] ^= 0x01;  // the last trailing byte
  CHECK_FALSE(sameBytes(*device, a, b, bytes));
  CHECK(sameBytes(*device, a, b, bytes - 1));
  device->free(a);
  device->free(b);
}

// Run by the next test in a process of its own: a fault leaves the GPU unusable for the
// rest of the process, which would fail every test after it.
TEST_CASE("a faulting kernel in a child process", "[.fault-child]") {
  CudaDevice* device = gpuOrSkip();
  REQUIRE(device);
  void* before = device->allocateManaged(1024);
  Kernel& kernel = device->kernel(kStoreTo, "store_to");
  unsigned long long address = 8;  // the null page
  void* params[] = {&address};
  try {
    device->launch(kernel, {1, 1, 1}, {1, 1, 1}, 0, params);
    device->synchronize();
    FAIL("the store to address 8 did not fault");
  } catch (const CudaError& error) {
    std::string message = error.what();
    INFO(message);
    CHECK(error.isFault());
    CHECK(message.find("the kernel 'store_to' faulted on the GPU: CUDA_ERROR_ILLEGAL_ADDRESS") == 0);
  }
  // Everything after it refuses at once, with the same story.
  CHECK_THROWS_WITH(device->synchronize(), Catch::StartsWith("the GPU cannot be used after an earlier fault: the "
                                                             "kernel 'store_to' faulted"));
  CHECK_THROWS_AS(device->allocateManaged(16), CudaError);
  CHECK_THROWS_AS(device->kernel(kVectorAdd, "vector_add"), CudaError);
  CHECK_THROWS_AS(Timer(*device), CudaError);
  // Freeing into the dead context is quiet.
  device->free(before);
}

TEST_CASE("a faulting kernel is reported, and the process neither hangs nor crashes") {
  if (!gpuOrSkip()) return;
  char self[4096] = {};
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  REQUIRE(length > 0);
  char name[] = "a faulting kernel in a child process";
  char* argv[] = {self, name, nullptr};
  pid_t child = 0;
  REQUIRE(posix_spawn(&child, self, nullptr, nullptr, argv, environ) == 0);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t done = 0;
  while ((done = waitpid(child, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (done == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    FAIL("the child process hung after the fault");
  }
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
