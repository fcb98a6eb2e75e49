// The GPU backend: a tile IR kernel to LLVM IR for nvptx64-nvidia-cuda, and on
// to PTX through LLVM's NVPTX target.
//
// Each tile value is spread over the program's threads in a layout
// (Layout.h) that LayoutAssignment.h chooses: coalesced 16-byte vectors for
// loads and stores, slice layouts for reductions (shuffles within a warp,
// shared memory across warps), registers relabelled for broadcasts and
// permutes; what needs elements of other threads otherwise (layout
// conversions, scans, the FMA dot) goes through shared memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "lower/IR.h"

namespace hel::nvptx {

struct Target {
  // sm_80, sm_90, or sm_90a: sm_90 with Hopper's arch-specific instructions
  // (wgmma), which only sm_90 chips run.
  std::string arch = "sm_90";
  // Whether the launcher can encode tensor maps (the driver has
  // cuTensorMapEncodeTiled): sm_90a kernels then copy box-shaped dot operands
  // with TMA.
  bool tensorMaps = true;
  bool hasWarpGroupMma() const { return arch == "sm_90a"; }
  bool hasTensorMemoryAccess() const { return hasWarpGroupMma() && tensorMaps; }
};

// A TMA tensor map a kernel takes as a parameter after its own: the address,
// in global memory, of a 2-D tiled map (CUtensorMap) over the tensor of
// pointer parameter `pointerParam`, which the launcher encodes with that
// argument (cuTensorMapEncodeTiled). Zero-filled outside rows x columns.
struct TensorMap {
  int pointerParam = 0;
  DType dtype = DType::Float16;
  unsigned long long columns = 0, rows = 0;  // elements
  unsigned long long rowStrideBytes = 0;
  unsigned boxColumns = 0, boxRows = 0;
  int swizzleBytes = 128;  // 32, 64 or 128: the 16-byte chunks of a row XOR-ed by row, as rings hold them

  auto fields() const {
    return std::tie(pointerParam, dtype, columns, rows, rowStrideBytes, boxColumns, boxRows, swizzleBytes);
  }
  bool operator==(const TensorMap& other) const { return fields() == other.fields(); }
};

struct Ptx {
  std::string text;         // the PTX module
  std::string entry;        // the kernel's name in it
  int64_t threads = 128;    // threads per program (block.x)
  int64_t sharedBytes = 0;  // dynamic shared memory per program
  std::vector<TensorMap> tensorMaps;  // its parameters after the tile IR kernel's, in order
};

// Thrown for a kernel the backend cannot compile yet (an op it does not
// support); the message says which, and where in the .hel source.
struct Unsupported {
  std::string message;
  SourceRange location;
};

// The most elements of one tile a thread may hold (registers, not counting
// spills); a kernel with a larger tile is Unsupported.
constexpr int64_t kMaxElementsPerThread = 1024;

// The kernel as LLVM IR text (`hel emit --llvm`).
std::string emitLLVM(const tir::Kernel& kernel, const Target& target);
// The kernel as PTX (`hel emit --ptx`, and what runs on the GPU). Given
// `sharedLimit`, a kernel that needs more shared memory a program is neither
// optimized nor emitted: its Ptx has no text, only its entry, threads and
// sharedBytes (hel tune rejects such candidates without running them).
Ptx emitPTX(const tir::Kernel& kernel, const Target& target, std::optional<int64_t> sharedLimit = std::nullopt);

}  // namespace hel::nvptx
