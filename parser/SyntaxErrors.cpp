#include "parser/SyntaxErrors.h"

#include <fmt/format.h>

namespace hel::parser {

using antlr4::Token;
using grammar::HelParser;

// ---- catching ------------------------------------------------------------------

void ErrorCapture::reset(antlr4::Parser* parser) {
  DefaultErrorStrategy::reset(parser);
  error = CapturedError();
}

void ErrorCapture::reportError(antlr4::Parser*, const antlr4::RecognitionException& e) { capture(e); }

void ErrorCapture::recover(antlr4::Parser*, std::exception_ptr) { throw antlr4::ParseCancellationException(); }

Token* ErrorCapture::recoverInline(antlr4::Parser* parser) {
  antlr4::InputMismatchException e(parser);
  capture(e);
  throw antlr4::ParseCancellationException();
}

void ErrorCapture::sync(antlr4::Parser*) {}

void ErrorCapture::capture(const antlr4::RecognitionException& e) {
  if (error.set) return;
  error.set = true;
  error.offending = e.getOffendingToken();
  error.expected = e.getExpectedTokens();
  error.ctx = dynamic_cast<antlr4::ParserRuleContext*>(e.getCtx());
}

// ---- wording ---------------------------------------------------------------------

namespace {

bool isLayout(size_t type) {
  return type == HelParser::NEWLINE || type == HelParser::INDENT || type == HelParser::DEDENT ||
         type == Token::EOF;
}

// Tokens that can start an expression which cannot continue the one before it.
bool startsOperand(size_t type) {
  switch (type) {
    case HelParser::NAME:
    case HelParser::NUMBER:
    case HelParser::STRING:
    case HelParser::LBRACE:
    case HelParser::NONE:
    case HelParser::TRUE:
    case HelParser::FALSE:
    case HelParser::ELLIPSIS:
    case HelParser::LAMBDA:
      return true;
  }
  return false;
}

bool endsOperand(size_t type) {
  switch (type) {
    case HelParser::NAME:
    case HelParser::NUMBER:
    case HelParser::STRING:
    case HelParser::RPAR:
    case HelParser::RSQB:
    case HelParser::RBRACE:
    case HelParser::NONE:
    case HelParser::TRUE:
    case HelParser::FALSE:
    case HelParser::ELLIPSIS:
      return true;
  }
  return false;
}

bool isKeyword(size_t type) { return type >= HelParser::AND && type <= HelParser::YIELD; }

bool isUnsupportedKeyword(size_t type) {
  return (type >= HelParser::ASYNC && type <= HelParser::YIELD) || type == HelParser::COLONEQUAL;
}

// The last token before `index` that is not layout, or null.
Token* previousToken(antlr4::TokenStream& tokens, size_t index) {
  while (index > 0) {
    Token* t = tokens.get(--index);
    if (!isLayout(t->getType())) return t;
  }
  return nullptr;
}

bool insideBrackets(antlr4::TokenStream& tokens, size_t index) {
  int depth = 0;
  for (size_t i = 0; i < index; ++i) {
    switch (tokens.get(i)->getType()) {
      case HelParser::LPAR:
      case HelParser::LSQB:
      case HelParser::LBRACE: ++depth; break;
      case HelParser::RPAR:
      case HelParser::RSQB:
      case HelParser::RBRACE: --depth; break;
      case HelParser::NEWLINE: depth = 0; break;
    }
  }
  return depth > 0;
}

// How a token type reads in "expected ...".
std::string describeExpected(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  switch (type) {
    case HelParser::NAME: return "a name";
    case HelParser::NUMBER: return "a number";
    case HelParser::STRING: return "a string";
    case HelParser::NEWLINE: return "the end of the line";
    case HelParser::INDENT: return "an indented block";
  }
  std::string literal = vocabulary.getLiteralName(type);
  return literal.empty() ? "something else" : literal;
}

bool containsExpressionStart(const antlr4::misc::IntervalSet& set) {
  return set.contains(static_cast<size_t>(HelParser::NAME)) && set.contains(static_cast<size_t>(HelParser::NUMBER));
}

}  // namespace

std::string describeBlockOwner(antlr4::ParserRuleContext* owner, const SourceText& text) {
  uint32_t line = text.range(owner->getStart()).line();
  switch (owner->getRuleIndex()) {
    case HelParser::RuleFuncdef: return fmt::format("function definition on line {}", line);
    case HelParser::RuleIf_stmt: return fmt::format("'if' statement on line {}", line);
    case HelParser::RuleElif_clause: return fmt::format("'elif' statement on line {}", line);
    case HelParser::RuleElse_clause: return fmt::format("'else' statement on line {}", line);
    case HelParser::RuleWhile_stmt: return fmt::format("'while' statement on line {}", line);
    case HelParser::RuleFor_stmt: return fmt::format("'for' statement on line {}", line);
  }
  return fmt::format("the statement on line {}", line);
}

void reportSyntaxError(const CapturedError& error, antlr4::Parser& parser, const SourceText& text,
                       DiagnosticBuffer& diags) {
  antlr4::TokenStream& tokens = *parser.getTokenStream();
  Token* bad = error.offending;
  if (!bad) return;
  size_t type = bad->getType();
  size_t index = bad->getTokenIndex();
  if (type == HelParser::ERROR_TOKEN) return;  // the tokenizer has said what is wrong
  SourceRange at = text.range(bad);
  if (diags.isCut(at.begin)) return;

  Token* previous = previousToken(tokens, index);
  // A NEWLINE, or anything at the very end of the file, is not there to point
  // at: point just after the last real token, where something is missing.
  // INDENT, DEDENT and EOF elsewhere (EOF ends a parse restarted after an
  // error) point at the token after them.
  bool pastEnd = at.begin >= text.endOffset();
  SourceRange where = at;
  if ((type == HelParser::NEWLINE || (isLayout(type) && pastEnd)) && previous) {
    uint32_t end = text.range(previous).end;
    where = {&text.file(), end, end + 1};
  }
  if ((type == HelParser::INDENT || type == HelParser::DEDENT) && index + 1 < tokens.size()) {
    Token* next = tokens.get(index + 1);
    size_t k = index + 1;
    while (next->getType() == HelParser::DEDENT && k + 1 < tokens.size()) next = tokens.get(++k);
    if (!isLayout(next->getType())) at = text.range(next);
  }
  if (!pastEnd && type != HelParser::NEWLINE) where = at;
  const antlr4::misc::IntervalSet& expected = error.expected;
  size_t rule = error.ctx ? error.ctx->getRuleIndex() : static_cast<size_t>(HelParser::RuleFile_input);

  if (isUnsupportedKeyword(type)) {
    diags.report(diag::UnsupportedKeyword, at, bad->getText());
    return;
  }
  if (type == HelParser::INDENT) {
    diags.report(diag::UnexpectedIndent, at);
    return;
  }
  if (expected.contains(static_cast<size_t>(HelParser::INDENT)) && error.ctx && error.ctx->parent) {
    auto* owner = dynamic_cast<antlr4::ParserRuleContext*>(error.ctx->parent);
    if (owner) {
      diags.report(diag::ExpectedIndentedBlock, where, describeBlockOwner(owner, text));
      return;
    }
  }
  bool lineStart = !previous || index == 0 || isLayout(tokens.get(index - 1)->getType());
  if ((type == HelParser::ELSE || type == HelParser::ELIF) && lineStart) {
    diags.report(diag::ElseWithoutIf, at, bad->getText());
    return;
  }
  if (type == HelParser::EQUAL && (rule == HelParser::RuleIf_stmt || rule == HelParser::RuleElif_clause ||
                                   rule == HelParser::RuleWhile_stmt)) {
    diags.report(diag::AssignInCondition, at);
    return;
  }
  if (rule == HelParser::RuleDict_item && (type == HelParser::COMMA || type == HelParser::RBRACE)) {
    diags.report(diag::UnsupportedSyntax, at, "set displays");
    return;
  }
  if (type == HelParser::COMMA && previous && previous->getType() == HelParser::COMMA) {
    diags.report(diag::InvalidSyntax, at);
    return;
  }
  if (type == HelParser::FOR && insideBrackets(tokens, index)) {
    diags.report(diag::UnsupportedSyntax, at, "comprehensions");
    return;
  }
  bool missingComma = previous && startsOperand(type) && endsOperand(previous->getType()) &&
                      insideBrackets(tokens, index);

  if (expected.size() == 1) {
    size_t want = static_cast<size_t>(expected.getMinElement());
    switch (want) {
      case HelParser::RPAR:
      case HelParser::RSQB:
      case HelParser::RBRACE:
        if (missingComma) {
          diags.report(diag::MissingComma, at);
          return;
        }
        break;
      case HelParser::NEWLINE:
      case HelParser::DEDENT:
      case Token::EOF:
        diags.report(diag::InvalidSyntax, at);
        return;
      case HelParser::NAME:
        if (isKeyword(type)) {
          diags.report(diag::SyntaxError, at, fmt::format("'{}' is a keyword and cannot be used as a name",
                                                          bad->getText()));
          return;
        }
        break;
      case HelParser::ELSE:
        diags.report(diag::ExpectedToken, where, "'else' after 'if' expression");
        return;
      case HelParser::DEF:
        diags.report(diag::ExpectedToken, where, "'def' after a decorator");
        return;
    }
    diags.report(diag::ExpectedToken, where, describeExpected(want, parser.getVocabulary()));
    return;
  }
  if (containsExpressionStart(expected) && !expected.contains(static_cast<size_t>(HelParser::NEWLINE))) {
    if (rule == HelParser::RuleFor_stmt || rule == HelParser::RuleExprlist) {
      diags.report(diag::ExpectedToken, where, "a loop variable");
      return;
    }
    diags.report(diag::ExpectedToken, where, "an expression");
    return;
  }
  if (missingComma) {
    diags.report(diag::MissingComma, at);
    return;
  }
  diags.report(diag::InvalidSyntax, where);
}

}  // namespace hel::parser
