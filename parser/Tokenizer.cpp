#include "parser/Tokenizer.h"

#include <fmt/format.h>

#include "HelParser.h"
#include "parser/Literals.h"

namespace hel::parser {

using antlr4::CommonToken;
using antlr4::Token;
using grammar::HelParser;

namespace {

// An ANTLRInputStream over code points decoded by us (ANTLR's own UTF-8
// decoder throws on bad input; ours has checked it already).
class Utf32Stream : public antlr4::ANTLRInputStream {
 public:
  explicit Utf32Stream(std::u32string data) {
    _data = std::move(data);
    p = 0;
  }
};

// Decodes one UTF-8 sequence at s[i] (known valid); returns its length.
size_t decodeOne(std::string_view s, size_t i, char32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return n;
}

const char* bracketText(size_t type) {
  switch (type) {
    case HelLexer::LPAR: return "(";
    case HelLexer::RPAR: return ")";
    case HelLexer::LSQB: return "[";
    case HelLexer::RSQB: return "]";
    case HelLexer::LBRACE: return "{";
    case HelLexer::RBRACE: return "}";
  }
  return "?";
}

// The display column width of an indentation (tabs to multiples of 8), only
// used to decide whether a comment line is indented deeper.
size_t indentWidth(const std::u32string& indent) {
  size_t width = 0;
  for (char32_t c : indent) width = c == U'\t' ? (width / 8 + 1) * 8 : width + 1;
  return width;
}

}  // namespace

size_t findInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    char32_t min;
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    char32_t cp;
    decodeOne(s, i, cp);
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n;
  }
  return std::string::npos;
}

SourceText::SourceText(const SourceFile& file, uint32_t begin, uint32_t end) : file_(&file) {
  std::string_view text = std::string_view(file.text()).substr(begin, end - begin);
  std::u32string data;
  data.reserve(text.size());
  offsets_.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    size_t n = decodeOne(text, i, cp);
    data.push_back(cp);
    offsets_.push_back(begin + static_cast<uint32_t>(i));
    i += n;
  }
  offsets_.push_back(end);
  stream_ = std::make_unique<Utf32Stream>(std::move(data));
}

SourceRange SourceText::range(const Token* token) const {
  size_t start = token->getStartIndex();
  size_t end = token->getStopIndex() + 1;  // a zero-width token has stop == start - 1
  if (end < start) end = start;
  return range(start, end);
}

Tokenizer::Tokenizer(SourceText& text, DiagnosticBuffer& diags, Mode mode)
    : HelLexer(text.stream()), text_(text), diags_(diags), mode_(mode) {
  removeErrorListeners();
  if (mode_ == Mode::Expression) atLineStart_ = false;
}

std::string Tokenizer::typeName(size_t type) const {
  switch (type) {
    case Token::EOF: return "EOF";
    case HelParser::INDENT: return "INDENT";
    case HelParser::DEDENT: return "DEDENT";
    case HelParser::ERROR_TOKEN: return "ERROR";
  }
  return std::string(getVocabulary().getSymbolicName(type));
}

std::unique_ptr<CommonToken> Tokenizer::make(size_t type, size_t start, size_t stop) {
  auto token = std::make_unique<CommonToken>(std::make_pair(static_cast<antlr4::TokenSource*>(this), _input),
                                             type, Token::DEFAULT_CHANNEL, start, stop);
  return token;
}

std::unique_ptr<Token> Tokenizer::nextToken() {
  while (pending_.empty()) advance();
  std::unique_ptr<Token> token = std::move(pending_.front());
  pending_.pop_front();
  return token;
}

std::vector<std::unique_ptr<Token>> Tokenizer::tokenizeAll() {
  std::vector<std::unique_ptr<Token>> tokens;
  while (true) {
    tokens.push_back(nextToken());
    if (tokens.back()->getType() == Token::EOF) break;
  }
  return tokens;
}

