// `hel run FILE`, `hel test [PATH...]` and `hel check FILE`.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/Commands.h"
#include "cli/Script.h"
#include "runtime/interp/GpuRunner.h"
#include "support/Diagnostics.h"

namespace hel::cli {
namespace {

struct DeviceOptions {
  bool noCache = false;
  std::string device;  // empty: cuda where there is a GPU, else cpu
  std::string autotune = "none";
};

void addDeviceOptions(CLI::App* command, DeviceOptions& options) {
  command->add_option("--device", options.device, "Where tensors created on \"cuda\" live and kernels run")
      ->check(CLI::IsMember({"cuda", "cpu", "meta"}));
  command->add_flag("--no-cache", options.noCache, "Compile kernels again instead of reading $HEL_CACHE_DIR (~/.cache/hel)");
  command->add_option("--autotune", options.autotune, "Tuning of kernels without a config")
      ->check(CLI::IsMember({"none", "quick", "full"}));
}

// The GPU, set up once per process (it must exist before any cuda tensor).
interp::GpuRunner* gpuRunner(std::string* whyNot) {
  static std::string reason;
  static std::unique_ptr<interp::GpuRunner> runner = interp::GpuRunner::create(&reason);
  *whyNot = reason;
  return runner.get();
}

// Resolves --device: cuda where there is a GPU, else cpu with a notice;
// nullopt (after a one-line message) when `--device cuda` cannot be honoured.
std::optional<ScriptOptions> scriptOptions(const DeviceOptions& options) {
  ScriptOptions out;
  out.autotune = options.autotune;
  if (options.device == "meta") {
    out.device = Device::meta();
  } else if (options.device == "cpu") {
    out.device = Device::cpu();
  } else {
    std::string whyNot;
    out.gpu = gpuRunner(&whyNot);
    if (out.gpu) {
      out.gpu->setUseCache(!options.noCache);
      out.device = Device::cuda();
    } else if (options.device == "cuda") {
      std::cerr << "hel: error: " << whyNot << "\n";
      return std::nullopt;
    } else {
      std::cerr << "hel: note: running kernels on the CPU: " << whyNot << "\n";
      out.device = Device::cpu();
    }
  }
  return out;
}

std::vector<std::string> scriptsUnder(const std::vector<std::string>& paths) {
  std::vector<std::string> scripts;
  for (const std::string& path : paths) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error))
        if (entry.is_regular_file() && entry.path().extension() == ".hel") found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());
      scripts.insert(scripts.end(), found.begin(), found.end());
    } else {
      scripts.push_back(path);
    }
  }
  return scripts;
}

}  // namespace

void addRunCommands(CLI::App& app, int* status) {
  auto runOptions = std::make_shared<DeviceOptions>();
  auto runFile = std::make_shared<std::string>();
  auto runKernel = std::make_shared<std::string>();
  auto runCase = std::make_shared<std::string>();
  auto runConfig = std::make_shared<std::string>();
  CLI::App* run = app.add_subcommand("run", "Run a .hel script");
  run->add_option("FILE", *runFile, "The script")->required();
  addDeviceOptions(run, *runOptions);
  CLI::Option* kernel = run->add_option("--kernel", *runKernel, "Run only this kernel, on the --data case, and compare");
  CLI::Option* data = run->add_option("--data", *runCase, "A reference-data case folder (case.toml and .npy files)");
  kernel->needs(data);
  data->needs(kernel);
  run->add_option("--config", *runConfig,
                  "Replace the config of every kernel (of --kernel's only) with helion.Config(CONFIG), "
                  "e.g. 'block_sizes=[64],num_warps=2'");
  run->callback([=] {
    std::optional<ScriptOptions> options = scriptOptions(*runOptions);
    if (!options) {
      *status = kExitRuntimeError;
      return;
    }
    options->kernel = *runKernel;
    options->caseDir = *runCase;
    options->config = *runConfig;
    *status = runScript(*runFile, *options).status;
  });

  auto checkFile = std::make_shared<std::string>();
  CLI::App* check = app.add_subcommand("check", "Type-check and compile every kernel a script reaches, launching nothing");
  check->add_option("FILE", *checkFile, "The script")->required();
  check->callback([=] {
    ScriptOptions options;
    options.device = Device::meta();
    options.quiet = true;
    ScriptResult result = runScript(*checkFile, options);
    *status = result.status == kExitCheckFailed ? kExitOk : result.status;
    if (*status == kExitOk)
      std::cout << *checkFile << ": ok (" << result.compilations << " device loop specialization"
                << (result.compilations == 1 ? "" : "s") << " compiled)\n";
  });

  auto testOptions = std::make_shared<DeviceOptions>();
  auto testPaths = std::make_shared<std::vector<std::string>>();
  CLI::App* test = app.add_subcommand("test", "Run every .hel script under PATHs and count their checks");
  test->add_option("PATH", *testPaths, "Scripts or folders (default: puzzles)");
  addDeviceOptions(test, *testOptions);
  test->callback([=] {
    std::optional<ScriptOptions> options = scriptOptions(*testOptions);
    if (!options) {
      *status = kExitRuntimeError;
      return;
    }
    std::vector<std::string> scripts = scriptsUnder(testPaths->empty() ? std::vector<std::string>{"puzzles"} : *testPaths);
    int passed = 0, failed = 0;
    for (const std::string& script : scripts) {
      std::cout << "=== " << script << "\n" << std::flush;
      ScriptResult result = runScript(script, *options);
      passed += result.checksPassed;
      failed += result.checksFailed;
      // A script that stops with an error counts as one more failed check.
      if (result.status != kExitOk && result.status != kExitCheckFailed) {
        ++failed;
        std::cout << "--- " << script << ": stopped with exit status " << result.status << "\n";
      }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    *status = failed == 0 && !scripts.empty() ? kExitOk : kExitCheckFailed;
  });
}

}  // namespace hel::cli
