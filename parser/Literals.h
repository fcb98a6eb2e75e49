// Internal to parser/: the spelling rules of number and string literals, shared
// by the tokenizer (which reports bad spellings) and the AST builder (which
// computes values). No ANTLR here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hel::parser {

struct NumberLiteral {
  enum class Problem : uint8_t {
    None,
    InvalidDecimal,      // 1abc, 1_, 1__0, 1e
    InvalidHexadecimal,  // 0x, 0xg
    InvalidOctal,        // 0o8
    InvalidBinary,       // 0b2
    LeadingZeros,        // 012
    Complex,             // 1j
    TooLarge,            // more than 2**63 - 1
  };
  bool isFloat = false;
  int64_t intValue = 0;
  double floatValue = 0;
  Problem problem = Problem::None;
};

// Parses a NUMBER token: `10`, `0x1F`, `0o7`, `0b1`, `1_000`, `10.`, `.5`, `1e-5`.
NumberLiteral parseNumber(std::string_view spelling);

// The parts of a STRING token.
struct StringParts {
  bool raw = false;
  bool fstring = false;
  bool bytes = false;
  uint32_t prefixLength = 0;  // the letters before the quote
  uint32_t quoteLength = 1;   // 1, or 3 for a triple-quoted string
  std::string_view body;      // between the quotes
  uint32_t bodyOffset = 0;    // of `body` within the token
};
StringParts splitString(std::string_view token);

// A problem with one escape sequence; `offset` and `length` are within the text
// given to decodeEscapes.
struct EscapeProblem {
  enum class Kind : uint8_t {
    Invalid,        // `\d`: kept as is, with a warning (as Python does)
    Truncated,      // `\x4`, `\u12`
    BadCodePoint,   // `\U00110000`, a surrogate
    NamedEscape,    // `\N{...}`: needs Unicode's name table, not supported
  };
  Kind kind;
  uint32_t offset;
  uint32_t length;
};

// Applies Python's escape sequences to `text` (the body of a string that is not
// raw), appending UTF-8 to `out`. `\` at the very end of `text` is kept.
void decodeEscapes(std::string_view text, std::string& out, std::vector<EscapeProblem>* problems);

// Appends the UTF-8 encoding of `codePoint`.
void appendUtf8(uint32_t codePoint, std::string& out);

// `text` as a double-quoted literal with C-style escapes, UTF-8 kept as is (for
// the token and AST dumps).
std::string quoteForDump(std::string_view text);

}  // namespace hel::parser
