#include "cli/Input.h"

#include <cerrno>
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

}  // namespace hel::cli
