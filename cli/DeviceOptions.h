// The command-line options that `hel run`, `hel test` and `hel bench` share: where kernels
// run (--device, --arch, --no-cache, --autotune) and, for run and bench, which kernels run with
// which config (--kernel, --data, --config).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/Script.h"

namespace hel::cli {

struct DeviceOptions {
  bool noCache = false;
  std::string device;  // empty: cuda where there is a GPU, else cpu
  std::string autotune = "none";
  std::string arch;  // empty: the GPU's own (GpuRunner)
};

void addDeviceOptions(CLI::App* command, DeviceOptions& options);

struct ScriptRunOptions {
  DeviceOptions device;
  std::string kernel;   // --kernel, with --data: one kernel on a reference-data case
  std::string caseDir;  // --data
  std::string config;   // --config: replaces the kernels' configs
  std::string saveCase; // --save-case: the kernel's outputs on --data, as a case
};

// The device options, and --kernel, --data and --config.
void addRunOptions(CLI::App* command, ScriptRunOptions& options);

// The GPU, set up once per process (it must exist before any cuda tensor); null with the
// reason where there is none.
interp::GpuRunner* gpuRunner(std::string* whyNot);

// Resolves --device: cuda where there is a GPU, else cpu with a notice; nullopt (after a
// one-line message) when `--device cuda` cannot be honoured.
std::optional<ScriptOptions> scriptOptions(const DeviceOptions& options);

// Sets what ScriptRunOptions adds to the device options.
void applyRunOptions(const ScriptRunOptions& options, ScriptOptions& script);

}  // namespace hel::cli