// Reads raw tokens from the generated lexer until something is queued.
void Tokenizer::advance() {
  if (done_) {
    size_t end = _input->size();
    queue(make(Token::EOF, end, end - 1));
    return;
  }
  std::unique_ptr<Token> raw = HelLexer::nextToken();
  switch (raw->getType()) {
    case HelLexer::WS:
      if (atLineStart_ && mode_ == Mode::File) {
        haveIndent_ = true;
        indentStart_ = raw->getStartIndex();
        indentEnd_ = raw->getStopIndex() + 1;
      }
      return;
    case HelLexer::LINE_CONT:
      return;
    case HelLexer::COMMENT:
      // A comment line indented deeper right after a line ending with ':'.
      if (atLineStart_ && mode_ == Mode::File && afterColonLine_ && !commentBlock_) {
        std::u32string indent;
        if (haveIndent_)
          for (char c : text_.range(indentStart_, indentEnd_).text()) indent.push_back(static_cast<char32_t>(c));
        if (indentWidth(indent) > indentWidth(indents_.back())) {
          commentBlock_ = true;
          commentBlockStart_ = raw->getStartIndex();
        }
      }
      return;
    case HelLexer::NEWLINE:
      if (mode_ == Mode::Expression || !brackets_.empty()) return;
      haveIndent_ = false;
      if (atLineStart_) return;  // a blank or comment-only line
      afterColonLine_ = lastType_ == HelLexer::COLON;
      atLineStart_ = true;
      queue(std::move(raw));
      return;
    case Token::EOF:
      finish();
      return;
    default:
      significant(std::move(raw));
      return;
  }
}

void Tokenizer::noteError(const antlr4::Token& token) {
  lastErrorOffset_ = std::max(lastErrorOffset_, text_.range(&token).begin);
}

void Tokenizer::significant(std::unique_ptr<Token> rawToken) {
  auto* token = static_cast<CommonToken*>(rawToken.get());
  if (atLineStart_) {
    startLine(*token);
    if (done_) return;
    atLineStart_ = false;
  }
  size_t type = token->getType();
  switch (type) {
    case HelLexer::LPAR:
    case HelLexer::LSQB:
    case HelLexer::LBRACE:
      brackets_.push_back({type, token->getStartIndex()});
      break;
    case HelLexer::RPAR:
    case HelLexer::RSQB:
    case HelLexer::RBRACE:
      closeBracket(*token);
      if (done_) return;
      break;
    case HelLexer::ERROR_CHAR: {
      std::string_view spelling = text_.range(token).text();
      char32_t value = 0;
      decodeOne(spelling, 0, value);
      diags_.report(diag::InvalidCharacter, text_.range(token), std::string(spelling),
                    fmt::format("{:04X}", static_cast<uint32_t>(value)));
      token->setType(HelParser::ERROR_TOKEN);
      noteError(*token);
      break;
    }
    case HelLexer::BACKSLASH:
      diags_.report(diag::BackslashNotAtEnd, text_.range(token));
      token->setType(HelParser::ERROR_TOKEN);
      noteError(*token);
      break;
    case HelLexer::UNTERMINATED_STRING: {
      SourceRange range = text_.range(token);
      diags_.report(diag::UnterminatedString, range);
      token->setType(HelParser::ERROR_TOKEN);
      noteError(*token);
      break;
    }
    case HelLexer::UNTERMINATED_TRIPLE_STRING:
      // It runs to the end of the file: nothing after it is code.
      diags_.report(diag::UnterminatedTripleString, text_.range(token));
      stopAfterFatalError(token->getStartIndex());
      return;
    case HelLexer::NUMBER:
      checkNumber(*token);
      break;
    case HelLexer::STRING:
      checkString(*token);
      break;
    default:
      break;
  }
  lastType_ = token->getType();
  queue(std::move(rawToken));
}

// The first token of a logical line: compare its indentation with the stack.
void Tokenizer::startLine(const Token& first) {
  std::u32string indent;
  if (haveIndent_) {
    std::string_view bytes = text_.range(indentStart_, indentEnd_).text();
    for (char c : bytes)
      if (c != '\f') indent.push_back(static_cast<char32_t>(c));
  }
  size_t at = first.getStartIndex();
  bool colonLine = afterColonLine_;
  afterColonLine_ = false;

  // Comment-only lines indented deeper after a ':' line, and this line is not
  // deeper: an empty block.
  if (commentBlock_) {
    commentBlock_ = false;
    if (indentWidth(indent) <= indentWidth(indents_.back()) && colonLine) {
      queue(make(HelParser::INDENT, commentBlockStart_, commentBlockStart_ - 1));
      queue(make(HelParser::DEDENT, commentBlockStart_, commentBlockStart_ - 1));
    }
  }

  const std::u32string& top = indents_.back();
  if (indent == top) return;
  if (indent.size() > top.size() && indent.compare(0, top.size(), top) == 0) {
    indents_.push_back(indent);
    queue(make(HelParser::INDENT, at, at - 1));
    return;
  }
  for (size_t level = indents_.size() - 1; level-- > 0;) {
    if (indents_[level] == indent) {
      while (indents_.size() > level + 1) {
        indents_.pop_back();
        queue(make(HelParser::DEDENT, at, at - 1));
      }
      return;
    }
  }
  // Neither an outer level nor deeper than this one.
  bool tabs = false, spaces = false;
  auto scan = [&](const std::u32string& s) {
    for (char32_t c : s) (c == U'\t' ? tabs : spaces) = true;
  };
  scan(indent);
  for (const std::u32string& level : indents_) scan(level);
  SourceRange range = haveIndent_ ? text_.range(indentStart_, indentEnd_) : text_.range(at, at + 1);
  diags_.report(tabs && spaces ? diag::MixedIndentation : diag::UnindentMismatch, range);
  stopAfterFatalError(haveIndent_ ? indentStart_ : at);
}

