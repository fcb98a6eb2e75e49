// PTX assembled into cubins by the CUDA toolkit's ptxas, where one is installed.
//
// The driver's JIT compiles one module at a time in a process: on the H100 machine, 16
// attention kernels took 11.5 s on one thread and 12.7 s on 16, where 16 ptxas
// processes side by side took 2.6 s. So where ptxas is found, CudaDevice loads cubins
// that ptxas made (hel tune compiles each batch of candidates on every core), and the
// driver's JIT stays the fallback: without ptxas, where ptxas fails (the driver then
// reports the error with its log), or where the driver cannot load ptxas's cubin.
//
// Cubins are cached in $HEL_CACHE_DIR/cubin, keyed by the PTX and by ptxas's path and
// version, so that a script run again loads its kernels at once (as the driver's own
// cache does for the PTX it compiles).
#pragma once

#include <optional>
#include <string>

namespace hel::cuda {

class Ptxas {
 public:
  // ptxas at $HEL_PTXAS where that is set (empty: none), else on PATH, else in
  // $CUDA_HOME/bin or /usr/local/cuda/bin; null where there is none that runs. Looked
  // for once a process.
  static const Ptxas* find();

  // The one at `path`, where it runs (`ptxas --version` succeeds).
  static std::optional<Ptxas> at(const std::string& path);

  // The cubin of `ptx` for a device of architecture `deviceArch` ("sm_90"): for the
  // PTX's own `.target` where that is the device's architecture-specific one ("sm_90a"),
  // else for the device (a cubin runs only on its own architecture; PTX for an older
  // one compiles for a newer device), at the -O level the PTX asks for
  // (support/PtxNotes.h). Nullopt where ptxas fails on it. Cached in
  // `cacheDirectory` (none where empty). Safe to call from several threads at once.
  std::optional<std::string> assemble(const std::string& ptx, const std::string& deviceArch,
                                      const std::string& cacheDirectory) const;

  const std::string& path() const { return path_; }
  // The last line of `ptxas --version` (e.g. "Build cuda_13.0.r13.0/compiler.36424714_0").
  const std::string& version() const { return version_; }

 private:
  Ptxas(std::string path, std::string version) : path_(std::move(path)), version_(std::move(version)) {}
  std::string path_, version_;
};

// The architecture a PTX text's `.target` line names ("sm_90a"); empty where it has none.
std::string ptxTarget(const std::string& ptx);

}  // namespace hel::cuda
