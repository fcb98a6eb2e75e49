#include "support/Diagnostics.h"

#include <algorithm>
#include <ostream>

namespace hel {
namespace {

struct DiagInfo {
  const char* name;
  Severity severity;
  const char* wording;
};

constexpr DiagInfo kDiagInfos[] = {
#define DIAG(name, severity, wording) {#name, Severity::severity, wording},
#include "support/Diagnostics.def"
#undef DIAG
};

const char* severityWord(Severity severity) {
  switch (severity) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

// A source line as printed: tabs expanded, and the display column of each
// character, so that the caret line stays aligned with it.
struct ShownLine {
  std::string text;
  std::vector<size_t> columns;  // columns[c - 1]: display column of character c

  explicit ShownLine(std::string_view line) {
    size_t width = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if ((c & 0xC0) == 0x80) {
        text.push_back(line[i]);
        continue;
      }
      columns.push_back(width + 1);
      if (c == '\t') {
        text.append(4 - width % 4, ' ');
        width += 4 - width % 4;
      } else {
        text.push_back(line[i]);
        ++width;
      }
    }
    columns.push_back(width + 1);  // one past the end
  }
  size_t displayColumn(size_t column) const {
    return column <= columns.size() ? columns[column - 1] : columns.back() + (column - columns.size());
  }
};

void renderOne(const Diagnostic& d, std::string& out) {
  if (d.range.valid()) {
    out += fmt::format("{}:{}:{}: ", d.range.file->path(), d.range.line(), d.range.column());
  }
  out += fmt::format("{}: {}\n", severityWord(d.severity), d.message);
  if (!d.range.valid()) return;
  const SourceFile& file = *d.range.file;
  uint32_t line = d.range.line();
  std::string_view text = file.lineText(line);
  // The caret covers the range, cut at the end of its first line.
  uint32_t lineEndOffset = file.lineStart(line) + static_cast<uint32_t>(text.size());
  uint32_t endOffset = std::min(std::max(d.range.end, d.range.begin + 1), lineEndOffset + 1);
  size_t beginColumn = file.columnOf(d.range.begin);
  size_t endColumn = endOffset > lineEndOffset ? file.columnOf(lineEndOffset) + (endOffset - lineEndOffset)
                                               : file.columnOf(endOffset);
  ShownLine shown(text);
  size_t shownBegin = shown.displayColumn(beginColumn);
  size_t shownEnd = std::max(shown.displayColumn(endColumn), shownBegin + 1);
  out += shown.text;
  out += '\n';
  out.append(shownBegin - 1, ' ');
  out += '^';
  if (shownEnd > shownBegin + 1) out.append(shownEnd - shownBegin - 1, '~');
  out += '\n';
}

}  // namespace

const char* diagName(diag::Id id) { return kDiagInfos[id].name; }
Severity diagSeverity(diag::Id id) { return kDiagInfos[id].severity; }
const char* diagWording(diag::Id id) { return kDiagInfos[id].wording; }

DiagnosticBuilder::~DiagnosticBuilder() {
  if (engine_) engine_->emit(std::move(diagnostic_));
}

DiagnosticEngine::DiagnosticEngine(std::ostream& out)
    : consumer_([&out](const Diagnostic& d) { out << render(d) << std::flush; }) {}

DiagnosticEngine::DiagnosticEngine(Consumer consumer) : consumer_(std::move(consumer)) {}

std::string DiagnosticEngine::render(const Diagnostic& diagnostic) {
  std::string out;
  renderOne(diagnostic, out);
  for (const Diagnostic& note : diagnostic.notes) renderOne(note, out);
  return out;
}

void DiagnosticEngine::emit(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::Error) {
    if (errors_ == errorLimit_) {
      ++errors_;
      consumer_(make(diag::TooManyErrors, {}));
      return;
    }
    if (errors_ > errorLimit_) return;
    ++errors_;
  }
  consumer_(diagnostic);
}

}  // namespace hel
