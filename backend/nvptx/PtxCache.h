// The on-disk cache of compiled PTX: `$HEL_CACHE_DIR` (default ~/.cache/hel),
// one file per kernel, keyed by the kernel's tile IR (which holds its source's
// meaning, its specialization and its config), the target architecture and the
// build of hel (see PtxCache.cpp). A file that cannot be read or written is simply not
// cached: the cache only ever saves time.
#pragma once

#include <optional>
#include <string>

#include "backend/nvptx/Codegen.h"

namespace hel::nvptx {

class PtxCache {
 public:
  // The cache under `dir`; an empty dir means $HEL_CACHE_DIR, else ~/.cache/hel.
  explicit PtxCache(std::string dir = "");

  // The key of a kernel for a target.
  static std::string keyOf(const tir::Kernel& kernel, const Target& target);

  std::optional<Ptx> load(const std::string& key) const;
  // Writes atomically (a temporary file renamed into place).
  void store(const std::string& key, const Ptx& ptx) const;

  // PTX for `kernel`, from the cache or compiled (and then stored). `sharedLimit` as
  // emitPTX's: a kernel over it is not stored (a cached one is whole, with its
  // sharedBytes, over the limit or not).
  Ptx compile(const tir::Kernel& kernel, const Target& target, std::optional<int64_t> sharedLimit = std::nullopt) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string pathOf(const std::string& key) const;
  std::string dir_;
};

}  // namespace hel::nvptx
