// A Python function signature, `(input, dim=None, keepdim=False, *, dtype=None)`,
// and the binding of a call's arguments to it, with Python's error messages.
// Used for builtins (whose signatures are written as text in Builtins.def);
// user functions bind through the same rules from their AST parameters.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hel::sema {

// A default value as written in a builtin's signature: None, True, False, an
// int, a float, a string, or a dotted name (torch.float32).
struct DefaultValue {
  enum class Kind { None, Bool, Int, Float, Str, Name };
  Kind kind = Kind::None;
  bool boolValue = false;
  long long intValue = 0;
  double floatValue = 0;
  std::string text;  // Str and Name
};

struct SignatureParam {
  enum class Kind { Positional, VarPositional, KeywordOnly, VarKeyword };
  Kind kind = Kind::Positional;
  std::string name;
  std::optional<DefaultValue> defaultValue;
};

struct Signature {
  std::string name;  // for messages: "sum"
  std::vector<SignatureParam> params;

  // Parses "(a, b=1, *args, c=None, **kw)"; throws std::logic_error on a typo.
  static Signature parse(std::string name, const std::string& text);
  // Index of a parameter, or -1.
  int find(const std::string& paramName) const;
  int varPositional() const;
  int varKeyword() const;
};

// Where each argument of a call went. Arguments are identified by position in
// the call: positional i is i, keyword j is (number of positionals + j).
struct Binding {
  // For each parameter: the call argument bound to it, or -1 (default / absent).
  std::vector<int> argumentOf;
  // Extra positionals for *args, and extra keywords (by argument index) for **kwargs.
  std::vector<int> varPositional;
  std::vector<int> varKeyword;
};

// Binds `positionalCount` positional arguments and the named keyword arguments.
// Returns nullopt and sets `error` to Python's message on a mismatch
// ("sum() missing 1 required positional argument: 'input'").
std::optional<Binding> bind(const Signature& signature, size_t positionalCount,
                            const std::vector<std::string>& keywordNames, std::string* error);

}  // namespace hel::sema
