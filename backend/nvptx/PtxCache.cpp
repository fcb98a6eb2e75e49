#include "backend/nvptx/PtxCache.h"

#include <fmt/format.h>
#include <llvm/Config/llvm-config.h>

#include <filesystem>
#include <sstream>

#include "lower/IRPrinter.h"
#include "support/CacheDir.h"

namespace hel::nvptx {
namespace {

namespace fs = std::filesystem;

// Identifies this build of hel: any rebuild may change the PTX emitted for the
// same tile IR, so the executable's size and time are part of every key.
std::string buildIdentity() {
  static const std::string identity = [] {
    std::error_code error;
    fs::path self = fs::read_symlink("/proc/self/exe", error);
    if (error) return std::string("unknown-build");
    auto size = fs::file_size(self, error);
    auto time = fs::last_write_time(self, error).time_since_epoch().count();
    return fmt::format("{}:{}:{}", self.string(), size, static_cast<long long>(time));
  }();
  return identity;
}

}  // namespace

PtxCache::PtxCache(std::string dir) : dir_(dir.empty() ? cacheDirectory() : std::move(dir)) {}

std::string PtxCache::keyOf(const tir::Kernel& kernel, const Target& target) {
  return fmt::format("hel {} llvm-{} {}{}\n{}", buildIdentity(), LLVM_VERSION_STRING, target.arch,
                     target.hasTensorMemoryAccess() ? " tma" : "", tir::print(kernel));
}

std::string PtxCache::pathOf(const std::string& key) const {
  return fmt::format("{}/ptx/{:016x}.ptx", dir_, cacheHash(key));
}

std::optional<Ptx> PtxCache::load(const std::string& key) const {
  if (dir_.empty()) return std::nullopt;
  std::optional<std::string> file = readCacheFile(pathOf(key));
  if (!file) return std::nullopt;
  std::istringstream in(*file);
  // Header: the launch facts, a line per tensor map, then the whole key (so a
  // hash collision misses).
  std::string header;
  std::getline(in, header);
  Ptx ptx;
  unsigned long long threads = 0, shared = 0, maps = 0, keyBytes = 0;
  char entry[256] = {};
  if (std::sscanf(header.c_str(), "// hel ptx cache: threads=%llu shared=%llu maps=%llu key=%llu entry=%255s", &threads,
                  &shared, &maps, &keyBytes, entry) != 5)
    return std::nullopt;
  for (unsigned long long i = 0; i < maps; ++i) {
    std::getline(in, header);
    TensorMap map;
    int dtype = 0;
    if (std::sscanf(header.c_str(), "// tensor map: param=%d dtype=%d dims=%llux%llu stride=%llu box=%ux%u swizzle=%d",
                    &map.pointerParam, &dtype, &map.columns, &map.rows, &map.rowStrideBytes, &map.boxColumns,
                    &map.boxRows, &map.swizzleBytes) != 8)
      return std::nullopt;
    map.dtype = static_cast<DType>(dtype);
    ptx.tensorMaps.push_back(map);
  }
  std::string storedKey(keyBytes, '\0');
  in.read(storedKey.data(), static_cast<std::streamsize>(keyBytes));
  if (!in || storedKey != key) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  ptx.text = text.str();
  ptx.threads = static_cast<int64_t>(threads);
  ptx.sharedBytes = static_cast<int64_t>(shared);
  ptx.entry = entry;
  return ptx;
}

void PtxCache::store(const std::string& key, const Ptx& ptx) const {
  if (dir_.empty()) return;
  std::string text = fmt::format("// hel ptx cache: threads={} shared={} maps={} key={} entry={}\n", ptx.threads,
                                 ptx.sharedBytes, ptx.tensorMaps.size(), key.size(), ptx.entry);
  for (const TensorMap& map : ptx.tensorMaps)
    text += fmt::format("// tensor map: param={} dtype={} dims={}x{} stride={} box={}x{} swizzle={}\n", map.pointerParam,
                        static_cast<int>(map.dtype), map.columns, map.rows, map.rowStrideBytes, map.boxColumns,
                        map.boxRows, map.swizzleBytes);
  writeCacheFile(pathOf(key), text + key + ptx.text);
}

Ptx PtxCache::compile(const tir::Kernel& kernel, const Target& target, std::optional<int64_t> sharedLimit) const {
  std::string key = keyOf(kernel, target);
  if (std::optional<Ptx> cached = load(key)) return *cached;
  Ptx ptx = emitPTX(kernel, target, sharedLimit);
  if (!ptx.text.empty()) store(key, ptx);
  return ptx;
}

}  // namespace hel::nvptx
