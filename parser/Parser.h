// The front end's public face: source text in, AST out. ANTLR's types never
// appear here; the parse tree is turned into the AST inside parser/.
#pragma once

#include <memory>
#include <string>

#include "parser/Ast.h"
#include "support/Diagnostics.h"
#include "support/Source.h"

namespace hel {

// Parses a whole file. Syntax errors are reported to `diags` (several per file
// where recovery is sound); the result is null when any error was reported.
std::unique_ptr<ast::Module> parseModule(const SourceFile& file, DiagnosticEngine& diags);

// `hel emit --tokens`: one token per line, with its kind, text and line:col.
// Returns false (after reporting) on a lexical error.
bool dumpTokens(const SourceFile& file, DiagnosticEngine& diags, std::string& out);

// `hel emit --ast`: an indented tree, one node per line, with line:col ranges.
std::string dumpAst(const ast::Module& module);

}  // namespace hel
