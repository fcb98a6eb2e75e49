// Binding a call's arguments to a signature, with Python's messages.
#include <catch2/catch.hpp>

#include "sema/Signature.h"

using namespace hel::sema;

namespace {

// Binds and returns the error message ("" when the call fits).
std::string bindError(const std::string& signature, size_t positional, std::vector<std::string> keywords = {}) {
  std::string error;
  std::optional<Binding> binding = hel::sema::bind(Signature::parse("f", signature), positional, keywords, &error);
  CHECK(binding.has_value() == error.empty());
  return error;
}

}  // namespace

TEST_CASE("too many positional arguments, with and without defaults") {
  CHECK(bindError("(x)", 2) == "f() takes 1 positional argument but 2 were given");
  CHECK(bindError("(x, y)", 3) == "f() takes 2 positional arguments but 3 were given");
  CHECK(bindError("(x, y=1)", 3) == "f() takes from 1 to 2 positional arguments but 3 were given");
  CHECK(bindError("()", 1) == "f() takes 0 positional arguments but 1 was given");
}

TEST_CASE("missing arguments are listed as Python lists them") {
  CHECK(bindError("(x)", 0) == "f() missing 1 required positional argument: 'x'");
  CHECK(bindError("(x, y)", 0) == "f() missing 2 required positional arguments: 'x' and 'y'");
  CHECK(bindError("(x, y, z)", 0) == "f() missing 3 required positional arguments: 'x', 'y', and 'z'");
  CHECK(bindError("(x, *, k)", 1) == "f() missing 1 required keyword-only argument: 'k'");
}

TEST_CASE("keyword arguments: unknown, repeated, and filling parameters") {
  CHECK(bindError("(x)", 0, {"y"}) == "f() got an unexpected keyword argument 'y'");
  CHECK(bindError("(x)", 1, {"x"}) == "f() got multiple values for argument 'x'");
  CHECK(bindError("(x, y=2)", 0, {"y", "x"}).empty());
}

TEST_CASE("*args and **kwargs collect the rest, by argument index") {
  std::string error;
  std::optional<Binding> binding =
      hel::sema::bind(Signature::parse("f", "(a, *rest, key=None, **named)"), 3, {"key", "other"}, &error);
  REQUIRE(binding);
  CHECK(binding->argumentOf == std::vector<int>{0, -1, 3, -1});
  CHECK(binding->varPositional == std::vector<int>{1, 2});
  CHECK(binding->varKeyword == std::vector<int>{4});
}

TEST_CASE("signatures parse defaults of every kind") {
  Signature signature = Signature::parse("g", "(a, b=None, c=True, d=-2, e=1e-05, f='x', g=torch.float32, *, h)");
  REQUIRE(signature.params.size() == 8);
  CHECK(signature.params[1].defaultValue->kind == DefaultValue::Kind::None);
  CHECK(signature.params[2].defaultValue->boolValue);
  CHECK(signature.params[3].defaultValue->intValue == -2);
  CHECK(signature.params[4].defaultValue->floatValue == Approx(1e-05));
  CHECK(signature.params[5].defaultValue->text == "x");
  CHECK(signature.params[6].defaultValue->text == "torch.float32");
  CHECK(signature.params[7].kind == SignatureParam::Kind::KeywordOnly);
  CHECK(signature.find("h") == 7);
  CHECK(signature.find("zz") == -1);
}
