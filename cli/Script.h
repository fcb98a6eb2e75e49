// Running scripts: `hel run`, `hel test` and `hel check` share this driver.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lower/IR.h"
#include "runtime/Device.h"
#include "runtime/tune/TuneFile.h"
#include "support/Diagnostics.h"

namespace hel::interp {
class GpuRunner;
struct FirstLaunch;
struct LoopTuning;
}

namespace hel::tune {
struct TuneFile;
}

namespace hel::cli {

struct ScriptOptions {
  Device device = Device::cpu();
  // --autotune quick|full: tune each device loop of a call without a config that the tune
  // file lacks, at its first launch, and store the result (cli/Tuning.h).
  std::string autotune = "none";
  bool quiet = false;   // the script's print() writes nothing
  bool silent = false;  // nor do diagnostics (a dry run)
  // Tile IR passes for device loops (nullopt: the whole pipeline), and a hook
  // that sees each compiled loop.
  std::optional<std::vector<std::string>> passes;
  std::function<void(const tir::Module&)> onCompiled;
  // `--kernel K --data CASE`: run only the script's definitions, then check
  // K on the reference-data case (`caseDir` as given on the command line).
  std::string kernel;
  std::string caseDir;
  interp::GpuRunner* gpu = nullptr;  // kernels run here when set
  std::string config;                // --config: replaces the kernels' configs
  std::string configKernel;          // ... only this kernel's (else --kernel's, if given)
  std::string saveCase;              // --save-case: check_case writes the outputs there
  std::string args;                  // --args (with kernel): call it on meta tensors
  // `hel bench`: sees each device loop specialization before its first launch.
  std::function<void(const interp::FirstLaunch&)> onFirstLaunch;
  // The tune file to run with; null: FILE.hel.tune.toml beside the script, if there is one.
  const tune::TuneFile* tuneFile = nullptr;
  // `hel tune` and --autotune (RunOptions::tuneLoop).
  std::function<std::optional<tune::LoopConfig>(const interp::LoopTuning&)> tuneLoop;
};

struct ScriptResult {
  int status = 0;
  int checksPassed = 0;
  int checksFailed = 0;
  int compilations = 0;  // device loops compiled
};

ScriptResult runScript(const std::string& path, const ScriptOptions& options);

// The tune file at `tunePath` (FILE.hel.tune.toml for a script): empty where there is none;
// nullopt, after a located error, where it is not a tune file.
std::optional<tune::TuneFile> loadTuneFile(const std::string& tunePath, SourceManager& sources, DiagnosticEngine& diags);
// `text`, read from `tunePath`, as a tune file; nullopt after a located error.
std::optional<tune::TuneFile> parseTuneFile(const std::string& tunePath, const std::string& text, SourceManager& sources,
                                            DiagnosticEngine& diags);

}  // namespace hel::cli
