// The CPU backend: runs a tile IR kernel on the host, program by program over
// its launch grid, each op on whole tiles with the scalar semantics of
// support/ScalarOps.h (so that results match host tensors where PyTorch's
// would). It is the oracle the GPU backend is tested against and what
// `--device cpu` runs.
//
// Every load, store and atomic lane whose mask is on is checked against its
// pointer argument's element count; an access outside it stops the run with
// an error at the op's source location:
//
//   fail.hel:12:20: error: out-of-bounds load from 'table': element 1000 of 640
//
// Masked-off lanes touch no memory and read `other` (0 when absent).
//
//   std::vector<cpu::Argument> args = {cpu::Argument::pointer(x.data(), n, DType::Float32), ...};
//   if (!cpu::execute(kernel, args, diags)) return kExitRuntimeError;
#pragma once

#include <iosfwd>
#include <memory>
#include <vector>

#include "lower/IR.h"
#include "support/Diagnostics.h"

namespace hel::cpu {

// One kernel argument, matching the kernel's parameter of the same position: a
// pointer parameter takes memory owned by the caller (elements of the
// pointee's dtype, as host tensors store them: float16/bfloat16 as their
// 16-bit patterns, bool as bytes 0/1), a scalar parameter a number.
struct Argument {
  enum class Kind { Pointer, Scalar };
  Kind kind = Kind::Scalar;
  DType dtype = DType::Int64;
  void* data = nullptr;   // pointer: the first element
  int64_t count = 0;      // pointer: how many elements may be accessed
  int64_t intValue = 0;   // scalar of an integral dtype (or bool)
  double floatValue = 0;  // scalar of a floating dtype

  static Argument pointer(void* data, int64_t count, DType dtype) {
    return {Kind::Pointer, dtype, data, count, 0, 0.0};
  }
  static Argument integer(int64_t value, DType dtype = DType::Int64) {
    return {Kind::Scalar, dtype, nullptr, 0, value, 0.0};
  }
  static Argument floating(double value, DType dtype = DType::Float32) {
    return {Kind::Scalar, dtype, nullptr, 0, 0, value};
  }
};

struct ExecOptions {
  // Where `print` (hl.device_print) writes; null: std::cout.
  std::ostream* printTo = nullptr;
};

// A kernel translated once into a form that runs fast; run it as often as
// needed. The kernel must verify and outlive this object.
class CompiledKernel {
 public:
  explicit CompiledKernel(const tir::Kernel& kernel);
  ~CompiledKernel();
  CompiledKernel(const CompiledKernel&) = delete;
  CompiledKernel& operator=(const CompiledKernel&) = delete;

  // Runs every program of the grid. Returns false after reporting a run-time
  // fault (out-of-bounds access, integer division by zero, ...) to `diags`;
  // memory written before the fault stays written. Arguments that do not
  // match the parameters are a caller's bug: std::invalid_argument.
  bool run(const std::vector<Argument>& args, DiagnosticEngine& diags, const ExecOptions& options = {}) const;

  struct Program;

 private:
  std::unique_ptr<Program> program_;
};

// Compiles and runs once.
bool execute(const tir::Kernel& kernel, const std::vector<Argument>& args, DiagnosticEngine& diags,
             const ExecOptions& options = {});

}  // namespace hel::cpu
