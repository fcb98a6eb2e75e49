// `hel emit --tokens|--ast|... FILE`: prints one stage of the pipeline.
#include <iostream>

#include "cli/Commands.h"
#include "cli/Input.h"
#include "cli/Script.h"
#include "lower/IRParser.h"
#include "lower/IRPrinter.h"
#include "lower/Pipeline.h"
#include "parser/Parser.h"

namespace hel::cli {
namespace {

struct EmitOptions {
  bool tokens = false;
  bool ast = false;
  bool ir = false;
  std::string file;
  std::string output;
  std::string kernel;                       // only this kernel's loops
  std::optional<std::string> passes;        // comma-separated; absent: the whole pipeline
};

std::optional<std::vector<std::string>> passList(const EmitOptions& options) {
  if (!options.passes) return std::nullopt;
  std::vector<std::string> names;
  std::string current;
  for (char c : *options.passes + ",") {
    if (c != ',') {
      current += c;
    } else if (!current.empty()) {
      names.push_back(current);
      current.clear();
    }
  }
  return names;
}

// `hel emit --ir FILE.tir`: parse, run passes, print.
int emitTirFile(const EmitOptions& options, const SourceFile& file, DiagnosticEngine& diags) {
  std::unique_ptr<tir::Module> module = tir::parse(file, diags);
  if (!module) return kExitCompileError;
  std::optional<std::vector<std::string>> passes = passList(options);
  for (const std::string& name : passes.value_or(std::vector<std::string>{}))
    if (!tir::findPass(name)) {
      diags.report(diag::UnknownPass, {}, name);
      return kExitUsage;
    }
  if (!passes || !passes->empty()) {
    std::string broken = tir::runPasses(*module, passes.value_or(std::vector<std::string>{}));
    if (!broken.empty()) {
      diags.report(diag::InternalError, {}, broken);
      return kExitRuntimeError;
    }
  }
  return writeOutput(options.output, tir::print(*module), diags) ? kExitOk : kExitUsage;
}

// `hel emit --ir FILE.hel`: the tile IR of every device loop a meta run of the
// script compiles.
int emitScriptIr(const EmitOptions& options, DiagnosticEngine& diags) {
  ScriptOptions script;
  script.device = Device::meta();
  script.quiet = true;
  script.passes = passList(options);
  std::string text;
  script.onCompiled = [&](const tir::Module& module) {
    for (const auto& kernel : module.kernels)
      if (options.kernel.empty() || kernel->name == options.kernel) text += (text.empty() ? "" : "\n") + tir::print(*kernel);
  };
  ScriptResult result = runScript(options.file, script);
  if (result.status != kExitOk && result.status != kExitCheckFailed) return result.status;
  return writeOutput(options.output, text, diags) ? kExitOk : kExitUsage;
}

int runEmit(const EmitOptions& options) {
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  bool isTir = options.file.size() > 4 && options.file.substr(options.file.size() - 4) == ".tir";
  if (options.ir && !isTir) return emitScriptIr(options, diags);
  const SourceFile* file = loadSource(sources, diags, options.file);
  if (!file) return kExitUsage;
  if (options.ir) return emitTirFile(options, *file, diags);

  std::string text;
  if (options.tokens) {
    if (!dumpTokens(*file, diags, text)) return kExitCompileError;
  } else {
    std::unique_ptr<ast::Module> module = parseModule(*file, diags);
    if (!module || diags.hasErrors()) return kExitCompileError;
    text = dumpAst(*module);
  }
  return writeOutput(options.output, text, diags) ? kExitOk : kExitUsage;
}

}  // namespace

void addEmitCommand(CLI::App& app, int* status) {
  auto options = std::make_shared<EmitOptions>();
  CLI::App* emit = app.add_subcommand("emit", "Print one stage of the compiler for FILE");
  auto* stages = emit->add_option_group("stage", "The stage to print (exactly one)");
  stages->add_flag("--tokens", options->tokens, "The token stream, one token per line");
  stages->add_flag("--ast", options->ast, "The syntax tree");
  stages->add_flag("--ir", options->ir, "The tile IR of every device loop (of a .hel script, or of a .tir file)");
  stages->require_option(1);
  emit->add_option("FILE", options->file, "A .hel source file")->required();
  emit->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  emit->add_option("--kernel", options->kernel, "Only the device loops of this kernel");
  emit->add_option_function<std::string>(
      "--passes", [options](const std::string& value) { options->passes = value; },
      "Tile IR passes to run, comma-separated (default: the whole pipeline; empty: none)")
      ->expected(0, 1);
  emit->callback([options, status] { *status = runEmit(*options); });
}

}  // namespace hel::cli
