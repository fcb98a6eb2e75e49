// `hel emit --tokens|--ast|... FILE`: prints one stage of the pipeline.
#include <iostream>

#include "cli/Commands.h"
#include "cli/Input.h"
#include "parser/Parser.h"

namespace hel::cli {
namespace {

struct EmitOptions {
  bool tokens = false;
  bool ast = false;
  std::string file;
  std::string output;
};

int runEmit(const EmitOptions& options) {
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  const SourceFile* file = loadSource(sources, diags, options.file);
  if (!file) return kExitUsage;

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
  stages->require_option(1);
  emit->add_option("FILE", options->file, "A .hel source file")->required();
  emit->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  emit->callback([options, status] { *status = runEmit(*options); });
}

}  // namespace hel::cli
