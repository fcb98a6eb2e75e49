// The allocator hook for cuda tensors' storage (setCudaStorageAllocator), with a fake
// allocator standing in for the GPU's managed memory.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "runtime/Tensor.h"

using namespace hel;

namespace {

// What the fake allocator handed out and took back, by device index.
std::map<void*, int> live;
int allocations = 0;
int releases = 0;

void* fakeAllocate(size_t bytes, int deviceIndex) {
  void* data = std::calloc(bytes == 0 ? 1 : bytes, 1);
  live[data] = deviceIndex;
  ++allocations;
  return data;
}

// Runs in destructors, so it checks without throwing.
void fakeRelease(void* data, int deviceIndex) {
  CHECK(live.count(data) == 1);
  CHECK(live[data] == deviceIndex);
  live.erase(data);
  ++releases;
  std::free(data);
}

// Installs the fake for one test and restores host storage after it.
struct FakeAllocator {
  FakeAllocator() {
    live.clear();
    allocations = releases = 0;
    setCudaStorageAllocator(fakeAllocate, fakeRelease);
  }
  ~FakeAllocator() { setCudaStorageAllocator(nullptr, nullptr); }
};

}  // namespace

TEST_CASE("cuda tensors take their storage from the installed allocator") {
  FakeAllocator fake;
  {
    Tensor gpu = Tensor::empty({3, 5}, DType::Float32, Device::cuda(1));
    CHECK(allocations == 1);
    CHECK(live.count(gpu.data()) == 1);
    CHECK(live[gpu.data()] == 1);
    CHECK(gpu.data<float>()[14] == 0);
    // Views share the storage; nothing more is allocated.
    Tensor row = gpu.select(0, 2);
    CHECK(allocations == 1);

    Tensor cpu = Tensor::empty({4}, DType::Int64, Device::cpu());
    Tensor meta = Tensor::empty({4}, DType::Int64, Device::meta());
    CHECK(allocations == 1);
    CHECK(live.count(cpu.data()) == 0);
  }
  CHECK(releases == 1);
  CHECK(live.empty());
}

TEST_CASE("an empty cuda tensor still gets storage from the allocator") {
  FakeAllocator fake;
  Tensor empty = Tensor::empty({0}, DType::Float32, Device::cuda());
  CHECK(allocations == 1);
}

TEST_CASE("storage goes back to the allocator it came from") {
  Tensor survivor;
  {
    FakeAllocator fake;
    survivor = Tensor::empty({8}, DType::Int32, Device::cuda());
  }
  // Uninstalled: new cuda tensors are host memory again ...
  Tensor host = Tensor::empty({8}, DType::Int32, Device::cuda());
  CHECK(allocations == 1);
  CHECK(live.count(host.data()) == 0);
  // ... and the survivor is still freed by the fake.
  survivor = Tensor();
  CHECK(releases == 1);
  CHECK(live.empty());
}
