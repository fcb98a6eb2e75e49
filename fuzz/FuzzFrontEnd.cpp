// libFuzzer target for the front end: lexer, parser and AST builder, then the
// AST dump. Any input must end in an AST or in diagnostics: never a crash, a
// leak, a hang or an ANTLR message on the console.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/Parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hel::SourceFile file("fuzz.hel", std::string(reinterpret_cast<const char*>(data), size));
  size_t rendered = 0;
  hel::DiagnosticEngine diags([&](const hel::Diagnostic& d) { rendered += hel::DiagnosticEngine::render(d).size(); });
  std::string tokens;
  hel::dumpTokens(file, diags, tokens);
  if (auto module = hel::parseModule(file, diags)) rendered += hel::dumpAst(*module).size();
  return 0;
}
