#include "cli/DeviceOptions.h"

#include <iostream>

#include "runtime/interp/GpuRunner.h"

namespace hel::cli {

void addDeviceOptions(CLI::App* command, DeviceOptions& options) {
  command->add_option("--device", options.device, "Where tensors created on \"cuda\" live and kernels run")
      ->check(CLI::IsMember({"cuda", "cpu", "meta"}));
  command->add_flag("--no-cache", options.noCache, "Compile kernels again instead of reading $HEL_CACHE_DIR (~/.cache/hel)");
  command->add_option("--arch", options.arch,
                      "Compile for this GPU architecture instead of the GPU's own, one it runs (sm_80 code on an H100: "
                      "mma.sync instead of wgmma)")
      ->check(CLI::IsMember({"sm_80", "sm_86", "sm_89", "sm_90", "sm_90a"}));
  command->add_option("--autotune", options.autotune, "Tuning of kernels without a config")
      ->check(CLI::IsMember({"none", "quick", "full"}));
}

void addRunOptions(CLI::App* command, ScriptRunOptions& options) {
  addDeviceOptions(command, options.device);
  CLI::Option* kernel =
      command->add_option("--kernel", options.kernel, "Run only this kernel, on the --data case, and compare");
  CLI::Option* data =
      command->add_option("--data", options.caseDir, "A reference-data case folder (case.toml and .npy files)");
  kernel->needs(data);
  data->needs(kernel);
  command->add_option("--config", options.config,
                      "Replace the config of every kernel (of --kernel's only) with helion.Config(CONFIG), "
                      "e.g. 'block_sizes=[64],num_warps=2'");
  command->add_option("--save-case", options.saveCase,
                      "With --kernel and --data: also write the inputs and the kernel's outputs to this folder as a "
                      "reference-data case, to check another device against (--data DIR)")
      ->needs(data);
}

interp::GpuRunner* gpuRunner(std::string* whyNot) {
  static std::string reason;
  static std::unique_ptr<interp::GpuRunner> runner = interp::GpuRunner::create(&reason);
  *whyNot = reason;
  return runner.get();
}

std::optional<ScriptOptions> scriptOptions(const DeviceOptions& options) {
  ScriptOptions out;
  out.autotune = options.autotune;
  auto archWithoutGpu = [&] {
    if (options.arch.empty()) return false;
    std::cerr << "hel: error: --arch " << options.arch << " needs kernels on a GPU (--device cuda)\n";
    return true;
  };
  if (options.device == "meta" || options.device == "cpu") {
    if (archWithoutGpu()) return std::nullopt;
    out.device = options.device == "meta" ? Device::meta() : Device::cpu();
  } else {
    std::string whyNot;
    out.gpu = gpuRunner(&whyNot);
    if (out.gpu) {
      out.gpu->setUseCache(!options.noCache);
      if (!options.arch.empty() && !out.gpu->setArch(options.arch, &whyNot)) {
        std::cerr << "hel: error: --arch " << options.arch << ": " << whyNot << "\n";
        return std::nullopt;
      }
      out.device = Device::cuda();
    } else if (options.device == "cuda") {
      std::cerr << "hel: error: " << whyNot << "\n";
      return std::nullopt;
    } else {
      std::cerr << "hel: note: running kernels on the CPU: " << whyNot << "\n";
      if (archWithoutGpu()) return std::nullopt;
      out.device = Device::cpu();
    }
  }
  return out;
}

void applyRunOptions(const ScriptRunOptions& options, ScriptOptions& script) {
  script.kernel = options.kernel;
  script.caseDir = options.caseDir;
  script.config = options.config;
  script.saveCase = options.saveCase;
}

}  // namespace hel::cli
