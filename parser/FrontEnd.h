// Internal to parser/: the front end's driver (Parser.cpp), without ANTLR in
// its interface. Diagnostics go to a DiagnosticBuffer; parser/Parser.h's
// functions hand them to the engine in source order.
#pragma once

#include <memory>

#include "parser/Ast.h"
#include "parser/DiagnosticBuffer.h"
#include "support/Source.h"

namespace hel::parser {

// Tokens, parse (with restarts after errors), AST. Returns null only when the
// file is not UTF-8; the caller discards the module when errors were reported.
std::unique_ptr<ast::Module> parseFile(const SourceFile& file, DiagnosticBuffer& diags);

// The expression of an f-string replacement field, file bytes [begin, end).
// Null after an error, which is reported with an "f-string: " prefix.
ast::ExprPtr parseFStringField(const SourceFile& file, uint32_t begin, uint32_t end, DiagnosticBuffer& diags);

}  // namespace hel::parser
