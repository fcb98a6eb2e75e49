#include "cli/Script.h"

#include <filesystem>
#include <iostream>

#include "cli/Input.h"
#include "parser/Parser.h"
#include "runtime/interp/DeviceLauncher.h"
#include "runtime/interp/Interpreter.h"

namespace hel::cli {

ScriptResult runScript(const std::string& path, const ScriptOptions& options) {
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  ScriptResult result;
  const SourceFile* file = loadSource(sources, diags, path);
  if (!file) {
    result.status = kExitUsage;
    return result;
  }
  std::unique_ptr<ast::Module> module = parseModule(*file, diags);
  if (!module || diags.hasErrors()) {
    result.status = kExitCompileError;
    return result;
  }
  interp::RunOptions runOptions;
  runOptions.device = options.device;
  runOptions.autotune = options.autotune;
  runOptions.quiet = options.quiet;
  runOptions.passes = options.passes;
  runOptions.onCompiled = options.onCompiled;
  runOptions.gpu = options.gpu;
  runOptions.onFirstLaunch = options.onFirstLaunch;
  runOptions.configOverride = options.config;
  runOptions.configKernel = options.configKernel.empty() ? options.kernel : options.configKernel;
  interp::Interpreter interpreter(sources, diags, runOptions);
  // Unknown names, modules and module members are compile errors, found in
  // the whole file before any of it runs.
  if (sema::resolveNames(*module, interpreter.knownNames(), diags) > 0) {
    result.status = kExitCompileError;
    return result;
  }
  if (options.kernel.empty()) {
    result.status = interpreter.runFile(*file, *module);
  } else if (!options.args.empty()) {
    result.status = interpreter.runWithArgs(*file, *module, options.kernel, options.args);
  } else {
    // check_case reads a relative case folder from the script's folder.
    namespace fs = std::filesystem;
    fs::path scriptDir = fs::absolute(path).parent_path();
    std::string caseDir = fs::absolute(options.caseDir).lexically_proximate(scriptDir).string();
    result.status = interpreter.runCase(*file, *module, options.kernel, caseDir);
  }
  result.checksPassed = interpreter.checksPassed;
  result.checksFailed = interpreter.checksFailed;
  result.compilations = interpreter.launcher->compilations;
  if (result.status == kExitOk && result.checksFailed > 0) result.status = kExitCheckFailed;
  return result;
}

}  // namespace hel::cli
