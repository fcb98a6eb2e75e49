#include "cli/Script.h"

#include <filesystem>
#include <iostream>

#include "cli/Input.h"
#include "cli/Tuning.h"
#include "parser/Parser.h"
#include "runtime/interp/DeviceLauncher.h"
#include "runtime/interp/Interpreter.h"
#include "support/CacheDir.h"

namespace hel::cli {

ScriptResult runScript(const std::string& path, const ScriptOptions& options) {
  SourceManager sources;
  DiagnosticEngine diags = options.silent ? DiagnosticEngine([](const Diagnostic&) {}) : DiagnosticEngine(std::cerr);
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
  if (options.autotune != "none" && options.device.isMeta()) {
    diags.report(diag::AutotuneOnMeta, {}, options.autotune);
    result.status = kExitUsage;
    return result;
  }
  std::optional<tune::TuneFile> tuneFile;
  if (!options.tuneFile) {
    tuneFile = loadTuneFile(tune::TuneFile::pathFor(path), sources, diags);
    if (!tuneFile) {
      result.status = kExitUsage;
      return result;
    }
  }
  std::unique_ptr<TuneSession> autotune;
  if (options.autotune != "none" && !options.tuneLoop) autotune = autotuneSession(path, std::move(*tuneFile), options.autotune);
  interp::RunOptions runOptions;
  runOptions.device = options.device;
  runOptions.quiet = options.quiet;
  runOptions.passes = options.passes;
  runOptions.onCompiled = options.onCompiled;
  runOptions.gpu = options.gpu;
  runOptions.onFirstLaunch = options.onFirstLaunch;
  runOptions.configOverride = options.config;
  runOptions.saveCase = options.saveCase;
  runOptions.configKernel = options.configKernel.empty() ? options.kernel : options.configKernel;
  runOptions.tuneFile = options.tuneFile ? options.tuneFile : autotune ? &autotune->file() : &*tuneFile;
  runOptions.tuneLoop = options.tuneLoop;
  if (autotune) runOptions.tuneLoop = [&](const interp::LoopTuning& loop) { return autotune->tuneLoop(loop); };
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
  if (autotune && !autotune->writeError().empty()) {
    diags.report(diag::CannotWriteFile, {}, autotune->tunePath(), autotune->writeError());
    if (result.status == kExitOk) result.status = kExitUsage;
  }
  return result;
}

std::optional<tune::TuneFile> loadTuneFile(const std::string& tunePath, SourceManager& sources, DiagnosticEngine& diags) {
  std::optional<std::string> text = readFile(tunePath);
  if (!text) return tune::TuneFile{};
  return parseTuneFile(tunePath, *text, sources, diags);
}

std::optional<tune::TuneFile> parseTuneFile(const std::string& tunePath, const std::string& text, SourceManager& sources,
                                            DiagnosticEngine& diags) {
  tune::TuneFileError error;
  std::optional<tune::TuneFile> file = tune::TuneFile::parse(text, &error);
  if (!file) {
    SourceRange where;
    if (error.line > 0) {
      const SourceFile& source = sources.add(tunePath, text);
      uint32_t line = std::min<uint32_t>(static_cast<uint32_t>(error.line), source.lineCount());
      uint32_t offset = source.lineStart(line) + static_cast<uint32_t>(std::max(error.column, 1) - 1);
      offset = std::min<uint32_t>(offset, static_cast<uint32_t>(source.text().size()));
      where = {&source, offset, offset};
    }
    diags.report(diag::BadTuneFile, where, tunePath, error.message);
  }
  return file;
}

}  // namespace hel::cli
