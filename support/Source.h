// Source files and locations. Every AST node, IR op and diagnostic points back
// into a SourceFile through a SourceRange.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hel {

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }

  // 1-based line of a byte offset.
  uint32_t lineOf(uint32_t offset) const;
  // 1-based column in characters (UTF-8 code points), as editors count them.
  uint32_t columnOf(uint32_t offset) const;
  uint32_t lineStart(uint32_t line) const { return lineStarts_[line - 1]; }
  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }
  // The text of a 1-based line without its line terminator.
  std::string_view lineText(uint32_t line) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

// A half-open byte range [begin, end) of one file. A null file means "no location".
struct SourceRange {
  const SourceFile* file = nullptr;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != nullptr; }
  uint32_t line() const { return file ? file->lineOf(begin) : 0; }
  uint32_t column() const { return file ? file->columnOf(begin) : 0; }
  // The smallest range covering both.
  SourceRange to(const SourceRange& other) const;
  std::string_view text() const;
};

// Owns every file read during a run so that ranges stay valid to the end.
class SourceManager {
 public:
  const SourceFile& add(std::string path, std::string text);
  // Reads a file from disk; returns nullptr when it cannot be read.
  const SourceFile* load(const std::string& path, std::string* error);

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace hel
