// Where hel's cache is, and files written into it whole (support/CacheDir.h).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "support/CacheDir.h"

namespace fs = std::filesystem;

TEST_CASE("the cache is $HEL_CACHE_DIR, else ~/.cache/hel") {
  std::string savedCache = std::getenv("HEL_CACHE_DIR") ? std::getenv("HEL_CACHE_DIR") : "";
  std::string savedHome = std::getenv("HOME") ? std::getenv("HOME") : "";
  setenv("HEL_CACHE_DIR", "/tmp/hel-cache-test", 1);
  CHECK(hel::cacheDirectory() == "/tmp/hel-cache-test");
  unsetenv("HEL_CACHE_DIR");
  setenv("HOME", "/home/someone", 1);
  CHECK(hel::cacheDirectory() == "/home/someone/.cache/hel");
  unsetenv("HOME");
  CHECK(hel::cacheDirectory().empty());
  if (!savedHome.empty()) setenv("HOME", savedHome.c_str(), 1);
  if (!savedCache.empty()) setenv("HEL_CACHE_DIR", savedCache.c_str(), 1);
}

TEST_CASE("a file is written whole, with its folders, and read back") {
  fs::path dir = fs::temp_directory_path() / ("hel-cachedir-test-" + std::to_string(::getpid()));
  std::string path = (dir / "a" / "b.txt").string();
  REQUIRE(hel::writeFileAtomically(path, "first\n"));
  REQUIRE(hel::writeFileAtomically(path, "second\n"));
  CHECK(hel::readFile(path) == std::optional<std::string>("second\n"));
  // No temporary is left beside it.
  CHECK(std::distance(fs::directory_iterator(dir / "a"), fs::directory_iterator()) == 1);
  CHECK(!hel::readFile((dir / "missing").string()));
  // A folder where the file's folder should be: not written, and no error thrown.
  CHECK(!hel::writeFileAtomically((dir / "a" / "b.txt" / "c").string(), "x"));
  fs::remove_all(dir);
}

TEST_CASE("a cache folder over its size loses the files least recently written or read") {
  fs::path dir = fs::temp_directory_path() / ("hel-cachetrim-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Four files of 100 bytes, a minute apart, oldest first.
  auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < 4; ++i) {
    std::string path = (dir / ("f" + std::to_string(i))).string();
    REQUIRE(hel::writeFileAtomically(path, std::string(100, 'x')));
    fs::last_write_time(path, now - std::chrono::minutes(10 - i));
  }
  // Reading marks a file as used: f0 becomes the newest.
  CHECK(hel::readCacheFile((dir / "f0").string()) == std::string(100, 'x'));
  // Within the size: nothing goes.
  hel::trimCacheFolder(dir.string(), 400);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 4);
  // Over 300 bytes: down to 225 or less, the least recently used first (f1, then f2).
  hel::trimCacheFolder(dir.string(), 300);
  CHECK_FALSE(fs::exists(dir / "f1"));
  CHECK_FALSE(fs::exists(dir / "f2"));
  CHECK(fs::exists(dir / "f3"));
  CHECK(fs::exists(dir / "f0"));
  // A folder that is not there is nothing to trim.
  hel::trimCacheFolder((dir / "missing").string(), 0);
  fs::remove_all(dir);
}
