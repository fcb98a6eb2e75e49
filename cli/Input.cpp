#include "cli/Input.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <iostream>

namespace hel::cli {

const SourceFile* loadSource(SourceManager& sources, DiagnosticEngine& diags, const std::string& path) {
  std::string error;
  const SourceFile* file = sources.load(path, &error);
  if (!file) diags.report(diag::CannotReadFile, {}, path, error);
  return file;
}

bool writeOutput(const std::string& path, const std::string& text, DiagnosticEngine& diags) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return true;
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    diags.report(diag::CannotWriteFile, {}, path, std::strerror(errno));
    return false;
  }
  return true;
}

bool checkWritable(const std::string& path, DiagnosticEngine& diags) {
  std::filesystem::path file(path);
  std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
  std::error_code error;
  bool writable = access(folder.c_str(), W_OK) == 0 &&
                  (!std::filesystem::exists(file, error) || access(file.c_str(), W_OK) == 0);
  if (!writable) diags.report(diag::CannotWriteFile, {}, path, std::strerror(errno));
  return writable;
}

}  // namespace hel::cli
