// The device-to-device copy bandwidth of a GPU: what a memory-bound kernel is measured
// against, since no kernel moves bytes faster than the copy engine's own copy (on an H100,
// 2.94 TB/s against a nominal peak of 3.35). Measured once per device and cached.
#pragma once

#include <string>

#include "runtime/cuda/CudaDevice.h"

namespace hel::cuda {

struct CopyBandwidth {
  double bytesPerSecond = 0;
  size_t bytesCopied = 0;  // per copy
  bool fromCache = false;
  std::string cacheFile;   // where it is kept; empty where nothing is cached
};

// cuMemcpyDtoD of 1 GiB (an eighth of the memory on smaller GPUs) between two device
// buffers, timed as a kernel is (bench::benchmark with the EventClock: L2 flushed, median
// of about 100 ms of copies); a copy reads and writes every byte, so the bandwidth is
// 2 * bytes / time. Read from $HEL_CACHE_DIR/bandwidth/ where an earlier measurement of a
// GPU of the same name, memory size and driver version is there, else measured and
// stored there.
CopyBandwidth copyBandwidth(CudaDevice& device);

}  // namespace hel::cuda
