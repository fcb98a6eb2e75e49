// `hel run FILE`, `hel test [PATH...]` and `hel check FILE`.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/Commands.h"
#include "cli/DeviceOptions.h"
#include "cli/Script.h"
#include "support/Diagnostics.h"

namespace hel::cli {
namespace {

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
  auto runOptions = std::make_shared<ScriptRunOptions>();
  auto runFile = std::make_shared<std::string>();
  CLI::App* run = app.add_subcommand("run", "Run a .hel script");
  run->add_option("FILE", *runFile, "The script")->required();
  addRunOptions(run, *runOptions);
  run->callback([=] {
    std::optional<ScriptOptions> options = scriptOptions(runOptions->device);
    if (!options) {
      *status = kExitRuntimeError;
      return;
    }
    applyRunOptions(*runOptions, *options);
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
