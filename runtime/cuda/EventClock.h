// The benchmark clock of a GPU (runtime/bench/Benchmark.h): CUDA events on the device's
// stream, with the L2 cache flushed before every run, so that each run starts cold, as
// triton.testing.do_bench measures.
#pragma once

#include "runtime/bench/Benchmark.h"
#include "runtime/cuda/CudaDevice.h"

namespace hel::cuda {

class EventClock : public bench::Clock {
 public:
  explicit EventClock(CudaDevice& device) : device_(device) {}
  double timeTogether(const std::function<void()>& fn, int count) override;
  std::vector<double> timeEach(const std::function<void()>& fn, int count) override;
  void wait() override { device_.synchronize(); }

 private:
  CudaDevice& device_;
};

}  // namespace hel::cuda
