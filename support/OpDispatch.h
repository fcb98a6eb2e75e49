// Turning a run-time op of support/Ops.def into a compile-time one: withUnaryOp(op, f)
// calls f(std::integral_constant<UnaryOp, UnaryOp::Exp>{}) and so on, so that code can
// switch once on the op and then run a loop that calls hel::scalar::unary<Op>(x)
// directly. Shared by the host tensor library, the tile IR passes and the CPU backend.
#pragma once

#include <type_traits>

#include "support/Ops.h"

namespace hel {

template <class F>
decltype(auto) withUnaryOp(UnaryOp op, F&& f) {
  switch (op) {
#define HEL_UNARY_OP(Enum, torch_name, python, Rule) \
  case UnaryOp::Enum: return f(std::integral_constant<UnaryOp, UnaryOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<UnaryOp, UnaryOp::Abs>{});
}

template <class F>
decltype(auto) withBinaryOp(BinaryOp op, F&& f) {
  switch (op) {
#define HEL_BINARY_OP(Enum, torch_name, python, Rule) \
  case BinaryOp::Enum: return f(std::integral_constant<BinaryOp, BinaryOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<BinaryOp, BinaryOp::Add>{});
}

template <class F>
decltype(auto) withReduceOp(ReduceOp op, F&& f) {
  switch (op) {
#define HEL_REDUCE_OP(Enum, torch_name, Rule) \
  case ReduceOp::Enum: return f(std::integral_constant<ReduceOp, ReduceOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<ReduceOp, ReduceOp::Sum>{});
}

template <class F>
decltype(auto) withScanOp(ScanOp op, F&& f) {
  switch (op) {
#define HEL_SCAN_OP(Enum, torch_name, Rule, CombiningReduceOp) \
  case ScanOp::Enum: return f(std::integral_constant<ScanOp, ScanOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<ScanOp, ScanOp::CumSum>{});
}

}  // namespace hel
