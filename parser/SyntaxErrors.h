// Internal to parser/: how a syntax error is caught and worded.
//
// The parser stops at the first syntax error of a run (ErrorCapture records it
// and unwinds); parser/Parser.cpp then restarts after the offending logical line,
// so that independent errors are all reported and none is a consequence of
// another. reportSyntaxError() turns what ANTLR knows at the error (the
// offending token, the tokens that would have been accepted, the rule) into a
// message in Python's words: "expected ':'", "expected an indented block after
// 'for' statement on line 3", "invalid syntax. Perhaps you forgot a comma?", ...
#pragma once

#include <string>

#include "HelParser.h"
#include "antlr4-runtime.h"
#include "parser/DiagnosticBuffer.h"
#include "parser/Tokenizer.h"

namespace hel::parser {

struct CapturedError {
  bool set = false;
  antlr4::Token* offending = nullptr;
  antlr4::misc::IntervalSet expected;          // the token types that would have been accepted
  antlr4::ParserRuleContext* ctx = nullptr;    // the innermost rule at the error
};

// An error strategy that records the first error and stops the parse with a
// ParseCancellationException: no token insertion or deletion, no guessing.
class ErrorCapture : public antlr4::DefaultErrorStrategy {
 public:
  CapturedError error;

  void reset(antlr4::Parser* parser) override;
  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override;
  void recover(antlr4::Parser* parser, std::exception_ptr e) override;
  antlr4::Token* recoverInline(antlr4::Parser* parser) override;
  void sync(antlr4::Parser* parser) override;

 private:
  void capture(const antlr4::RecognitionException& e);
};

// Reports `error` to `diags` in Python's words, unless it follows from an
// error that is already reported (an ERROR_TOKEN, a cut stream).
void reportSyntaxError(const CapturedError& error, antlr4::Parser& parser, const SourceText& text,
                       DiagnosticBuffer& diags);

// What owns a block, as Python says it: "'for' statement on line 3",
// "function definition on line 7", ... (`owner` is the rule whose block it is).
std::string describeBlockOwner(antlr4::ParserRuleContext* owner, const SourceText& text);

}  // namespace hel::parser
