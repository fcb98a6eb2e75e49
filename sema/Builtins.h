// The table of builtin functions and tensor methods (Builtins.def), plus the
// ops of support/Ops.def as `torch.NAME` and `Tensor.NAME`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sema/Signature.h"
#include "support/Ops.h"

namespace hel::sema {

enum class BuiltinRule {
  // Ops.def ops, elementwise / reducing / scanning.
  Unary, Binary, Reduce, Scan,
  MaxMin, Where, Clamp, Softmax, LogSoftmax, LayerNorm, Pad,
  Matmul, Bmm, Addmm, Baddbmm, Dot,
  // Creation.
  Empty, Zeros, Ones, Full, Randn, Rand, Randint, Arange, TensorFromData,
  EmptyLike, ZerosLike, OnesLike, FullLike, RandnLike, ManualSeed,
  NewEmpty, NewZeros, NewOnes, NewFull, HlZeros, HlFull,
  // Shapes, views and copies.
  Cat, Stack, Reshape, Permute, Transpose, T, Flatten, Squeeze, Unsqueeze, Expand, ExpandAs,
  Size, Dim, Numel, Stride, Contiguous, Clone, To,
  CastFloat, CastHalf, CastBFloat16, CastInt, CastLong, CastBool, ToCpu, ToCuda,
  Item, Tolist, CopyInPlace, FillInPlace, ZeroInPlace, Autograd,
  // Testing and devices.
  Allclose, AssertClose, Synchronize, CudaIsAvailable, MakeDevice,
  // helion.
  KernelDecorator, MakeConfig, Tile, Grid, HlLoad, HlStore, Atomic, RegisterBlockSize,
  Specialize, DevicePrint, LoadNpy, SaveNpy,
  // Other modules and Python builtins.
  DoBench, TimeNow, GetLogger, MathFunction, Print, Len, Range, PyMinMax, PyAbs, PyInt, PyFloat, PyStr,
  PyBool, Isinstance, Zip, Enumerate, PyTuple, PyList, PySum,
  // The harness's hooks.
  CloseReport, RecordCheck, NameOf, LoadCase, SaveCase,
};

struct Builtin {
  std::string qualifiedName;  // "torch.exp", "Tensor.sum", "helion.language.tile"
  Signature signature;
  BuiltinRule rule;
  // The Ops.def op of Unary/Binary/Reduce/Scan, else the variant's name ("max").
  std::string op;
  UnaryOp unaryOp = UnaryOp::Abs;
  BinaryOp binaryOp = BinaryOp::Add;
  ReduceOp reduceOp = ReduceOp::Sum;
  ScanOp scanOp = ScanOp::CumSum;

  // The module ("torch.nn.functional", "Tensor", "builtins") and the bare name.
  std::string_view module() const;
  std::string_view name() const;
  bool isMethod() const { return module() == "Tensor"; }
};

// Every builtin, in table order.
const std::vector<Builtin>& builtins();
// By qualified name; null when there is none.
const Builtin* findBuiltin(std::string_view qualifiedName);

}  // namespace hel::sema
