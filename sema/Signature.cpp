#include "sema/Signature.h"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

namespace hel::sema {
namespace {

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  size_t end = text.find_last_not_of(" \t");
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

DefaultValue parseDefault(const std::string& text) {
  DefaultValue value;
  if (text == "None") return value;
  if (text == "True" || text == "False") {
    value.kind = DefaultValue::Kind::Bool;
    value.boolValue = text == "True";
    return value;
  }
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"')) {
    value.kind = DefaultValue::Kind::Str;
    std::string inner = text.substr(1, text.size() - 2);
    for (size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '\\' && i + 1 < inner.size() && inner[i + 1] == 'n') {
        value.text += '\n';
        ++i;
      } else {
        value.text += inner[i];
      }
    }
    return value;
  }
  if (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-') {
    if (text.find_first_of(".e") != std::string::npos) {
      value.kind = DefaultValue::Kind::Float;
      value.floatValue = std::stod(text);
    } else {
      value.kind = DefaultValue::Kind::Int;
      value.intValue = std::stoll(text);
    }
    return value;
  }
  value.kind = DefaultValue::Kind::Name;
  value.text = text;
  return value;
}

std::string quotedList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += names.size() == 2 ? " and " : (i + 1 == names.size() ? ", and " : ", ");
    out += "'" + names[i] + "'";
  }
  return out;
}

}  // namespace

Signature Signature::parse(std::string name, const std::string& text) {
  Signature signature;
  signature.name = std::move(name);
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    throw std::logic_error("bad signature: " + text);
  std::string body = text.substr(1, text.size() - 2);
  // Split at top-level commas (defaults hold no commas but may hold strings).
  std::vector<std::string> pieces;
  std::string current;
  char quote = 0;
  for (char c : body) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ',') {
      pieces.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!trim(current).empty()) pieces.push_back(current);

  bool keywordOnly = false;
  for (const std::string& raw : pieces) {
    std::string piece = trim(raw);
    SignatureParam param;
    if (piece == "*") {
      keywordOnly = true;
      continue;
    }
    if (piece.rfind("**", 0) == 0) {
      param.kind = SignatureParam::Kind::VarKeyword;
      param.name = piece.substr(2);
    } else if (piece.rfind('*', 0) == 0) {
      param.kind = SignatureParam::Kind::VarPositional;
      param.name = piece.substr(1);
      keywordOnly = true;
    } else {
      param.kind = keywordOnly ? SignatureParam::Kind::KeywordOnly : SignatureParam::Kind::Positional;
      size_t eq = piece.find('=');
      param.name = trim(piece.substr(0, eq));
      if (eq != std::string::npos) param.defaultValue = parseDefault(trim(piece.substr(eq + 1)));
    }
    signature.params.push_back(std::move(param));
  }
  return signature;
}

int Signature::find(const std::string& paramName) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].name == paramName && params[i].kind != SignatureParam::Kind::VarPositional &&
        params[i].kind != SignatureParam::Kind::VarKeyword)
      return static_cast<int>(i);
  return -1;
}

int Signature::varPositional() const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].kind == SignatureParam::Kind::VarPositional) return static_cast<int>(i);
  return -1;
}

int Signature::varKeyword() const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].kind == SignatureParam::Kind::VarKeyword) return static_cast<int>(i);
  return -1;
}

std::optional<Binding> bind(const Signature& signature, size_t positionalCount,
                            const std::vector<std::string>& keywordNames, std::string* error) {
  Binding binding;
  binding.argumentOf.assign(signature.params.size(), -1);
  const std::string fn = signature.name + "()";

  // Positional arguments fill positional parameters in order, then *args.
  size_t nextParam = 0;
  for (size_t arg = 0; arg < positionalCount; ++arg) {
    if (nextParam < signature.params.size() &&
        signature.params[nextParam].kind == SignatureParam::Kind::Positional) {
      binding.argumentOf[nextParam++] = static_cast<int>(arg);
      continue;
    }
    if (signature.varPositional() >= 0) {
      binding.varPositional.push_back(static_cast<int>(arg));
      continue;
    }
    // Python's wording: "takes 2 positional arguments", or with defaults
    // "takes from 1 to 2 positional arguments".
    size_t accepted = 0, required = 0;
    for (const SignatureParam& param : signature.params) {
      accepted += param.kind == SignatureParam::Kind::Positional;
      required += param.kind == SignatureParam::Kind::Positional && !param.defaultValue;
    }
    std::string count = required == accepted ? std::to_string(accepted) : fmt::format("from {} to {}", required, accepted);
    *error = fmt::format("{} takes {} positional argument{} but {} {} given", fn, count, accepted == 1 ? "" : "s",
                         positionalCount, positionalCount == 1 ? "was" : "were");
    return std::nullopt;
  }

  for (size_t k = 0; k < keywordNames.size(); ++k) {
    int argument = static_cast<int>(positionalCount + k);
    int param = signature.find(keywordNames[k]);
    if (param >= 0) {
      if (binding.argumentOf[param] >= 0) {
        *error = fmt::format("{} got multiple values for argument '{}'", fn, keywordNames[k]);
        return std::nullopt;
      }
      binding.argumentOf[param] = argument;
    } else if (signature.varKeyword() >= 0) {
      binding.varKeyword.push_back(argument);
    } else {
      *error = fmt::format("{} got an unexpected keyword argument '{}'", fn, keywordNames[k]);
      return std::nullopt;
    }
  }

  std::vector<std::string> missingPositional, missingKeyword;
  for (size_t i = 0; i < signature.params.size(); ++i) {
    const SignatureParam& param = signature.params[i];
    if (binding.argumentOf[i] >= 0 || param.defaultValue) continue;
    if (param.kind == SignatureParam::Kind::Positional) missingPositional.push_back(param.name);
    if (param.kind == SignatureParam::Kind::KeywordOnly) missingKeyword.push_back(param.name);
  }
  if (!missingPositional.empty() || !missingKeyword.empty()) {
    bool positional = !missingPositional.empty();
    const auto& missing = positional ? missingPositional : missingKeyword;
    *error = fmt::format("{} missing {} required {}argument{}: {}", fn, missing.size(),
                         positional ? "positional " : "keyword-only ", missing.size() == 1 ? "" : "s",
                         quotedList(missing));
    return std::nullopt;
  }
  return binding;
}

}  // namespace hel::sema
