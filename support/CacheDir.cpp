#include "support/CacheDir.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hel {

namespace fs = std::filesystem;

std::string cacheDirectory() {
  if (const char* fromEnv = std::getenv("HEL_CACHE_DIR"); fromEnv && *fromEnv) return fromEnv;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/hel";
  return "";
}

bool writeFileAtomically(const std::string& path, const std::string& text) {
  std::error_code error;
  // A bare file name has no folder to make.
  if (fs::path folder = fs::path(path).parent_path(); !folder.empty()) {
    fs::create_directories(folder, error);
    if (error) return false;
  }
  // The process id and a count keep two hels, or two threads, writing the same file
  // from sharing a temporary.
  static std::atomic<uint64_t> writes{0};
  std::string temporary = fmt::format("{}.{}.{}.tmp", path, getpid(), writes++);
  {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    if (!out) {
      fs::remove(temporary, error);
      return false;
    }
  }
  fs::rename(temporary, path, error);
  if (!error) return true;
  fs::remove(temporary, error);
  return false;
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

uint64_t cacheHash(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace hel
