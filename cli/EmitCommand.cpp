// `hel emit --tokens|--ast|... FILE`: prints one stage of the pipeline.
#include <iostream>

#include "cli/Commands.h"
#include "cli/Input.h"
#include "cli/Script.h"
#include "backend/nvptx/Codegen.h"
#include "backend/nvptx/PtxCache.h"
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
  bool llvm = false;
  bool ptx = false;
  std::string arch = "sm_90";
  bool noCache = false;
  std::string args;  // with --kernel: specialize on these instead of running the script
  std::string file;
  std::string output;
  std::string kernel;                       // only this kernel's loops
  std::string config;                       // replaces the config (of --kernel's only, if given)
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

// The text of one kernel at the stage asked for.
std::string stageText(const EmitOptions& options, const tir::Kernel& kernel) {
  nvptx::Target target{options.arch};
  if (options.llvm) return nvptx::emitLLVM(kernel, target);
  if (options.ptx) return (options.noCache ? nvptx::emitPTX(kernel, target) : nvptx::PtxCache().compile(kernel, target)).text;
  return tir::print(kernel);
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
  std::string text;
  for (const auto& kernel : module->kernels) {
    try {
      text += (text.empty() ? "" : "\n") + stageText(options, *kernel);
    } catch (const nvptx::Unsupported& unsupported) {
      diags.report(diag::BackendUnsupported, unsupported.location, unsupported.message);
      return kExitCompileError;
    }
  }
  return writeOutput(options.output, text, diags) ? kExitOk : kExitUsage;
}

// `hel emit --ir|--llvm|--ptx FILE.hel`: every device loop that a meta run of
// the script compiles, at that stage.
int emitScriptIr(const EmitOptions& options, DiagnosticEngine& diags) {
  ScriptOptions script;
  script.device = Device::meta();
  script.quiet = true;
  script.passes = passList(options);
  script.config = options.config;
  script.configKernel = options.kernel;
  if (!options.args.empty()) {
    script.kernel = options.kernel;
    script.args = options.args;
  }
  std::string text;
  int status = kExitOk;
  script.onCompiled = [&](const tir::Module& module) {
    for (const auto& kernel : module.kernels) {
      if (!options.kernel.empty() && kernel->name != options.kernel) continue;
      try {
        text += (text.empty() ? "" : "\n") + stageText(options, *kernel);
      } catch (const nvptx::Unsupported& unsupported) {
        diags.report(diag::BackendUnsupported, unsupported.location, unsupported.message);
        status = kExitCompileError;
      }
    }
  };
  ScriptResult result = runScript(options.file, script);
  if (status != kExitOk) return status;
  if (result.status != kExitOk && result.status != kExitCheckFailed) return result.status;
  return writeOutput(options.output, text, diags) ? kExitOk : kExitUsage;
}

int runEmit(const EmitOptions& options) {
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  bool isTir = options.file.size() > 4 && options.file.substr(options.file.size() - 4) == ".tir";
  bool kernelStage = options.ir || options.llvm || options.ptx;
  if (kernelStage && !isTir) return emitScriptIr(options, diags);
  const SourceFile* file = loadSource(sources, diags, options.file);
  if (!file) return kExitUsage;
  if (kernelStage) return emitTirFile(options, *file, diags);

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
  stages->add_flag("--llvm", options->llvm, "The LLVM IR (NVPTX) of every device loop");
  stages->add_flag("--ptx", options->ptx, "The PTX of every device loop");
  stages->require_option(1);
  emit->add_option("FILE", options->file, "A .hel source file")->required();
  emit->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  emit->add_option("--kernel", options->kernel, "Only the device loops of this kernel");
  emit->add_option("--config", options->config,
                   "Compile with helion.Config(CONFIG) instead of the kernels' own configs (--kernel's only, if "
                   "given), e.g. 'block_sizes=[64],num_warps=2'");
  emit->add_option("--args", options->args,
                   "With --kernel: compile it for these arguments instead of running the script, "
                   "e.g. 'x=f32[8192],y=f16[64,128],n=4'")
      ->needs("--kernel");
  emit->add_flag("--no-cache", options->noCache, "Compile PTX again instead of reading $HEL_CACHE_DIR (~/.cache/hel)");
  emit->add_option("--arch", options->arch, "GPU architecture for --llvm and --ptx")
      ->check(CLI::IsMember({"sm_80", "sm_86", "sm_89", "sm_90", "sm_90a"}));
  emit->add_option_function<std::string>(
      "--passes", [options](const std::string& value) { options->passes = value; },
      "Tile IR passes to run, comma-separated (default: the whole pipeline; empty: none)")
      ->expected(0, 1);
  emit->callback([options, status] { *status = runEmit(*options); });
}

}  // namespace hel::cli
