// The GPU backend: a tile IR kernel to LLVM IR for nvptx64-nvidia-cuda, and on
// to PTX through LLVM's NVPTX target.
//
// Layout (this first version favours being obviously right): every tile is
// spread over the program's threads in row-major order, cyclically — element i
// lives in thread i % T, slot i / T, with T = 32 * num_warps — so elementwise
// ops, casts, masks, loads and stores need no communication, consecutive
// threads touch consecutive elements (coalesced), and expand_dims/reshape are
// free. Ops that move elements between threads (broadcast, permute,
// reductions, scans, dot) go through shared memory.
#pragma once

#include <cstdint>
#include <string>

#include "lower/IR.h"

namespace hel::nvptx {

struct Target {
  std::string arch = "sm_90";  // sm_80 or sm_90
};

struct Ptx {
  std::string text;         // the PTX module
  std::string entry;        // the kernel's name in it
  int64_t threads = 128;    // threads per program (block.x)
  int64_t sharedBytes = 0;  // dynamic shared memory per program
};

// Thrown for a kernel the backend cannot compile yet (an op it does not
// support); the message says which, and where in the .hel source.
struct Unsupported {
  std::string message;
  SourceRange location;
};

// The kernel as LLVM IR text (`hel emit --llvm`).
std::string emitLLVM(const tir::Kernel& kernel, const Target& target);
// The kernel as PTX (`hel emit --ptx`, and what runs on the GPU).
Ptx emitPTX(const tir::Kernel& kernel, const Target& target);

}  // namespace hel::nvptx
