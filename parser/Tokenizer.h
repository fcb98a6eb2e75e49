// Internal to parser/: the lexer that the parser reads. It subclasses the lexer
// that ANTLR generates from grammar/Hel.g4 and does what Python's tokenizer
// does beyond matching token rules:
//
//   * a NEWLINE token ends each logical line; blank and comment-only lines make
//     none, and line breaks inside () [] {} or after `\` join lines;
//   * INDENT and DEDENT tokens open and close indented blocks (tabs or spaces;
//     a line whose indentation is neither an outer level nor an extension of the
//     current one is an error);
//   * brackets are matched, and every lexical error is reported with a Python
//     wording; a token already reported becomes an ERROR_TOKEN, which the parser
//     cannot use and whose syntax error is then not reported again.
//
// One leniency: after a line that ends with ':', lines that hold only comments
// and are indented deeper, followed by a line that is not, make an empty block
// (INDENT DEDENT): the seed notebook's puzzle-1 template is written that way.
// The AST builder warns about such a block.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "HelLexer.h"
#include "antlr4-runtime.h"
#include "parser/DiagnosticBuffer.h"
#include "support/Source.h"

namespace hel::parser {

using grammar::HelLexer;

// The text ANTLR reads: a piece of a SourceFile as UTF-32, with the byte offset
// in the file of each code point (ANTLR's token positions count code points).
class SourceText {
 public:
  // `file.text()[begin, end)` must be valid UTF-8 (see findInvalidUtf8).
  SourceText(const SourceFile& file, uint32_t begin, uint32_t end);

  antlr4::CharStream* stream() { return stream_.get(); }
  const SourceFile& file() const { return *file_; }
  // The byte offset in the file of code point `index`; `index` may be the size.
  uint32_t offsetOf(size_t index) const {
    return index < offsets_.size() ? offsets_[index] : offsets_.back();
  }
  // The byte offset in the file where this text ends.
  uint32_t endOffset() const { return offsets_.back(); }
  // The bytes of code points [first, end).
  SourceRange range(size_t first, size_t end) const {
    return {file_, offsetOf(first), offsetOf(end < first ? first : end)};
  }
  // The bytes of a token (empty for the zero-width INDENT, DEDENT, EOF).
  SourceRange range(const antlr4::Token* token) const;

 private:
  const SourceFile* file_;
  std::vector<uint32_t> offsets_;  // one per code point, plus one for the end
  std::unique_ptr<antlr4::CharStream> stream_;
};

// The offset of the first byte of `text` that is not part of valid UTF-8
// (overlong forms and surrogates included), or std::string::npos.
size_t findInvalidUtf8(std::string_view text);

class Tokenizer : public HelLexer {
 public:
  enum class Mode {
    File,        // a whole file: NEWLINE, INDENT, DEDENT
    Expression,  // an f-string field: one expression, line breaks ignored
  };

  Tokenizer(SourceText& text, DiagnosticBuffer& diags, Mode mode);

  std::unique_ptr<antlr4::Token> nextToken() override;

  // Every token up to and including EOF.
  std::vector<std::unique_ptr<antlr4::Token>> tokenizeAll();

  // The display name of a token type: "NAME", "'def'", "NEWLINE", ...
  std::string typeName(size_t type) const;

 private:
  struct Bracket {
    size_t type;   // LPAR, LSQB or LBRACE
    size_t start;  // code point index
  };

  void advance();
  void significant(std::unique_ptr<antlr4::Token> raw);
  void noteError(const antlr4::Token& token);
  void startLine(const antlr4::Token& first);
  void closeBracket(antlr4::CommonToken& token);
  void checkNumber(const antlr4::Token& token);
  void checkString(const antlr4::Token& token);
  void finish();
  void stopAfterFatalError(size_t at);
  std::unique_ptr<antlr4::CommonToken> make(size_t type, size_t start, size_t stop);
  void queue(std::unique_ptr<antlr4::Token> token) { pending_.push_back(std::move(token)); }

  SourceText& text_;
  DiagnosticBuffer& diags_;
  Mode mode_;

  std::deque<std::unique_ptr<antlr4::Token>> pending_;
  bool done_ = false;

  // Layout.
  std::vector<std::u32string> indents_{std::u32string()};
  std::vector<Bracket> brackets_;
  bool atLineStart_ = true;       // no significant token yet on this logical line
  bool haveIndent_ = false;       // a WS token began the current physical line
  size_t indentStart_ = 0;        // ... and where (code points)
  size_t indentEnd_ = 0;
  size_t lastType_ = 0;           // the last significant token's type
  bool afterColonLine_ = false;   // the last logical line ended with ':'
  bool commentBlock_ = false;     // deeper comment lines after such a line
  size_t commentBlockStart_ = 0;  // where the first of them starts
  uint32_t lastErrorOffset_ = 0;  // of the last token reported as an error
};

}  // namespace hel::parser
