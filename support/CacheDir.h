// hel's on-disk cache (LANGUAGE.md §9): where it is, and how files get into it. A file
// that cannot be read or written is simply not cached: the cache only ever saves time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hel {

// $HEL_CACHE_DIR, else ~/.cache/hel; empty where neither HEL_CACHE_DIR nor HOME is set,
// and then nothing is cached.
std::string cacheDirectory();

// Writes `text` to `path` through a temporary file renamed into place, so that a reader
// (another hel, or another thread, writing beside this one) never sees half a file;
// creates the folders on the way. False where that failed.
bool writeFileAtomically(const std::string& path, const std::string& text);

// The 64-bit FNV-1a hash of `text`: what names a cache file.
uint64_t cacheHash(const std::string& text);

// The whole file, or nullopt where it cannot be read.
std::optional<std::string> readFile(const std::string& path);

// Each folder of compiled artifacts ($HEL_CACHE_DIR/ptx, /cubin) keeps at most this many
// bytes: hel tune caches every candidate (a few hundred KB of PTX and of cubin each).
constexpr uint64_t kCacheFolderBytes = uint64_t{1} << 30;

// A cache file, read whole and marked as used (its time set to now), so that trimming
// keeps what is read; nullopt where it cannot be read.
std::optional<std::string> readCacheFile(const std::string& path);

// writeFileAtomically for a cache file; the first time a process writes into a folder,
// the folder is trimmed to kCacheFolderBytes (trimCacheFolder).
bool writeCacheFile(const std::string& path, const std::string& text);

// Where the files directly in `folder` hold more than `maxBytes`, removes those least
// recently written or read until three quarters of it are left.
void trimCacheFolder(const std::string& folder, uint64_t maxBytes);

}  // namespace hel
