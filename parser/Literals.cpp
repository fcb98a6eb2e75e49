#include "parser/Literals.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace hel::parser {
namespace {

bool isDigit(char c, int base) {
  switch (base) {
    case 2: return c == '0' || c == '1';
    case 8: return c >= '0' && c <= '7';
    case 10: return c >= '0' && c <= '9';
    default:
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Consumes `digit ('_'? digit)*` at `i`; false if there is no digit there or an
// underscore is not followed by a digit.
bool digitRun(std::string_view s, size_t& i, int base, std::string* digits) {
  if (i >= s.size() || !isDigit(s[i], base)) return false;
  while (i < s.size()) {
    if (isDigit(s[i], base)) {
      if (digits) digits->push_back(s[i]);
      ++i;
    } else if (s[i] == '_' && i + 1 < s.size() && isDigit(s[i + 1], base)) {
      ++i;
    } else {
      break;
    }
  }
  return true;
}

// Accumulates `digits` in `base`; false on overflow past INT64_MAX.
bool accumulate(const std::string& digits, int base, int64_t& value) {
  uint64_t v = 0;
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(digitValue(c));
    if (v > (limit - d) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + d;
  }
  value = static_cast<int64_t>(v);
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

NumberLiteral parseNumber(std::string_view s) {
  NumberLiteral result;
  if (s.size() >= 2 && s[0] == '0' && std::string_view("xXoObB").find(s[1]) != std::string_view::npos) {
    int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
    NumberLiteral::Problem problem = base == 16  ? NumberLiteral::Problem::InvalidHexadecimal
                                     : base == 8 ? NumberLiteral::Problem::InvalidOctal
                                                 : NumberLiteral::Problem::InvalidBinary;
    std::string digits;
    size_t i = 2;
    if (i < s.size() && s[i] == '_') ++i;  // `0x_1F` is allowed
    if (!digitRun(s, i, base, &digits) || i != s.size()) {
      result.problem = problem;
      return result;
    }
    if (!accumulate(digits, base, result.intValue)) result.problem = NumberLiteral::Problem::TooLarge;
    return result;
  }

  // Decimal integer or float.
  std::string clean;  // without underscores
  size_t i = 0;
  bool hasInt = digitRun(s, i, 10, &clean);
  bool hasDot = false, hasExponent = false;
  bool ok = true;
  if (i < s.size() && s[i] == '.') {
    hasDot = true;
    clean.push_back('.');
    ++i;
    bool hasFraction = digitRun(s, i, 10, &clean);
    if (!hasInt && !hasFraction) ok = false;
  } else if (!hasInt) {
    ok = false;
  }
  if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    hasExponent = true;
    clean.push_back('e');
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
    if (!digitRun(s, i, 10, &clean)) ok = false;
  }
  if (!ok || i != s.size()) {
    bool complex = ok && i + 1 == s.size() && (s[i] == 'j' || s[i] == 'J');
    result.problem = complex ? NumberLiteral::Problem::Complex : NumberLiteral::Problem::InvalidDecimal;
    return result;
  }
  if (!hasDot && !hasExponent) {
    if (clean.size() > 1 && clean[0] == '0' && clean.find_first_not_of('0') != std::string::npos) {
      result.problem = NumberLiteral::Problem::LeadingZeros;
      return result;
    }
    if (!accumulate(clean, 10, result.intValue)) result.problem = NumberLiteral::Problem::TooLarge;
    return result;
  }
  result.isFloat = true;
  auto [end, error] = std::from_chars(clean.data(), clean.data() + clean.size(), result.floatValue);
  if (error != std::errc() || end != clean.data() + clean.size()) {
    // Out of range: Python gives inf or 0.0, as strtod does.
    result.floatValue = std::strtod(clean.c_str(), nullptr);
  }
  return result;
}

StringParts splitString(std::string_view token) {
  StringParts parts;
  uint32_t i = 0;
  while (i < token.size() && token[i] != '\'' && token[i] != '"') {
    char c = token[i];
    if (c == 'r' || c == 'R') parts.raw = true;
    if (c == 'f' || c == 'F') parts.fstring = true;
    if (c == 'b' || c == 'B') parts.bytes = true;
    ++i;
  }
  parts.prefixLength = i;
  if (i >= token.size()) return parts;
  char quote = token[i];
  if (token.size() - i >= 6 && token[i + 1] == quote && token[i + 2] == quote) parts.quoteLength = 3;
  parts.bodyOffset = i + parts.quoteLength;
  size_t bodyLength = token.size() >= parts.bodyOffset + parts.quoteLength
                          ? token.size() - parts.bodyOffset - parts.quoteLength
                          : 0;
  parts.body = token.substr(parts.bodyOffset, bodyLength);
  return parts;
}

void appendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void decodeEscapes(std::string_view s, std::string& out, std::vector<EscapeProblem>* problems) {
  auto problem = [&](EscapeProblem::Kind kind, size_t offset, size_t length) {
    if (problems)
      problems->push_back({kind, static_cast<uint32_t>(offset), static_cast<uint32_t>(length)});
  };
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) {  // a lone backslash at the end of an f-string piece
      out.push_back('\\');
      problem(EscapeProblem::Kind::Invalid, i, 1);
      ++i;
      continue;
    }
    char e = s[i + 1];
    size_t start = i;
    i += 2;
    switch (e) {
      case '\n': break;  // a line continuation inside the string
      case '\r':
        if (i < s.size() && s[i] == '\n') ++i;
        break;
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        uint32_t value = static_cast<uint32_t>(e - '0');
        for (int n = 0; n < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++n, ++i)
          value = value * 8 + static_cast<uint32_t>(s[i] - '0');
        appendUtf8(value, out);
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        int want = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t value = 0;
        int got = 0;
        while (got < want && i < s.size() && hexValue(s[i]) >= 0) {
          value = value * 16 + static_cast<uint32_t>(hexValue(s[i]));
          ++i;
          ++got;
        }
        if (got < want) {
          problem(EscapeProblem::Kind::Truncated, start, i - start);
        } else if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
          problem(EscapeProblem::Kind::BadCodePoint, start, i - start);
        } else {
          appendUtf8(value, out);
        }
        break;
      }
      case 'N': {
        size_t end = i;
        if (end < s.size() && s[end] == '{') {
          size_t close = s.find('}', end);
          end = close == std::string_view::npos ? s.size() : close + 1;
        }
        problem(EscapeProblem::Kind::NamedEscape, start, end - start);
        out.append(s.substr(start, end - start));
        i = end;
        break;
      }
      default: {
        // Unknown: the backslash stays (Python warns). Keep a whole UTF-8
        // character after it.
        size_t end = i;
        while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
        problem(EscapeProblem::Kind::Invalid, start, end - start);
        out.append(s.substr(start, end - start));
        i = end;
        break;
      }
    }
  }
}

std::string quoteForDump(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\x{:02x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

}  // namespace hel::parser
