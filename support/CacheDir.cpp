#include "support/CacheDir.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

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

std::optional<std::string> readCacheFile(const std::string& path) {
  std::optional<std::string> text = readFile(path);
  std::error_code error;
  if (text) fs::last_write_time(path, fs::file_time_type::clock::now(), error);
  return text;
}

bool writeCacheFile(const std::string& path, const std::string& text) {
  bool written = writeFileAtomically(path, text);
  // Once a process a folder: a folder of thousands of files takes a while to list.
  static std::mutex mutex;
  static std::set<std::string> trimmed;
  std::string folder = fs::path(path).parent_path().string();
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    first = trimmed.insert(folder).second;
  }
  if (first) trimCacheFolder(folder, kCacheFolderBytes);
  return written;
}

void trimCacheFolder(const std::string& folder, uint64_t maxBytes) {
  struct Entry {
    fs::file_time_type time;
    uint64_t bytes;
    fs::path path;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::error_code entryError;
    if (!it->is_regular_file(entryError)) continue;
    uint64_t bytes = it->file_size(entryError);
    fs::file_time_type time = it->last_write_time(entryError);
    if (entryError) continue;
    entries.push_back({time, bytes, it->path()});
    total += bytes;
  }
  if (total <= maxBytes) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.time < b.time; });
  for (const Entry& entry : entries) {
    if (total <= maxBytes / 4 * 3) break;
    if (fs::remove(entry.path, error)) total -= entry.bytes;
  }
}

uint64_t cacheHash(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace hel
