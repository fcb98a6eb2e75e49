#include "runtime/cuda/EventClock.h"

namespace hel::cuda {

double EventClock::timeTogether(const std::function<void()>& fn, int count) {
  Timer timer(device_);
  timer.start();
  for (int i = 0; i < count; ++i) {
    device_.flushL2();
    fn();
  }
  timer.stop();
  return timer.elapsedMs();
}

std::vector<double> EventClock::timeEach(const std::function<void()>& fn, int count) {
  // Every run is enqueued before any time is read: while the GPU flushes the L2 for one
  // run, the host enqueues the next, so a run's interval holds the GPU's work alone.
  Timer timer(device_, static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    device_.flushL2();
    timer.start(static_cast<size_t>(i));
    fn();
    timer.stop(static_cast<size_t>(i));
  }
  std::vector<double> times;
  for (int i = 0; i < count; ++i) times.push_back(timer.elapsedMs(static_cast<size_t>(i)));
  return times;
}

}  // namespace hel::cuda
