#include "runtime/cuda/CopyBandwidth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "runtime/cuda/EventClock.h"
#include "support/CacheDir.h"

namespace hel::cuda {
namespace {

constexpr size_t kCopyBytes = size_t{1} << 30;

// The figures a measurement holds for: another GPU model, memory size or driver may copy
// at another speed.
std::string cacheKey(const CudaDevice& device) {
  const DeviceProperties& p = device.properties();
  return fmt::format("copy bandwidth of {} ({} bytes of memory), CUDA driver {}", p.name, p.totalMemoryBytes,
                     device.driver().version());
}

std::string cacheFileOf(const CudaDevice& device) {
  std::string dir = cacheDirectory();
  if (dir.empty()) return "";
  std::string name = device.properties().name;
  std::replace_if(name.begin(), name.end(), [](unsigned char c) { return !std::isalnum(c); }, '_');
  return fmt::format("{}/bandwidth/{}.txt", dir, name);
}

// Device memory for the length of a measurement.
struct Buffer {
  Buffer(CudaDevice& device, size_t bytes) : device(device), data(device.allocate(bytes)) {}
  ~Buffer() { device.free(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  CudaDevice& device;
  void* data;
};

double measure(CudaDevice& device, size_t bytes) {
  Buffer from(device, bytes), to(device, bytes);
  EventClock clock(device);
  bench::Timing timing = bench::benchmark(clock, [&] { device.copy(to.data, from.data, bytes); });
  return 2.0 * static_cast<double>(bytes) / (timing.medianMs * 1e-3);
}

}  // namespace

CopyBandwidth copyBandwidth(CudaDevice& device) {
  CopyBandwidth result;
  result.bytesCopied = std::min(kCopyBytes, device.properties().totalMemoryBytes / 8);
  result.cacheFile = cacheFileOf(device);
  // The file: the key on the first line, the bytes per second on the second.
  std::string key = cacheKey(device);
  if (std::optional<std::string> text = readFile(result.cacheFile); text && text->rfind(key + "\n", 0) == 0) {
    double cached = std::strtod(text->c_str() + key.size() + 1, nullptr);
    if (cached > 0) {
      result.bytesPerSecond = cached;
      result.fromCache = true;
      return result;
    }
  }
  result.bytesPerSecond = measure(device, result.bytesCopied);
  if (!result.cacheFile.empty() &&
      !writeFileAtomically(result.cacheFile, fmt::format("{}\n{:.0f}\n", key, result.bytesPerSecond)))
    result.cacheFile.clear();
  return result;
}

}  // namespace hel::cuda
