// `hel bench FILE [--json OUT]`: runs the script as `hel run` does, and times each device
// loop specialization it launches, at its first launch (runtime/interp/LaunchTiming.h);
// then prints one row per specialization: ms, GB/s, TFLOP/s and the share of the GPU's
// copy bandwidth (runtime/bench/BenchReport.h), and writes the same as JSON.
#include <iostream>

#include "cli/Commands.h"
#include "cli/DeviceOptions.h"
#include "cli/Input.h"
#include "runtime/bench/BenchReport.h"
#include "runtime/cuda/CopyBandwidth.h"
#include "runtime/interp/GpuRunner.h"
#include "runtime/interp/LaunchTiming.h"
#include "support/Diagnostics.h"

namespace hel::cli {
namespace {

struct BenchOptions {
  ScriptRunOptions run;
  std::string file;
  std::string json;
};

// The GPU as the report names it, with its copy bandwidth (measured on the first bench
// of a GPU, which takes a second, then read from the cache).
bench::Machine describe(cuda::CudaDevice& device) {
  bench::Machine machine;
  const cuda::DeviceProperties& properties = device.properties();
  machine.name = properties.name;
  machine.arch = properties.arch();
  machine.driverVersion = device.driver().versionText();
  machine.nominalBytesPerSecond = properties.peakBandwidth();
  machine.peakHalfFlops = properties.peakDotFlops(DType::Float16);
  machine.peakFloatFlops = properties.peakDotFlops(DType::Float32);
  cuda::CopyBandwidth copy = cuda::copyBandwidth(device);
  machine.copyBytesPerSecond = copy.bytesPerSecond;
  machine.copyFromCache = copy.fromCache;
  return machine;
}

int runBench(const BenchOptions& options) {
  DiagnosticEngine diags(std::cerr);
  const DeviceOptions& device = options.run.device;
  if (device.device == "meta") {
    diags.report(diag::BenchOnMeta, {});
    return kExitUsage;
  }
  if (!options.json.empty() && !checkWritable(options.json, diags)) return kExitUsage;

  bench::Report report;
  report.helVersion = HEL_VERSION;
  report.script = options.file;
  ScriptOptions script;
  script.autotune = device.autotune;
  applyRunOptions(options.run, script);
  if (device.device == "cpu") {
    script.device = Device::cpu();
    report.machine.gpu = false;
  } else {
    std::string whyNot;
    script.gpu = gpuRunner(&whyNot);
    if (!script.gpu) {
      diags.report(diag::BenchNeedsGpu, {}, whyNot);
      return kExitRuntimeError;
    }
    script.gpu->setUseCache(!device.noCache);
    script.device = Device::cuda();
    try {
      report.machine = describe(script.gpu->device());
    } catch (const cuda::CudaError& error) {
      std::cerr << "hel: error: measuring the copy bandwidth: " << error.what() << "\n";
      return kExitRuntimeError;
    }
  }
  script.onFirstLaunch = [&](const interp::FirstLaunch& launch) {
    report.rows.push_back(interp::benchRow(launch, report.settings));
  };
  ScriptResult result = runScript(options.file, script);
  // A script that could not be read (or a --kernel it lacks) ran nothing; what was timed
  // is reported even when the script stopped with an error later on.
  if (result.status == kExitUsage) return result.status;
  std::cout << bench::formatTable(report) << std::flush;
  if (!options.json.empty() && !writeOutput(options.json, bench::toJson(report), diags)) return kExitUsage;
  return result.status;
}

}  // namespace

void addBenchCommand(CLI::App& app, int* status) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = app.add_subcommand(
      "bench", "Run a script and time every kernel call it makes (ms, GB/s, TFLOP/s, share of the copy bandwidth)");
  command->add_option("FILE", options->file, "The script")->required();
  command->add_option("--json", options->json, "Also write the results to this file as JSON");
  addRunOptions(command, options->run);
  command->callback([options, status] { *status = runBench(*options); });
}

}  // namespace hel::cli
