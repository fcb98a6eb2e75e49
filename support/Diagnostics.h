// The one diagnostics engine. Every user-facing message is declared in
// Diagnostics.def with a stable wording and reported against a SourceRange:
//
//   diags.report(diag::UnknownName, node.range, name).note(diag::DefinedHere, other);
//
// A report is rendered when its builder goes out of scope, as
//   file:line:col: error: message
//   <source line>
//       ^~~~~
//   file:line:col: note: ...
#pragma once

#include <fmt/format.h>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "support/Source.h"

namespace hel {

enum class Severity { Error, Warning, Note };

namespace diag {
enum Id : unsigned {
#define DIAG(name, severity, wording) name,
#include "support/Diagnostics.def"
#undef DIAG
  Count
};
}  // namespace diag

const char* diagName(diag::Id id);
Severity diagSeverity(diag::Id id);
const char* diagWording(diag::Id id);

struct Diagnostic {
  diag::Id id;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<Diagnostic> notes;
};

// Process exit statuses (LANGUAGE.md §10).
enum ExitStatus : int {
  kExitOk = 0,
  kExitCheckFailed = 1,
  kExitUsage = 2,
  kExitCompileError = 65,
  kExitRuntimeError = 70,
};

class DiagnosticEngine;

// Collects notes for one report, and hands it to the engine when destroyed.
class DiagnosticBuilder {
 public:
  DiagnosticBuilder(DiagnosticEngine* engine, Diagnostic diagnostic)
      : engine_(engine), diagnostic_(std::move(diagnostic)) {}
  DiagnosticBuilder(DiagnosticBuilder&& other) noexcept
      : engine_(other.engine_), diagnostic_(std::move(other.diagnostic_)) {
    other.engine_ = nullptr;
  }
  DiagnosticBuilder(const DiagnosticBuilder&) = delete;
  DiagnosticBuilder& operator=(const DiagnosticBuilder&) = delete;
  ~DiagnosticBuilder();

  template <typename... Args>
  DiagnosticBuilder& note(diag::Id id, SourceRange range, const Args&... args);

 private:
  DiagnosticEngine* engine_;
  Diagnostic diagnostic_;
};

class DiagnosticEngine {
 public:
  using Consumer = std::function<void(const Diagnostic&)>;

  // Renders every diagnostic to `out`.
  explicit DiagnosticEngine(std::ostream& out);
  // Hands every diagnostic to `consumer` (tests, the language server, ...).
  explicit DiagnosticEngine(Consumer consumer);

  template <typename... Args>
  DiagnosticBuilder report(diag::Id id, SourceRange range, const Args&... args) {
    return DiagnosticBuilder(this, make(id, range, args...));
  }

  unsigned errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ > 0; }
  // After this many errors, further ones are dropped and one TooManyErrors is shown.
  void setErrorLimit(unsigned limit) { errorLimit_ = limit; }

  template <typename... Args>
  static Diagnostic make(diag::Id id, SourceRange range, const Args&... args) {
    return Diagnostic{id, diagSeverity(id), range,
                      fmt::format(fmt::runtime(diagWording(id)), args...), {}};
  }

  // The text form of one diagnostic and its notes.
  static std::string render(const Diagnostic& diagnostic);

 private:
  friend class DiagnosticBuilder;
  void emit(Diagnostic diagnostic);

  Consumer consumer_;
  unsigned errors_ = 0;
  unsigned errorLimit_ = 20;
};

template <typename... Args>
DiagnosticBuilder& DiagnosticBuilder::note(diag::Id id, SourceRange range, const Args&... args) {
  diagnostic_.notes.push_back(DiagnosticEngine::make(id, range, args...));
  return *this;
}

}  // namespace hel
