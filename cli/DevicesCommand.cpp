// `hel devices`: the GPUs the CUDA driver sees, with the figures that kernels are tuned and
// measured against.
#include <fmt/format.h>

#include <iostream>

#include "cli/Commands.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/cuda/Ptxas.h"
#include "support/Diagnostics.h"

namespace hel::cli {
namespace {

std::string gib(double bytes) { return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024 * 1024)); }
std::string kib(int bytes) { return fmt::format("{} KiB", bytes / 1024); }

void printDevice(const cuda::DeviceProperties& p) {
  std::cout << fmt::format("cuda:{}  {}\n", p.index, p.name);
  std::string clock = p.clockKHz > 0 ? fmt::format(" at {} MHz", p.clockKHz / 1000) : "";
  std::cout << fmt::format("        compute capability {}.{} ({}), {} SMs{}\n", p.computeMajor, p.computeMinor,
                           p.arch(), p.smCount, clock);
  std::string bandwidth = p.peakBandwidth() > 0
                              ? fmt::format("peak bandwidth {:.0f} GB/s ({} MHz x {}-bit)", p.peakBandwidth() / 1e9,
                                            p.memoryClockKHz / 1000, p.memoryBusWidthBits)
                              : "peak bandwidth unknown";
  std::cout << fmt::format("        memory {}, {}, L2 {:.0f} MiB\n", gib(static_cast<double>(p.totalMemoryBytes)),
                           bandwidth, p.l2CacheBytes / (1024.0 * 1024));
  std::cout << fmt::format("        shared memory per block {} ({} opt-in), {} threads per block\n",
                           kib(p.maxSharedPerBlock), kib(p.maxSharedPerBlockOptin), p.maxThreadsPerBlock);
}

}  // namespace

void addDevicesCommand(CLI::App& app, int* status) {
  CLI::App* command =
      app.add_subcommand("devices", "List the GPUs seen, with their compute capability and peak figures");
  command->callback([status] {
    try {
      std::string whyNot;
      std::vector<cuda::DeviceProperties> devices = cuda::listDevices(&whyNot);
      if (devices.empty()) {
        // Exit status 0: "no GPU here" answers the question this command asks, so scripts
        // and CI can run it for information on any machine. Failing is for a driver that
        // is there but errs (below).
        std::cout << whyNot << "\n";
        *status = kExitOk;
        return;
      }
      const cuda::Driver* driver = cuda::Driver::get(nullptr);
      std::cout << fmt::format("CUDA driver {}: {} GPU{}\n", driver->versionText(), devices.size(),
                               devices.size() == 1 ? "" : "s");
      // Which compiles the kernels' PTX (runtime/cuda/Ptxas.h): it decides how long a
      // first run and hel tune's batches take.
      if (const cuda::Ptxas* ptxas = cuda::Ptxas::find())
        std::cout << fmt::format("kernels assembled by {} ({})\n", ptxas->path(), ptxas->version());
      else
        std::cout << "kernels compiled by the driver's JIT, one at a time (no ptxas found; HEL_PTXAS names one)\n";
      for (const cuda::DeviceProperties& device : devices) printDevice(device);
      *status = kExitOk;
    } catch (const cuda::CudaError& error) {
      std::cerr << "hel: error: " << error.what() << "\n";
      *status = kExitRuntimeError;
    }
  });
}

}  // namespace hel::cli
