#include <catch2/catch.hpp>

#include "support/Diagnostics.h"

using namespace hel;

namespace {

std::vector<Diagnostic> collect(const std::function<void(DiagnosticEngine&)>& body) {
  std::vector<Diagnostic> out;
  DiagnosticEngine diags([&](const Diagnostic& d) { out.push_back(d); });
  body(diags);
  return out;
}

}  // namespace

TEST_CASE("source files map offsets to lines and character columns") {
  SourceFile file("a.hel", "x = 1\n\ty = 'é' + z\r\nlast");
  REQUIRE(file.lineCount() == 3);
  CHECK(file.lineOf(0) == 1);
  CHECK(file.lineOf(6) == 2);
  CHECK(file.lineText(2) == "\ty = 'é' + z");
  CHECK(file.lineText(3) == "last");
  // 'z' comes after the two-byte 'é': its column counts characters, not bytes.
  uint32_t z = static_cast<uint32_t>(file.text().find('z'));
  CHECK(file.columnOf(z) == 12);
}

TEST_CASE("a diagnostic renders location, source line and caret range") {
  SourceFile file("k.hel", "def f():\n    out = x + yy\n");
  uint32_t begin = static_cast<uint32_t>(file.text().find("x + yy"));
  auto got = collect([&](DiagnosticEngine& diags) {
    diags.report(diag::SyntaxError, {&file, begin, begin + 6}, "example")
        .note(diag::BracketOpenedHere, {&file, 0, 3}, "(");
  });
  REQUIRE(got.size() == 1);
  CHECK(DiagnosticEngine::render(got[0]) ==
        "k.hel:2:11: error: invalid syntax: example\n"
        "    out = x + yy\n"
        "          ^~~~~~\n"
        "k.hel:1:1: note: '(' opened here\n"
        "def f():\n"
        "^~~\n");
}

TEST_CASE("tabs are expanded so that the caret stays under the range") {
  SourceFile file("t.hel", "\tab = 1\n");
  auto got = collect([&](DiagnosticEngine& diags) { diags.report(diag::SyntaxError, {&file, 1, 3}, "x"); });
  CHECK(DiagnosticEngine::render(got[0]) ==
        "t.hel:1:2: error: invalid syntax: x\n"
        "    ab = 1\n"
        "    ^~\n");
}

TEST_CASE("a diagnostic without a location prints only its message") {
  auto got = collect([&](DiagnosticEngine& diags) { diags.report(diag::CannotReadFile, {}, "nope.hel", "No such file"); });
  CHECK(DiagnosticEngine::render(got[0]) == "error: cannot read 'nope.hel': No such file\n");
}

TEST_CASE("errors past the limit are dropped after one notice") {
  auto got = collect([&](DiagnosticEngine& diags) {
    diags.setErrorLimit(2);
    for (int i = 0; i < 5; ++i) diags.report(diag::SyntaxError, {}, i);
    CHECK(diags.errorCount() == 5 - 2);
  });
  REQUIRE(got.size() == 3);
  CHECK(got[2].id == diag::TooManyErrors);
}

TEST_CASE("every diagnostic has a name, a wording and a severity") {
  for (unsigned i = 0; i < diag::Count; ++i) {
    auto id = static_cast<diag::Id>(i);
    CHECK(std::string(diagName(id)).size() > 0);
    CHECK(std::string(diagWording(id)).size() > 0);
  }
}