void Tokenizer::closeBracket(CommonToken& token) {
  size_t type = token.getType();
  size_t open = type == HelLexer::RPAR ? HelLexer::LPAR : type == HelLexer::RSQB ? HelLexer::LSQB : HelLexer::LBRACE;
  if (brackets_.empty()) {
    diags_.report(diag::UnmatchedBracket, text_.range(&token), bracketText(type));
    token.setType(HelParser::ERROR_TOKEN);
    return;
  }
  if (brackets_.back().type != open) {
    const Bracket& opened = brackets_.back();
    SourceRange openRange = text_.range(opened.start, opened.start + 1);
    Diagnostic& d = diags_.report(diag::MismatchedBracket, text_.range(&token), bracketText(type),
                                  bracketText(opened.type));
    d.notes.push_back(DiagnosticEngine::make(diag::BracketOpenedHere, openRange, bracketText(opened.type)));
    stopAfterFatalError(token.getStartIndex());
    return;
  }
  brackets_.pop_back();
}

void Tokenizer::checkNumber(const Token& token) {
  SourceRange range = text_.range(&token);
  NumberLiteral number = parseNumber(range.text());
  switch (number.problem) {
    case NumberLiteral::Problem::None: return;
    case NumberLiteral::Problem::InvalidDecimal: diags_.report(diag::InvalidNumber, range, "decimal"); return;
    case NumberLiteral::Problem::InvalidHexadecimal:
      diags_.report(diag::InvalidNumber, range, "hexadecimal");
      return;
    case NumberLiteral::Problem::InvalidOctal: diags_.report(diag::InvalidNumber, range, "octal"); return;
    case NumberLiteral::Problem::InvalidBinary: diags_.report(diag::InvalidNumber, range, "binary"); return;
    case NumberLiteral::Problem::LeadingZeros: diags_.report(diag::LeadingZeros, range); return;
    case NumberLiteral::Problem::Complex:
      diags_.report(diag::UnsupportedSyntax, range, "complex numbers");
      return;
    case NumberLiteral::Problem::TooLarge: diags_.report(diag::IntegerTooLarge, range); return;
  }
}

void Tokenizer::checkString(const Token& token) {
  SourceRange range = text_.range(&token);
  StringParts parts = splitString(range.text());
  if (parts.bytes) diags_.report(diag::UnsupportedSyntax, range, "bytes literals");
}

void Tokenizer::finish() {
  size_t end = _input->size();
  if (!brackets_.empty()) {
    // Not reported when another lexical error came after the bracket opened (an
    // unterminated string, say): the bracket is most likely its consequence.
    const Bracket& innermost = brackets_.back();
    uint32_t opened = text_.offsetOf(brackets_.front().start);
    if (diags_.errorCount() == 0 || lastErrorOffset_ < opened)
      diags_.report(diag::UnclosedBracket, text_.range(innermost.start, innermost.start + 1),
                    bracketText(innermost.type));
    diags_.cutAt(opened);
  }
  if (mode_ == Mode::File) {
    if (!atLineStart_) queue(make(HelLexer::NEWLINE, end, end - 1));
    if (commentBlock_ && afterColonLine_) {
      queue(make(HelParser::INDENT, commentBlockStart_, commentBlockStart_ - 1));
      queue(make(HelParser::DEDENT, commentBlockStart_, commentBlockStart_ - 1));
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      queue(make(HelParser::DEDENT, end, end - 1));
    }
  }
  queue(make(Token::EOF, end, end - 1));
  done_ = true;
}

// After an error that leaves the rest of the input meaningless: no more tokens
// but the ones that close what is open; syntax errors from `at` on are dropped.
void Tokenizer::stopAfterFatalError(size_t at) {
  diags_.cutAt(text_.offsetOf(at));
  brackets_.clear();
  finish();
}

}  // namespace hel::parser
