// Internal to parser/: collects the front end's diagnostics so that they can be
// handed to the DiagnosticEngine in source order at the end (the tokenizer runs
// over the whole file before the parser starts), and remembers where the first
// error after which nothing can be trusted (an unclosed bracket, a broken
// indentation) was found.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "support/Diagnostics.h"

namespace hel::parser {

class DiagnosticBuffer {
 public:
  template <typename... Args>
  Diagnostic& report(diag::Id id, SourceRange range, const Args&... args) {
    items_.push_back(DiagnosticEngine::make(id, range, args...));
    if (items_.back().severity == Severity::Error) ++errors_;
    return items_.back();
  }
  void add(Diagnostic diagnostic) {
    if (diagnostic.severity == Severity::Error) ++errors_;
    items_.push_back(std::move(diagnostic));
  }

  unsigned errorCount() const { return errors_; }

  // Tokens from `offset` on come from a broken stream: syntax errors there are
  // consequences of the error already reported, and are dropped.
  void cutAt(uint32_t offset) { cut_ = std::min(cut_, offset); }
  bool isCut(uint32_t offset) const { return offset >= cut_; }

  const std::vector<Diagnostic>& items() const { return items_; }

  // Hands everything to `engine`, ordered by position (a stable sort keeps an
  // error before the warnings found with it), without repeats.
  void flush(DiagnosticEngine& engine) {
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.range.begin < b.range.begin;
    });
    const Diagnostic* previous = nullptr;
    for (Diagnostic& d : items_) {
      if (previous && previous->id == d.id && previous->range.begin == d.range.begin &&
          previous->message == d.message)
        continue;
      previous = &d;
      DiagnosticBuilder emitted(&engine, d);  // emits when it goes out of scope
    }
    items_.clear();
    errors_ = 0;
  }

 private:
  std::vector<Diagnostic> items_;
  unsigned errors_ = 0;
  uint32_t cut_ = std::numeric_limits<uint32_t>::max();
};

}  // namespace hel::parser
